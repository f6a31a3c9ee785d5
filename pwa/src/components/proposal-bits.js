// Proposal status badge and list card.
import { h, icon } from '../dom.js';
import { localName, t, tOr } from '../i18n.js';
import { formatDateTime, formatNumber, relativeTime } from '../format.js';

const STATUS_ICON = { draft: 'edit', pending: 'clock', declined: 'x-circle', published: 'megaphone', under_review: 'eye', accepted: 'check', rejected: 'x-circle', implemented: 'check-circle', withdrawn: 'x' };

/** What a proposal is about: its topic's name in the reader's language. */
export function topicName(p) {
  return localName(p.topic) || '';
}

export function proposalStatus(status) {
  return h('span', { class: `chip pstatus pstatus-${status}`, 'data-status': status },
    icon(STATUS_ICON[status] || 'megaphone'), h('span', null, tOr(`proposalStatus.${status}`, status)));
}

/** An icon and a number; screen readers hear the whole phrase, through the plural rules. */
function counted(iconName, key, count) {
  const said = t(key, { count });
  return h('span', { title: said }, icon(iconName), h('span', { 'aria-hidden': 'true' }, formatNumber(count)),
    h('span', { class: 'visually-hidden' }, said));
}

export function proposalCard(p) {
  return h('li', null, h('a', { class: 'card proposal-card', href: `/proposals/${p.id}`, 'data-testid': 'proposal-card' },
    h('span', { class: 'card-body' },
      h('span', { class: 'card-title' }, p.title),
      h('span', { class: 'card-meta' }, proposalStatus(p.status),
        h('span', { class: 'muted', 'data-testid': 'proposal-topic' }, topicName(p))),
      h('span', { class: 'card-meta muted' },
        counted('thumb-up', 'proposal.supports', p.supports || 0),
        counted('comment', 'proposal.comments', typeof p.comments === 'number' ? p.comments : (p.comments || []).length),
        p.created_at ? h('time', { datetime: p.created_at, title: formatDateTime(p.created_at) }, relativeTime(p.created_at)) : null))));
}
