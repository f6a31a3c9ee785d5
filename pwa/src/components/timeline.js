// A case's history as an ordered list: what happened, who did it, when, and what they said.
import { h, icon } from '../dom.js';
import { localName, t, tOr } from '../i18n.js';
import { STATUS_ICON, statusLabel } from '../status.js';
import { formatDateTime, relativeTime } from '../format.js';

// Events that leave the status where it was: shown with a note icon, not the status's.
const NOT_MOVES = new Set(['comment', 'internal_note', 'cohandle', 'task_done', 'merge_in']);

function describe(event, kase) {
  const dept = localName(event.department) || (event.action === 'assign' || event.action === 'transfer' ? localName(kase?.department) : null);
  if ((event.action === 'assign' || event.action === 'transfer') && dept) return t(`event.${event.action}To`, { department: dept });
  return tOr(`event.${event.action}`, event.to_status ? statusLabel(event.to_status) : event.action, { department: dept || '' });
}

function actorName(actor) {
  if (!actor) return t('event.system');
  return actor.role === 'staff' || actor.role === 'admin' ? t('event.byStaff', { name: actor.display_name }) : actor.display_name;
}

export function timelineItem(event, kase) {
  const status = !NOT_MOVES.has(event.action) && STATUS_ICON[event.to_status] ? event.to_status : null;
  return h('li', { class: `tl-item${status ? ` status-${status}` : ''}${event.internal ? ' tl-internal' : ''}`, 'data-event-id': event.id, 'data-testid': 'timeline-item' },
    h('span', { class: 'tl-dot', 'aria-hidden': 'true' }, icon(status ? STATUS_ICON[status] : 'comment')),
    h('div', { class: 'tl-body' },
      h('p', { class: 'tl-title' }, describe(event, kase),
        event.internal ? h('span', { class: 'tag tag-internal' }, icon('lock'), t('desk.internalTag')) : null),
      h('p', { class: 'tl-meta muted' }, actorName(event.actor), ' · ',
        h('time', { datetime: event.created_at, title: formatDateTime(event.created_at) }, relativeTime(event.created_at))),
      event.note ? h('p', { class: 'tl-note' }, event.note) : null,
      event.reason ? h('p', { class: 'tl-note' }, event.reason) : null));
}

/** timeline(events, getCase) -> {el, add(event, {highlight})} ; events oldest first. */
export function timeline(events, getCase) {
  const seen = new Set();
  const list = h('ol', { class: 'timeline', 'data-testid': 'timeline' });
  const add = (event, { highlight = false } = {}) => {
    if (event.id != null && seen.has(String(event.id))) return false;
    seen.add(String(event.id));
    const item = timelineItem(event, getCase());
    list.append(item);
    if (highlight) flash(item);
    return true;
  };
  events.forEach((e) => add(e));
  return { el: list, add, lastId: () => [...seen].map(Number).filter(Number.isFinite).reduce((a, b) => Math.max(a, b), -1) };
}

/** A short, calm highlight for something that just changed (static under reduced motion). */
export function flash(el) {
  el.classList.remove('flash');
  void el.offsetWidth;
  el.classList.add('flash');
  setTimeout(() => el.classList.remove('flash'), 4000);
}
