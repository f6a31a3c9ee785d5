// Where a map looks, worked out without Leaflet: screens can ask for the cases of the map's
// area while the map code is still loading.
import { getConfig } from './api.js';

const VIEW_KEY = 'cityloop.mapView';

/** Where to centre a map: the last view, else the city's centre from the config, else the world. */
export async function defaultView() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(VIEW_KEY));
    if (saved?.center) return saved;
  } catch { /* ignore */ }
  const config = await getConfig().catch(() => ({}));
  if (Array.isArray(config.map_center)) return { center: config.map_center, zoom: config.map_zoom || 14 };
  return { center: [20, 0], zoom: 2, unknown: true };
}

export function rememberView(map) {
  const c = map.getCenter();
  try { sessionStorage.setItem(VIEW_KEY, JSON.stringify({ center: [c.lat, c.lng], zoom: map.getZoom() })); } catch { /* ignore */ }
}

/** A Leaflet map's bounds as the API's `bbox` ("west,south,east,north", 5 decimals). */
export const bboxParam = (west, south, east, north) => [west, south, east, north].map((n) => n.toFixed(5)).join(',');

// Leaflet's EPSG:3857 (spherical Mercator, 256 px tiles), step by step as Leaflet 1.9 computes it,
// so that the bounds match its `map.getBounds()` for a map that has not moved yet.
const R = 6378137;
const MAX_LATITUDE = 85.0511287798;
const SCALE = 0.5 / (Math.PI * R);

function project([lat, lng], zoom) {
  const d = Math.PI / 180;
  const sin = Math.sin(Math.max(Math.min(MAX_LATITUDE, lat), -MAX_LATITUDE) * d);
  const x = R * lng * d;
  const y = R * Math.log((1 + sin) / (1 - sin)) / 2;
  const s = 256 * 2 ** zoom;
  return [s * (SCALE * x + 0.5), s * (-SCALE * y + 0.5)];
}

function unproject([px, py], zoom) {
  const s = 256 * 2 ** zoom;
  const x = (px / s - 0.5) / SCALE;
  const y = (py / s - 0.5) / -SCALE;
  const d = 180 / Math.PI;
  return [(2 * Math.atan(Math.exp(y / R)) - (Math.PI / 2)) * d, x * d / R];
}

/** The `bbox` a map of `width` x `height` px centred on `center` at `zoom` shows; null without a size. */
export function viewBbox({ center, zoom }, width, height) {
  if (!width || !height) return null;
  const [cx, cy] = project(center, zoom);
  const left = Math.round(cx - width / 2);
  const top = Math.round(cy - height / 2);
  const [south, west] = unproject([left, top + height], zoom);
  const [north, east] = unproject([left + width, top], zoom);
  return bboxParam(west, south, east, north);
}
