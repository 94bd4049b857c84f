// Click → the features of the visible layers under the pointer, asked from the portal (public columns
// only, labels in the page's language), in a popup; the feature hit is outlined on the map.

import { el, fill } from "./dom.js";

const HIGHLIGHT = "identify-highlight";

export function highlightLayers() {
  return [
    { id: `${HIGHLIGHT}-fill`, type: "fill", source: HIGHLIGHT, filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": "#ffb000", "fill-opacity": 0.18 } },
    { id: `${HIGHLIGHT}-line`, type: "line", source: HIGHLIGHT, paint: { "line-color": "#ff8c00", "line-width": 3 } },
    { id: `${HIGHLIGHT}-point`, type: "circle", source: HIGHLIGHT, filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 9, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#ff8c00",
        "circle-stroke-width": 3 } },
  ];
}

function formatValue(value) {
  if (typeof value === "number") return value.toLocaleString(undefined, { maximumFractionDigits: 2 });
  if (typeof value === "boolean") return value ? "✓" : "✗";
  return String(value);
}

function featureSection(feature, messages) {
  const rows = feature.attributes.map((attribute) => el("tr", {},
    el("th", { scope: "row", text: attribute.label }), el("td", { text: formatValue(attribute.value) })));
  const links = feature.links.map((link) => el("li", {},
    el("a", { href: link.url, target: "_blank", rel: "noopener", text: `${messages.decision}: ${link.title}` })));
  return el("section", { class: "identify-feature", "data-feature": `${feature.layer}/${feature.id ?? ""}` },
    el("h3", { text: feature.layer_title }),
    el("table", {}, el("tbody", {}, rows)),
    links.length ? el("ul", { class: "decision-links" }, links) : null);
}

export class Identify {
  constructor(map, { url, overlays, messages, isBusy }) {
    this.map = map;
    this.url = url;
    this.overlays = overlays;
    this.messages = messages;
    this.isBusy = isBusy || (() => false);
    this.popup = null;
    this.request = 0;
    map.on("click", (event) => {
      if (!this.isBusy()) this.at(event.lngLat);
    });
  }

  clear() {
    this.map.getSource(HIGHLIGHT)?.setData({ type: "FeatureCollection", features: [] });
  }

  async at(lngLat) {
    const layers = this.overlays.visibleVectorSlugs();
    const ticket = ++this.request;
    const popup = this.show(lngLat, el("p", { class: "muted", text: "…" }));
    if (!layers.length) {
      popup.setDOMContent(this.content([], lngLat));
      return;
    }
    const query = new URLSearchParams({ lon: lngLat.lng.toFixed(7), lat: lngLat.lat.toFixed(7),
      zoom: this.map.getZoom().toFixed(2), layers: layers.join(",") });
    let features = [];
    try {
      const response = await fetch(`${this.url}?${query}`, { headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) throw new Error(body.message || response.statusText);
      features = body.features;
    } catch (error) {
      if (ticket === this.request) popup.setDOMContent(el("p", { class: "error",
        text: fill(this.messages.identify_failed, { reason: error.message }) }));
      return;
    }
    if (ticket !== this.request) return;
    popup.setDOMContent(this.content(features, lngLat));
    this.map.getSource(HIGHLIGHT)?.setData({ type: "FeatureCollection", features: features
      .filter((feature) => feature.geometry).slice(0, 1)
      .map((feature) => ({ type: "Feature", geometry: feature.geometry, properties: {} })) });
  }

  content(features, lngLat) {
    const where = el("p", { class: "muted coords",
      text: `${this.messages.coordinates}: ${lngLat.lat.toFixed(6)}, ${lngLat.lng.toFixed(6)}` });
    if (!features.length) return el("div", { class: "identify" }, el("p", { text: this.messages.no_features }), where);
    return el("div", { class: "identify" }, features.map((feature) => featureSection(feature, this.messages)), where);
  }

  show(lngLat, content) {
    this.popup?.remove();
    this.popup = new window.maplibregl.Popup({ maxWidth: "22rem", closeButton: true, className: "identify-popup" })
      .setLngLat(lngLat).setDOMContent(content).addTo(this.map);
    this.popup.on("close", () => this.clear());
    return this.popup;
  }
}
