// A 1-5 star rating as a radio group (keyboard and screen-reader friendly), plus a comment.
import { h, icon, nextId } from '../dom.js';
import { t } from '../i18n.js';

export function starsInput({ name = 'stars', value = 0, onChange }) {
  const group = nextId('stars');
  const paint = (n) => el.querySelectorAll('.star').forEach((s, i) => s.classList.toggle('on', i < n));
  const el = h('fieldset', { class: 'stars', 'data-field': name },
    h('legend', null, t('rating.question')),
    h('div', { class: 'stars-row' }, [1, 2, 3, 4, 5].map((n) => {
      const id = `${group}-${n}`;
      return h('span', { class: 'star' },
        h('input', { type: 'radio', name, id, value: n, checked: n === value, class: 'visually-hidden', 'data-testid': `star-${n}`, onchange: () => { paint(n); onChange?.(n); } }),
        h('label', { for: id, title: t('rating.stars', { count: n }) }, icon('star'), h('span', { class: 'visually-hidden' }, t('rating.stars', { count: n }))));
    })));
  paint(value);
  return el;
}

export function starsShow(n) {
  return h('span', { class: 'stars-show', role: 'img', 'aria-label': t('rating.stars', { count: n }) },
    [1, 2, 3, 4, 5].map((i) => icon(i <= n ? 'star' : 'star-empty')));
}
