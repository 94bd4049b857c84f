// Legends read from a layer's MapLibre style: one swatch per colour the style can draw.

import { el } from "./dom.js";

const COLOUR_OF = { fill: "fill-color", line: "line-color", circle: "circle-color", symbol: "text-color",
  "fill-extrusion": "fill-extrusion-color", heatmap: null, raster: null };

function entries(value, otherLabel) {
  if (typeof value === "string") return [{ label: "", colour: value }];
  if (!Array.isArray(value)) return [];
  const [op, ...args] = value;
  if (op === "match") {
    const out = [];
    const cases = args.slice(1, -1);
    for (let i = 0; i + 1 < cases.length; i += 2) {
      const label = Array.isArray(cases[i]) ? cases[i].join(", ") : String(cases[i]);
      if (typeof cases[i + 1] === "string") out.push({ label, colour: cases[i + 1] });
    }
    const fallback = args[args.length - 1];
    if (typeof fallback === "string") out.push({ label: otherLabel, colour: fallback });
    return out;
  }
  if (op === "step" || op === "interpolate") {
    const stops = op === "step" ? [args[1], ...args.slice(2)] : args.slice(2);
    const out = [];
    if (op === "step" && typeof stops[0] === "string") out.push({ label: "", colour: stops[0] });
    for (let i = op === "step" ? 1 : 0; i + 1 < stops.length; i += 2) {
      if (typeof stops[i + 1] === "string") out.push({ label: `≥ ${stops[i]}`, colour: stops[i + 1] });
    }
    return out;
  }
  return [];
}

function swatch(type, colour, paint) {
  const node = el("span", { class: `swatch swatch-${type}` });
  if (type === "line") node.style.borderTopColor = colour;
  else node.style.background = colour;
  if (type === "fill" && typeof paint["fill-outline-color"] === "string") {
    node.style.outline = `1px solid ${paint["fill-outline-color"]}`;
  }
  return node;
}

export function legendFor(entry, messages) {
  const style = entry.style || {};
  if (entry.type === "raster") {
    const [low, high] = entry.range || [];
    const fmt = (v) => (typeof v === "number" ? v.toLocaleString(undefined, { maximumFractionDigits: 1 }) : "");
    return el("div", { class: "legend" },
      el("span", { class: "swatch swatch-ramp" }), el("span", { class: "legend-label", text:
        `${fmt(low)} – ${fmt(high)} ${entry.unit || ""}`.trim() }));
  }
  const property = COLOUR_OF[style.type];
  const items = property ? entries((style.paint || {})[property], messages.theme_other) : [];
  if (!items.length) return null;
  return el("ul", { class: "legend", "aria-label": messages.legend },
    items.slice(0, 12).map((item) => el("li", {}, swatch(style.type, item.colour, style.paint || {}),
      item.label ? el("span", { class: "legend-label", text: item.label }) : null)));
}
