// The catalog's layers on the map: one source and one style layer each, above the basemap, toggled and
// faded from the layer tree. A source whose layer is hidden fetches no tile.

import { el } from "./dom.js";
import { legendFor } from "./legend.js";

const OPACITY = { fill: ["fill-opacity"], line: ["line-opacity"], circle: ["circle-opacity", "circle-stroke-opacity"],
  symbol: ["text-opacity", "icon-opacity"], raster: ["raster-opacity"], "fill-extrusion": ["fill-extrusion-opacity"],
  heatmap: ["heatmap-opacity"] };

export const layerId = (slug) => `ov-${slug}`;

export class Overlays {
  constructor(map, config, { onChange } = {}) {
    this.map = map;
    this.entries = config.overlays;
    this.bySlug = new Map(this.entries.map((entry) => [entry.slug, entry]));
    this.themes = config.themes;
    this.messages = config.messages;
    this.visible = new Set();
    this.opacity = new Map();
    this.onChange = onChange || (() => {});
    this.rows = new Map();
  }

  has(slug) {
    return this.bySlug.has(slug);
  }

  source(entry) {
    if (entry.type === "raster") {
      return { type: "raster", tiles: [entry.tiles], tileSize: 256, minzoom: 0, maxzoom: 14,
        attribution: entry.attribution };
    }
    return { type: "vector", tiles: [entry.tiles], minzoom: Math.min(entry.minzoom, entry.tile_maxzoom),
      maxzoom: entry.tile_maxzoom, attribution: entry.attribution };
  }

  styleLayer(entry) {
    const style = entry.style;
    const layer = { id: layerId(entry.slug), type: style.type, source: layerId(entry.slug),
      minzoom: entry.minzoom, maxzoom: Math.min(24, entry.maxzoom + 1),
      paint: { ...style.paint }, layout: { ...style.layout, visibility: this.visible.has(entry.slug) ? "visible" : "none" } };
    if (entry.type === "vector") layer["source-layer"] = entry.slug;
    const factor = this.opacity.get(entry.slug) ?? 1;
    for (const property of OPACITY[style.type] || []) {
      layer.paint[property] = this.scaled(style.paint[property], factor);
    }
    return layer;
  }

  scaled(base, factor) {
    // A zoom expression must stay at the top of a property, so only plain numbers are multiplied.
    if (base === undefined) return factor;
    if (typeof base === "number") return base * factor;
    return factor === 1 ? base : factor;
  }

  // Adds every overlay to a style document (used for the first style and on each basemap switch).
  addTo(style) {
    for (const entry of this.entries) {
      style.sources[layerId(entry.slug)] = this.source(entry);
      style.layers.push(this.styleLayer(entry));
    }
    for (const id of ["identify-highlight", "measure"]) {
      if (!style.sources[id]) style.sources[id] = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
    }
    return style;
  }

  setVisible(slug, on) {
    if (!this.has(slug)) return;
    if (on) this.visible.add(slug);
    else this.visible.delete(slug);
    if (this.map.getLayer(layerId(slug))) {
      this.map.setLayoutProperty(layerId(slug), "visibility", on ? "visible" : "none");
    }
    const row = this.rows.get(slug);
    if (row) row.querySelector("input[type=checkbox]").checked = on;
    this.onChange();
  }

  setOpacity(slug, factor) {
    const entry = this.bySlug.get(slug);
    if (!entry) return;
    this.opacity.set(slug, factor);
    for (const property of OPACITY[entry.style.type] || []) {
      this.map.setPaintProperty(layerId(slug), property, this.scaled(entry.style.paint[property], factor));
    }
  }

  visibleSlugs() {
    return this.entries.filter((entry) => this.visible.has(entry.slug)).map((entry) => entry.slug);
  }

  visibleVectorSlugs() {
    return this.visibleSlugs().filter((slug) => this.bySlug.get(slug).type === "vector");
  }

  renderTree(container) {
    container.replaceChildren();
    if (!this.entries.length) {
      container.append(el("p", { class: "muted", text: "—" }));
      return;
    }
    for (const theme of this.themes) {
      const members = this.entries.filter((entry) => entry.theme === theme.key);
      if (!members.length) continue;
      const group = el("details", { class: "theme", open: true, "data-theme": theme.key },
        el("summary", { text: theme.title }));
      for (const entry of members) group.append(this.row(entry));
      container.append(group);
    }
    this.updateZoomHints();
    this.map.on("zoomend", () => this.updateZoomHints());
  }

  row(entry) {
    const id = `layer-${entry.slug}`;
    const checkbox = el("input", { type: "checkbox", id, "data-layer": entry.slug,
      onchange: (event) => this.setVisible(entry.slug, event.target.checked) });
    checkbox.checked = this.visible.has(entry.slug);
    const slider = el("input", { type: "range", min: 0, max: 100, step: 5, value: 100, "data-opacity": entry.slug,
      "aria-label": `${this.messages.opacity}: ${entry.title}`,
      oninput: (event) => this.setOpacity(entry.slug, Number(event.target.value) / 100) });
    const row = el("div", { class: "layer-row", "data-row": entry.slug },
      el("div", { class: "layer-head" }, checkbox, el("label", { for: id, text: entry.title })),
      el("div", { class: "layer-controls" }, el("span", { class: "muted", text: this.messages.opacity }), slider),
      legendFor(entry, this.messages),
      el("p", { class: "zoom-hint muted", text: this.messages.zoom_in_to_see }));
    this.rows.set(entry.slug, row);
    return row;
  }

  updateZoomHints() {
    const zoom = this.map.getZoom();
    for (const [slug, row] of this.rows) {
      row.classList.toggle("out-of-range", zoom < this.bySlug.get(slug).minzoom);
    }
  }
}
