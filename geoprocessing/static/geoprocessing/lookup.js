// The citizen's planning lookup: a parcel picked on the map, typed by its numbers or by coordinates; what the plan
// says about it (zones, land use, building controls, decisions, corridors), drawn on the portal's own map.
// Every request goes to this portal: the map module, its basemap and tiles, the lookup API.

const config = JSON.parse(document.getElementById("planning-config").textContent);
const mapConfig = JSON.parse(document.getElementById("map-config").textContent);
const M = config.messages;
const { createPortalMap } = await import(config.modules["portal-map"]);
const { el, fill } = await import(config.modules.dom);

const app = document.querySelector("[data-planning-app]");
const result = app.querySelector("[data-result]");
const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
const EMPTY = { type: "FeatureCollection", features: [] };
const state = { answer: null, ticket: 0 };

function whenMapLibre() {
  return new Promise((resolve) => {
    if (window.maplibregl) resolve();
    else window.addEventListener("load", () => resolve(), { once: true });
  });
}

function addPlanningLayers(map) {
  if (map.getSource("planning-parcel")) return;
  map.addSource("planning-zones", { type: "geojson", data: EMPTY });
  map.addSource("planning-parcel", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "planning-zones-fill", type: "fill", source: "planning-zones",
    paint: { "fill-color": "#e07a5f", "fill-opacity": 0.18 } });
  map.addLayer({ id: "planning-zones-line", type: "line", source: "planning-zones",
    paint: { "line-color": "#9c3d23", "line-width": 2, "line-dasharray": [2, 1] } });
  map.addLayer({ id: "planning-parcel-fill", type: "fill", source: "planning-parcel",
    paint: { "fill-color": "#d62828", "fill-opacity": 0.25 } });
  map.addLayer({ id: "planning-parcel-line", type: "line", source: "planning-parcel",
    paint: { "line-color": "#d62828", "line-width": 3 } });
}

function drawAnswer(map, answer) {
  const zones = answer ? answer.zones.map((zone) => ({ type: "Feature", geometry: zone.geometry,
    properties: { zone_code: zone.zone_code } })) : [];
  map.getSource("planning-zones")?.setData({ type: "FeatureCollection", features: zones });
  map.getSource("planning-parcel")?.setData(answer ? { type: "FeatureCollection", features: [
    { type: "Feature", geometry: answer.parcel.geometry, properties: {} }] } : EMPTY);
  if (answer) {
    const [xmin, ymin, xmax, ymax] = answer.parcel.bbox;
    map.fitBounds([[xmin, ymin], [xmax, ymax]], { padding: 80, maxZoom: 19, duration: 0 });
  }
}

const number = (value, digits = 1) => (value === null || value === undefined ? "–"
  : Number(value).toLocaleString(mapConfig.language, { maximumFractionDigits: digits }));
const day = (iso) => (iso ? iso.split("-").reverse().join("/") : "");
const row = (label, value) => el("tr", {}, el("th", { scope: "row", text: label }), el("td", {}, value));

function decisionLine(decision) {
  return el("span", {}, `${M.decision} ${decision.number} (${M.signed} ${day(decision.signed_on)}, ${M.scale} `
    + `${decision.plan_level})`, decision.document_url ? [" · ", el("a", { href: decision.document_url,
    target: "_blank", rel: "noopener", text: M.document })] : null);
}

function communeText(commune) {
  if (!commune) return "–";
  const parts = [commune.unit.name];
  for (const s of commune.successors) parts.push(fill(M.became, { date: day(s.effective), name: s.unit.name }));
  if (commune.predecessors.length) {
    parts.push(fill(M.made_of, { names: commune.predecessors.map((p) => p.unit.name).join(", "),
      date: day(commune.predecessors[0].effective) }));
  }
  return parts.join(" — ");
}

