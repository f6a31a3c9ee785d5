// A case: status, deadline in words, its reference, where it is on a map, photos before/after,
// the timeline (live), replies, and what the resident can do next (confirm the fix, reopen,
// rate), follow, "me too" and report it to moderators.
import { h, icon, replace } from '../dom.js';
import { localName, t } from '../i18n.js';
import { get } from '../api.js';
import { statusChip } from '../status.js';
import { deadlineSentence, formatDateTime, relativeTime } from '../format.js';
import { expectationLine } from '../expectation.js';
import { cachedNotice, errorState, screenHeader, skeletonList } from '../ui.js';
import { caseNumber, caseTitle, itemsOf } from '../components/case-card.js';
import { flash, timeline } from '../components/timeline.js';
import { commentsSection } from '../components/comments.js';
import { caseActions } from '../components/case-actions.js';
import { casePhotos } from '../components/case-photos.js';

export default async function caseScreen(ctx) {
  const { id } = ctx.params;
  const user = ctx.user;
  const main = h('div', { class: 'case' }, skeletonList(3));
  ctx.root.append(screenHeader(t('case.number', { id }), { back: '/' }), main);

  let kase, events;
  try {
    [kase, events] = await Promise.all([
      get(`/cases/${id}`, null, { signal: ctx.signal }),
      get(`/cases/${id}/events`, { per_page: 200 }, { signal: ctx.signal }).then(itemsOf).catch(() => []),
    ]);
  } catch (e) {
    if (e.name === 'AbortError') return;
    replace(main, errorState(e, { onRetry: () => ctx.navigate(location.pathname, { replace: true }) }));
    return;
  }
  if (!ctx.isCurrent()) return;
  ctx.root.querySelector('h1').textContent = caseTitle(kase);
  document.title = `${caseTitle(kase)} · CityLoop`;

  const summary = h('div', { class: 'case-summary', 'data-testid': 'case-summary' });
  const actions = h('div', { class: 'case-actions' });
  const photos = h('div', { 'data-testid': 'case-photos' });
  const tl = timeline(events, () => kase);
  const statusListeners = new Set();
  const onStatus = (fn) => { statusListeners.add(fn); return () => statusListeners.delete(fn); };
  const liveDot = h('span', { class: 'live-dot', role: 'status' });
  const mapEl = h('div', { class: 'map case-map', 'data-testid': 'case-map' });
  const mapNote = h('p', { class: 'map-note', role: 'status' });
  const comments = commentsSection({ base: `/cases/${id}`, user, signal: ctx.signal, title: t('case.replies') });

  replace(main, 
    cachedNotice(kase) || '',
    summary,
    h('div', { class: 'map-wrap' }, mapEl, mapNote),
    photos,
    actions,
    h('section', { class: 'timeline-section', 'aria-labelledby': 'tl-h' },
      h('div', { class: 'section-head' }, h('h2', { id: 'tl-h' }, t('case.progress')), liveDot), tl.el),
    comments.el);
  renderSummary();
  renderPhotos();
  renderActions();
  showMap();

  /** The case's pin on the city's map (the home map's tiles); the page works without it. */
  async function showMap() {
    try {
      const { createMap, destroyMap, statusMarker } = await import('../map.js');
      if (!ctx.isCurrent()) return;
      const { L, map } = await createMap(mapEl, {
        center: [kase.lat, kase.lon], zoom: 17, label: t('case.mapLabel'),
        onTilesFailed: () => { mapNote.textContent = t('map.noTiles'); },
      });
      if (!ctx.isCurrent()) { destroyMap(map); return; }
      ctx.onCleanup(() => destroyMap(map));
      const pin = statusMarker(L, { lat: kase.lat, lon: kase.lon, status: kase.status, title: caseTitle(kase) }).addTo(map);
      pin.getElement()?.setAttribute('data-testid', 'case-pin');
      ctx.onCleanup(onStatus((status) => pin.setIcon(statusMarker(L, { ...kase, status }).options.icon)));
    } catch {
      mapEl.remove();
      mapNote.textContent = t('map.unavailable');
    }
  }

  function renderPhotos() {
    replace(photos, casePhotos(kase));
  }

  function renderSummary(changed = false) {
    const deadline = deadlineSentence(kase);
    const overdue = deadline && kase.overdue;
    const chip = statusChip(kase.status);
    replace(summary, 
      h('div', { class: 'row wrap' }, chip,
        h('span', { class: 'case-ref', 'data-testid': 'case-ref' }, caseNumber(kase)),
        kase.priority === 'urgent' ? h('span', { class: 'tag tag-urgent' }, icon('alert'), t('case.urgent')) : null),
      deadline ? h('p', { class: `deadline${overdue ? ' overdue' : ''}`, 'data-testid': 'deadline' }, icon('clock'), deadline) : null,
      deadline ? expectationLine(kase.category?.code) : null,
      kase.hidden ? h('p', { class: 'notice', 'data-testid': 'hidden-notice' }, icon('alert'), t('case.hidden')) : null,
      h('p', { class: 'muted' }, [localName(kase.category), localName(kase.department)].filter(Boolean).join(' · ')),
      kase.description ? h('p', { class: 'description' }, kase.description) : null,
      kase.address ? h('p', { class: 'muted' }, icon('pin'), kase.address) : null,
      h('p', { class: 'muted small' },
        t('case.reportedBy', { name: kase.reporter?.display_name && kase.reporter.display_name !== 'anonymous' ? kase.reporter.display_name : t('case.anonymous') }),
        ' · ', h('time', { datetime: kase.created_at, title: formatDateTime(kase.created_at) }, relativeTime(kase.created_at))));
    if (changed) flash(summary);
  }

  function renderActions() {
    replace(actions, caseActions({ kase, user, signal: ctx.signal, onChanged: catchUp }));
  }

  /** Fetch what changed (after a transition, or when the socket missed something). */
  async function catchUp(known = []) {
    try {
      const [fresh, later] = await Promise.all([
        get(`/cases/${id}`, null, { signal: ctx.signal }),
        get(`/cases/${id}/events`, { after: tl.lastId() >= 0 ? tl.lastId() : undefined }, { signal: ctx.signal }).then(itemsOf),
      ]);
      applyCase(fresh);
      later.forEach((e) => tl.add(e, { highlight: true }));
    } catch {
      known.forEach((e) => tl.add(e, { highlight: true })); // at least what the socket told us
    }
  }

  function applyCase(next) {
    const changed = next.status !== kase.status || next.due_at !== kase.due_at;
    const photosChanged = next.photos && (next.photos.map((p) => p.id).join() !== (kase.photos || []).map((p) => p.id).join());
    kase = { ...kase, ...next };
    renderSummary(changed);
    if (changed) statusListeners.forEach((fn) => fn(kase.status));
    if (photosChanged) renderPhotos();
    renderActions();
    // Live payloads carry no `viewer`: what this person may do now (confirm, reopen, rate)
    // changes with the status, so ask for it.
    if (changed && !next.viewer) refreshViewer();
  }

  async function refreshViewer() {
    try {
      const fresh = await get(`/cases/${id}`, null, { signal: ctx.signal });
      if (!ctx.isCurrent()) return;
      kase.viewer = fresh.viewer;
      renderActions();
    } catch { /* the actions shown stay; the next change or a reload brings them */ }
  }

  const live = await import('../live.js');
  if (!ctx.isCurrent()) return;
  ctx.onCleanup(live.onLiveStatus((s) => {
    liveDot.className = `live-dot ${s}`;
    liveDot.textContent = s === 'connected' ? t('live.on') : t('live.off');
  }));
  ctx.onCleanup(live.subscribe(`case:${id}`, (type, data) => {
    if (type === 'case.event' && data.comment) {
      // A new reply or note comes only inside its event (one frame; later changes as case.comment).
      // It moves nothing this person may do, so no refetch: a reply to a case a thousand people
      // watch would otherwise cost two thousand requests.
      if (data.event) tl.add(data.event, { highlight: true });
      comments.apply({ change: 'created', comment: data.comment });
      if (data.case) kase = { ...kase, comments: data.case.comments, updated_at: data.case.updated_at };
    } else if (type === 'case.event') {
      // The live payload is the public view, without `viewer`: fetch what this person may do now.
      if (data.case) applyCase(data.case);
      if (data.event) tl.add(data.event, { highlight: true });
      catchUp();
    } else if (type === 'missed') {
      data.forEach((item) => item.comment && comments.apply({ change: 'created', comment: item.comment }));
      catchUp(data.map((item) => item.event || item));
    } else if (type === 'case.comment') {
      comments.apply(data.comment ? data : { change: 'created', comment: data });
    }
  }, { since: tl.lastId() >= 0 ? tl.lastId() : undefined }));
}
