// The case desk: one case as the staff handling it see it. Every transition the person may take
// (the API's `viewer.actions`), co-handling tasks, public replies from templates and internal
// notes, the full history. Live: another person's change shows at once; an action prepared on
// what has since changed is refused by the API (409) and said so, never applied silently.
import { h, icon, nextId, replace } from '../dom.js';
import { localName, t, tOr } from '../i18n.js';
import { ApiError, create, get, getOnce, newKey, post, request } from '../api.js';
import { statusChip, statusLabel } from '../status.js';
import { distance, formatDateTime, relativeTime } from '../format.js';
import { clearFieldErrors, errorMessage, errorState, setBusy, showFieldErrors, skeletonList, toast } from '../ui.js';
import { caseNumber, caseTitle, itemsOf } from './case-card.js';
import { flash, timeline } from './timeline.js';
import { commentsSection } from './comments.js';
import { photoPicker } from './photo-picker.js';
import { slaClock } from './staff-kit.js';
import { casePhotos } from './case-photos.js';

// One click: nothing to add. The others open a short form.
const AT_ONCE = new Set(['accept', 'start', 'close']);
const ORDER = ['accept', 'assign', 'start', 'resolve', 'transfer', 'merge', 'reject', 'close', 'confirm', 'reopen'];
const TONE = { reject: 'btn-danger', resolve: 'btn-primary', accept: 'btn-primary', start: 'btn-primary' };
const RACES = new Set(['stale', 'invalid_transition']);

export const getDepartments = () => getOnce('/departments', { per_page: 100 }).then(itemsOf);

/**
 * caseDesk({id, user, onCase(case)}) -> {el, destroy()}
 * onCase is told of every fresh copy of the case (the inbox keeps its card in step).
 */
