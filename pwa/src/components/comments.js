// Public comments, threaded one level deep, votable; used by cases (public replies) and proposals.
import { h, icon, nextId, replace } from '../dom.js';
import { t } from '../i18n.js';
import { create, del, get, newKey, patch, put } from '../api.js';
import { formatDateTime, formatNumber, relativeTime } from '../format.js';
import { errorState, setBusy, showFieldErrors, skeletonList, clearFieldErrors } from '../ui.js';
import { itemsOf } from './case-card.js';
import { flash } from './timeline.js';
import { flagButton } from '../flag.js';
import { isOwnComment } from '../case-viewer.js';

/**
 * commentsSection({base: '/cases/12', user, signal, title, staff}) -> {el, add(comment), apply(payload)}
 * staff: {templates: [{title, body}]} for the case desk: the composer can write an internal note
 * (clearly marked, for the handling staff only) or a public reply from a response template.
 */
export function commentsSection({ base, user, signal, title, staff = null }) {
  const headingId = nextId('comments-h');
  const list = h('ul', { class: 'comments', 'data-testid': 'comments' });
  const body = h('div', null, skeletonList(2));
  const byId = new Map();
  const el = h('section', { class: 'comments-section', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, title), body);

  function vote(c, value, buttons, score) {
    if (!user) return;
    const next = c.my_vote === value ? 0 : value;
    const call = next ? put(`/comments/${c.id}/vote`, { value: next }, { signal }) : del(`/comments/${c.id}/vote`, undefined, { signal });
    call
      .then((res) => {
        c.score = res?.score ?? (c.score || 0) - (c.my_vote || 0) + next;
        c.my_vote = next;
        score.textContent = formatNumber(c.score);
        buttons.forEach((b) => b.setAttribute('aria-pressed', String(Number(b.dataset.value) === c.my_vote)));
      }).catch(() => {});
  }

  // An anonymous reporter's replies come as {display_name: 'anonymous', role: null}: say it in the reader's language.
  function authorName(c) {
    const a = c.author;
    return a && !(a.role == null && a.display_name === 'anonymous') ? a.display_name : null;
  }

  function item(c) {
    const score = h('span', { class: 'score' }, formatNumber(c.score || 0));
    const up = h('button', { type: 'button', class: 'icon-btn', 'data-value': '1', 'aria-pressed': String(c.my_vote === 1), 'aria-label': t('comments.up'), disabled: !user }, icon('thumb-up'));
    const down = h('button', { type: 'button', class: 'icon-btn', 'data-value': '-1', 'aria-pressed': String(c.my_vote === -1), 'aria-label': t('comments.down'), disabled: !user }, icon('thumb-down'));
    up.onclick = () => vote(c, 1, [up, down], score);
    down.onclick = () => vote(c, -1, [up, down], score);
    const staffAuthor = c.author && (c.author.role === 'staff' || c.author.role === 'admin' || c.official);
    const li = h('li', { class: `comment${staffAuthor ? ' comment-staff' : ''}${c.internal ? ' comment-internal' : ''}`, 'data-comment-id': c.id, 'data-testid': c.internal ? 'internal-note' : 'comment' },
      h('p', { class: 'comment-meta' },
        h('strong', null, authorName(c) || t(c.author_deleted ? 'comments.deletedAccount' : 'comments.anonymous')),
        staffAuthor ? h('span', { class: 'tag tag-staff' }, icon('badge'), t('comments.staff')) : null,
        c.internal ? h('span', { class: 'tag tag-internal' }, icon('lock'), t('desk.internalTag')) : null,
        h('time', { class: 'muted', datetime: c.created_at, title: formatDateTime(c.created_at) }, relativeTime(c.created_at))),
      h('p', { class: 'comment-body' }, c.hidden ? t('comments.hidden') : c.body),
      h('div', { class: 'comment-actions' }, up, score, down,
        user && !c.parent_id ? h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => openReply(c, li) }, icon('reply'), t('comments.reply')) : null,
        user && !c.internal && !c.hidden && !isOwnComment(c, user) ? flagButton({ targetType: 'comment', targetId: c.id, user }) : null,
        ...ownActions(c, () => li)),
      c.parent_id ? null : h('ul', { class: 'replies' }));
    return li;
  }

  // Edit (while the server's editable_until lasts) and delete, on what the viewer wrote.
  function ownActions(c, liOf) {
    if (!isOwnComment(c, user) || c.deleted) return [];
    const editable = c.editable_until && new Date(c.editable_until) > Date.now();
    return [
      editable ? h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': 'comment-edit', onclick: () => openEdit(c, liOf()) }, icon('edit'), t('comments.edit')) : null,
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': 'comment-delete', onclick: () => remove(c, liOf()) }, icon('x'), t('comments.delete')),
    ];
  }

  async function remove(c, li) {
    if (!window.confirm(t('comments.deleteConfirm'))) return;
    try {
      await del(`/comments/${c.id}`, undefined, { signal });
      apply({ change: 'deleted', comment: { id: c.id } });
    } catch (err) { window.alert(err.message || t('error.generic')); }
  }

  function openEdit(c, li) {
    const bodyEl = li.querySelector(':scope > .comment-body');
    if (li.querySelector(':scope > form.comment-edit')) return;
    const id = nextId('comment-edit');
    const text = h('textarea', { id, name: 'body', rows: 3, required: true, maxlength: 4000, 'data-testid': 'comment-edit-input' }, c.body ?? '');
    const save = h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, icon('check'), t('comments.save'));
    const form = h('form', { class: 'composer comment-edit', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: id }, t('comments.editLabel')), text),
      h('div', { class: 'row' }, save, h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => { form.remove(); bodyEl.hidden = false; } }, t('action.cancel'))));
    form.onsubmit = async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      if (!text.value.trim()) { showFieldErrors(form, { fields: { body: [t('form.requiredField')] } }); return; }
      setBusy(save, true);
      try {
        const saved = await patch(`/comments/${c.id}`, { body: text.value.trim() }, { signal });
        Object.assign(c, saved);
        bodyEl.textContent = saved.body ?? '';
        form.remove();
        bodyEl.hidden = false;
        flash(li);
      } catch (err) {
        showFieldErrors(form, err);
      } finally { setBusy(save, false); }
    };
    bodyEl.hidden = true;
    bodyEl.after(form);
    text.focus();
  }

  function openReply(parent, li) {
    if (li.querySelector('form')) { li.querySelector('textarea').focus(); return; }
    const form = composer({ parentId: parent.id, onDone: () => form.remove() });
    li.querySelector('.replies').after(form);
    form.querySelector('textarea').focus();
  }

  function add(c, { highlight = false } = {}) {
    if (byId.has(String(c.id))) return;
    const li = item(c);
    byId.set(String(c.id), li);
    const parent = c.parent_id != null && byId.get(String(c.parent_id));
    (parent ? parent.querySelector('.replies') : list).append(li);
    list.hidden = false;
    empty.hidden = true;
    if (highlight) flash(li);
  }

  /** A live `<target>.comment` payload: created, edited, hidden, restored or deleted. */
  function apply({ change, comment: c } = {}) {
    if (!c || c.id == null) return;
    const li = byId.get(String(c.id));
    if (change === 'hidden' || change === 'deleted') {
      if (!li) return;
      const replies = li.querySelector('.replies');
      if (replies && replies.children.length) li.querySelector('.comment-body').textContent = t('comments.hidden');
      else { li.remove(); byId.delete(String(c.id)); }
      return;
    }
    if (li && change === 'edited') { li.querySelector('.comment-body').textContent = c.body ?? ''; flash(li); return; }
    if (!li) add(c, { highlight: true });
  }

  function composer({ parentId = null, onDone } = {}) {
    const id = nextId('comment');
    let key = null;
    const text = h('textarea', { id, name: 'body', rows: parentId ? 2 : 3, required: true, maxlength: 4000, 'data-testid': 'comment-input' });
    const send = h('button', { type: 'submit', class: 'btn btn-primary' }, icon('send'), t(parentId ? 'comments.sendReply' : 'comments.send'));
    const label = h('label', { for: id }, t(parentId ? 'comments.replyLabel' : 'comments.label'));
    const desk = staff && !parentId ? deskControls(text, label, send) : null;
    const form = h('form', { class: 'composer', novalidate: true }, desk?.el, h('div', { class: 'field' },
      label, text), h('div', { class: 'row' }, send,
      parentId ? h('button', { type: 'button', class: 'btn btn-ghost', onclick: onDone }, t('action.cancel')) : null));
    form.onsubmit = async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      if (!text.value.trim()) { showFieldErrors(form, { fields: { body: [t('form.requiredField')] } }); return; }
      key ||= newKey();
      setBusy(send, true);
      try {
        const internal = desk ? desk.internal() : undefined;
        const sent = text.value;
        const c = await create(`${base}/comments`, { body: sent.trim(), parent_id: parentId, internal }, { key, signal });
        const live = byId.get(String(c.id)); // a live copy that came first does not know it is ours
        if (live) {
          const fresh = item(c);
          live.replaceWith(fresh);
          byId.set(String(c.id), fresh);
          flash(fresh);
        } else add(c, { highlight: true });
        if (text.value === sent) text.value = ''; // keep what was typed since (the reply came live first)
        key = null;
        onDone?.();
      } catch (err) {
        showFieldErrors(form, err);
      } finally { setBusy(send, false); }
    };
    return form;
  }

  const empty = h('p', { class: 'muted', hidden: true }, t('comments.empty'));

  async function load() {
    replace(body, skeletonList(2));
    let items;
    try { items = itemsOf(await get(`${base}/comments`, { per_page: 100 }, { signal })); } catch (e) {
      if (e.name !== 'AbortError') replace(body, errorState(e, { onRetry: load }));
      return;
    }
    byId.clear();
    replace(list);
    items.filter((c) => !c.parent_id).forEach((c) => add(c));
    items.filter((c) => c.parent_id).forEach((c) => add(c));
    empty.hidden = items.length > 0;
    list.hidden = !items.length;
    replace(body, empty, list,
      user ? composer() : h('p', { class: 'signin-hint' }, h('a', { href: `/login?next=${encodeURIComponent(location.pathname)}` }, t('comments.signIn'))));
  }

  /** Public reply or internal note (a clear switch), and the category's response templates. */
  function deskControls(text, label, send) {
    const name = nextId('kind');
    let internal = false;
    const paint = () => {
      label.textContent = internal ? t('desk.noteLabel') : t('comments.label');
      send.lastChild.textContent = internal ? t('desk.noteSend') : t('comments.send');
      el.closest('form')?.classList.toggle('composer-internal', internal);
      picker.hidden = internal;
    };
    const choice = (value, text_, testid) => {
      const rid = nextId('kind');
      return h('span', { class: 'check' },
        h('input', { type: 'radio', id: rid, name, value, checked: value === 'public', 'data-testid': testid,
          onchange: () => { internal = value === 'internal'; paint(); } }),
        h('label', { for: rid }, text_));
    };
    const templates = staff.templates || [];
    const pickId = nextId('tpl');
    const picker = templates.length ? h('div', { class: 'field' }, h('label', { for: pickId }, t('desk.template')),
      h('select', { id: pickId, 'data-testid': 'template-picker', onchange: (e) => {
        const tpl = templates[Number(e.target.value)];
        if (tpl) { text.value = tpl.body; text.focus(); }
      } }, h('option', { value: '' }, t('desk.templateChoose')), templates.map((tpl, i) => h('option', { value: String(i) }, tpl.title)))) : h('span');
    const group = h('fieldset', { class: 'segmented-radio' }, h('legend', null, t('desk.replyKind')),
      choice('public', t('desk.publicReply'), 'kind-public'), choice('internal', t('desk.internalNote'), 'kind-internal'));
    const el = h('div', { class: 'desk-compose' }, group, picker);
    return { el, internal: () => internal };
  }

  load();
  return { el, add: (c) => add(c, { highlight: true }), apply };
}
