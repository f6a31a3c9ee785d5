// What every staff and volunteer desk shares: its catalogue and styles (loaded with the desks,
// never on the residents' first load), the SLA clock, the wide two-pane switch and the desk nav.
import { adoptStyles, h, icon } from '../dom.js';
import { t, useMessages } from '../i18n.js';
import { deadlineSentence } from '../format.js';
import { hasRole } from '../session.js';
import css from '../styles/staff.css';

const WIDE = '(min-width: 960px)';
const SOON_MS = 4 * 3600 * 1000;
let styled = false;

/** Load the desks' messages and styles; the page widens while a desk is shown. */
export async function prepareDesk(ctx) {
  if (!styled) {
    adoptStyles(css);
    styled = true;
  }
  await useMessages('staff');
  document.body.classList.add('desk-screen');
  ctx.onCleanup(() => document.body.classList.remove('desk-screen'));
}

export const isWide = () => matchMedia(WIDE).matches;

/** Re-render when the screen crosses the two-pane width (a rotated tablet, a resized window). */
export function onWidthChange(ctx, fn) {
  const query = matchMedia(WIDE);
  query.addEventListener('change', fn);
  ctx.onCleanup(() => query.removeEventListener('change', fn));
}

function clockTone(kase, now) {
  if (kase.overdue) return 'overdue'; // the server's rule, in the payload
  return new Date(kase.due_at).getTime() - now < SOON_MS ? 'soon' : 'ok';
}

/** Time left on the response target, in words; overdue in red with an alert icon. */
export function slaClock(kase, now = Date.now()) {
  const text = deadlineSentence(kase, now);
  if (!text) return null;
  const tone = clockTone(kase, now);
  return h('span', { class: `sla sla-${tone}`, 'data-testid': 'sla', 'data-tone': tone, 'data-due': kase.due_at, 'data-overdue': String(!!kase.overdue) },
    icon(tone === 'overdue' ? 'alert' : 'clock'), h('span', null, text));
}

/** Keep every clock under `root` current (once a minute). */
export function tickClocks(ctx, root) {
  const timer = setInterval(() => {
    root.querySelectorAll('.sla[data-due]').forEach((el) => {
      const fresh = slaClock({ due_at: el.dataset.due, open: true, overdue: el.dataset.overdue === 'true' });
      if (fresh) el.replaceWith(fresh);
    });
  }, 60_000);
  ctx.onCleanup(() => clearInterval(timer));
}

/** Links between the desks this person may use. */
export function deskNav(user, current) {
  const links = [
    hasRole(user, ['staff']) ? ['inbox', '/staff', 'inbox', t('desk.nav.inbox')] : null,
    hasRole(user, ['staff']) ? ['proposals', '/staff/proposals', 'bulb', t('desk.nav.proposals')] : null,
    hasRole(user, ['staff']) ? ['incidents', '/incidents', 'megaphone', t('desk.nav.incidents')] : null,
    hasRole(user, ['volunteer']) && user.role !== 'staff' ? ['moderation', '/moderation', 'eye', t('desk.nav.moderation')] : null,
  ].filter(Boolean);
  if (links.length < 2) return null;
  return h('nav', { class: 'desk-nav', 'aria-label': t('desk.nav.label') }, links.map(([key, href, name, label]) => h('a', {
    href, class: 'chip-btn', 'aria-current': key === current ? 'page' : null, 'data-testid': `desk-nav-${key}`,
  }, icon(name), label)));
}

/** A polite live region that reads out what arrived ("New case 123 …"). */
export function announcer() {
  const el = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-testid': 'announcer' });
  return { el, say: (text) => { el.textContent = ''; setTimeout(() => { el.textContent = text; }, 50); } };
}

/** The departments whose inbox this person works: their own, or every one for an admin. */
export async function myDepartments(user, getDepartments) {
  const own = (user.departments || []).map((d) => ({ code: d.code, name: d.name }));
  if (own.length || user.role !== 'admin') return own;
  return (await getDepartments()).map((d) => ({ code: d.code, name: d.name, names: d.names }));
}
