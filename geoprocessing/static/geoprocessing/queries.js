// The planner's queries: a form per question, the answer drawn on the portal's map and tabled, and downloads
// as GeoJSON, GeoPackage or CSV. Polygons are drawn on the map (click the corners, double-click to close).

const config = JSON.parse(document.getElementById("planning-config").textContent);
const mapConfig = JSON.parse(document.getElementById("map-config").textContent);
const M = config.messages;
const { createPortalMap } = await import(config.modules["portal-map"]);
const { el, fill } = await import(config.modules.dom);

const app = document.querySelector("[data-queries-app]");
const form = app.querySelector("[data-query-form]");
const result = app.querySelector("[data-result]");
const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
const EMPTY = { type: "FeatureCollection", features: [] };
const SHOWN_ROWS = 100;
const drawing = { active: false, corners: [], polygon: null };

for (const select of app.querySelectorAll("[data-land-uses]")) {
  select.append(...config.land_uses.map(([code, name]) => el("option", { value: code, text: `${code} – ${name}` })));
}
app.querySelector("[data-rasters]").append(...config.rasters.map(([slug, title]) => el("option",
  { value: slug, text: title })));
app.querySelector("[data-polygon-layers]").append(...config.polygon_layers.map(([slug, title]) => el("option",
  { value: slug, text: title })));

function showFieldsets() {
  const query = form.query.value;
  for (const fieldset of form.querySelectorAll("fieldset[data-for]")) fieldset.hidden = fieldset.dataset.for !== query;
}
form.query.addEventListener("change", showFieldsets);
showFieldsets();

function values(name) {
  return [...form.elements[name].selectedOptions].map((option) => option.value);
}

function commonParams() {
  return form.date.value ? { date: form.date.value } : {};
}

// Each query: [method, url, query params, JSON body or null]
function request() {
  const q = form.query.value;
  const common = commonParams();
  if (q === "parcels") {
    const body = { land_use: values("land_use"), planned_land_use: values("planned_land_use"), limit: 5000, ...common };
    if (form.commune.value) body.commune = form.commune.value;
    if (form.area_min_m2.value) body.area_min_m2 = Number(form.area_min_m2.value);
    if (form.area_max_m2.value) body.area_max_m2 = Number(form.area_max_m2.value);
    if (form.zone_code.value) body.zone = { zone_code: form.zone_code.value };
    if (form.near_layer.value && form.near_ext_id.value) {
      body.near = { layer: form.near_layer.value, ext_id: form.near_ext_id.value,
        distance_m: Number(form.near_m.value || 0) };
    }
    if (drawing.polygon) {
      body.within = drawing.polygon;
      body.within_whole = form.within_whole.checked;
    }
    return ["POST", config.urls.parcels, {}, body];
  }
  if (q === "overlay-commune") return ["GET", config.urls.overlay, { by: "commune", ...common }, null];
  if (q === "overlay-zone") return ["GET", config.urls.overlay, { by: "zone", ...common }, null];
  if (q === "plan-vs-current") return ["GET", config.urls.plan_vs_current, { limit: 5000, ...common }, null];
  if (q === "conflicts") {
    return ["GET", config.urls.underground_conflicts, { shallow_m: form.shallow_m.value,
      min_density_pct: form.min_density_pct.value, limit: 5000, ...common }, null];
  }
  if (q === "trace") {
    return ["GET", config.urls.trace, { network: form.network.value, node: form.node.value,
      direction: form.direction.value }, null];
  }
  return ["POST", config.urls.zonal_stats, {}, { raster: form.raster.value, polygons: form.polygons.value,
    ...common }];
}

async function send(format) {
  const [method, url, params, body] = request();
  const query = new URLSearchParams({ ...params, format });
  const response = await fetch(`${url}?${query}`, { method, credentials: "same-origin",
    headers: { Accept: "application/json", ...(body ? { "Content-Type": "application/json", "X-CSRFToken": csrf }
      : {}) }, body: body ? JSON.stringify(body) : undefined });
  return response;
}

function table(features) {
  if (!features.length) return null;
  const columns = Object.keys(features[0].properties);
  return el("div", { class: "query-table" }, el("table", { "data-result-table": "" },
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { text: c })))),
    el("tbody", {}, features.slice(0, SHOWN_ROWS).map((f) => el("tr", {}, columns.map((c) => {
      const v = f.properties[c];
      return el("td", { text: v === null ? "" : Array.isArray(v) ? v.join(", ") : typeof v === "object"
        ? JSON.stringify(v) : String(v) });
    }))))));
}

