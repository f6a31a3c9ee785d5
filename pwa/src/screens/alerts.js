// Active area alerts, and the opt-in saved place they are pushed for (kept as a 250 m cell).
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import { del, get, put } from '../api.js';
import { currentUser } from '../session.js';
import { getPosition } from '../geo.js';
import { formatDateTime } from '../format.js';
import { emptyState, errorMessage, screenHeader, setBusy, toast } from '../ui.js';
import { setAlertPlace } from '../alert-banner.js';

function alertCard(a, highlighted) {
  return h('li', { class: `card alert-card severity-${a.severity}${highlighted ? ' highlighted' : ''}`, 'data-testid': 'alert-card', 'data-alert-id': String(a.id) },
    h('strong', null, `${t(`alerts.severity.${a.severity}`)}: ${a.title}`),
    h('p', null, a.body),
    h('p', { class: 'muted small' }, t('alerts.until', { time: formatDateTime(a.expires_at) })));
}

function placeSection(place) {
  const section = h('section', { class: 'card', 'data-testid': 'saved-place' });
  const draw = (saved) => {
    const button = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': saved ? 'forget-place' : 'save-place' },
      icon(saved ? 'x' : 'pin'), t(saved ? 'alerts.forgetPlace' : 'alerts.savePlace'));
    button.onclick = async () => {
      setBusy(button, true);
      try {
        if (saved) { await del('/me/place'); draw(null); } else {
          const pos = await getPosition();
          draw(await put('/me/place', { lat: pos.lat, lon: pos.lon }));
        }
        setAlertPlace(currentUser());
      } catch (e) { toast(e.status != null ? errorMessage(e) : t('alerts.noPosition'), { tone: 'error' }); setBusy(button, false); }
    };
    replace(section, h('h2', null, t('alerts.placeTitle')),
      h('p', { class: 'muted' }, t(saved ? 'alerts.placeSaved' : 'alerts.placeHint')), button);
  };
  draw(place);
  return section;
}

export default async function alerts(ctx) {
  const user = currentUser();
  const [list, place] = await Promise.all([
    get('/alerts', null, { signal: ctx.signal }),
    user ? get('/me/place', null, { signal: ctx.signal }).catch(() => null) : null,
  ]);
  const focus = Number(ctx.params?.id) || null;
  ctx.root.append(screenHeader(t('alerts.title')),
    list.items.length ? h('ul', { class: 'card-list', 'data-testid': 'alert-list' }, list.items.map((a) => alertCard(a, a.id === focus)))
      : emptyState({ iconName: 'check', title: t('alerts.none') }),
    user ? placeSection(place) : null);
}
