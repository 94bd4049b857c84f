// The calibration page: pairs clicked on the camera's frame and on the portal map, fitted by the server
// (errors per pair, the ground the frame covers drawn on the map), and rules drawn on the same frame.
// Every request goes to this portal only.

import { createPortalMap } from "../portal/map/portal-map.js";

const $ = (selector, root = document) => root.querySelector(selector);
const setup = JSON.parse($("#camera-setup").textContent);
const mapConfig = JSON.parse($("#map-config").textContent);
const csrfToken = $("input[name=csrfmiddlewaretoken]").value;
const words = JSON.parse($("#page-messages").textContent);
const say = (key, values = {}) => words[key].replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
const base = `/api/cameras/${setup.id}`;
const COLOURS = { lane: "#1d70b8", counting_line: "#ffbf00", no_stopping: "#d4351c", speed_limit: "#912b88",
  stop_line: "#f47738", ignore: "#8a8a8a", roi: "#ff00ff" };

const state = {
  frame: setup.view ? { width: setup.view.width, height: setup.view.height } : null,
  pairs: (setup.calibration?.pairs || []).map((p) => ({ ...p })),
  pending: {},
  fit: setup.calibration,
  rules: [...(setup.rules.rules || [])],
  drawing: null, map: null, markers: [], requests: 0,
};
window.calibratePage = state; // read by the browser tests

const img = $("[data-frame]");
const canvas = $("[data-overlay]");

async function api(url, { method = "GET", body, form } = {}) {
  state.requests += 1;
  const headers = { Accept: "application/json", "X-CSRFToken": csrfToken };
  if (body) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, credentials: "same-origin", headers,
    body: form || (body ? JSON.stringify(body) : undefined) });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || `HTTP ${response.status}`);
  return data;
}

// --- the frame ------------------------------------------------------------------------------------------

function showFrame(url) {
  if (!state.frame) return;
  img.src = `${url}?t=${Date.now()}`;
  img.hidden = false;
  $("[data-no-frame]").hidden = true;
}

function toFrame(event) {
  const rect = canvas.getBoundingClientRect();
  return [(event.clientX - rect.left) / rect.width * state.frame.width,
    (event.clientY - rect.top) / rect.height * state.frame.height];
}

function draw() {
  if (!state.frame) return;
  canvas.width = canvas.clientWidth;
  canvas.height = canvas.clientHeight;
  const ctx = canvas.getContext("2d");
  const sx = canvas.width / state.frame.width;
  const sy = canvas.height / state.frame.height;
  const at = ([u, v]) => [u * sx, v * sy];
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 2;
  const shape = (points, colour, closed) => {
    if (!points.length) return;
    ctx.strokeStyle = colour;
    ctx.fillStyle = `${colour}33`;
    ctx.beginPath();
    points.map(at).forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    if (closed) { ctx.closePath(); ctx.fill(); }
    ctx.stroke();
  };
  const arrow = ([a, b], colour) => {
    shape([a, b], colour, false);
    const [x1, y1] = at(a); const [x2, y2] = at(b);
    const angle = Math.atan2(y2 - y1, x2 - x1);
    ctx.beginPath();
    ctx.moveTo(x2, y2);
    ctx.lineTo(x2 - 10 * Math.cos(angle - 0.4), y2 - 10 * Math.sin(angle - 0.4));
    ctx.lineTo(x2 - 10 * Math.cos(angle + 0.4), y2 - 10 * Math.sin(angle + 0.4));
    ctx.closePath(); ctx.fillStyle = colour; ctx.fill();
  };
  for (const rule of state.rules) {
    const colour = COLOURS[rule.kind];
    const line = rule.kind === "counting_line" || rule.kind === "stop_line";
    shape(rule.points || [], colour, !line);
    if (rule.direction) arrow(rule.direction, colour);
    if (rule.signal?.roi) shape(rule.signal.roi, COLOURS.roi, true);
  }
  if (state.drawing) shape(state.drawing.points, "#00e5ff", false);
  state.pairs.forEach((pair, i) => marker(ctx, at([pair.u, pair.v]), i + 1, pair.error_m));
  if (state.pending.pixel) marker(ctx, at(state.pending.pixel), state.pairs.length + 1, null, true);
}

function marker(ctx, [x, y], label, error, pending = false) {
  ctx.beginPath();
  ctx.arc(x, y, 8, 0, 2 * Math.PI);
  ctx.fillStyle = pending ? "#ffbf00" : (error > 0.5 ? "#d4351c" : "#e85d04");
  ctx.fill();
  ctx.strokeStyle = "#fff";
  ctx.stroke();
  ctx.fillStyle = "#fff";
  ctx.font = "600 10px sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(String(label), x, y);
}

// --- pairs ----------------------------------------------------------------------------------------------

