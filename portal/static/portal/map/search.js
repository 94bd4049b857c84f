// The search box: places, parcels and coordinates, answered by /api/map/search; the first hit is shown.

import { el, fill } from "./dom.js";

export class Search {
  constructor(map, { form, results, url, messages, notices }) {
    this.map = map;
    this.form = form;
    this.list = results;
    this.url = url;
    this.messages = messages;
    this.notices = notices;
    this.marker = null;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run(form.elements.q.value);
    });
  }

  async run(text) {
    const query = text.trim();
    this.list.hidden = true;
    if (!query) return [];
    let body;
    try {
      const response = await fetch(`${this.url}?${new URLSearchParams({ q: query })}`,
        { headers: { Accept: "application/json" } });
      body = await response.json();
      if (!response.ok) throw new Error(body.message || response.statusText);
    } catch (error) {
      this.notices.show(fill(this.messages.search_failed, { reason: error.message }), { kind: "error" });
      return [];
    }
    if (!body.results.length) {
      this.notices.show(fill(this.messages.no_match, { q: query }), { kind: "warning", timeout: 8000 });
      return [];
    }
    this.render(body.results);
    this.go(body.results[0]);
    return body.results;
  }

  render(results) {
    this.list.replaceChildren(...results.map((hit) => el("li", {},
      el("button", { type: "button", "data-kind": hit.kind, onclick: () => { this.go(hit); this.list.hidden = true; } },
        el("strong", { text: hit.title }), hit.subtitle ? el("span", { class: "muted", text: ` · ${hit.subtitle}` }) : null))));
    this.list.hidden = results.length < 2;
  }

  go(hit) {
    this.marker?.remove();
    this.marker = null;
    if (hit.bbox && hit.kind !== "coordinates") {
      const [west, south, east, north] = hit.bbox;
      this.map.fitBounds([[west, south], [east, north]], { padding: 40, maxZoom: hit.kind === "parcel" ? 19 : 15,
        duration: 600 });
    } else {
      this.map.flyTo({ center: [hit.lon, hit.lat], zoom: Math.max(this.map.getZoom(), 16), duration: 600 });
    }
    if (hit.kind === "coordinates" || hit.kind === "parcel") {
      this.marker = new window.maplibregl.Marker({ color: "#d62828" }).setLngLat([hit.lon, hit.lat]).addTo(this.map);
    }
  }
}