function zoneCard(zone) {
  const c = zone.controls;
  return el("div", { class: "zone-card", "data-zone": zone.zone_code },
    el("strong", { text: `${M.zone} ${zone.zone_code}` }), ` · ${zone.plan_level}`,
    el("table", {}, el("tbody", {},
      row(M.function, zone.function || "–"),
      row(M.planned_use, zone.land_use ? `${zone.land_use.code} – ${zone.land_use.name_vi}` : "–"),
      row(M.share, `${number(zone.overlap_m2)} m² (${number(zone.share_pct)} %)`),
      row(M.density, c.max_density_pct === null ? "–" : `${number(c.max_density_pct, 0)} %`),
      row(M.floors, number(c.max_floors, 0)),
      row(M.height, c.max_height_m === null ? "–" : `${number(c.max_height_m)} m`),
      row(M.far, number(c.far)),
      row(M.decision, decisionLine(zone.decision)))));
}

function corridorItem(item) {
  const name = item.kind ? (item.kind === "canal" ? `${M.canal} ${fill(M.level, { level: item.level })} ${item.name}`
    : `${M.work} ${item.name}`) : (M[item.network] || item.network);
  const detail = item.detail && item.detail.diameter_mm ? ` Ø${item.detail.diameter_mm} mm` : "";
  return el("li", {}, `${name}${detail}: ${M.distance} ${number(item.distance_m)} m, ${M.corridor} `
    + `${number(item.corridor_m)} m — `, el("span", { class: item.within_corridor ? "inside" : "",
    text: item.within_corridor ? M.inside : M.outside }),
  // Where the width comes from: the regulation, or where the province set it.
  el("div", { class: "muted", "data-corridor-source": "", text: item.corridor_source }));
}

function render(answer) {
  const p = answer.parcel;
  const blocks = [
    el("h2", { text: `${M.parcel} ${p.sheet_no}/${p.parcel_no}` }),
    el("p", { class: "muted", text: `${M.as_of} ${day(answer.as_of)}` }),
    el("table", {}, el("tbody", {},
      row(M.commune, communeText(p.commune)),
      row(M.sheet_parcel, `${p.sheet_no} / ${p.parcel_no}`),
      row(M.area, `${number(p.area_m2)} m²`),
      row(M.legal_area, p.legal_area_m2 === null ? "–" : `${number(p.legal_area_m2)} m²`),
      row(M.current_use, p.land_use ? `${p.land_use.code} – ${p.land_use.name_vi}` : "–"),
      row(M.address, p.address || "–"))),
    el("h3", { text: M.zones }),
    answer.zones.length ? answer.zones.map(zoneCard) : el("p", { text: M.no_zone }),
    el("h3", { text: M.decisions }),
    el("ul", { class: "decisions" }, answer.decisions.map((d) => el("li", {}, decisionLine(d),
      el("div", { class: "muted", text: `${d.authority}: ${d.title}` })))),
    el("h3", { text: fill(M.corridors, { distance: number(answer.distance_m, 0) }) }),
    answer.networks.length || answer.irrigation.length
      ? el("ul", {}, [...answer.networks, ...answer.irrigation].map(corridorItem))
      : el("p", { text: fill(M.none_near, { distance: number(answer.distance_m, 0) }) }),
    answer.notes.length ? [el("h3", { text: M.notes }), el("ul", {}, answer.notes.map((n) => el("li", { text: n })))]
      : null,
    el("p", {}, el("button", { type: "button", "data-sheet": "", text: M.sheet, onclick: () => issueSheet(answer) })),
    el("p", { "data-sheet-result": "" }),
  ];
  result.replaceChildren(...blocks.flat());
}

function choices(title, items, onpick) {
  return [el("p", { text: title }), el("ul", {}, items.map((item) => el("li", {},
    el("button", { type: "button", class: "link", text: item.label, onclick: () => onpick(item) }))))];
}

