// Home: public cases near here, on a map and in a list, with status filter chips.
import { h, icon, debounce, nextId } from '../dom.js';
import { t } from '../i18n.js';
import { STATUS_FILTERS } from '../status.js';
import { screenHeader, toast } from '../ui.js';
import { caseCard, caseTitle, itemsOf } from '../components/case-card.js';
import { pagedList } from '../components/paged-list.js';
import { getPosition } from '../geo.js';
import { prepareListFormats } from '../format.js';
import { get, getConfig } from '../api.js';
import { bboxParam, defaultView, rememberView, viewBbox } from '../map-view.js';

const FILTER_KEY = 'cityloop.homeFilter';
const PIN_BATCH = 10;
const CLUSTER_PX = 36; // pins closer than this on screen are drawn as one
const MAX_ZOOM = 18;

// The list waits for the map's area, which needs the config's centre: ask for it while the
// session is still loading, not after this screen first renders.
getConfig().catch(() => {});

export default function home(ctx) {
  let filter = sessionStorage.getItem(FILTER_KEY) || 'open';
  let area = null; // {bbox} of the map, {near, radius_m}, or {} for the whole city
  let mapApi = null;
  let markers = null;
  let firstPins = null; // {key, answer}: pins asked for while the map code loads

  const locate = h('button', { type: 'button', class: 'btn btn-small btn-secondary', 'data-testid': 'near-me', onclick: nearMe },
    icon('locate'), t('home.nearMe'));
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('home.filterLabel') },
    Object.keys(STATUS_FILTERS).map((key) => h('button', {
      type: 'button', class: 'chip-btn', 'aria-pressed': String(key === filter), 'data-filter': key,
      onclick: () => setFilter(key),
    }, t(`filter.${key}`))));
  // Search the whole city by words or a case's reference ("RD-2412-0042", read over the phone).
  let q = '';
  const searchId = nextId('case-search');
  const searchInput = h('input', { type: 'search', id: searchId, name: 'q', maxlength: 100, enterkeyhint: 'search', 'data-testid': 'case-search', placeholder: t('home.searchHint') });
  const searchForm = h('form', { class: 'home-search row', role: 'search', onsubmit: (e) => { e.preventDefault(); search(searchInput.value.trim()); } },
    h('label', { for: searchId, class: 'visually-hidden' }, t('home.search')), searchInput,
    h('button', { type: 'submit', class: 'btn btn-secondary', 'aria-label': t('home.search') }, icon('search')));
  const mapEl = h('div', { class: 'map home-map', 'data-testid': 'home-map' });
  const mapNote = h('p', { class: 'map-note', role: 'status' });

  const list = pagedList({
    path: '/cases', autoload: false, signal: ctx.signal, label: t('home.listLabel'), testid: 'case-list',
    renderItem: (c) => caseCard(c),
    empty: { iconName: 'map', title: t('home.emptyTitle'), text: t('home.emptyText'), action: { href: '/report', label: t('nav.reportLong') } },
  });

  ctx.root.append(
    screenHeader(t('home.title'), { actions: locate }),
    searchForm,
    chips,
    h('div', { class: 'map-wrap' }, mapEl, mapNote),
    h('section', { 'aria-labelledby': 'home-list-h' }, h('h2', { id: 'home-list-h', class: 'visually-hidden' }, t('home.listLabel')), list.el),
  );

  function query() {
    const statuses = STATUS_FILTERS[filter];
    if (q) return { q, per_page: 20 }; // the whole city, any status: a reference finds its case
    return { ...area, status: statuses.length ? statuses : undefined, per_page: 20 };
  }

  function search(text) {
    if (text === q) return;
    q = text;
    reload();
  }

  prepareListFormats();

  // One request for the list on first load: it asks for the area the map will show, worked out
  // from the map's size before Leaflet loads, so the map's arrival changes nothing.
  const viewReady = defaultView();
  viewReady.then((view) => {
    if (!ctx.isCurrent() || area) return;
    const bbox = view.unknown ? null : viewBbox(view, mapEl.clientWidth, mapEl.clientHeight);
    area = bbox ? { bbox } : {};
    reload();
  });

  function setFilter(key) {
    filter = key;
    sessionStorage.setItem(FILTER_KEY, key);
    chips.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.filter === key)));
    reload();
  }

  function reload() {
    list.reload(query());
    if (mapApi) loadPins();
  }

  /** The map now shows `bbox`: pins for it, and the list too unless it already shows it. */
  function showArea(bbox) {
    if (area?.bbox === bbox) { loadPins(); return; }
    area = { bbox };
    reload();
  }

  const pinsQuery = () => ({ ...query(), per_page: 100 });
  const fetchPins = (q = pinsQuery()) => get('/cases/pins', q, { signal: ctx.signal });

  function prefetchPins() {
    const q = pinsQuery();
    const answer = fetchPins(q);
    answer.catch(() => {}); // reported when used
    firstPins = { key: JSON.stringify(q), answer };
  }

  async function nearMe() {
    try {
      const pos = await getPosition();
      if (!ctx.isCurrent()) return;
      if (mapApi) mapApi.map.setView([pos.lat, pos.lon], 16);
      else { area = { near: `${pos.lat},${pos.lon}`, radius_m: 2000 }; reload(); }
    } catch (e) {
      toast(e.message === 'denied' ? t('geo.denied') : t('geo.unavailable'), { tone: 'error' });
    }
  }

  let pinsSeq = 0;
  async function loadPins() {
    const { L } = mapApi;
    const mine = ++pinsSeq;
    const early = firstPins?.key === JSON.stringify(pinsQuery()) ? firstPins.answer : null;
    firstPins = null;
    try {
      const data = await (early || fetchPins());
      const { clusterMarker, clusterPoints, statusMarker } = await import('../map.js');
      if (mine !== pinsSeq) return;
      markers.clearLayers();
      const { map } = mapApi;
      const cases = itemsOf(data).filter((c) => c.lat != null && c.lon != null);
      const zoom = map.getZoom();
      const groups = clusterPoints(cases, (c) => { const p = map.project([c.lat, c.lon], zoom); return [p.x, p.y]; }, CLUSTER_PX);
      // In small batches, giving the browser a turn in between: each batch of pins also costs a
      // style and layout pass, and 25 pins a batch still made long tasks on a slow phone.
      for (let i = 0; i < groups.length; i += PIN_BATCH) {
        if (i) await new Promise((resolve) => { setTimeout(resolve, 0); });
        if (mine !== pinsSeq || !ctx.isCurrent()) return;
        groups.slice(i, i + PIN_BATCH).forEach((g) => pinFor(L, g, { clusterMarker, statusMarker }).addTo(markers));
      }
    } catch { /* the list shows the error */ }
  }

  /** One case's pin, or a numbered pin for cases that overlap: it zooms in on them (or, when
   *  they share one spot, lists them). */
  function pinFor(L, { items }, { clusterMarker, statusMarker }) {
    const onEnter = (fn) => (e) => { if (e.originalEvent.key === 'Enter') fn(); }; // a focusable pin (role=button)
    if (items.length === 1) {
      const [c] = items;
      const open = () => ctx.navigate(`/cases/${c.id}`);
      return statusMarker(L, { lat: c.lat, lon: c.lon, status: c.status, title: `${caseTitle(c)} · ${t(`status.${c.status}`)}` })
        .on('click', open).on('keypress', onEnter(open));
    }
    const bounds = L.latLngBounds(items.map((c) => [c.lat, c.lon]));
    const { map } = mapApi;
    const [first] = items;
    const marker = clusterMarker(L, { lat: first.lat, lon: first.lon, count: items.length, title: t('home.cluster', { count: items.length }) });
    const open = () => {
      // Apart at the closest street zoom: zoom in on them; else (one spot) list them.
      const apart = map.project(bounds.getNorthEast(), MAX_ZOOM).distanceTo(map.project(bounds.getSouthWest(), MAX_ZOOM)) >= CLUSTER_PX;
      if (apart && map.getZoom() < MAX_ZOOM) { map.fitBounds(bounds, { padding: [40, 40], maxZoom: MAX_ZOOM }); return; }
      const list = h('ul', { class: 'cluster-list' }, items.map((c) => h('li', null,
        h('a', { href: `/cases/${c.id}` }, caseTitle(c), ' · ', t(`status.${c.status}`)))));
      L.popup({ maxHeight: 240 }).setLatLng([first.lat, first.lon]).setContent(list).openOn(map);
    };
    return marker.on('click', open).on('keypress', onEnter(open));
  }

  // The map code is the heaviest thing on this screen: fetch it once the list is on its way and
  // the browser is idle, so the first paint and the list never wait for it.
  const idle = (fn) => (window.requestIdleCallback ? requestIdleCallback(fn, { timeout: 1500 }) : setTimeout(fn, 300));
  idle(async () => {
    if (!ctx.isCurrent()) return;
    try {
      const view = await viewReady;
      if (!ctx.isCurrent()) return;
      if (area?.bbox) prefetchPins();
      const { createMap, destroyMap } = await import('../map.js');
      if (!ctx.isCurrent()) return;
      mapApi = await createMap(mapEl, {
        ...view, label: t('home.mapLabel'),
        onTilesFailed: () => { mapNote.textContent = t('map.noTiles'); },
      });
      if (!ctx.isCurrent()) { destroyMap(mapApi.map); return; }
      markers = mapApi.L.layerGroup().addTo(mapApi.map);
      const onMove = debounce(() => {
        if (!ctx.isCurrent()) return; // a move that ended as the screen was left: the map is gone
        const b = mapApi.map.getBounds();
        rememberView(mapApi.map);
        showArea(bboxParam(b.getWest(), b.getSouth(), b.getEast(), b.getNorth()));
      }, 500);
      // A moveend still waiting when the screen goes would read the removed map's panes.
      ctx.onCleanup(() => { destroyMap(mapApi.map); onMove.cancel(); });
      mapApi.map.on('moveend', onMove);
      if (!view.unknown) onMove.flush();
      else loadPins();
    } catch {
      mapEl.remove();
      mapNote.textContent = t('map.unavailable');
    }
  });
}