function completePair() {
  const { pixel, lonlat } = state.pending;
  if (!pixel || !lonlat) return;
  state.pairs.push({ u: +pixel[0].toFixed(2), v: +pixel[1].toFixed(2), lon: +lonlat[0].toFixed(7),
    lat: +lonlat[1].toFixed(7), error_m: null });
  state.pending = {};
  refit();
}

function renderPairs() {
  const rows = state.pairs.map((pair, i) => {
    const tr = document.createElement("tr");
    const error = pair.error_m == null ? "—" : pair.error_m.toFixed(3);
    tr.innerHTML = `<td>${i + 1}</td><td>${pair.u.toFixed(1)}, ${pair.v.toFixed(1)}</td>`
      + `<td>${pair.lat.toFixed(6)}, ${pair.lon.toFixed(6)}</td><td class="${pair.error_m > 0.5 ? "bad" : ""}">${error}</td>`;
    const cell = document.createElement("td");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `remove pair ${i + 1}`);
    remove.onclick = () => { state.pairs.splice(i, 1); refit(); };
    cell.append(remove);
    tr.append(cell);
    return tr;
  });
  if (state.pending.pixel || state.pending.lonlat) {
    const tr = document.createElement("tr");
    tr.className = "pending";
    tr.innerHTML = `<td>${state.pairs.length + 1}</td><td colspan="4"></td>`;
    tr.lastChild.textContent = say(state.pending.pixel ? "now_map" : "now_frame");
    rows.push(tr);
  }
  $("[data-pairs]").replaceChildren(...rows);
  drawMapPairs();
  draw();
}

async function refit() {
  renderPairs();
  const output = $("[data-fit]");
  $("[data-save-calibration]").disabled = true;
  if (state.pairs.length < 4) {
    output.textContent = say("pairs_so_far", { n: state.pairs.length });
    return;
  }
  try {
    const fit = await api(`${base}/calibration/check`, { method: "POST", body: calibrationBody() });
    applyFit(fit);
    $("[data-save-calibration]").disabled = false;
  } catch (error) {
    output.textContent = error.message;
    state.fit = null;
  }
}

function calibrationBody() {
  return { pairs: state.pairs.map(({ u, v, lon, lat }) => ({ u, v, lon, lat })),
    frame_width: state.frame?.width, frame_height: state.frame?.height };
}

function applyFit(fit) {
  state.fit = fit;
  fit.pairs.forEach((p, i) => { if (state.pairs[i]) state.pairs[i].error_m = p.error_m; });
  $("[data-fit]").textContent = say("rms", { rms: fit.rms_m.toFixed(3), max: fit.max_m.toFixed(3) })
    + (fit.metres_per_pixel_at_centre ? ` · ${say("per_pixel", { mpp: fit.metres_per_pixel_at_centre.toFixed(3) })}` : "");
  renderPairs();
  const source = state.map?.getSource("calibration-footprint");
  if (source) source.setData(footprint(fit));
}

function footprint(fit) {
  const ring = fit?.footprint || [];
  return { type: "FeatureCollection", features: ring.length > 3
    ? [{ type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [ring] } }] : [] };
}

function drawMapPairs() {
  if (!state.map) return;
  state.markers.forEach((m) => m.remove());
  state.markers = state.pairs.map((pair, i) => {
    const el = document.createElement("div");
    el.className = "pair-marker";
    el.textContent = String(i + 1);
    return new window.maplibregl.Marker({ element: el }).setLngLat([pair.lon, pair.lat]).addTo(state.map);
  });
}

// --- rules ----------------------------------------------------------------------------------------------

const form = $("[data-rule-form]");

function showParams() {
  const kind = form.elements.kind.value;
  for (const label of form.querySelectorAll("[data-param]")) {
    label.hidden = !label.dataset.param.split(" ").includes(kind);
  }
}

function numbers(text) {
  return text.split(",").map((x) => Number(x.trim()));
}

function startDrawing() {
  const kind = form.elements.kind.value;
  state.drawing = { kind, stage: "shape", points: [], rule: { kind, name: form.elements.name.value.trim() } };
  const twoPoints = kind === "counting_line" || kind === "stop_line";
  $("[data-finish]").disabled = twoPoints;
  $("[data-draw-status]").textContent = say(twoPoints ? "two_ends" : "corners");
}

function addPoint(point) {
  const drawing = state.drawing;
  drawing.points.push(point.map((x) => +x.toFixed(1)));
  const { kind, stage } = drawing;
  if ((kind === "counting_line" || kind === "stop_line") && stage === "shape" && drawing.points.length === 2) finishShape();
  else if (stage === "direction" && drawing.points.length === 2) finishShape();
  draw();
}

