// "Usually fixed within 3 days": the category's usual time to resolve (GET /stats/expectations,
// the last 90 days), shown when filing and on a case. Nothing is shown with too few cases.
import { getOnce } from './api.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { duration } from './format.js';

const byCode = () => getOnce('/stats/expectations').then((d) => new Map(d.items.map((i) => [i.category.code, i])));

/** A paragraph that fills itself once the figures are known (empty when there are none). */
export function expectationLine(code) {
  const el = h('p', { class: 'muted small expectation', 'data-testid': 'expectation', hidden: true });
  if (!code) return el;
  byCode().then((items) => {
    const hours = items.get(code)?.resolve_hours;
    if (hours?.median == null) return;
    replace(el, t('expect.usually', { time: duration(hours.median * 3600), p80: duration(hours.p80 * 3600) }));
    el.hidden = false;
  }).catch(() => {});
  return el;
}
