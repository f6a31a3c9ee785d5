// "Already reported?": open cases of the same category near the chosen spot, each with "Me too".
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import { create, get } from '../api.js';
import { statusChip } from '../status.js';
import { distance } from '../format.js';
import { metersBetween } from '../geo.js';
import { caseThumb, caseTitle, itemsOf } from './case-card.js';
import { errorMessage, setBusy } from '../ui.js';

/** duplicatesPanel({signedIn(), onSupported(case), signal}) -> {el, update(categoryCode, loc)} */
export function duplicatesPanel({ signedIn, onSupported, signal }) {
  const el = h('section', { class: 'duplicates', 'aria-labelledby': 'dup-h', hidden: true, 'data-testid': 'duplicates' });
  let lastKey = '';

  async function meToo(c, button, message) {
    if (!signedIn()) { message.textContent = t('report.meTooSignIn'); return; }
    setBusy(button, true);
    try {
      await create(`/cases/${c.id}/support`);
      onSupported(c);
    } catch (e) {
      message.textContent = errorMessage(e);
      setBusy(button, false);
    }
  }

  async function update(category, loc) {
    const key = category && loc ? `${category}|${loc.lat.toFixed(4)}|${loc.lon.toFixed(4)}` : '';
    if (key === lastKey) return;
    lastKey = key;
    if (!key) { el.hidden = true; return; }
    let items;
    try {
      items = itemsOf(await get('/cases/nearby', { category, lat: loc.lat, lon: loc.lon }, { signal }));
    } catch { return; } // offline or not available: nothing to suggest
    if (key !== lastKey) return;
    el.hidden = !items.length;
    replace(el, 
      h('h2', { id: 'dup-h' }, icon('users'), t('report.duplicatesTitle')),
      h('p', { class: 'muted' }, t('report.duplicatesText')),
      h('ul', { class: 'card-list' }, items.map((c) => {
        const message = h('p', { class: 'muted small', role: 'status' });
        const button = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'me-too' }, icon('plus'), t('case.meToo'));
        button.addEventListener('click', () => meToo(c, button, message));
        const away = c.lat != null ? distance(metersBetween(loc, { lat: c.lat, lon: c.lon })) : '';
        return h('li', { class: 'card dup-card' },
          caseThumb(c, 56),
          h('div', { class: 'card-body' },
            h('a', { href: `/cases/${c.id}`, class: 'card-title' }, caseTitle(c)),
            h('span', { class: 'card-meta' }, statusChip(c.status), away ? h('span', { class: 'muted' }, t('report.away', { distance: away })) : null),
            button, message));
      })));
  }

  return { el, update };
}
