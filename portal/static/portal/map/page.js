// The map page (/map/): layer tree, basemap switch, search, identify, measuring, PNG export, and the
// view kept in the URL hash. Everything the page asks for comes from this portal.

import { Notices, fill } from "./dom.js";
import { exportPng } from "./export.js";
import { formatHash, parseHash } from "./hash.js";
import { Identify } from "./identify.js";
import { Measure } from "./measure.js";
import { createPortalMap } from "./portal-map.js";
import { Search } from "./search.js";

function whenMapLibre() {
  return new Promise((resolve) => {
    if (window.maplibregl) resolve();
    else window.addEventListener("load", () => resolve(), { once: true });
  });
}

async function main() {
  const app = document.querySelector("[data-map-app]");
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const messages = config.messages;
  const notices = new Notices(app.querySelector("[data-notices]"), messages.close);
  const bases = Object.keys(config.bases);
  const state = parseHash(window.location.hash, bases);
  if (state.malformed) notices.show(messages.bad_hash, { kind: "warning" });
  const wanted = state.layers || [];
  const known = new Set(config.overlays.map((entry) => entry.slug));
  const unknown = wanted.filter((slug) => !known.has(slug));
  if (unknown.length) {
    notices.show(fill(messages.unknown_layers, { layers: unknown.join(", ") }), { kind: "warning" });
  }
  await whenMapLibre();
  let portal;
  const saveHash = () => {
    if (!portal) return;
    const { map, overlays } = portal;
    const center = map.getCenter();
    const hash = formatHash({ zoom: map.getZoom(), center: [center.lng, center.lat], layers: overlays.visibleSlugs(),
      base: portal.base });
    if (hash !== window.location.hash) window.history.replaceState(null, "", hash);
  };
  portal = await createPortalMap(app.querySelector("[data-map]"), config, {
    base: state.base || "light", center: state.view?.center, zoom: state.view?.zoom,
    layers: wanted.filter((slug) => known.has(slug)), overlaysOnChange: saveHash,
  });
  const { map, overlays } = portal;
  window.portalMap = portal; // for people debugging in the console, and for the page tests

  overlays.renderTree(app.querySelector("[data-layer-tree]"));
  const readout = app.querySelector("[data-measure-readout]");
  const measure = new Measure(map, { readout, messages });
  new Identify(map, { url: config.urls.identify, overlays, messages, isBusy: () => measure.active });
  new Search(map, { form: app.querySelector("[data-search]"), results: app.querySelector("[data-search-results]"),
    url: config.urls.search, messages, notices });

  for (const button of app.querySelectorAll("[data-measure]")) {
    button.addEventListener("click", () => {
      const mode = button.dataset.measure;
      if (mode === "clear") measure.clear();
      else measure.start(mode);
    });
  }
  app.querySelector("[data-export]").addEventListener("click", () => exportPng(map, { attribution: config.attribution }));
  for (const radio of app.querySelectorAll("input[name=base]")) {
    radio.checked = radio.value === portal.base;
    radio.addEventListener("change", async () => {
      if (!radio.checked) return;
      await portal.setBase(radio.value);
      app.classList.toggle("dark", radio.value === "dark");
      saveHash();
    });
  }
  app.classList.toggle("dark", portal.base === "dark");

  const toggle = app.querySelector(".panel-toggle");
  const openPanel = (open) => {
    app.classList.toggle("panel-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => openPanel(!app.classList.contains("panel-open")));
  app.querySelector(".panel-close").addEventListener("click", () => openPanel(false));
  map.on("mousedown", () => openPanel(false));
  map.on("touchstart", () => openPanel(false));

  map.on("moveend", saveHash);
  window.addEventListener("hashchange", () => {
    const next = parseHash(window.location.hash, bases);
    if (next.view) map.jumpTo({ center: next.view.center, zoom: next.view.zoom });
    if (next.layers) for (const entry of config.overlays) overlays.setVisible(entry.slug, next.layers.includes(entry.slug));
  });
  map.once("load", saveHash);
}

main().catch((error) => {
  // Shown, not swallowed: a map that cannot start says why.
  const box = document.querySelector("[data-notices]");
  if (box) box.textContent = `Bản đồ không khởi động được / the map could not start: ${error.message}`;
  console.error(error);
});
