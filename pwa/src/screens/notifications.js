// Notification centre: newest first, unread marked (not by colour alone), mark one or all as read.
import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { formatDateTime, relativeTime } from '../format.js';
import { errorMessage, screenHeader, setBusy, toast } from '../ui.js';
import { pagedList } from '../components/paged-list.js';
import { getUnread, setUnread, targetHref } from '../shell.js';

function item(n) {
  const href = targetHref(n.target);
  const open = async (e) => {
    if (!n.read) {
      n.read = true;
      li.classList.remove('unread');
      setUnread(getUnread() - 1);
      post('/notifications/read', { ids: [n.id] }).catch(() => {});
    }
    if (!href) e.preventDefault();
  };
  const content = [
    h('span', { class: 'notif-dot', 'aria-hidden': 'true' }),
    h('span', { class: 'card-body' },
      n.read ? null : h('span', { class: 'visually-hidden' }, `${t('notifications.unread')}: `),
      h('span', { class: 'notif-text' }, n.text),
      h('time', { class: 'muted small', datetime: n.created_at, title: formatDateTime(n.created_at) }, relativeTime(n.created_at))),
  ];
  const li = h('li', { class: n.read ? '' : 'unread', 'data-testid': 'notification' },
    href ? h('a', { class: 'card notif', href, onclick: open }, content) : h('div', { class: 'card notif' }, content));
  if (!href && !n.read) li.addEventListener('click', open);
  return li;
}

export default function notifications(ctx) {
  const markAll = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': 'mark-all-read' }, icon('check'), t('notifications.markAll'));
  markAll.onclick = async () => {
    setBusy(markAll, true);
    try {
      await post('/notifications/read', { all: true });
      setUnread(0);
      ctx.root.querySelectorAll('li.unread').forEach((li) => { li.classList.remove('unread'); li.querySelector('.visually-hidden')?.remove(); });
    } catch (e) { toast(errorMessage(e), { tone: 'error' }); }
    setBusy(markAll, false);
  };
  const list = pagedList({
    path: '/notifications', query: { per_page: 30 }, signal: ctx.signal, label: t('notifications.title'), testid: 'notification-list',
    renderItem: (n) => item(n),
    empty: { iconName: 'bell', title: t('notifications.emptyTitle'), text: t('notifications.emptyText') },
  });
  ctx.root.append(screenHeader(t('notifications.title'), { actions: markAll }), list.el,
    h('p', { class: 'center' }, h('a', { href: '/settings#notifications' }, icon('settings'), t('notifications.settings'))));
  import('../live.js').then((live) => {
    if (!ctx.isCurrent()) return;
    ctx.onCleanup(live.subscribe('user', (type, data) => {
      if (type === 'notification') list.prepend(item(data.notification || data));
    }));
  });
}
