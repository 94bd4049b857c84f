// The report's interactive map: communes shaded by reports received and the hotspot cells, over the portal's own
// basemap. Everything it loads (MapLibre, the style, tiles, glyphs) comes from this portal.

const container = document.getElementById("report-map");
const data = JSON.parse(document.getElementById("report-map-data").textContent);
const top = Math.max(1, ...data.features.filter((f) => f.properties.kind === "commune").map((f) => f.properties.received));

function bounds(features) {
  let [w, s, e, n] = [180, 90, -180, -90];
  const visit = (c) => { if (typeof c[0] === "number") { w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]); } else c.forEach(visit); };
  features.forEach((f) => visit(f.geometry.coordinates));
  return [[w, s], [e, n]];
}

async function start() {
  const response = await fetch(container.dataset.style, { credentials: "same-origin" });
  const style = await response.json();
  const map = new window.maplibregl.Map({ container, style, bounds: bounds(data.features), fitBoundsOptions: { padding: 20 },
    attributionControl: false });
  window.reportMap = map; // read by the browser tests
  map.addControl(new window.maplibregl.NavigationControl({ visualizePitch: false }), "top-right");
  map.addControl(new window.maplibregl.AttributionControl({ compact: true }), "bottom-right");
  map.on("load", () => {
    map.addSource("report", { type: "geojson", data });
    map.addLayer({ id: "communes", type: "fill", source: "report", filter: ["==", ["get", "kind"], "commune"], paint: {
      "fill-color": ["interpolate", ["linear"], ["get", "received"], 0, "#f7f7f7", top / 2, "#fd8d3c", top, "#bd0026"],
      "fill-opacity": 0.6 } });
    map.addLayer({ id: "commune-lines", type: "line", source: "report", filter: ["!=", ["get", "kind"], "hotspot"],
      paint: { "line-color": "#555", "line-width": ["case", ["==", ["get", "kind"], "area"], 2, 0.5] } });
    map.addLayer({ id: "hotspots", type: "line", source: "report", filter: ["==", ["get", "kind"], "hotspot"],
      paint: { "line-color": "#6a00a8", "line-width": 2.5 } });
    const popup = new window.maplibregl.Popup({ closeButton: true });
    map.on("click", "communes", (event) => {
      const p = event.features[0].properties;
      const text = document.createElement("div");
      text.textContent = `${p.name}: ${p.received} tiếp nhận, ${p.resolved} đã xử lý, ${p.overdue} quá hạn`;
      popup.setLngLat(event.lngLat).setDOMContent(text).addTo(map);
    });
  });
}

if (window.maplibregl) start(); else window.addEventListener("load", start);
