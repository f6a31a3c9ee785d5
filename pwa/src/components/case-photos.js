// A case's photos in groups: as reported ("before"), after the fix, and checked on the spot.
import { h } from '../dom.js';
import { t } from '../i18n.js';

/** casePhotos(case, {width}) -> <section> or '' when the case has no photo. */
export function casePhotos(kase, { width = 160 } = {}) {
  const all = kase.photos || [];
  if (!all.length) return '';
  const group = (list, title) => (list.length ? h('figure', { class: 'photo-group' },
    h('figcaption', null, title),
    h('ul', { class: 'photo-strip' }, list.map((p, i) => h('li', null,
      h('a', { href: p.url, 'data-native': true, target: '_blank', rel: 'noopener' },
        h('img', { src: p.thumb_url || p.url, alt: t('case.photoAlt', { n: i + 1, title }), loading: 'lazy', decoding: 'async',
          width, height: p.width && p.height ? Math.round((width * p.height) / p.width) : Math.round(width * 0.75) })))))) : null);
  const before = all.filter((p) => p.kind !== 'after' && p.kind !== 'verify');
  const after = all.filter((p) => p.kind === 'after');
  const verified = all.filter((p) => p.kind === 'verify');
  return h('section', { class: 'case-photos', 'aria-label': t('case.photos') },
    group(before, after.length || verified.length ? t('case.before') : t('case.photos')), group(after, t('case.after')),
    group(verified, t('case.checked')));
}