function finishShape() {
  const drawing = state.drawing;
  const rule = drawing.rule;
  const f = form.elements;
  if (drawing.stage === "shape") {
    rule.points = drawing.points;
    if (rule.kind === "lane") return nextStage("direction", say("direction"));
    if (rule.kind === "stop_line" && f.signal.value === "roi") return nextStage("roi", say("signal"));
  } else if (drawing.stage === "direction") {
    rule.direction = drawing.points;
  } else if (drawing.stage === "roi") {
    rule.signal = { roi: drawing.points };
  }
  if (rule.kind === "no_stopping") rule.seconds = Number(f.seconds.value);
  if (rule.kind === "speed_limit") rule.limit_kmh = Number(f.limit_kmh.value);
  if (rule.kind === "lane" && f.limit_kmh.value) rule.speed_limit_kmh = Number(f.limit_kmh.value);
  if (rule.kind === "counting_line") rule.directions = f.directions.value.split(",").map((x) => x.trim());
  if (rule.kind === "stop_line" && !rule.signal) {
    const [cycle, start, red] = numbers(f.schedule.value);
    rule.signal = { schedule: { cycle_s: cycle, red_start_s: start, red_s: red } };
  }
  if (!rule.name) rule.name = `${rule.kind} ${state.rules.length + 1}`;
  state.rules.push(rule);
  state.drawing = null;
  $("[data-finish]").disabled = true;
  $("[data-draw-status]").textContent = say("added", { name: rule.name });
  renderRules();
}

function nextStage(stage, hint) {
  state.drawing.stage = stage;
  state.drawing.points = [];
  $("[data-finish]").disabled = stage === "direction";
  $("[data-draw-status]").textContent = hint;
  draw();
}

function renderRules() {
  $("[data-rules]").replaceChildren(...state.rules.map((rule, i) => {
    const li = document.createElement("li");
    li.textContent = `${rule.name} (${rule.kind}) `;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `remove ${rule.name}`);
    remove.onclick = () => { state.rules.splice(i, 1); renderRules(); };
    li.append(remove);
    return li;
  }));
  draw();
}

// --- wiring ---------------------------------------------------------------------------------------------

canvas.addEventListener("click", (event) => {
  if (!state.frame) return;
  const point = toFrame(event);
  if ($("input[name=mode]:checked").value === "rules") {
    if (state.drawing) addPoint(point);
    return;
  }
  state.pending.pixel = point;
  if (state.pending.lonlat) completePair(); else renderPairs();
});

$("[data-finish]").onclick = () => state.drawing && state.drawing.points.length >= 3 && finishShape();
$("[data-draw]").onclick = startDrawing;
form.elements.kind.onchange = showParams;
$("[data-clear-pairs]").onclick = () => { state.pairs = []; state.pending = {}; refit(); };

$("[data-save-calibration]").onclick = async () => {
  const status = $("[data-save-status]");
  try {
    applyFit(await api(`${base}/calibration`, { method: "PUT", body: calibrationBody() }));
    status.textContent = say("saved");
    status.dataset.saved = "true";
  } catch (error) { status.textContent = error.message; }
};

$("[data-save-rules]").onclick = async () => {
  const status = $("[data-rules-status]");
  try {
    const saved = await api(`${base}/rules`, { method: "PUT", body: { rules: state.rules,
      frame_width: state.frame?.width, frame_height: state.frame?.height } });
    state.rules = saved.rules;
    renderRules();
    status.textContent = say("saved");
    status.dataset.saved = "true";
  } catch (error) { status.textContent = error.message; }
};

$("[data-frame-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = $("[data-frame-status]");
  status.textContent = "…";
  try {
    const view = await api(`${base}/view`, { method: "POST", form: new FormData(event.target) });
    state.frame = { width: view.width, height: view.height };
    showFrame(view.url);
    status.textContent = `${view.width} × ${view.height}`;
  } catch (error) { status.textContent = error.message; }
});

img.addEventListener("load", draw);
window.addEventListener("resize", draw);

async function start() {
  showParams();
  renderRules();
  if (setup.view) showFrame(setup.view.url);
  const portal = await createPortalMap($("[data-map]"), mapConfig, { center: [setup.lon, setup.lat], zoom: 18 });
  const map = portal.map;
  map.on("load", () => {
    map.addSource("calibration-footprint", { type: "geojson", data: footprint(state.fit) });
    map.addLayer({ id: "calibration-footprint", type: "fill", source: "calibration-footprint",
      paint: { "fill-color": "#1d70b8", "fill-opacity": 0.25, "fill-outline-color": "#1d70b8" } });
    map.addSource("camera", { type: "geojson", data: { type: "Feature", properties: {},
      geometry: { type: "Point", coordinates: [setup.lon, setup.lat] } } });
    map.addLayer({ id: "camera", type: "circle", source: "camera",
      paint: { "circle-radius": 7, "circle-color": "#0b0c0c", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
    state.map = map;
    drawMapPairs();
    state.ready = true;
  });
  map.on("click", (event) => {
    if ($("input[name=mode]:checked").value !== "pairs") return;
    state.pending.lonlat = [event.lngLat.lng, event.lngLat.lat];
    if (state.pending.pixel) completePair(); else renderPairs();
  });
  state.portal = portal;
  if (state.fit) applyFit(state.fit); else refit();
}

start();