export function caseDesk({ id, user, onCase = () => {} }) {
  const controller = new AbortController();
  const signal = controller.signal;
  const cleanups = [];
  const el = h('article', { class: 'case-desk', 'data-testid': 'case-desk', 'data-case-id': id, 'aria-labelledby': `desk-h-${id}` }, skeletonList(3));
  let kase = null;
  let tl = null;
  let comments = null;
  let openForm = null; // {action, version, el, note}: an action being prepared
  let openTasks = 0;
  const head = h('header', { class: 'desk-head' });
  const actions = h('section', { class: 'desk-actions', 'aria-labelledby': nextId('act-h') });
  const tasks = h('section', { class: 'desk-tasks', 'aria-labelledby': `tasks-h-${id}`, hidden: true, 'data-testid': 'desk-tasks' });
  const liveDot = h('span', { class: 'live-dot', role: 'status' });

  load();
  return { el, destroy };

  function destroy() {
    controller.abort();
    cleanups.forEach((fn) => { try { fn(); } catch { /* ignore */ } });
  }

  async function load() {
    let events;
    try {
      [kase, events] = await Promise.all([
        get(`/cases/${id}`, null, { signal }),
        get(`/cases/${id}/events`, { per_page: 500 }, { signal }).then(itemsOf),
      ]);
    } catch (e) {
      if (e.name !== 'AbortError') replace(el, errorState(e, { onRetry: load }));
      return;
    }
    // Only the category's department has its templates (the API says whether this is one of them).
    const templates = kase.viewer?.templates
      ? await get(`/categories/${kase.category.code}/templates`, { per_page: 100 }, { signal }).then(itemsOf).catch(() => [])
      : [];
    if (signal.aborted) return;
    tl = timeline(events, () => kase);
    comments = commentsSection({ base: `/cases/${id}`, user, signal, title: t('desk.conversation'), staff: { templates } });
    replace(el, head, actions, tasks,
      h('section', { class: 'timeline-section', 'aria-labelledby': `tl-h-${id}` },
        h('div', { class: 'section-head' }, h('h2', { id: `tl-h-${id}` }, t('desk.history')), liveDot), tl.el),
      comments.el);
    renderHead();
    renderActions();
    loadTasks();
    onCase(kase);
    const live = await import('../live.js');
    if (signal.aborted) return;
    cleanups.push(live.onLiveStatus((s) => {
      liveDot.className = `live-dot ${s}`;
      liveDot.textContent = s === 'connected' ? t('live.on') : t('live.off');
    }));
    cleanups.push(live.subscribe(`case:${id}`, onLive, { since: tl.lastId() >= 0 ? tl.lastId() : undefined }));
  }

  function onLive(type, data) {
    if (type === 'case.event') {
      if (data.event) tl.add(data.event, { highlight: true });
      // A new reply or note comes only inside its event (one frame); later changes as case.comment.
      if (data.comment) comments.apply({ change: 'created', comment: data.comment });
      const byMe = data.event?.actor?.id != null && String(data.event.actor.id) === String(user.id);
      refresh({ byOther: !byMe });
    } else if (type === 'missed') {
      data.forEach((item) => item.event && tl.add(item.event, { highlight: true }));
      data.forEach((item) => item.comment && comments.apply({ change: 'created', comment: item.comment }));
      refresh({ byOther: true });
    } else if (type === 'case.comment') {
      comments.apply(data.comment ? data : { change: 'created', comment: data });
    }
  }

  /** Fetch the case again (the live payload is the public view, without `viewer.actions`). */
  async function refresh({ byOther = false } = {}) {
    let fresh;
    try { fresh = await get(`/cases/${id}`, null, { signal }); } catch { return; }
    const changed = fresh.version !== kase.version;
    kase = fresh;
    renderHead(changed);
    onCase(kase);
    loadTasks(); // cheap, and right even when the event came in a replay
    if (openForm && changed && byOther) {
      // Keep what the person is writing and the version it was written against: sending it
      // now gets the API's conflict answer, shown in the form.
      openForm.note.hidden = false;
      openForm.note.textContent = t('desk.changedMeanwhile', { status: statusLabel(kase.status) });
      return;
    }
    if (!openForm) renderActions();
  }

  function renderHead(changed = false) {
    const r = kase.reporter || {};
    replace(head,
      h('h2', { id: `desk-h-${id}`, class: 'desk-title' }, caseTitle(kase), ' ', h('span', { class: 'muted' }, caseNumber(kase))),
      h('div', { class: 'row wrap' }, statusChip(kase.status), slaClock(kase),
        kase.priority === 'urgent' ? h('span', { class: 'tag tag-urgent' }, icon('alert'), t('case.urgent')) : null,
        kase.escalated ? h('span', { class: 'tag tag-urgent', 'data-testid': 'escalated' }, icon('alert'), t('desk.escalated')) : null),
      h('p', { class: 'muted' }, [localName(kase.category), localName(kase.department)].filter(Boolean).join(' · ')),
      kase.description ? h('p', { class: 'description' }, kase.description) : null,
      kase.address ? h('p', { class: 'muted' }, icon('pin'), kase.address) : null,
      casePhotos(kase, { width: 120 }),
      h('dl', { class: 'facts' },
        h('dt', null, t('desk.reporter')), h('dd', null, r.display_name || t('case.anonymous'),
          r.email ? h('span', null, ' · ', h('a', { href: `mailto:${r.email}`, 'data-native': true }, r.email)) : null,
          r.phone ? h('span', null, ' · ', h('a', { href: `tel:${r.phone}`, 'data-native': true }, r.phone)) : null),
        kase.assignee !== undefined ? [h('dt', null, t('desk.assignee')), h('dd', { 'data-testid': 'desk-assignee' }, kase.assignee?.display_name || t('desk.wholeDepartment'))] : null,
        h('dt', null, t('desk.filed')), h('dd', null, h('time', { datetime: kase.created_at, title: formatDateTime(kase.created_at) }, relativeTime(kase.created_at))),
        kase.supporters ? [h('dt', null, t('desk.supporters')), h('dd', null, String(kase.supporters))] : null),
      h('p', null, h('a', { href: `/cases/${id}`, class: 'small' }, icon('eye'), t('desk.publicPage'))));
    if (changed) flash(head);
  }

  function renderActions() {
    openForm = null;
    const allowed = ORDER.filter((a) => kase.viewer?.can?.[a]);
    const headingId = actions.getAttribute('aria-labelledby');
    replace(actions, h('h3', { id: headingId }, t('desk.actions')),
      allowed.length
        ? h('div', { class: 'row wrap action-row', 'data-testid': 'desk-action-buttons' }, allowed.map((action) => h('button', {
          type: 'button', class: `btn ${TONE[action] || 'btn-secondary'}`, 'data-testid': `act-${action}`,
          onclick: (e) => (AT_ONCE.has(action) ? send(action, {}, e.currentTarget, null, kase.version) : openAction(action)),
        }, tOr(`desk.act.${action}`, action))))
        : h('p', { class: 'muted', 'data-testid': 'no-actions' }, t('desk.noActions')));
  }

  async function openAction(action) {
    renderActions();
    const form = h('form', { class: 'card action-form', novalidate: true, 'data-testid': `form-${action}`, 'data-action': action });
    const note = h('p', { class: 'notice', role: 'status', hidden: true, 'data-testid': 'changed-meanwhile' });
    openForm = { action, version: kase.version, el: form, note };
    const fields = await actionFields(action);
    if (openForm?.el !== form) return;
    const submit = h('button', { type: 'submit', class: `btn ${TONE[action] || 'btn-primary'}`, 'data-testid': 'action-send' }, tOr(`desk.act.${action}`, action));
    const cancel = h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => renderActions() }, t('action.cancel'));
    replace(form, h('h4', null, tOr(`desk.act.${action}`, action)), note, fields.el, h('div', { class: 'row wrap' }, submit, cancel));
    form.onsubmit = (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      const body = fields.values();
      if (body === null) return;
      send(action, body, submit, form, openForm.version, fields.photos?.());
    };
    actions.append(form);
    form.querySelector('input:not([type=hidden]), select, textarea')?.focus();
  }

  /** The fields an action needs: {el, values() -> body or null when invalid, photos?()} */
  async function actionFields(action) {
    const text = (name, label, { required = false, rows = 3 } = {}) => {
      const fid = nextId(name);
      const input = h('textarea', { id: fid, name, rows, required, 'data-testid': `field-${name}` });
      return { input, el: h('div', { class: 'field' }, h('label', { for: fid }, label, required ? null : h('span', { class: 'hint' }, t('form.optional'))), input) };
    };
    const need = (form, pairs) => {
      const missing = Object.fromEntries(pairs.filter(([, input]) => !input.value.trim()).map(([name]) => [name, [t('form.requiredField')]]));
      if (Object.keys(missing).length) { showFieldErrors(form, { fields: missing }); return false; }
      return true;
    };
    const form = () => openForm.el;
    if (action === 'reject' || action === 'reopen') {
      const reason = text('reason', t('desk.reason'), { required: true });
      const extra = action === 'reopen' ? verifyPhotos() : null;
      return { el: h('div', null, reason.el, extra?.el), photos: extra?.photos,
        values: () => (need(form(), [['reason', reason.input]]) ? { reason: reason.input.value.trim() } : null) };
    }
    if (action === 'assign' || action === 'transfer') {
      const all = await getDepartments().catch(() => []);
      const choices = action === 'transfer' ? all.filter((d) => d.code !== kase.department?.code) : all;
      const sid = nextId('dept');
      const select = h('select', { id: sid, name: 'department', 'data-testid': 'field-department' },
        choices.map((d) => h('option', { value: d.code, selected: d.code === kase.department?.code }, localName(d))));
      const reason = action === 'transfer' ? text('reason', t('desk.transferReason'), { required: true }) : null;
      const note = text('note', t('desk.note'), { rows: 2 });
      const person = personPicker(select);
      return { el: h('div', null, h('div', { class: 'field' }, h('label', { for: sid }, t('desk.department')), select), person.el, reason?.el, note.el),
        values: () => {
          if (reason && !need(form(), [['reason', reason.input]])) return null;
          return { department: select.value, assignee: person.value(), reason: reason?.input.value.trim() || undefined, note: note.input.value.trim() || undefined };
        } };
    }
    if (action === 'resolve') return resolveFields(text, need, form);
    if (action === 'merge') return mergeFields(need, form);
    const note = text('note', t('desk.note'), { rows: 2 });
    const extra = action === 'confirm' ? verifyPhotos() : null;
    return { el: h('div', null, note.el, extra?.el), photos: extra?.photos, values: () => ({ note: note.input.value.trim() || undefined }) };
  }

  /** The people of the chosen department (the API lists them to its own staff only). */
  function personPicker(departmentSelect) {
    const pid = nextId('person');
    const select = h('select', { id: pid, name: 'assignee', 'data-testid': 'field-assignee' });
    const field = h('div', { class: 'field' }, h('label', { for: pid }, t('desk.assignee')), select);
    const fill = async () => {
      const code = departmentSelect.value;
      const people = await get(`/departments/${code}/people`, null, { signal }).then(itemsOf).catch(() => []);
      if (departmentSelect.value !== code) return;
      replace(select, h('option', { value: '' }, t('desk.wholeDepartment')),
        people.map((p) => h('option', { value: p.id, selected: String(p.id) === String(kase.assignee?.id) }, p.display_name)));
      field.hidden = !people.length;
    };
    departmentSelect.addEventListener('change', fill);
    fill();
    return { el: field, value: () => (select.value ? Number(select.value) : undefined) };
  }

  function verifyPhotos() {
    const photos = [];
    const picker = photoPicker({ photos, onChange: () => {}, max: 3, takeLabel: t('desk.takeVerifyPhoto'), chooseLabel: t('desk.chooseVerifyPhoto') });
    cleanups.push(picker.destroy);
    return { el: h('div', { class: 'field' }, h('p', { class: 'label' }, t('desk.verifyPhotos')), picker.el), photos: () => photos };
  }

  function resolveFields(text, need, form) {
    const note = text('note', t('desk.resolveNote'), { required: true });
    const photos = [];
    const picker = photoPicker({ photos, onChange: () => {}, max: 3, takeLabel: t('desk.takeAfterPhoto'), chooseLabel: t('desk.chooseAfterPhoto') });
    cleanups.push(picker.destroy);
    const pending = openTasks > 0;
    const oid = nextId('override');
    const override = h('input', { type: 'checkbox', id: oid, name: 'override_open_tasks', 'data-testid': 'field-override' });
    const reason = text('reason', t('desk.overrideReason'), { rows: 2 });
    const pubId = nextId('publish');
    const publish = h('input', { type: 'checkbox', id: pubId, name: 'publish_reason', 'data-testid': 'field-publish-reason' });
    const says = h('p', { class: 'hint', 'data-testid': 'reason-visibility', role: 'status' }, t('desk.reasonInternal'));
    publish.onchange = () => { says.textContent = t(publish.checked ? 'desk.reasonPublic' : 'desk.reasonInternal'); };
    return {
      el: h('div', null, note.el,
        h('div', { class: 'field' }, h('p', { class: 'label' }, t('desk.afterPhotos')), picker.el),
        pending ? h('div', { class: 'check' }, override, h('label', { for: oid }, t('desk.override'))) : null,
        pending ? reason.el : null,
        pending ? h('div', { class: 'check' }, publish, h('label', { for: pubId }, t('desk.publishReason'))) : null,
        pending ? says : null),
      photos: () => photos,
      values: () => {
        if (!need(form(), [['note', note.input]])) return null;
        return { note: note.input.value.trim(), override_open_tasks: override.checked || undefined, reason: reason.input.value.trim() || undefined,
          publish_reason: publish.checked || undefined };
      },
    };
  }

  async function mergeFields(need, form) {
    const near = await get('/cases/nearby', { category: kase.category.code, lat: kase.lat, lon: kase.lon, radius_m: 1000 }, { signal })
      .then(itemsOf).catch(() => []);
    const others = near.filter((c) => String(c.id) !== String(id));
    const name = nextId('merge');
    const mid = nextId('merge-id');
    const typed = h('input', { type: 'text', inputmode: 'numeric', id: mid, name: 'merge_into', 'data-testid': 'field-merge-into', autocomplete: 'off' });
    const list = others.length ? h('fieldset', { class: 'merge-list' }, h('legend', null, t('desk.mergeNearby')),
      others.map((c) => {
        const rid = nextId('m');
        return h('div', { class: 'check' },
          h('input', { type: 'radio', id: rid, name, value: c.id, 'data-testid': 'merge-candidate', onchange: () => { typed.value = String(c.id); } }),
          h('label', { for: rid }, h('strong', null, caseTitle(c)), ' ', t('case.number', { id: c.id }), ' · ', statusLabel(c.status),
            c.distance_m != null ? ` · ${distance(c.distance_m)}` : ''));
      })) : h('p', { class: 'muted' }, t('desk.mergeNone'));
    return {
      el: h('div', null, list, h('div', { class: 'field' }, h('label', { for: mid }, t('desk.mergeInto')), typed)),
      values: () => {
        if (!need(form(), [['merge_into', typed]])) return null;
        return { merge_into: Number(typed.value.trim()) || typed.value.trim() };
      },
    };
  }

  async function send(action, body, button, form, version, photos = []) {
    setBusy(button, true);
    const payload = { action, version, ...body };
    try {
      if (photos && photos.length) {
        const fd = new FormData();
        for (const [k, v] of Object.entries(payload)) if (v !== undefined && v !== null) fd.append(k, String(v));
        photos.forEach((p) => fd.append('photos', p.blob, p.name || 'photo.jpg'));
        await request('POST', `/cases/${id}/transitions`, { body: fd, key: newKey(), signal });
      } else {
        await post(`/cases/${id}/transitions`, payload, { signal, key: newKey() });
      }
      toast(t('desk.done', { action: tOr(`desk.act.${action}`, action) }), { tone: 'success' });
      openForm = null;
      // refresh() draws the actions the new state allows, unless the person has meanwhile
      // opened the next one's form (accept, then at once assign): that form must stay.
      await refresh();
    } catch (e) {
      if (e.name === 'AbortError') return;
      setBusy(button, false);
      // 409 for a race (stale version, a state that moved on); other 409s (open tasks ...) are
      // about the request itself and shown like any error in the form.
      if (e instanceof ApiError && RACES.has(e.code)) { conflict(e, form || actions); return; }
      if (form) showFieldErrors(form, e); else toast(errorMessage(e), { tone: 'error' });
    }
  }

  /** Someone else changed the case first: say so, and offer the latest state. */
  function conflict(e, where) {
    where.querySelector('.conflict')?.remove();
    const reload = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'conflict-reload' }, icon('refresh'), t('desk.conflictReload'));
    reload.onclick = async () => { openForm = null; await refresh(); renderActions(); };
    const box = h('div', { class: 'conflict form-error', role: 'alert', tabindex: '-1', 'data-testid': 'conflict' },
      icon('alert'), h('div', null, h('strong', null, t('desk.conflictTitle')), h('p', null, e.code === 'stale' ? t('desk.conflictStale') : errorMessage(e)), reload));
    where.prepend(box);
    box.focus();
  }

  // --- co-handling tasks --------------------------------------------------------------------
  async function loadTasks() {
    if (!kase.viewer?.handler) { tasks.hidden = true; return; }
    let list;
    try { list = itemsOf(await get(`/cases/${id}/tasks`, null, { signal })); } catch { return; }
    openTasks = list.filter((task) => task.status === 'open').length;
    // Who may ask for help and finish which task is the server's answer (`viewer`).
    const mine = new Set(kase.viewer?.complete_tasks || []);
    tasks.hidden = false;
    replace(tasks, h('h3', { id: `tasks-h-${id}` }, icon('users'), t('desk.tasks')),
      list.length ? h('ul', { class: 'task-list' }, list.map((task) => taskItem(task, mine))) : h('p', { class: 'muted' }, t('desk.noTasks')),
      kase.viewer?.can?.request_task ? askForm() : null);
  }

  function taskItem(task, mine) {
    const done = task.status === 'done';
    const li = h('li', { class: `card task task-${task.status}`, 'data-testid': 'task', 'data-status': task.status },
      h('p', null, h('strong', null, localName(task.department)), ' ',
        h('span', { class: `chip ${done ? 'status status-resolved' : 'status status-assigned'}` }, icon(done ? 'check' : 'clock'), t(done ? 'desk.taskDone' : 'desk.taskOpen'))),
      task.request_note ? h('p', { class: 'small' }, task.request_note) : null,
      task.done_note ? h('p', { class: 'small' }, icon('check'), ' ', task.done_note) : null);
    if (!done && mine.has(task.id)) {
      const fid = nextId('done');
      const note = h('textarea', { id: fid, name: 'note', rows: 2, 'data-testid': 'task-done-note' });
      const btn = h('button', { type: 'submit', class: 'btn btn-secondary btn-small', 'data-testid': 'task-done' }, icon('check'), t('desk.markTaskDone'));
      const form = h('form', { novalidate: true }, h('div', { class: 'field' }, h('label', { for: fid }, t('desk.taskDoneNote')), note), btn);
      form.onsubmit = async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        if (!note.value.trim()) { showFieldErrors(form, { fields: { note: [t('form.requiredField')] } }); return; }
        setBusy(btn, true);
        try { await post(`/cases/${id}/tasks/${task.id}/done`, { note: note.value.trim() }, { signal }); await refresh(); } catch (err) { showFieldErrors(form, err); setBusy(btn, false); }
      };
      li.append(form);
    }
    return li;
  }

  function askForm() {
    const sid = nextId('ask');
    const nid = nextId('ask-note');
    const select = h('select', { id: sid, name: 'department', 'data-testid': 'task-department' });
    getDepartments().then((all) => {
      replace(select, all.filter((d) => d.code !== kase.department?.code).map((d) => h('option', { value: d.code }, localName(d))));
    }).catch(() => {});
    const note = h('textarea', { id: nid, name: 'note', rows: 2, 'data-testid': 'task-note' });
    const btn = h('button', { type: 'submit', class: 'btn btn-secondary', 'data-testid': 'task-ask' }, icon('send'), t('desk.askHelp'));
    const form = h('form', { class: 'card ask-form', novalidate: true, hidden: true },
      h('h4', null, t('desk.askTitle')),
      h('div', { class: 'field' }, h('label', { for: sid }, t('desk.department')), select),
      h('div', { class: 'field' }, h('label', { for: nid }, t('desk.note'), h('span', { class: 'hint' }, t('form.optional'))), note), btn);
    form.onsubmit = async (e) => {
      e.preventDefault();
      setBusy(btn, true);
      try {
        await create(`/cases/${id}/tasks`, { department: select.value, note: note.value.trim() || undefined }, { signal });
        await refresh();
      } catch (err) { showFieldErrors(form, err); setBusy(btn, false); }
    };
    const open = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-expanded': 'false', 'data-testid': 'task-open' }, icon('plus'), t('desk.askTitle'));
    open.onclick = () => {
      form.hidden = !form.hidden;
      open.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) select.focus();
    };
    return h('div', null, open, form);
  }
}