async function download(format) {
  const response = await send(format);
  if (!response.ok) {
    result.prepend(el("p", { class: "error", text: fill(M.failed, { reason: (await response.json()).message }) }));
    return;
  }
  const name = (response.headers.get("Content-Disposition") || "").match(/filename="?([^";]+)"?/)?.[1]
    || `result.${format}`;
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

function draw(collection) {
  portal.map.getSource("query-results")?.setData(collection);
  const points = collection.features.filter((f) => f.geometry).flatMap((f) => flatten(f.geometry.coordinates));
  if (!points.length) return;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  portal.map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]],
    { padding: 60, maxZoom: 18, duration: 0 });
}

function flatten(coordinates) {
  return typeof coordinates[0] === "number" ? [coordinates] : coordinates.flatMap(flatten);
}

async function run(event) {
  event.preventDefault();
  result.replaceChildren(el("p", { class: "muted", text: M.running }));
  const response = await send("geojson");
  const body = await response.json();
  if (!response.ok) {
    result.replaceChildren(el("p", { class: "error", role: "alert", text: fill(M.failed, { reason: body.message }) }));
    draw(EMPTY);
    return;
  }
  draw(body);
  const count = body.numberMatched ?? body.features.length;
  result.replaceChildren(
    el("p", { "data-result-count": count, text: `${fill(M.matched, { count })}${body.features.length > SHOWN_ROWS
      ? ` (${fill(M.shown, { count: SHOWN_ROWS })})` : ""}` }),
    el("pre", { class: "muted", text: JSON.stringify(body.summary, null, 1) }),
    el("p", {}, `${M.download}: `, ["geojson", "gpkg", "csv"].flatMap((format, i) => [i ? " · " : "",
      el("button", { type: "button", class: "link", "data-download": format, text: format.toUpperCase(),
        onclick: () => download(format) })])),
    table(body.features));
}
form.addEventListener("submit", run);

function addResultLayers(map) {
  if (map.getSource("query-results")) return;
  map.addSource("query-results", { type: "geojson", data: EMPTY });
  map.addSource("query-drawing", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "query-fill", type: "fill", source: "query-results", filter: ["==", ["geometry-type"], "Polygon"],
    paint: { "fill-color": "#3a86ff", "fill-opacity": 0.35 } });
  map.addLayer({ id: "query-line", type: "line", source: "query-results",
    paint: { "line-color": "#1d3557", "line-width": 2 } });
  map.addLayer({ id: "query-point", type: "circle", source: "query-results", filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-radius": 5, "circle-color": "#1d3557" } });
  map.addLayer({ id: "query-drawing", type: "line", source: "query-drawing",
    paint: { "line-color": "#d62828", "line-width": 2, "line-dasharray": [2, 1] } });
}

function showDrawing() {
  const ring = drawing.polygon ? drawing.polygon.coordinates[0] : drawing.corners;
  portal.map.getSource("query-drawing")?.setData(ring.length > 1 ? { type: "Feature", properties: {},
    geometry: { type: "LineString", coordinates: ring } } : EMPTY);
  app.querySelector("[data-draw-status]").textContent = drawing.polygon
    ? fill(M.drawn, { count: drawing.polygon.coordinates[0].length - 1 }) : drawing.active ? M.draw_hint : "";
}

app.querySelector("[data-draw]").addEventListener("click", () => {
  Object.assign(drawing, { active: true, corners: [], polygon: null });
  portal.map.doubleClickZoom.disable();
  showDrawing();
});
app.querySelector("[data-clear-draw]").addEventListener("click", () => {
  Object.assign(drawing, { active: false, corners: [], polygon: null });
  showDrawing();
});

await new Promise((resolve) => (window.maplibregl ? resolve() : window.addEventListener("load", resolve,
  { once: true })));
const portal = await createPortalMap(app.querySelector("[data-map]"), mapConfig, { layers: config.layers });
const { map } = portal;
if (map.loaded()) addResultLayers(map);
else map.once("load", () => addResultLayers(map));
map.on("portal:basechange", () => addResultLayers(map));
map.on("click", (event) => {
  if (!drawing.active) return;
  drawing.corners.push([event.lngLat.lng, event.lngLat.lat]);
  showDrawing();
});
map.on("dblclick", (event) => {
  if (!drawing.active || drawing.corners.length < 3) return;
  event.preventDefault();
  // The double-click's own two clicks added its point twice: keep corners that differ from the one before.
  const corners = drawing.corners.filter((c, i, all) => i === 0 || c[0] !== all[i - 1][0] || c[1] !== all[i - 1][1]);
  if (corners.length < 3) return;
  const ring = [...corners, corners[0]];
  Object.assign(drawing, { active: false, polygon: { type: "Polygon", coordinates: [ring] } });
  map.doubleClickZoom.enable();
  showDrawing();
});

window.plannerQueries = { portal, drawing };
