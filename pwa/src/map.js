// Leaflet, loaded only by screens that show a map. Tiles come from GET /api/v1/config; without
// them (no URL, offline, blocked) the map still shows pins on a plain background.
import { getConfig } from './api.js';
import { adoptStyles } from './dom.js';
import { STATUS_ICON } from './status.js';

export { defaultView, rememberView } from './map-view.js';

let leaflet = null;

async function loadLeaflet() {
  leaflet ||= Promise.all([import('leaflet'), import('leaflet/dist/leaflet.css')]).then(([mod, css]) => {
    adoptStyles(css.default);
    return mod.default || mod;
  });
  return leaflet;
}

/**
 * createMap(element, {center, zoom, label, onTilesFailed}) -> {L, map}.
 * Throws if Leaflet itself cannot load (offline on a first visit): callers keep working without a map.
 */
export async function createMap(el, { center, zoom, label, onTilesFailed }) {
  const [L, config] = await Promise.all([loadLeaflet(), getConfig().catch(() => ({}))]);
  // Running Leaflet's code and building the map are two long pieces of work: not in one task.
  await new Promise((resolve) => { setTimeout(resolve, 0); });
  const map = L.map(el, { center, zoom, keyboard: true, zoomControl: true, attributionControl: true });
  map.attributionControl.setPrefix(false);
  el.setAttribute('role', 'region');
  if (label) el.setAttribute('aria-label', label);
  if (config.tile_url) {
    const layer = L.tileLayer(config.tile_url, { attribution: config.tile_attribution || '', maxZoom: 19 });
    let failures = 0, loaded = 0;
    layer.on('tileload', () => { loaded++; });
    layer.on('tileerror', () => {
      if (++failures === 4 && !loaded) { el.classList.add('map-notiles'); onTilesFailed?.(); }
    });
    layer.addTo(map);
  } else {
    el.classList.add('map-notiles');
    onTilesFailed?.();
  }
  return { L, map };
}

/**
 * Take a map down, even mid-animation: Leaflet's zoom animation ends on a timer that reads
 * panes `remove()` has already dropped ("reading '_leaflet_pos'"), so stop it first.
 */
export function destroyMap(map) {
  map.off(); // first: stopping fires moveend, and its listeners would read the removed panes
  map.stop();
  map.remove();
}

/** A pin in the status colour with the status icon; `title` is its accessible name. */
export function statusMarker(L, { lat, lon, status, title }) {
  const name = STATUS_ICON[status] ? status : 'submitted';
  const html = `<svg class="icon" aria-hidden="true" focusable="false"><use href="#i-${STATUS_ICON[name]}"/></svg>`;
  const icon = L.divIcon({ className: `pin status-${name}`, html, iconSize: [34, 34], iconAnchor: [17, 34] });
  return L.marker([lat, lon], { icon, title, keyboard: true, riseOnHover: true });
}

export { clusterPoints } from './cluster.js';

/** Several pins that overlap, as one round pin with their number; `title` is its accessible name. */
export function clusterMarker(L, { lat, lon, count, title }) {
  const size = count < 10 ? 36 : count < 100 ? 42 : 48;
  const icon = L.divIcon({ className: 'pin-cluster', html: `<span>${Number(count)}</span>`, iconSize: [size, size] });
  return L.marker([lat, lon], { icon, title, keyboard: true, riseOnHover: true });
}
