// The portal's map as a reusable module: basemap (light or dark) from the portal's own tiles, the
// catalog's layers above it, highlight and measurement layers on top. Other pages (the planning lookup)
// embed it with createPortalMap(container, config, options) and read the returned object's `map`.
//
// Needs MapLibre GL JS (window.maplibregl, served by the portal) loaded before it.

import { highlightLayers } from "./identify.js";
import { measureLayers } from "./measure.js";
import { Overlays } from "./overlays.js";

async function fetchStyle(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`basemap style ${url}: HTTP ${response.status}`);
  return response.json();
}

export class PortalMap {
  constructor(map, config, overlays, base) {
    this.map = map;
    this.config = config;
    this.overlays = overlays;
    this.base = base;
    this.timings = {};
  }

  compose(style) {
    this.overlays.addTo(style);
    style.layers.push(...highlightLayers(), ...measureLayers());
    return style;
  }

  async setBase(base) {
    if (!this.config.bases[base] || base === this.base) return;
    const style = this.compose(await fetchStyle(this.config.bases[base]));
    this.base = base;
    // Sources keep their tiles where they are the same; the GeoJSON layers are re-added empty.
    this.map.setStyle(style);
    this.map.once("styledata", () => this.map.fire("portal:basechange", { base }));
  }

  whenIdle() {
    return new Promise((resolve) => {
      if (this.map.loaded() && this.map.areTilesLoaded()) resolve();
      else this.map.once("idle", () => resolve());
    });
  }
}

// options: {base, center, zoom, layers (slugs to show), overlaysOnChange, interactive}
export async function createPortalMap(container, config, options = {}) {
  const maplibregl = window.maplibregl;
  if (!maplibregl) throw new Error("MapLibre GL JS is not loaded");
  const base = config.bases[options.base] ? options.base : "light";
  const started = performance.now();
  const placeholder = new Overlays(null, config, { onChange: options.overlaysOnChange });
  for (const slug of options.layers || []) if (placeholder.has(slug)) placeholder.visible.add(slug);
  const portal = new PortalMap(null, config, placeholder, base);
  const style = portal.compose(await fetchStyle(config.bases[base]));
  const map = new maplibregl.Map({
    container, style, center: options.center || config.view.center, zoom: options.zoom ?? config.view.zoom,
    maxZoom: 20, attributionControl: false, interactive: options.interactive ?? true,
    // Set on any canvas read by tests or exports; the export reads inside the render event instead.
    canvasContextAttributes: { preserveDrawingBuffer: Boolean(options.preserveDrawingBuffer) },
  });
  placeholder.map = map;
  portal.map = map;
  map.addControl(new maplibregl.AttributionControl({ customAttribution: config.attribution }),
    "bottom-right");
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric", maxWidth: 120 }), "bottom-left");
  portal.timings.created = performance.now() - started;
  map.once("load", () => { portal.timings.load = performance.now(); });
  map.once("idle", () => { portal.timings.idle = performance.now(); });
  return portal;
}
