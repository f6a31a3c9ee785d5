// Where the problem is: from the photo, the device, or the map (drag the map under the pin).
// Without a map (no tiles, offline first visit) the coordinates can still be typed.
import { h, icon, nextId } from '../dom.js';
import { t } from '../i18n.js';
import { getPosition, roundCoord } from '../geo.js';
import { formatNumber } from '../format.js';

/** locationPicker({value, onChange(loc), isCurrent, onCleanup}) -> {el, set(loc), locate()} */
export function locationPicker({ value, onChange, isCurrent, onCleanup }) {
  let loc = value && value.lat != null ? { ...value } : null;
  let mapApi = null;

  const statusText = h('span');
  const statusLine = h('p', { class: 'loc-status', role: 'status', 'data-testid': 'location-status' }, icon('pin'), statusText);
  const locateBtn = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'use-my-location', onclick: () => locate(true) },
    icon('locate'), t('report.useMyLocation'));
  const mapEl = h('div', { class: 'map pick-map' });
  const mapBox = h('div', { class: 'pick-map-box' }, mapEl, h('span', { class: 'crosshair', 'aria-hidden': 'true' }, icon('pin')));
  const latInput = h('input', { type: 'text', inputmode: 'decimal', name: 'lat', id: nextId('lat'), 'data-testid': 'lat', onchange: typed });
  const lonInput = h('input', { type: 'text', inputmode: 'decimal', name: 'lon', id: nextId('lon'), 'data-testid': 'lon', onchange: typed });
  const manual = h('details', { class: 'manual-coords' },
    h('summary', null, t('report.enterCoords')),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: latInput.id }, t('report.latitude')), latInput),
      h('div', { class: 'field' }, h('label', { for: lonInput.id }, t('report.longitude')), lonInput)));

  function render() {
    const key = loc ? `report.loc.${loc.source || 'map'}` : 'report.loc.none';
    statusText.textContent = loc && loc.accuracy && loc.source === 'device'
      ? t('report.loc.deviceAccuracy', { meters: formatNumber(Math.round(loc.accuracy)) })
      : t(key);
    statusLine.classList.toggle('missing', !loc);
    latInput.value = loc ? String(loc.lat) : '';
    lonInput.value = loc ? String(loc.lon) : '';
  }

  function set(next, { moveMap = true } = {}) {
    loc = { ...next, lat: roundCoord(next.lat), lon: roundCoord(next.lon) };
    render();
    if (moveMap && mapApi && isCurrent()) { mapApi.map.setView([loc.lat, loc.lon], Math.max(mapApi.map.getZoom(), 17), { animate: false }); }
    onChange(loc);
  }

  function typed() {
    const lat = Number(latInput.value.replace(',', '.')), lon = Number(lonInput.value.replace(',', '.'));
    if (Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) set({ lat, lon, source: 'typed' });
  }

  async function locate(userAsked) {
    statusText.textContent = t('report.locating');
    try {
      const pos = await getPosition();
      set({ ...pos, source: 'device' });
    } catch (e) {
      render();
      if (userAsked) statusText.textContent = e.message === 'denied' ? t('geo.denied') : t('geo.unavailable');
    }
  }

  (async () => {
    try {
      const { createMap, defaultView, destroyMap } = await import('../map.js');
      const view = loc ? { center: [loc.lat, loc.lon], zoom: 17 } : await defaultView();
      if (!isCurrent()) return;
      mapApi = await createMap(mapEl, { ...view, label: t('report.mapLabel') });
      if (!isCurrent()) { destroyMap(mapApi.map); return; }
      onCleanup(() => destroyMap(mapApi.map));
      mapApi.map.on('moveend', () => {
        const c = mapApi.map.getCenter();
        if (loc && Math.abs(c.lat - loc.lat) < 2e-6 && Math.abs(c.lng - loc.lon) < 2e-6) return; // our own setView
        set({ lat: c.lat, lon: c.lng, source: 'map' }, { moveMap: false });
      });
    } catch {
      mapBox.remove();
      manual.open = true;
    }
  })();

  render();
  const el = h('div', { class: 'location-picker' }, statusLine, mapBox, h('div', { class: 'row' }, locateBtn), manual);
  return { el, set, locate, get: () => loc };
}