function showError(body, status) {
  const nodes = [el("p", { class: "error", role: "alert", text: body.message || `HTTP ${status}` })];
  if (body.near_matches?.length) {
    nodes.push(...choices(M.near, body.near_matches.map((m) => ({ ...m,
      label: `${m.commune}: ${m.sheet_no}/${m.parcel_no}` })), (m) => {
      const form = app.querySelector("[data-by-number]");
      form.sheet_no.value = m.sheet_no;
      form.parcel_no.value = m.parcel_no;
      form.requestSubmit();
    }));
  }
  if (body.candidates?.length) {
    nodes.push(...choices(M.candidates, body.candidates.map((c) => ({ ...c, label: `${c.commune} (#${c.id})` })),
      (c) => lookup({}, `${config.urls.lookup.replace(/lookup$/, "parcels/")}${c.id}`)));
  }
  result.replaceChildren(...nodes);
}

function options() {
  const params = {};
  const date = app.querySelector("[data-date]").value;
  const distance = app.querySelector("[data-distance]").value;
  if (date) params.date = date;
  if (distance) params.distance_m = distance;
  return params;
}

async function lookup(params, url = config.urls.lookup) {
  const ticket = ++state.ticket;
  result.replaceChildren(el("p", { class: "muted", text: M.searching }));
  let response;
  let body;
  try {
    response = await fetch(`${url}?${new URLSearchParams({ ...params, ...options() })}`,
      { headers: { Accept: "application/json" }, credentials: "same-origin" });
    body = await response.json();
  } catch (error) {
    if (ticket === state.ticket) result.replaceChildren(el("p", { class: "error", text: fill(M.failed,
      { reason: error.message }) }));
    return;
  }
  if (ticket !== state.ticket) return;
  if (!response.ok) {
    state.answer = null;
    drawAnswer(portal.map, null);
    showError(body, response.status);
    return;
  }
  state.answer = body;
  render(body);
  drawAnswer(portal.map, body);
}

async function issueSheet(answer) {
  const out = result.querySelector("[data-sheet-result]");
  out.replaceChildren(M.searching);
  const response = await fetch(config.urls.sheets, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify({ parcel_id: answer.parcel.id, date: answer.as_of, distance_m: answer.distance_m }) });
  const body = await response.json();
  if (!response.ok) {
    out.replaceChildren(el("span", { class: "error", text: body.message }));
    return;
  }
  out.replaceChildren(fill(M.sheet_ready, { code: body.code }), " ",
    el("a", { href: body.pdf_url, target: "_blank", rel: "noopener", "data-pdf": "", text: M.open_pdf }), " · ",
    el("a", { href: body.verify_url, target: "_blank", rel: "noopener", text: M.verify }));
}

let communeTimer = 0;
function suggestCommunes(input) {
  clearTimeout(communeTimer);
  communeTimer = setTimeout(async () => {
    if (input.value.trim().length < 2) return;
    const response = await fetch(`${config.urls.communes}?${new URLSearchParams({ q: input.value, limit: 15 })}`,
      { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const list = app.querySelector("[data-communes]");
    list.replaceChildren(...(await response.json()).map((c) => el("option", { value: c.code,
      label: `${c.name}${c.district ? `, ${c.district}` : ""}${c.valid_to ? ` (→ ${day(c.valid_to)})` : ""}` })));
  }, 200);
}

await whenMapLibre();
const portal = await createPortalMap(app.querySelector("[data-map]"), mapConfig, { layers: config.layers });
const map = portal.map;
if (map.loaded()) addPlanningLayers(map);
else map.once("load", () => addPlanningLayers(map));
map.on("portal:basechange", () => { addPlanningLayers(map); drawAnswer(map, state.answer); });
map.on("click", (event) => lookup({ lon: event.lngLat.lng.toFixed(7), lat: event.lngLat.lat.toFixed(7) }));

app.querySelector("[data-by-number]").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  lookup({ commune: form.commune.value, sheet_no: form.sheet_no.value, parcel_no: form.parcel_no.value });
});
app.querySelector("[data-by-coordinates]").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const [x, y] = [form.x.value.replace(",", "."), form.y.value.replace(",", ".")];
  lookup(form.srid.value === "4326" ? { lon: x, lat: y } : { x, y, srid: form.srid.value });
});
const communeInput = app.querySelector("[data-commune]");
communeInput.addEventListener("input", () => suggestCommunes(communeInput));

window.planningLookup = { portal, state, lookup };
