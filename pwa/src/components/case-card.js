// A case in a list: thumbnail, title, status chip, place and time.
import { h, icon } from '../dom.js';
import { localName, t } from '../i18n.js';
import { statusChip } from '../status.js';
import { relativeTime, formatDateTime, formatNumber } from '../format.js';

export const caseTitle = (c) => c.title || localName(c.category) || t('case.untitled');
/** "Case RD-2412-0042": the reference a person reads over the phone (the id before it has one). */
export const caseNumber = (c) => (c.reference ? t('case.reference', { ref: c.reference }) : t('case.number', { id: c.id }));

export function caseThumb(c, size = 64) {
  const photo = (c.photos || [])[0];
  return photo
    ? h('img', { class: 'thumb', src: photo.thumb_url || photo.url, alt: '', width: size, height: size, loading: 'lazy', decoding: 'async' })
    : h('span', { class: 'thumb thumb-empty', 'aria-hidden': 'true' }, icon('image'));
}

/** caseCard(case, {extra, href, onOpen}): `href` for another screen (the staff desk). */
export function caseCard(c, { extra, href, onOpen } = {}) {
  return h('li', null,
    h('a', { class: 'card case-card', href: href || `/cases/${c.id}`, onclick: onOpen, 'data-testid': 'case-card', 'data-case-id': c.id },
      caseThumb(c),
      h('span', { class: 'card-body' },
        h('span', { class: 'card-title' }, caseTitle(c)),
        h('span', { class: 'card-meta' }, statusChip(c.status),
          h('span', { class: 'muted', 'data-testid': 'case-ref' }, caseNumber(c))),
        h('span', { class: 'card-meta muted' },
          c.address ? h('span', { class: 'clip' }, c.address) : null,
          c.created_at ? h('time', { datetime: c.created_at, title: formatDateTime(c.created_at) }, relativeTime(c.created_at)) : null,
          c.supporters ? h('span', null, icon('users'), formatNumber(c.supporters)) : null),
        extra || null)));
}

/** Items of a list response ({items: [...]} or a bare array). */
export const itemsOf = (data) => (Array.isArray(data) ? data : (data && data.items) || []);
