// The moderation desk (volunteers, admins): the queue, live; each flagged item shown with its
// context and the reports about it; hide with a reason, restore, dismiss, one or many at once.
// Below it, resolved cases to check on the ground: confirm the fix or reopen, with a photo.
import { h, icon, nextId, replace } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { get, newKey, post, request } from '../api.js';
import { formatDateTime, relativeTime } from '../format.js';
import { caseCard, caseTitle, itemsOf } from '../components/case-card.js';
import { photoPicker } from '../components/photo-picker.js';
import { clearFieldErrors, emptyState, errorState, screenHeader, setBusy, showFieldErrors, skeletonList, toast } from '../ui.js';
import { announcer, deskNav, prepareDesk } from '../components/staff-kit.js';
import { reviewSection } from '../components/proposal-review.js';

const KINDS = ['all', 'flagged', 'hidden'];
const keyOf = (item) => `${item.target_type}:${item.target_id}`;

function contextLink(item) {
  const on = item.context?.on;
  if (item.target_type === 'case') return `/cases/${item.target_id}`;
  if (item.target_type === 'proposal') return `/proposals/${item.target_id}`;
  if (on) return `/${on.target_type === 'case' ? 'cases' : 'proposals'}/${on.target_id}`;
  return null;
}

export default async function moderationDesk(ctx) {
  await prepareDesk(ctx);
  if (!ctx.isCurrent()) return;
  let kind = KINDS.includes(ctx.query.get('kind')) ? ctx.query.get('kind') : 'all';
  const say = announcer();
  const liveDot = h('span', { class: 'live-dot', role: 'status', 'data-testid': 'mod-live' });
  const selected = new Set();
  const items = new Map(); // key -> {item, li}
  const queue = h('div', { class: 'mod-queue' }, skeletonList(3));
  const bulk = h('div', { class: 'bulk-bar', hidden: true, 'data-testid': 'bulk-bar', role: 'region', 'aria-label': t('mod.bulkLabel') });
  const tabs = h('div', { class: 'chips', role: 'group', 'aria-label': t('mod.kindLabel') }, KINDS.map((k) => h('button', {
    type: 'button', class: 'chip-btn', 'aria-pressed': String(k === kind), 'data-kind': k, 'data-testid': `mod-kind-${k}`,
    onclick: () => { kind = k; history.replaceState(history.state, '', k === 'all' ? '/moderation' : `/moderation?kind=${k}`); paintTabs(); load(); },
  }, t(`mod.kind.${k}`))));
  const verify = h('section', { class: 'verify', 'aria-labelledby': 'verify-h', 'data-testid': 'verify' });

  ctx.root.append(screenHeader(t('mod.title')), deskNav(ctx.user, 'moderation') || '', say.el,
    reviewSection({ signal: ctx.signal }),
    h('section', { 'aria-labelledby': 'queue-h' }, h('div', { class: 'section-head' }, h('h2', { id: 'queue-h' }, t('mod.queue')), liveDot), tabs, bulk, queue),
    verify);
  load();
  loadVerify();
  subscribe();

  function paintTabs() {
    tabs.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.kind === kind)));
  }

  async function load() {
    replace(queue, skeletonList(3));
    let page;
    try { page = await get('/moderation/queue', { kind, per_page: 50 }, { signal: ctx.signal }); } catch (e) {
      if (e.name !== 'AbortError') replace(queue, errorState(e, { onRetry: load }));
      return;
    }
    if (!ctx.isCurrent()) return;
    items.clear();
    selected.clear();
    const list = itemsOf(page);
    if (!list.length) { replace(queue, emptyState({ iconName: 'check-circle', title: t('mod.emptyTitle'), text: t('mod.emptyText') })); paintBulk(); return; }
    const all = h('input', { type: 'checkbox', id: 'mod-all', 'data-testid': 'mod-select-all', onchange: (e) => selectAll(e.target.checked) });
    replace(queue, h('div', { class: 'check' }, all, h('label', { for: 'mod-all' }, t('mod.selectAll'))),
      h('ul', { class: 'card-list', 'aria-label': t('mod.queue'), 'data-testid': 'mod-list' }, list.map((item) => {
        const li = row(item);
        items.set(keyOf(item), { item, li });
        return li;
      })));
    paintBulk();
  }

  function row(item) {
    const key = keyOf(item);
    const c = item.context || {};
    const cid = nextId('sel');
    const href = contextLink(item);
    const reasons = Object.entries(item.flags?.reasons || {});
    const reasonId = nextId('reason');
    const reason = h('input', { type: 'text', id: reasonId, name: 'reason', maxlength: 500, 'data-testid': 'mod-reason' });
    const hide = h('button', { type: 'submit', class: 'btn btn-danger btn-small', 'data-testid': 'mod-hide' }, icon('eye'), t('mod.hide'));
    const form = h('form', { class: 'mod-actions', novalidate: true },
      item.hidden ? null : h('div', { class: 'field' }, h('label', { for: reasonId }, t('mod.reason')), reason),
      h('div', { class: 'row wrap' },
        item.hidden ? null : hide,
        item.hidden ? h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': 'mod-restore', onclick: (e) => act('restore', [item], e.currentTarget, form) }, icon('refresh'), t('mod.restore')) : null,
        item.flags?.count ? h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': 'mod-dismiss', onclick: (e) => act('dismiss', [item], e.currentTarget, form) }, icon('check'), t('mod.dismiss')) : null,
        !item.hidden && !item.flags?.count ? h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': 'mod-fine', onclick: (e) => act('dismiss', [item], e.currentTarget, form) }, icon('check'), t('mod.looksFine')) : null));
    form.onsubmit = (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      if (!reason.value.trim()) { showFieldErrors(form, { fields: { reason: [t('mod.reasonNeeded')] } }); return; }
      act('hide', [item], hide, form, reason.value.trim());
    };
    return h('li', { class: `card mod-item${item.hidden ? ' is-hidden' : ''}`, 'data-testid': 'mod-item', 'data-key': key, 'data-kind': item.kind },
      h('div', { class: 'mod-item-head' },
        h('span', { class: 'check' }, h('input', { type: 'checkbox', id: cid, checked: selected.has(key), 'data-testid': 'mod-select', onchange: (e) => toggle(key, e.target.checked) }),
          h('label', { for: cid }, h('strong', null, tOr(`mod.type.${item.target_type}`, item.target_type)), ' ', `#${item.target_id}`)),
        h('span', { class: `tag ${item.kind === 'flagged' ? 'tag-urgent' : ''}` }, tOr(`mod.kind.${item.kind}`, item.kind)),
        item.hidden ? h('span', { class: 'tag', 'data-testid': 'mod-hidden-tag' }, icon('lock'), t('mod.isHidden')) : null),
      h('blockquote', { class: 'mod-context', 'data-testid': 'mod-context' },
        c.title ? h('p', { class: 'card-title' }, c.title) : null,
        c.text ? h('p', { class: 'mod-text' }, c.text) : h('p', { class: 'muted' }, t('mod.noText')),
        h('p', { class: 'muted small' }, c.author || t('comments.anonymous'),
          c.created_at ? [' · ', h('time', { datetime: c.created_at, title: formatDateTime(c.created_at) }, relativeTime(c.created_at))] : null,
          href ? [' · ', h('a', { href }, c.on ? t('mod.inContext') : t('mod.open'))] : null)),
      item.flags?.count ? h('div', { class: 'mod-flags' },
        h('p', { class: 'small' }, icon('alert'), ' ', t('mod.flagCount', { count: item.flags.count }), reasons.length ? ': ' : '',
          reasons.map(([r, n]) => `${tOr(`mod.flagReason.${r}`, r)} (${n})`).join(', ')),
        (item.flags.texts || []).length ? h('ul', { class: 'mod-flag-texts' }, item.flags.texts.map((text) => h('li', null, text))) : null) : null,
      item.hidden_reason ? h('p', { class: 'small' }, t('mod.hiddenBecause', { reason: item.hidden_reason })) : null,
      form);
  }

  function toggle(key, on) {
    if (on) selected.add(key); else selected.delete(key);
    paintBulk();
  }

  function selectAll(on) {
    items.forEach((_, key) => { if (on) selected.add(key); else selected.delete(key); });
    queue.querySelectorAll('[data-testid="mod-select"]').forEach((box) => { box.checked = on; });
    paintBulk();
  }

  function paintBulk() {
    bulk.hidden = !selected.size;
    if (!selected.size) { replace(bulk); return; }
    const chosen = [...selected].map((key) => items.get(key)?.item).filter(Boolean);
    const rid = nextId('bulk-reason');
    const reason = h('input', { type: 'text', id: rid, name: 'reason', maxlength: 500, 'data-testid': 'bulk-reason' });
    const hide = h('button', { type: 'submit', class: 'btn btn-danger btn-small', 'data-testid': 'bulk-hide' }, t('mod.hideSelected'));
    const form = h('form', { novalidate: true, class: 'bulk-form' },
      h('p', { role: 'status' }, t('mod.selected', { count: chosen.length })),
      h('div', { class: 'field' }, h('label', { for: rid }, t('mod.reason')), reason),
      h('div', { class: 'row wrap' }, hide,
        h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': 'bulk-restore', onclick: (e) => act('restore', chosen, e.currentTarget, form) }, t('mod.restoreSelected')),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': 'bulk-dismiss', onclick: (e) => act('dismiss', chosen, e.currentTarget, form) }, t('mod.dismissSelected'))));
    form.onsubmit = (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      if (!reason.value.trim()) { showFieldErrors(form, { fields: { reason: [t('mod.reasonNeeded')] } }); return; }
      act('hide', chosen, hide, form, reason.value.trim());
    };
    replace(bulk, form);
  }

  async function act(action, chosen, button, form, reason) {
    setBusy(button, true);
    try {
      const res = await post('/moderation/actions', {
        action, reason: reason || undefined, items: chosen.map((i) => ({ target_type: i.target_type, target_id: i.target_id })),
      }, { signal: ctx.signal, key: newKey() });
      toast(t(`mod.done.${action}`, { count: res.items.length }), { tone: 'success' });
      res.items.forEach(applyState);
      selected.clear();
      paintBulk();
    } catch (e) {
      if (e.name === 'AbortError') return;
      setBusy(button, false);
      showFieldErrors(form, e);
    }
  }

  /** A decision (mine or another moderator's): the item leaves this view or changes in place. */
  function applyState(state) {
    const key = keyOf(state);
    const known = items.get(key);
    const stays = kind === 'hidden' ? state.hidden : state.pending_flags > 0 || (kind === 'all' && !state.hidden && !state.reviewed && known?.item.kind === 'new');
    if (state.pending_flags > 0 && kind !== 'hidden' && (!known || known.item.kind !== 'flagged')) { arrive(state, known); return; }
    if (!known) return;
    if (!stays) {
      known.li.remove();
      items.delete(key);
      selected.delete(key);
      if (!items.size) load();
      return;
    }
    const item = { ...known.item, hidden: state.hidden, hidden_reason: state.hidden_reason, flags: { ...known.item.flags, count: state.pending_flags } };
    const li = row(item);
    known.li.replaceWith(li);
    items.set(key, { item, li });
  }

  /** A newly flagged item: fetched as the queue shows it and put at the top of the list. */
  async function arrive(state, known) {
    let item;
    try { item = await get(`/moderation/items/${state.target_type}/${state.target_id}`, null, { signal: ctx.signal }); } catch { return; }
    if (!ctx.isCurrent()) return;
    const list = queue.querySelector('[data-testid="mod-list"]');
    if (!list) { load(); return; }
    const li = row(item);
    (items.get(keyOf(item))?.li || known?.li)?.remove();
    list.prepend(li);
    items.set(keyOf(item), { item, li });
    say.say(t('mod.arrived'));
  }

  async function subscribe() {
    const live = await import('../live.js');
    if (!ctx.isCurrent()) return;
    ctx.onCleanup(live.onLiveStatus((s) => {
      if (s !== 'connected') { liveDot.className = 'live-dot disconnected'; liveDot.textContent = t('live.off'); }
    }));
    ctx.onCleanup(live.subscribe('moderation', (type, data) => {
      if (type === 'moderation.item' && data.item) applyState(data.item);
      else if (type === 'joined') { liveDot.className = 'live-dot connected'; liveDot.textContent = t('live.on'); }
    }));
  }

  // --- on-the-ground verification --------------------------------------------------------------
  async function loadVerify() {
    replace(verify, h('h2', { id: 'verify-h' }, icon('check-circle'), t('mod.verifyTitle')), h('p', { class: 'muted' }, t('mod.verifyText')), skeletonList(2));
    let page;
    try { page = await get('/cases', { status: 'resolved', sort: '-updated_at', per_page: 10 }, { signal: ctx.signal }); } catch (e) {
      if (e.name !== 'AbortError') verify.lastChild.replaceWith(errorState(e, { onRetry: loadVerify }));
      return;
    }
    if (!ctx.isCurrent()) return;
    const list = itemsOf(page);
    verify.lastChild.replaceWith(list.length
      ? h('ul', { class: 'card-list', 'data-testid': 'verify-list' }, list.map(verifyItem))
      : h('p', { class: 'muted' }, t('mod.verifyNone')));
  }

  function verifyItem(c) {
    const li = caseCard(c);
    const photos = [];
    const picker = photoPicker({ photos, onChange: () => {}, max: 3, takeLabel: t('desk.takeVerifyPhoto'), chooseLabel: t('desk.chooseVerifyPhoto') });
    ctx.onCleanup(picker.destroy);
    const rid = nextId('why');
    const reason = h('textarea', { id: rid, name: 'reason', rows: 2, 'data-testid': 'verify-reason' });
    const confirm = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'data-testid': 'verify-confirm' }, icon('check'), t('mod.verifyConfirm'));
    const reopen = h('button', { type: 'submit', class: 'btn btn-secondary btn-small', 'data-testid': 'verify-reopen' }, icon('refresh'), t('mod.verifyReopen'));
    const form = h('form', { class: 'verify-form', novalidate: true, 'aria-label': t('mod.verifyFor', { title: caseTitle(c) }) },
      h('div', { class: 'field' }, h('p', { class: 'label' }, t('desk.verifyPhotos')), picker.el),
      h('div', { class: 'field' }, h('label', { for: rid }, t('mod.verifyReason'), h('span', { class: 'hint' }, t('mod.verifyReasonHint'))), reason),
      h('div', { class: 'row wrap' }, confirm, reopen));
    const send = async (action, button) => {
      clearFieldErrors(form);
      if (action === 'reopen' && !reason.value.trim()) { showFieldErrors(form, { fields: { reason: [t('form.requiredField')] } }); return; }
      setBusy(button, true);
      const fd = new FormData();
      fd.append('action', action);
      fd.append('version', String(c.version));
      if (action === 'reopen') fd.append('reason', reason.value.trim());
      photos.forEach((p) => fd.append('photos', p.blob, p.name || 'check.jpg'));
      try {
        await request('POST', `/cases/${c.id}/transitions`, { body: fd, key: newKey(), signal: ctx.signal });
        toast(t(action === 'confirm' ? 'mod.verified' : 'mod.reopened'), { tone: 'success' });
        li.remove();
      } catch (e) {
        if (e.name === 'AbortError') return;
        setBusy(button, false);
        if (e.status === 409) showFieldErrors(form, { message: t('desk.conflictStale'), status: 409 });
        else showFieldErrors(form, e);
      }
    };
    confirm.onclick = () => send('confirm', confirm);
    form.onsubmit = (e) => { e.preventDefault(); send('reopen', reopen); };
    li.append(form);
    return li;
  }
}

