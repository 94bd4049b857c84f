// The dispatcher's live page: incidents on the portal map and in a list, kept current by server-sent events.
// Every change the server announces is fetched again through the API (which applies the caller's rights),
// so the page never trusts the event itself. All requests go to this portal only.

import { createPortalMap } from "../portal/map/portal-map.js";

const $ = (selector, root = document) => root.querySelector(selector);
const choices = JSON.parse($("#dispatch-choices").textContent);
const CHANNELS = new Map((choices.channels || []).map((c) => [c.value, c.label]));
const mapConfig = JSON.parse($("#map-config").textContent);
const csrfToken = $("input[name=csrfmiddlewaretoken]").value;
const filters = $("[data-filters]");
const FLASH_MS = 4000;
const EMPTY = { type: "FeatureCollection", features: [] };

const state = {
  features: new Map(), selected: new Set(), pending: new Set(), flashed: new Map(), timer: null,
  map: null, view: "points", connected: false, loads: 0, updates: 0,
};
window.dispatchPage = state; // read by the browser tests

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

function query(extra = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(filters)) if (value && key !== "view") params.set(key, value);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}

async function api(url, { method = "GET", body } = {}) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { Accept: "application/json", ...(body ? { "Content-Type": "application/json", "X-CSRFToken": csrfToken } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || `HTTP ${response.status}`);
  return data;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString(document.documentElement.lang || "vi", {
  dateStyle: "short", timeStyle: "short" }) : "");

// --- list -------------------------------------------------------------------------------------------------

function row(feature) {
  const p = feature.properties;
  const box = el("input", { type: "checkbox", "aria-label": p.code, onchange: (event) => {
    if (event.target.checked) state.selected.add(p.id); else state.selected.delete(p.id);
    $("[data-selected-count]") && ($("[data-selected-count]").textContent = state.selected.size);
  } });
  box.checked = state.selected.has(p.id);
  const flag = p.deadline_flag ? el("span", { class: `flag flag-${p.deadline_flag}` }, p.deadline_flag === "overdue"
    ? "quá hạn / overdue" : "sắp đến hạn / due soon") : "";
  const flashed = state.flashed.get(p.id);
  return el("tr", { "data-id": p.id, "data-code": p.code, class: flashed && Date.now() - flashed < FLASH_MS ? "flash" : "" },
    el("td", {}, box),
    el("td", {}, el("button", { type: "button", class: "link", onclick: () => showDetail(p.id) }, p.code)),
    el("td", {}, p.category_name, " ", el("small", { class: "channel", "data-channel": p.channel },
      CHANNELS.get(p.channel) || p.channel)), el("td", {}, p.status_label, " ", flag),
    el("td", {}, p.agency || "—"), el("td", {}, p.commune), el("td", {}, when(p.created_at)));
}

function render() {
  const features = [...state.features.values()].sort((a, b) =>
    b.properties.created_at.localeCompare(a.properties.created_at) || b.id - a.id);
  $("[data-list]").replaceChildren(...features.map(row));
  $("[data-empty]").hidden = features.length > 0;
  for (const id of state.selected) if (!state.features.has(id)) state.selected.delete(id);
  if ($("[data-selected-count]")) $("[data-selected-count]").textContent = state.selected.size;
  const collection = { type: "FeatureCollection", features };
  if (state.map && state.map.getSource("dispatch")) {
    state.map.getSource("dispatch").setData(collection);
    state.map.getSource("dispatch-clusters").setData(collection);
  }
}

function fitToFeatures() {
  if (!state.map || state.fitted || !state.features.size) return;
  const bounds = new window.maplibregl.LngLatBounds();
  for (const feature of state.features.values()) bounds.extend(feature.geometry.coordinates);
  state.map.fitBounds(bounds, { padding: 60, maxZoom: 15, duration: 0 });
  state.fitted = true;
}

async function reload() {
  const data = await api(`/api/dispatch/incidents?${query()}`);
  state.features = new Map(data.features.map((f) => [f.id, f]));
  state.loads += 1;
  render();
  fitToFeatures();
  loadDuplicates();
}

async function refresh(ids) {
  const data = await api(`/api/dispatch/incidents?${query({ ids: ids.join(",") })}`);
  const back = new Set();
  for (const feature of data.features) {
    back.add(feature.id);
    state.features.set(feature.id, feature);
    state.flashed.set(feature.id, Date.now());
  }
  // Not returned: it no longer matches the filters, or the caller may no longer see it.
  for (const id of ids) if (!back.has(id)) state.features.delete(id);
  state.updates += 1;
  render();
  loadDuplicates();
}

function queue(id) {
  state.pending.add(id);
  clearTimeout(state.timer);
  // Changes arriving together (a bulk action) are fetched in one request.
  state.timer = setTimeout(() => {
    const ids = [...state.pending];
    state.pending.clear();
    refresh(ids).catch((error) => notice(error.message));
  }, 80);
}

