// Measuring on the map: distances along a line and areas of a polygon, on the sphere (metres, m², ha, km²).

const SOURCE = "measure";
const EARTH_RADIUS = 6371008.8;
const rad = (deg) => (deg * Math.PI) / 180;

export function distance(points) {
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const [lon1, lat1] = points[i - 1];
    const [lon2, lat2] = points[i];
    const a = Math.sin(rad(lat2 - lat1) / 2) ** 2
      + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
    total += 2 * EARTH_RADIUS * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  return total;
}

// Spherical excess by the sum over edges of (λ[i+1] − λ[i−1])·sin φ[i] (a closed ring, any orientation).
export function area(points) {
  const n = points.length;
  if (n < 3) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const previous = points[(i + n - 1) % n];
    const next = points[(i + 1) % n];
    sum += (rad(next[0]) - rad(previous[0])) * Math.sin(rad(points[i][1]));
  }
  return Math.abs((sum * EARTH_RADIUS * EARTH_RADIUS) / 2);
}

export function formatDistance(metres) {
  return metres < 1000 ? `${metres.toFixed(metres < 100 ? 1 : 0)} m` : `${(metres / 1000).toFixed(2)} km`;
}

export function formatArea(squareMetres) {
  if (squareMetres < 10000) return `${squareMetres.toFixed(0)} m²`;
  if (squareMetres < 1e6) return `${(squareMetres / 10000).toFixed(2)} ha`;
  return `${(squareMetres / 1e6).toFixed(2)} km²`;
}

export function measureLayers() {
  return [
    { id: `${SOURCE}-area`, type: "fill", source: SOURCE, filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": "#e63946", "fill-opacity": 0.15 } },
    { id: `${SOURCE}-line`, type: "line", source: SOURCE, filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": "#e63946", "line-width": 2.5, "line-dasharray": [2, 1] } },
    { id: `${SOURCE}-points`, type: "circle", source: SOURCE, filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 4, "circle-color": "#ffffff", "circle-stroke-color": "#e63946",
        "circle-stroke-width": 2 } },
  ];
}

export class Measure {
  constructor(map, { readout, messages }) {
    this.map = map;
    this.readout = readout;
    this.messages = messages;
    this.mode = null;
    this.points = [];
    map.on("click", (event) => {
      if (!this.mode) return;
      this.points.push([event.lngLat.lng, event.lngLat.lat]);
      this.draw();
    });
    map.on("dblclick", (event) => {
      if (!this.mode) return;
      event.preventDefault();
      this.finish();
    });
  }

  get active() {
    return this.mode !== null;
  }

  start(mode) {
    this.mode = mode;
    this.points = [];
    this.map.doubleClickZoom.disable();
    this.map.getCanvas().style.cursor = "crosshair";
    this.readout.textContent = this.messages.measure_hint;
    this.draw();
  }

  finish() {
    this.mode = null;
    this.map.getCanvas().style.cursor = "";
    // Re-enabled after this double-click has passed, so it does not zoom.
    setTimeout(() => this.map.doubleClickZoom.enable(), 0);
  }

  clear() {
    this.finish();
    this.points = [];
    this.readout.textContent = "";
    this.draw();
  }

  value() {
    if (this.points.length < 2) return "";
    if (this.kind === "area" && this.points.length >= 3) {
      // The ring drawn is closed, so its length is too: the perimeter, back to the first point.
      const perimeter = formatDistance(distance([...this.points, this.points[0]]));
      return `${this.messages.area}: ${formatArea(area(this.points))} · ${this.messages.distance}: ${perimeter}`;
    }
    return `${this.messages.distance}: ${formatDistance(distance(this.points))}`;
  }

  draw() {
    if (this.mode) this.kind = this.mode;
    const features = this.points.map((point) => ({ type: "Feature", geometry: { type: "Point", coordinates: point } }));
    if (this.points.length >= 2) {
      const ring = this.kind === "area" && this.points.length >= 3;
      features.push({ type: "Feature", geometry: ring
        ? { type: "Polygon", coordinates: [[...this.points, this.points[0]]] }
        : { type: "LineString", coordinates: this.points } });
    }
    this.map.getSource(SOURCE)?.setData({ type: "FeatureCollection", features });
    if (this.points.length >= 2) this.readout.textContent = this.value();
  }
}
