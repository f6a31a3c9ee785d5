// Public comments, threaded one level deep, votable; used by cases (public replies) and proposals.
import { h, icon, nextId, replace } from '../dom.js';
import { t } from '../i18n.js';
import { create, del, get, newKey, put } from '../api.js';
import { formatDateTime, formatNumber, relativeTime } from '../format.js';
import { errorState, setBusy, showFieldErrors, skeletonList, clearFieldErrors } from '../ui.js';
import { itemsOf } from './case-card.js';
import { flash } from './timeline.js';

/** commentsSection({base: '/cases/12', user, signal, title}) -> {el, add(comment)} */
export function commentsSection({ base, user, signal, title }) {
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

  function item(c) {
    const score = h('span', { class: 'score' }, formatNumber(c.score || 0));
    const up = h('button', { type: 'button', class: 'icon-btn', 'data-value': '1', 'aria-pressed': String(c.my_vote === 1), 'aria-label': t('comments.up'), disabled: !user }, icon('thumb-up'));
    const down = h('button', { type: 'button', class: 'icon-btn', 'data-value': '-1', 'aria-pressed': String(c.my_vote === -1), 'aria-label': t('comments.down'), disabled: !user }, icon('thumb-down'));
    up.onclick = () => vote(c, 1, [up, down], score);
    down.onclick = () => vote(c, -1, [up, down], score);
    const staff = c.author && (c.author.role === 'staff' || c.author.role === 'admin' || c.official);
    const li = h('li', { class: `comment${staff ? ' comment-staff' : ''}`, 'data-comment-id': c.id },
      h('p', { class: 'comment-meta' },
        h('strong', null, c.author?.display_name || t('comments.anonymous')),
        staff ? h('span', { class: 'tag tag-staff' }, icon('badge'), t('comments.staff')) : null,
        h('time', { class: 'muted', datetime: c.created_at, title: formatDateTime(c.created_at) }, relativeTime(c.created_at))),
      h('p', { class: 'comment-body' }, c.hidden ? t('comments.hidden') : c.body),
      h('div', { class: 'comment-actions' }, up, score, down,
        user && !c.parent_id ? h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => openReply(c, li) }, icon('reply'), t('comments.reply')) : null),
      c.parent_id ? null : h('ul', { class: 'replies' }));
    return li;
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

  function composer({ parentId = null, onDone } = {}) {
    const id = nextId('comment');
    let key = null;
    const text = h('textarea', { id, name: 'body', rows: parentId ? 2 : 3, required: true, maxlength: 4000, 'data-testid': 'comment-input' });
    const send = h('button', { type: 'submit', class: 'btn btn-primary' }, icon('send'), t(parentId ? 'comments.sendReply' : 'comments.send'));
    const form = h('form', { class: 'composer', novalidate: true }, h('div', { class: 'field' },
      h('label', { for: id }, t(parentId ? 'comments.replyLabel' : 'comments.label')), text), h('div', { class: 'row' }, send,
      parentId ? h('button', { type: 'button', class: 'btn btn-ghost', onclick: onDone }, t('action.cancel')) : null));
    form.onsubmit = async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      if (!text.value.trim()) { showFieldErrors(form, { fields: { body: [t('form.requiredField')] } }); return; }
      key ||= newKey();
      setBusy(send, true);
      try {
        const c = await create(`${base}/comments`, { body: text.value.trim(), parent_id: parentId }, { key, signal });
        add(c, { highlight: true });
        text.value = '';
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

  load();
  return { el, add: (c) => add(c, { highlight: true }) };
}
