// The view and the visible layers in the URL hash, so a link opens the same map:
//   #<zoom>/<lat>/<lon>&layers=<slug>,<slug>&base=<light|dark>

const SLUG = /^[\w-]{1,80}$/;

function finite(text) {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return NaN;
  return Number(text);
}

// Returns {view, layers, base, malformed}: view null when absent or unreadable, layers null when absent.
export function parseHash(hash, bases) {
  const out = { view: null, layers: null, base: null, malformed: false };
  const text = (hash || "").replace(/^#/, "");
  if (!text) return out;
  let decoded;
  try {
    decoded = decodeURIComponent(text);
  } catch (_error) {
    out.malformed = true;
    return out;
  }
  const [viewPart, ...params] = decoded.split("&");
  if (viewPart) {
    const parts = viewPart.split("/");
    const [zoom, lat, lon] = parts.map(finite);
    const ok = parts.length === 3 && zoom >= 0 && zoom <= 22 && Math.abs(lat) <= 85 && Math.abs(lon) <= 180;
    if (ok) out.view = { zoom, center: [lon, lat] };
    else out.malformed = true;
  }
  for (const param of params) {
    const [key, value = ""] = param.split("=");
    if (key === "layers") {
      out.layers = value.split(",").filter(Boolean);
    } else if (key === "base") {
      if (bases.includes(value)) out.base = value;
      else out.malformed = true;
    } else if (key) {
      out.malformed = true;
    }
  }
  return out;
}

export function formatHash({ zoom, center, layers, base }) {
  const [lon, lat] = center;
  let hash = `#${zoom.toFixed(2)}/${lat.toFixed(5)}/${lon.toFixed(5)}`;
  const slugs = layers.filter((slug) => SLUG.test(slug));
  if (slugs.length) hash += `&layers=${slugs.join(",")}`;
  if (base && base !== "light") hash += `&base=${base}`;
  return hash;
}
