// A dataset's preview: the portal's basemap with the layer's own vector tiles over it, fitted to its extent.
// Every request goes to this portal.

const container = document.getElementById("preview");
const { slug, geometry } = container.dataset;
const [w, s, e, n] = container.dataset.extent.split(",").map(Number);
const paint = {
  Polygon: { type: "fill", paint: { "fill-color": "#1f6fb2", "fill-opacity": 0.35, "fill-outline-color": "#0b4f8a" } },
  LineString: { type: "line", paint: { "line-color": "#1f6fb2", "line-width": 1.5 } },
  Point: { type: "circle", paint: { "circle-color": "#1f6fb2", "circle-radius": 4, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
}[geometry] || { type: "line", paint: { "line-color": "#1f6fb2" } };

async function start() {
  const style = await (await fetch("/map/style/light.json", { credentials: "same-origin" })).json();
  style.sources.preview = { type: "vector", url: `${window.location.origin}/tiles/${slug}.json` };
  style.layers.push({ id: "preview", source: "preview", "source-layer": slug, ...paint });
  const map = new window.maplibregl.Map({ container, style, bounds: [[w, s], [e, n]], fitBoundsOptions: { padding: 20 } });
  window.previewMap = map; // read by the browser tests
}

if (window.maplibregl) start(); else window.addEventListener("load", start);
