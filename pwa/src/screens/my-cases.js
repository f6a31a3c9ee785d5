// My cases: reports still waiting to send (at the top), then the ones I reported or follow.
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import { discard, listOutbox, onOutboxChange, retryEntry } from '../outbox.js';
import { relativeTime, formatDateTime } from '../format.js';
import { emptyState, screenHeader } from '../ui.js';
import { caseCard } from '../components/case-card.js';
import { pagedList } from '../components/paged-list.js';

const STATE_ICON = { waiting: 'cloud-off', sending: 'upload', sent: 'check', failed: 'alert', signin: 'user' };

function outboxItem(entry, refresh) {
  const s = entry.summary || {};
  const stateText = {
    waiting: t('outbox.waiting'),
    sending: t('outbox.sending'),
    sent: t('outbox.sent', { id: entry.result?.id ?? '' }),
    failed: t('outbox.failed', { message: entry.error?.message || t('error.generic') }),
    signin: t('outbox.signin'),
  }[entry.state] || entry.state;
  const actions = [];
  if (entry.state === 'sent' && entry.result?.id != null) actions.push(h('a', { class: 'btn btn-small btn-secondary', href: `/cases/${entry.result.id}` }, t('action.view')));
  if (entry.state === 'signin') actions.push(h('a', { class: 'btn btn-small btn-primary', href: '/login?next=%2Fmy' }, t('account.signIn')));
  if (entry.state === 'waiting' && navigator.onLine) actions.push(h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => retryEntry(entry.id) }, t('outbox.sendNow')));
  if (entry.state !== 'sending') {
    actions.push(h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: async () => { await discard(entry.id); refresh(); } },
      entry.state === 'sent' || entry.state === 'failed' ? t('action.dismiss') : t('outbox.delete')));
  }
  return h('li', { class: `card outbox-item outbox-${entry.state}`, 'data-testid': 'outbox-item', 'data-state': entry.state },
    s.thumb ? h('img', { class: 'thumb', src: s.thumb, alt: '', width: 64, height: 64 }) : h('span', { class: 'thumb thumb-empty', 'aria-hidden': 'true' }, icon('image')),
    h('div', { class: 'card-body' },
      h('span', { class: 'card-title' }, s.categoryName || t('case.untitled')),
      s.description ? h('span', { class: 'clip muted' }, s.description) : null,
      h('span', { class: `outbox-state state-${entry.state}`, role: 'status' }, icon(STATE_ICON[entry.state] || 'clock'), h('span', null, stateText)),
      h('time', { class: 'muted small', datetime: entry.createdAt, title: formatDateTime(entry.createdAt) }, relativeTime(entry.createdAt)),
      actions.length ? h('div', { class: 'row wrap' }, actions) : null));
}

export default function myCases(ctx) {
  const tab = ctx.query.get('tab') === 'following' ? 'following' : 'mine';
  const outbox = h('section', { class: 'outbox', 'aria-labelledby': 'outbox-h', hidden: true, 'data-testid': 'outbox' });

  async function renderOutbox() {
    const entries = (await listOutbox()).reverse();
    if (!ctx.isCurrent()) return;
    outbox.hidden = !entries.length;
    replace(outbox, h('h2', { id: 'outbox-h' }, t('outbox.title')),
      h('ul', { class: 'card-list' }, entries.map((e) => outboxItem(e, renderOutbox))));
  }
  ctx.onCleanup(onOutboxChange(renderOutbox));
  renderOutbox();

  const tabs = h('nav', { class: 'segmented', 'aria-label': t('my.views') },
    h('a', { href: '/my', 'aria-current': tab === 'mine' ? 'page' : null, 'data-testid': 'tab-mine' }, t('my.reported')),
    h('a', { href: '/my?tab=following', 'aria-current': tab === 'following' ? 'page' : null, 'data-testid': 'tab-following' }, t('my.following')));

  ctx.root.append(screenHeader(t('my.title')), tabs, tab === 'mine' ? outbox : '');

  if (!ctx.user) {
    ctx.root.append(emptyState({ iconName: 'user', title: t('my.signInTitle'), text: t('my.signInText'), action: { href: '/login?next=%2Fmy', label: t('account.signIn') } }));
    return;
  }
  const list = pagedList({
    path: '/cases',
    query: tab === 'mine' ? { mine: 'true', per_page: 20 } : { following: 'true', per_page: 20 },
    signal: ctx.signal,
    label: tab === 'mine' ? t('my.reported') : t('my.following'),
    testid: 'my-case-list',
    renderItem: (c) => caseCard(c),
    empty: tab === 'mine'
      ? { iconName: 'camera', title: t('my.emptyTitle'), text: t('my.emptyText'), action: { href: '/report', label: t('nav.reportLong') } }
      : { iconName: 'bookmark', title: t('my.emptyFollowingTitle'), text: t('my.emptyFollowingText'), action: { href: '/', label: t('my.browse') } },
  });
  ctx.root.append(h('section', { 'aria-label': t('my.listLabel') }, list.el));
  ctx.onCleanup(onOutboxChange((msg) => { if (msg.type === 'sent' && tab === 'mine') list.reload(); }));
}