function notice(text) {
  $("[data-live]").textContent = text;
}

function connect() {
  const source = new EventSource("/dispatch/events");
  source.addEventListener("ready", () => {
    state.connected = true;
    notice("● trực tiếp / live");
    reload().catch((error) => notice(error.message)); // catches up on whatever happened while disconnected
  });
  source.addEventListener("change", (event) => queue(JSON.parse(event.data).id));
  source.addEventListener("error", () => {
    state.connected = false;
    notice("○ đang kết nối lại… / reconnecting…");
  });
}

// --- detail and single actions --------------------------------------------------------------------------------

async function act(id, action, body) {
  try {
    await api(`/api/incidents/staff/${id}/${action}`, { method: "POST", body });
    await showDetail(id);
  } catch (error) {
    $("[data-detail-error]") && ($("[data-detail-error]").textContent = error.message);
  }
}

function actions(incident) {
  const id = incident.id;
  const reason = el("input", { placeholder: "Lý do / reason", "aria-label": "reason" });
  const buttons = [];
  if (choices.dispatcher) {
    const agency = el("select", { "aria-label": "agency" }, el("option", { value: "" }, "IOC"),
      ...choices.agencies.map((a) => el("option", { value: a.code }, a.label)));
    buttons.push(agency, el("button", { type: "button", onclick: () =>
      act(id, "assign", { agency: agency.value || null, reason: reason.value }) }, "Giao / Assign"));
    buttons.push(el("button", { type: "button", onclick: () => act(id, "accept", { reason: reason.value }) },
      "Tiếp nhận / Accept"));
    buttons.push(el("button", { type: "button", onclick: () => act(id, "reject", { reason: reason.value }) },
      "Từ chối / Reject"));
    const into = el("input", { placeholder: "NT-…", size: 12, "aria-label": "merge into" });
    buttons.push(into, el("button", { type: "button", onclick: () => act(id, "merge", { into: into.value }) },
      "Gộp / Merge"));
  } else {
    buttons.push(el("button", { type: "button", onclick: () => act(id, "start", { reason: reason.value }) },
      "Bắt đầu / Start"));
    buttons.push(el("button", { type: "button", onclick: () => act(id, "assign", { agency: null, reason: reason.value }) },
      "Trả về IOC / Back to IOC"));
  }
  return el("div", { class: "actions" }, reason, ...buttons, el("output", { "data-detail-error": "" }));
}

async function showDetail(id) {
  const box = $("[data-detail]");
  const incident = await api(`/api/incidents/staff/${id}`);
  const reporter = incident.reporter ? [incident.reporter.reporter_name, incident.reporter.reporter_phone,
    incident.reporter.reporter_email].filter(Boolean).join(" · ") : "";
  box.replaceChildren(
    el("h2", {}, `${incident.tracking_code} · ${incident.category.name}`),
    el("p", {}, incident.description),
    el("p", { class: "meta" }, `${incident.status_label} · ${incident.agency || "IOC"} · ${incident.commune} · `
      + `hạn / due ${when(incident.deadline)}`),
    reporter ? el("p", { class: "meta" }, reporter) : "",
    el("div", { class: "thumbs" }, ...(incident.media || []).filter((m) => m.thumbnail_url)
      .map((m) => el("img", { src: m.thumbnail_url, alt: m.kind, loading: "lazy" }))),
    actions(incident),
    el("ol", { class: "timeline" }, ...(incident.timeline || []).slice(-6).map((e) =>
      el("li", {}, `${when(e.at)} ${e.label} — ${e.by}${e.note ? `: ${e.note}` : ""}`))),
  );
  box.hidden = false;
  const feature = state.features.get(id);
  if (feature && state.map) state.map.easeTo({ center: feature.geometry.coordinates, zoom: Math.max(state.map.getZoom(), 14) });
}

// --- duplicates and bulk actions --------------------------------------------------------------------------------

async function loadDuplicates() {
  const list = $("[data-duplicate-list]");
  if (!list) return;
  const ids = [...state.features.values()].filter((f) => f.properties.open).map((f) => f.id);
  const data = ids.length ? await api(`/api/dispatch/duplicates?ids=${ids.join(",")}`) : { pairs: [] };
  $("[data-duplicate-count]").textContent = data.pairs.length;
  list.replaceChildren(...data.pairs.map((pair) => el("li", {},
    `${pair.duplicate.code} ≈ ${pair.into.code}: ${Math.round(pair.metres)} m, ${pair.hours.toFixed(1)} h `,
    el("button", { type: "button", onclick: () => act(pair.duplicate.id, "merge", { into: pair.into.code }) },
      `Gộp vào / merge into ${pair.into.code}`))));
}

