// The public moderation log: what was hidden or restored, when and why (never by whom).
import { h, icon } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { formatDateTime, relativeTime } from '../format.js';
import { screenHeader } from '../ui.js';
import { pagedList } from '../components/paged-list.js';

const PAGES = { case: '/cases/', proposal: '/proposals/' };
const ACTION_ICON = { hide: 'lock', auto_hide: 'alert', restore: 'eye', dismiss: 'check' };

function entry(e) {
  const what = t(`modlog.target.${e.target_type}`, { id: e.target_id });
  const page = PAGES[e.target_type];
  return h('li', { class: 'card modlog-entry', 'data-testid': 'modlog-entry', 'data-target': `${e.target_type}:${e.target_id}`, 'data-action': e.action },
    h('p', { class: 'row wrap' }, icon(ACTION_ICON[e.action] || 'info'),
      h('strong', null, tOr(`modlog.action.${e.action}`, e.action)), ' · ',
      page && e.action === 'restore' ? h('a', { href: `${page}${e.target_id}` }, what) : h('span', null, what)),
    e.reason ? h('p', null, t('modlog.reason', { reason: e.reason })) : null,
    h('p', { class: 'muted small' }, h('time', { datetime: e.created_at, title: formatDateTime(e.created_at) }, relativeTime(e.created_at))));
}

export default function moderationLog(ctx) {
  const list = pagedList({
    path: '/moderation/log', query: { per_page: 30 }, signal: ctx.signal, label: t('modlog.title'),
    testid: 'modlog-list', renderItem: entry,
    empty: { iconName: 'check', title: t('modlog.emptyTitle'), text: t('modlog.emptyText') },
  });
  ctx.root.append(screenHeader(t('modlog.title'), { back: '/account' }), h('p', { class: 'muted' }, t('modlog.intro')), list.el);
}
