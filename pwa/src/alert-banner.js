// The banner of active area alerts: listed at start, kept live through the public `alerts` room.
// Signed in with a saved place, only the alerts whose circle holds it; otherwise every active one.
import { h, replace } from './dom.js';
import { get } from './api.js';
import { t } from './i18n.js';
import { alertsFor, applyAlert } from './alerts-core.js';

const alerts = new Map();
let place = null;
let started = false;
let expiryTimer = null;

function render() {
  const banner = document.getElementById('alert-banner');
  if (!banner) return;
  const shown = alertsFor(alerts, place);
  banner.hidden = !shown.length;
  replace(banner, ...shown.map((a) => h('a', { class: `alert-item severity-${a.severity}`, href: `/alerts/${a.id}`, 'data-testid': 'alert-item', 'data-alert-id': String(a.id) },
    h('strong', null, `${t(`alerts.severity.${a.severity}`)}: ${a.title}`),
    h('span', null, ` ${a.body}`))));
  clearTimeout(expiryTimer);
  const next = Math.min(...shown.map((a) => Date.parse(a.expires_at)));
  if (Number.isFinite(next)) expiryTimer = setTimeout(render, Math.max(1000, next - Date.now() + 500));
}

/** Where the person's alerts are for: their saved place, or null (signed out or none saved). */
export async function setAlertPlace(user) {
  place = user ? await get('/me/place').catch(() => null) : null;
  render();
}

export async function startAlertBanner() {
  if (started) { render(); return; }
  started = true;
  const live = await import('./live.js');
  live.subscribe('alerts', (type, data) => {
    if (type === 'alert') applyAlert(alerts, data);
    else if (type === 'missed') data.forEach((a) => applyAlert(alerts, a));
    else if (type === 'joined') {
      document.getElementById('alert-banner')?.setAttribute('data-live', 'joined');
      // after a reconnect, the list is the truth (cancels sent meanwhile are not replayed)
      get('/alerts').then((d) => { alerts.clear(); d.items.forEach((a) => applyAlert(alerts, a)); render(); }).catch(() => {});
      return;
    }
    render();
  });
}

export const rerenderAlerts = render;