function setupBulk() {
  const form = $("[data-bulk]");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const out = $("[data-bulk-result]");
    try {
      const result = await api("/api/dispatch/bulk", { method: "POST", body: {
        action: data.get("action"), ids: [...state.selected], agency: data.get("agency") || null,
        reason: data.get("reason") || "", into: data.get("into") || null } });
      const refused = result.results.filter((r) => !r.ok)
        .map((r) => `${state.features.get(r.id)?.properties.code || r.id}: ${r.message}`);
      out.textContent = `${result.done} ✓${refused.length ? ` · ${refused.join("; ")}` : ""}`;
      state.selected.clear();
      render();
    } catch (error) {
      out.textContent = error.message;
    }
  });
  $("[data-select-all]").addEventListener("change", (event) => {
    for (const id of state.features.keys()) if (event.target.checked) state.selected.add(id); else state.selected.delete(id);
    render();
  });
}

// --- map --------------------------------------------------------------------------------------------------------

const VIEWS = { points: ["dispatch-points"], clusters: ["dispatch-clusters", "dispatch-cluster-count", "dispatch-unclustered"],
  heatmap: ["dispatch-heat"] };

function setView(view) {
  state.view = view;
  if (!state.map || !state.map.getLayer("dispatch-points")) return;
  for (const [name, layers] of Object.entries(VIEWS)) {
    for (const layer of layers) state.map.setLayoutProperty(layer, "visibility", name === view ? "visible" : "none");
  }
}

const COLOUR = ["case", ["==", ["get", "deadline_flag"], "overdue"], "#c1121f", ["==", ["get", "deadline_flag"], "near"],
  "#e07a00", ["get", "open"], "#0b4f6c", "#2a9d8f"];

function addLayers(map) {
  map.addSource("dispatch", { type: "geojson", data: EMPTY });
  map.addSource("dispatch-clusters", { type: "geojson", data: EMPTY, cluster: true, clusterRadius: 45, clusterMaxZoom: 15 });
  map.addLayer({ id: "dispatch-heat", type: "heatmap", source: "dispatch", layout: { visibility: "none" },
    paint: { "heatmap-radius": ["interpolate", ["linear"], ["zoom"], 8, 12, 15, 30], "heatmap-opacity": 0.8,
      "heatmap-weight": ["case", ["==", ["get", "deadline_flag"], "overdue"], 2, 1] } });
  map.addLayer({ id: "dispatch-clusters", type: "circle", source: "dispatch-clusters", filter: ["has", "point_count"],
    layout: { visibility: "none" },
    paint: { "circle-color": ["step", ["get", "point_count"], "#4e9ac7", 5, "#e07a00", 20, "#c1121f"],
      "circle-radius": ["step", ["get", "point_count"], 14, 5, 19, 20, 26], "circle-opacity": 0.85 } });
  map.addLayer({ id: "dispatch-cluster-count", type: "symbol", source: "dispatch-clusters", filter: ["has", "point_count"],
    layout: { visibility: "none", "text-field": ["get", "point_count_abbreviated"], "text-font": ["NotoSans-Bold"],
      "text-size": 12 }, paint: { "text-color": "#fff" } });
  map.addLayer({ id: "dispatch-unclustered", type: "circle", source: "dispatch-clusters", filter: ["!", ["has", "point_count"]],
    layout: { visibility: "none" }, paint: { "circle-color": COLOUR, "circle-radius": 6, "circle-stroke-width": 1,
      "circle-stroke-color": "#fff" } });
  map.addLayer({ id: "dispatch-points", type: "circle", source: "dispatch",
    paint: { "circle-color": COLOUR, "circle-radius": ["interpolate", ["linear"], ["zoom"], 8, 4, 15, 8],
      "circle-stroke-width": 1, "circle-stroke-color": "#fff" } });
  for (const layer of ["dispatch-points", "dispatch-unclustered"]) {
    map.on("click", layer, (event) => showDetail(event.features[0].properties.id));
    map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
  }
  map.on("click", "dispatch-clusters", async (event) => {
    const cluster = event.features[0];
    const zoom = await map.getSource("dispatch-clusters").getClusterExpansionZoom(cluster.properties.cluster_id);
    map.easeTo({ center: cluster.geometry.coordinates, zoom });
  });
  setView(state.view);
  render();
  fitToFeatures();
}

async function setupMap() {
  const portal = await createPortalMap($("[data-map]"), mapConfig, { layers: [] });
  const map = portal.map;
  map.once("load", () => {
    state.map = map;
    addLayers(map);
  });
}

filters.addEventListener("change", (event) => {
  if (event.target.name === "view") setView(event.target.value);
  else reload().catch((error) => notice(error.message));
});
setupBulk();
connect();
setupMap().catch((error) => notice(`map: ${error.message}`));
