// An incident's command view (/incidents/:id): the area and its cases on a map, every
// department's task and its state, the cases linked and offered, the alerts sent and one shared
// timeline, live in the `incident:<id>` room. Staff of the departments taking part (and admins)
// link cases, write notes (public or internal), mark their task done and send alerts; the lead's
// heads and admins close it with a summary. Everyone else sees the public view, without actions.
import { h, icon, nextId, replace } from '../dom.js';
import { localName, t } from '../i18n.js';
import { create, del, get, patch, post } from '../api.js';
import { formatDateTime, relativeTime } from '../format.js';
import { caseCard, caseNumber, caseTitle, itemsOf } from '../components/case-card.js';
import { flash } from '../components/timeline.js';
import { errorMessage, errorState, field, screenHeader, setBusy, skeletonList, toast } from '../ui.js';
import { announcer, prepareDesk } from '../components/staff-kit.js';
import { areaShape, fitArea, getDepartmentList, prepareIncidents, severityTag, stateTag } from '../components/incident-kit.js';
import { flagButton } from '../flag.js';
import { alertCircle, clampRadius, incidentRights, myOpenTasks, SEVERITIES } from '../incident-area.js';

const ALERT_HOURS = [1, 3, 6, 12, 24, 48];

export default async function incidentScreen(ctx) {
  const { id } = ctx.params;
  const staffSide = ctx.user && ['staff', 'admin'].includes(ctx.user.role);
  await Promise.all([prepareIncidents(), staffSide ? prepareDesk(ctx) : null]);
  if (!ctx.isCurrent()) return;
  const main = h('div', { class: 'incident' }, skeletonList(3));
  ctx.root.append(screenHeader(t('inc.viewTitle'), { back: staffSide ? '/incidents' : '/' }), main);
  let inc;
  try { inc = await get(`/incidents/${id}`, null, { signal: ctx.signal }); } catch (e) {
    if (e.name !== 'AbortError') replace(main, errorState(e, { onRetry: () => ctx.navigate(location.pathname, { replace: true }), what: t('inc.notFound') }));
    return;
  }
  if (!ctx.isCurrent()) return;

  const say = announcer();
  const head = h('div', { class: 'inc-head', 'data-testid': 'incident-head' });
  const mapEl = h('div', { class: 'map inc-map', 'data-testid': 'incident-map' });
  const tasksBox = section('tasks', t('inc.tasks'));
  const casesBox = section('cases', t('inc.cases'));
  const alertsBox = section('alerts', t('inc.alerts'));
  const closeBox = h('div');
  const editBox = h('div');
  const liveDot = h('span', { class: 'live-dot', role: 'status', 'data-testid': 'incident-live' });
  const tl = h('ol', { class: 'timeline', 'data-testid': 'incident-timeline' });
  const seen = new Set();
  const offered = new Map(); // case id -> offered case (staff)
  let rights = incidentRights(ctx.user, inc);
  let mapApi = null;

  const timelineBox = h('section', { class: 'inc-section timeline-section', 'aria-labelledby': 'inc-tl-h' },
    h('div', { class: 'section-head' }, h('h2', { id: 'inc-tl-h' }, t('inc.timeline')), liveDot), tl);
  // Residents may report an incident to the moderators (official content: only admins hide it).
  const flag = rights.internal ? null : flagButton({ targetType: 'incident', targetId: inc.id, user: ctx.user });
  replace(main, say.el, head, flag ? h('div', { class: 'row' }, flag) : '', h('div', { class: 'inc-two' },
    h('div', null, mapEl, tasksBox.el, casesBox.el, alertsBox.el),
    h('div', null, timelineBox, rights.act ? noteBox() : '', editBox, closeBox)));

  function paint() {
    rights = incidentRights(ctx.user, inc);
    ctx.root.querySelector('h1').textContent = inc.title;
    document.title = `${inc.title} · CityLoop`;
    replace(head,
      h('div', { class: 'row wrap' }, severityTag(inc.severity), stateTag(inc.status)),
      h('dl', { class: 'facts' },
        h('dt', null, t('inc.leadLabel')), h('dd', { 'data-testid': 'incident-lead-name' }, localName(inc.lead_department) || ''),
        h('dt', null, t('inc.declaredAt')), h('dd', null, formatDateTime(inc.declared_at)),
        inc.closed_at ? [h('dt', null, t('inc.closedAt')), h('dd', null, formatDateTime(inc.closed_at))] : null),
      inc.notice ? h('p', { class: 'notice incident-notice inc-notice', 'data-testid': 'incident-notice' }, h('strong', null, icon('alert'), t('inc.noticeLabel')), inc.notice) : null,
      inc.description ? h('p', { class: 'inc-notice' }, inc.description) : null,
      inc.summary ? h('div', { class: 'inc-summary', 'data-testid': 'incident-summary' }, h('strong', null, t('inc.summary')), h('p', null, inc.summary)) : null);
    paintTasks();
    paintCases();
    paintAlerts();
    paintEdit();
    paintClose();
    paintMarkers();
  }

  function section(name, title) {
    const hid = `inc-${name}-h`;
    const body = h('div');
    const el = h('section', { class: 'inc-section', 'aria-labelledby': hid, 'data-testid': `incident-${name}` }, h('h2', { id: hid }, title), body);
    return { el, body };
  }

  // --- tasks ----------------------------------------------------------------------------------
  // Forms are built once and moved into each repaint, so a live update never wipes what is typed.
  const doneForms = new Map();
  function paintTasks() {
    const mine = new Set(myOpenTasks(ctx.user, inc.tasks || []).map((task) => task.department.code));
    replace(tasksBox.body, h('ul', { class: 'inc-tasks' }, (inc.tasks || []).map((task) => {
      const code = task.department.code;
      const done = task.status === 'done';
      return h('li', { class: `card inc-task ${done ? 'done' : 'open'}`, 'data-testid': 'incident-task', 'data-department': code, 'data-status': task.status },
        h('span', { class: 'card-title' }, localName(task.department) || code),
        h('span', { class: 'task-state' }, icon(done ? 'check-circle' : 'clock'), t(done ? 'inc.taskDone' : 'inc.taskOpen'),
          done && task.done_at ? h('span', { class: 'muted' }, ' · ', relativeTime(task.done_at)) : null),
        task.done_note ? h('span', { class: 'small' }, task.done_note) : null,
        mine.has(code) && rights.act && inc.status === 'active' ? doneFormOf(code) : null);
    })));
  }

  function doneFormOf(code) {
    if (!doneForms.has(code)) doneForms.set(code, doneForm(code));
    return doneForms.get(code);
  }

  function doneForm(code) {
    const note = h('input', { type: 'text', name: 'note', maxlength: 1000, 'data-testid': `task-note-${code}` });
    const button = h('button', { type: 'submit', class: 'btn btn-secondary btn-small', 'data-testid': `task-done-${code}` }, icon('check'), t('inc.markDone'));
    return h('form', { class: 'inc-form', onsubmit: async (e) => {
      e.preventDefault();
      setBusy(button, true);
      try {
        const task = await post(`/incidents/${id}/tasks/${encodeURIComponent(code)}/done`, note.value.trim() ? { note: note.value.trim() } : {});
        inc.tasks = inc.tasks.map((x) => (x.department.code === code ? { ...x, ...task } : x));
        paintTasks();
        toast(t('inc.taskMarked'), { tone: 'success' });
        refresh();
      } catch (err) { setBusy(button, false); toast(errorMessage(err), { tone: 'error' }); }
    } }, field({ label: t('inc.doneNote'), hint: t('form.optional'), input: note }), button);
  }

  // --- cases ----------------------------------------------------------------------------------
  let linkBox = null;
  const caseHref = (c) => (rights.internal ? `/staff/cases/${c.id}` : `/cases/${c.id}`);

  function paintCases() {
    const linked = inc.cases || [];
    const canLink = rights.act && inc.status === 'active';
    const list = linked.length
      ? h('ul', { class: 'card-list', 'data-testid': 'incident-case-list' }, linked.map((c) => {
        const li = caseCard(c, { href: caseHref(c), extra: h('span', { class: 'card-meta muted' }, localName(c.department) || '') });
        if (canLink) li.append(h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': `unlink-${c.id}`, onclick: (e) => unlink(c, e.currentTarget) }, icon('x'), t('inc.unlink')));
        return li;
      }))
      : h('p', { class: 'muted', 'data-testid': 'incident-no-cases' }, t('inc.noCases'));
    const free = [...offered.values()].filter((c) => !linked.some((l) => String(l.id) === String(c.id)));
    linkBox ||= linkForm();
    replace(casesBox.body, list,
      canLink ? linkBox : null,
      canLink && free.length ? h('div', { 'data-testid': 'incident-offered' },
        h('h3', null, icon('inbox'), t('inc.offered', { count: free.length })),
        h('ul', { class: 'card-list' }, free.map((c) => h('li', { class: 'card inc-offered', 'data-testid': 'offered-case', 'data-case-id': String(c.id) },
          h('span', { class: 'card-title' }, caseTitle(c), ' ', h('span', { class: 'muted' }, caseNumber(c))),
          h('span', { class: 'card-meta muted' }, localName(c.category) || ''),
          h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': `link-offered-${c.id}`, onclick: (e) => link(c.id, e.currentTarget) }, icon('plus'), t('inc.link')))))) : null);
  }

  function linkForm() {
    const input = h('input', { type: 'text', name: 'case', autocomplete: 'off', required: true, 'data-testid': 'link-case-input' });
    const button = h('button', { type: 'submit', class: 'btn btn-secondary', 'data-testid': 'link-case' }, icon('plus'), t('inc.link'));
    return h('form', { class: 'inc-form', 'data-testid': 'link-form', onsubmit: async (e) => {
      e.preventDefault();
      const ref = input.value.trim();
      if (!ref) { input.focus(); return; }
      setBusy(button, true);
      try {
        const caseId = await caseIdOf(ref);
        if (caseId == null) { toast(t('inc.caseNotFound', { ref }), { tone: 'error' }); return; }
        if (await link(caseId)) input.value = '';
      } finally { setBusy(button, false); }
    } }, field({ label: t('inc.linkLabel'), hint: t('inc.linkHint'), input }), button);
  }

  /** A case number (its id) or a reference such as RD-2412-0042. */
  async function caseIdOf(ref) {
    if (/^\d+$/.test(ref)) return Number(ref);
    const page = await get('/cases', { q: ref, per_page: 5 }).catch(() => null);
    const found = itemsOf(page).find((c) => (c.reference || '').toLowerCase() === ref.toLowerCase());
    return found ? found.id : null;
  }

  async function link(caseId, button) {
    if (button) setBusy(button, true);
    try {
      await create(`/incidents/${id}/cases`, { case_id: Number(caseId) });
      offered.delete(String(caseId));
      toast(t('inc.linked'), { tone: 'success' });
      await refresh();
      return true;
    } catch (err) {
      if (button) setBusy(button, false);
      toast(err.code === 'already_linked' ? t('inc.alreadyLinked') : errorMessage(err), { tone: 'error' });
      return false;
    }
  }

  async function unlink(c, button) {
    setBusy(button, true);
    try { await del(`/incidents/${id}/cases/${c.id}`); await refresh(); } catch (err) { setBusy(button, false); toast(errorMessage(err), { tone: 'error' }); }
  }

  // --- alerts ---------------------------------------------------------------------------------
  function paintAlerts() {
    const sent = inc.alerts || [];
    replace(alertsBox.body,
      sent.length ? h('ul', { class: 'card-list', 'data-testid': 'incident-alert-list' }, sent.map((a) => h('li', null,
        h('a', { class: `card alert-card severity-${a.severity}`, href: `/alerts/${a.id}`, 'data-testid': 'incident-alert' },
          h('span', { class: 'card-title' }, a.title), h('span', { class: 'card-meta' }, severityTag(a.severity),
            h('span', { class: 'muted' }, t('inc.alertUntil', { time: formatDateTime(a.expires_at) }))))))) : h('p', { class: 'muted' }, t('inc.noAlerts')),
      rights.act && inc.status === 'active' ? (alertBox ||= alertForm()) : null);
  }
  let alertBox = null;

  function alertForm() {
    const area = alertCircle(inc.area);
    const title = h('input', { name: 'title', type: 'text', maxlength: 160, value: inc.title, 'data-testid': 'alert-title' });
    const body = h('textarea', { name: 'body', rows: 3, maxlength: 5000, value: inc.notice || '', 'data-testid': 'alert-body' });
    const severity = h('select', { name: 'severity', 'data-testid': 'alert-severity' }, SEVERITIES.map((s) => h('option', { value: s, selected: s === inc.severity }, t(`inc.severity.${s}`))));
    const hours = h('select', { name: 'hours', 'data-testid': 'alert-hours' }, ALERT_HOURS.map((n) => h('option', { value: n, selected: n === 6 }, t('inc.hours', { count: n }))));
    const radius = h('input', { name: 'radius_m', type: 'number', inputmode: 'numeric', min: 50, max: 20000, value: String(area.radius_m), 'data-testid': 'alert-radius' });
    const button = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'alert-send' }, icon('megaphone'), t('inc.sendAlert'));
    const form = h('form', { class: 'inc-form', 'data-testid': 'alert-form', onsubmit: async (e) => {
      e.preventDefault();
      if (!title.value.trim() || !body.value.trim()) { toast(t('inc.alertNeeds'), { tone: 'error' }); return; }
      setBusy(button, true);
      const mine = (ctx.user.departments || []).map((d) => d.code);
      const department = (inc.departments || []).map((d) => d.code).find((code) => mine.includes(code));
      try {
        await create('/alerts', {
          title: title.value.trim(), body: body.value.trim(), severity: severity.value, incident: inc.id,
          area: { lat: area.lat, lon: area.lon, radius_m: clampRadius(radius.value) ?? area.radius_m },
          expires_at: new Date(Date.now() + Number(hours.value) * 3600e3).toISOString(),
          ...(department ? { department } : {}),
        });
        setBusy(button, false);
        details.open = false;
        toast(t('inc.alertSent'), { tone: 'success' });
        await refresh();
      } catch (err) { setBusy(button, false); toast(errorMessage(err), { tone: 'error' }); }
    } },
    h('p', { class: 'hint' }, t('inc.alertArea')),
    field({ label: t('inc.alertTitle'), input: title }), field({ label: t('inc.alertBody'), input: body }),
    field({ label: t('inc.severityLabel'), input: severity }), field({ label: t('inc.alertHours'), input: hours }),
    field({ label: t('inc.radius'), input: radius }), button);
    const details = h('details', { class: 'more', 'data-testid': 'alert-details' }, h('summary', null, icon('megaphone'), t('inc.sendAlertOpen')), form);
    return details;
  }

  // --- timeline and notes ---------------------------------------------------------------------
  function describe(e) {
    const d = e.data || {};
    const code = typeof d.department === 'string' ? d.department : d.department?.code;
    const known = [inc.lead_department, ...(inc.departments || [])].find((x) => x && x.code === code);
    const department = localName(known) || localName(typeof d.department === 'object' ? d.department : null) || code || '';
    const ref = d.reference || (d.case_id != null ? `#${d.case_id}` : '');
    return t(`inc.event.${e.type}`, { department, ref, title: d.title || '' });
  }

  function addEvent(e, { live = false } = {}) {
    if (!e || e.id == null || seen.has(String(e.id))) return;
    seen.add(String(e.id));
    const who = e.actor ? (['staff', 'admin'].includes(e.actor.role) ? t('inc.byStaff', { name: e.actor.display_name }) : e.actor.display_name) : t('inc.bySystem');
    const li = h('li', { class: `tl-item${e.internal ? ' tl-internal' : ''}`, 'data-event-id': String(e.id), 'data-testid': 'incident-event', 'data-type': e.type, 'data-internal': String(!!e.internal) },
      h('span', { class: 'tl-dot', 'aria-hidden': 'true' }, icon(e.type === 'note' ? 'comment' : e.type === 'alert' ? 'megaphone' : e.type === 'close' ? 'lock' : 'info')),
      h('div', { class: 'tl-body' },
        h('p', { class: 'tl-title' }, describe(e), e.internal ? h('span', { class: 'tag tag-internal' }, icon('lock'), t('inc.internalTag')) : null),
        h('p', { class: 'tl-meta muted' }, who, ' · ', h('time', { datetime: e.created_at, title: formatDateTime(e.created_at) }, relativeTime(e.created_at))),
        e.body ? h('p', { class: 'tl-note' }, e.body) : null));
    tl.append(li);
    if (live) { flash(li); say.say(describe(e)); }
  }

  const lastEventId = () => [...seen].map(Number).filter(Number.isFinite).reduce((a, b) => Math.max(a, b), -1);

  function noteBox() {
    const body = h('textarea', { name: 'body', rows: 3, required: true, maxlength: 4000, 'data-testid': 'note-body' });
    const radio = (value, label) => {
      const rid = nextId('vis');
      return h('div', { class: 'check' }, h('input', { type: 'radio', name: 'visibility', id: rid, value, checked: value === 'internal', 'data-testid': `note-${value}`, onchange: tint }), h('label', { for: rid }, label));
    };
    const button = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'note-send' }, icon('send'), t('inc.addNote'));
    const form = h('form', { class: 'inc-form composer-internal', 'data-testid': 'note-form', onsubmit: async (e) => {
      e.preventDefault();
      const text = body.value.trim();
      if (!text) { body.focus(); return; }
      const internal = form.querySelector('input[name="visibility"]:checked').value === 'internal';
      setBusy(button, true);
      try {
        const event = await create(`/incidents/${id}/notes`, { body: text, internal });
        addEvent(event, { live: true });
        body.value = '';
      } catch (err) { toast(errorMessage(err), { tone: 'error' }); } finally { setBusy(button, false); }
    } },
    h('h3', null, icon('comment'), t('inc.noteTitle')),
    h('fieldset', { class: 'segmented-radio' }, h('legend', null, t('inc.noteWho')), radio('internal', t('inc.noteInternal')), radio('public', t('inc.notePublic'))),
    field({ label: t('inc.noteLabel'), input: body }), button);
    function tint() { form.classList.toggle('composer-internal', form.querySelector('input[name="visibility"]:checked').value === 'internal'); }
    return form;
  }

  // --- change: severity, notice, more departments (the lead's heads, admins) ------------------
  let editForm = null;
  function paintEdit() {
    if (!rights.manage || inc.status !== 'active') { replace(editBox); return; }
    if (!editForm) editForm = buildEdit();
    if (!editBox.contains(editForm)) replace(editBox, editForm);
  }

  function buildEdit() {
    const severity = h('select', { name: 'severity', 'data-testid': 'edit-severity' }, SEVERITIES.map((s) => h('option', { value: s, selected: s === inc.severity }, t(`inc.severity.${s}`))));
    const notice = h('textarea', { name: 'notice', rows: 2, maxlength: 500, value: inc.notice || '', 'data-testid': 'edit-notice' });
    const joining = h('fieldset', { class: 'check-grid' }, h('legend', null, t('inc.addDepartments')));
    const button = h('button', { type: 'submit', class: 'btn btn-secondary', 'data-testid': 'edit-submit' }, icon('edit'), t('inc.saveChanges'));
    getDepartmentList().then((all) => {
      const taking = new Set((inc.departments || []).map((d) => d.code));
      const free = all.filter((d) => !taking.has(d.code));
      joining.hidden = !free.length;
      joining.append(...free.map((d) => {
        const cid = nextId('join');
        return h('div', { class: 'check' }, h('input', { type: 'checkbox', id: cid, name: 'departments', value: d.code, 'data-testid': `edit-dept-${d.code}` }), h('label', { for: cid }, localName(d)));
      }));
    }).catch(() => { joining.hidden = true; });
    const form = h('form', { class: 'inc-form', 'data-testid': 'edit-form', onsubmit: async (e) => {
      e.preventDefault();
      const body = { severity: severity.value, notice: notice.value.trim() };
      const added = [...joining.querySelectorAll('input:checked')].map((i) => i.value);
      if (added.length) body.departments = added;
      setBusy(button, true);
      try {
        inc = { ...inc, ...(await patch(`/incidents/${id}`, body)) };
        joining.querySelectorAll('input:checked').forEach((i) => i.closest('.check').remove());
        details.open = false;
        toast(t('inc.changed'), { tone: 'success' });
        paint();
      } catch (err) { toast(errorMessage(err), { tone: 'error' }); } finally { setBusy(button, false); }
    } }, field({ label: t('inc.severityLabel'), input: severity }), field({ label: t('inc.noticeLabel'), hint: t('inc.noticeHint'), input: notice }), joining, button);
    const details = h('details', { class: 'more inc-section', 'data-testid': 'edit-details' }, h('summary', null, icon('edit'), t('inc.change')), form);
    return details;
  }

  // --- close ----------------------------------------------------------------------------------
  let closeForm = null;
  function paintClose() {
    if (!rights.manage || inc.status !== 'active') { replace(closeBox); return; }
    if (!closeForm) closeForm = buildClose();
    if (!closeBox.contains(closeForm)) replace(closeBox, closeForm);
  }

  function buildClose() {
    const summary = h('textarea', { name: 'summary', rows: 4, required: true, maxlength: 4000, 'data-testid': 'close-summary' });
    const button = h('button', { type: 'submit', class: 'btn btn-danger', 'data-testid': 'close-submit' }, icon('lock'), t('inc.closeSubmit'));
    return h('details', { class: 'more inc-section', 'data-testid': 'close-details' }, h('summary', null, icon('lock'), t('inc.close')),
      h('form', { class: 'inc-form', onsubmit: async (e) => {
        e.preventDefault();
        if (!summary.value.trim()) { summary.setAttribute('aria-invalid', 'true'); summary.focus(); toast(t('inc.needSummary'), { tone: 'error' }); return; }
        setBusy(button, true);
        try { await post(`/incidents/${id}/close`, { summary: summary.value.trim() }); toast(t('inc.closed'), { tone: 'success' }); await refresh(); } catch (err) { setBusy(button, false); toast(errorMessage(err), { tone: 'error' }); }
      } }, field({ label: t('inc.summaryLabel'), hint: t('inc.summaryHint'), input: summary }), button));
  }

  // --- map ------------------------------------------------------------------------------------
  async function drawMap() {
    try {
      const { createMap, destroyMap } = await import('../map.js');
      if (!ctx.isCurrent()) return;
      const made = await createMap(mapEl, { center: [inc.area.lat ?? inc.area.polygon[0][1], inc.area.lon ?? inc.area.polygon[0][0]], zoom: 14, label: t('inc.mapLabel') });
      if (!ctx.isCurrent()) { destroyMap(made.map); return; }
      mapApi = { ...made, pins: made.L.layerGroup().addTo(made.map) };
      ctx.onCleanup(() => destroyMap(made.map));
      areaShape(made.L, inc.area).addTo(made.map);
      fitArea(made.map, inc.area);
      paintMarkers();
    } catch { mapEl.replaceWith(h('p', { class: 'notice' }, t('map.unavailable'))); }
  }

  async function paintMarkers() {
    if (!mapApi) return;
    const { statusMarker } = await import('../map.js');
    mapApi.pins.clearLayers();
    for (const c of inc.cases || []) {
      const marker = statusMarker(mapApi.L, { lat: c.lat, lon: c.lon, status: c.status, title: `${caseTitle(c)} (${caseNumber(c)})` });
      marker.on('click', () => ctx.navigate(caseHref(c)));
      mapApi.pins.addLayer(marker);
    }
  }

  // --- live -----------------------------------------------------------------------------------
  let refreshing = null;
  async function refresh() {
    refreshing ||= get(`/incidents/${id}`).then((fresh) => {
      if (!ctx.isCurrent()) return;
      inc = fresh;
      (fresh.timeline || []).forEach((e) => addEvent(e, { live: true }));
      (fresh.offered_cases || []).forEach((c) => { if (!offered.has(String(c.id))) offered.set(String(c.id), c); });
      paint();
    }).catch(() => {}).finally(() => { refreshing = null; });
    return refreshing;
  }

  async function subscribe() {
    const live = await import('../live.js');
    if (!ctx.isCurrent()) return;
    let wasDown = false;
    ctx.onCleanup(live.onLiveStatus((s) => {
      liveDot.className = `live-dot ${s}`;
      liveDot.textContent = s === 'connected' ? t('live.on') : t('live.off');
      if (s === 'disconnected') wasDown = true;
    }));
    ctx.onCleanup(live.subscribe(`incident:${id}`, (type, data) => {
      if (type === 'incident.event') addEvent(data.event, { live: true });
      else if (type === 'missed') data.forEach((m) => addEvent(m.event ?? m, { live: true }));
      else if (type === 'incident.updated') refresh();
      else if (type === 'incident.offered' && rights.act && data.case) {
        offered.set(String(data.case.id), data.case);
        paintCases();
        say.say(t('inc.offeredNew', { title: caseTitle(data.case) }));
      } else if (type === 'joined') {
        liveDot.className = 'live-dot connected';
        liveDot.setAttribute('data-joined', 'true');
        if (wasDown) { wasDown = false; refresh(); }
      }
    }, { since: lastEventId() >= 0 ? lastEventId() : undefined }));
  }

  (inc.timeline || []).forEach((e) => addEvent(e));
  (inc.offered_cases || []).forEach((c) => offered.set(String(c.id), c));
  paint();
  drawMap();
  subscribe();
}
