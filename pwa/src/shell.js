// The frame around every screen: top bar, bottom tab bar, offline banner, toasts, badges.
import { h, icon, replace } from './dom.js';
import { t } from './i18n.js';
import { get } from './api.js';
import { currentUser, deskHref } from './session.js';
import { listOutbox } from './outbox.js';
import { setToastRegion, toast } from './ui.js';
import { navigate } from './router.js';

const TABS = [
  { key: 'home', href: '/', icon: 'map', label: 'nav.home' },
  { key: 'my', href: '/my', icon: 'list', label: 'nav.my' },
  { key: 'report', href: '/report', icon: 'camera', label: 'nav.report' },
  { key: 'proposals', href: '/proposals', icon: 'bulb', label: 'nav.proposals' },
  { key: 'account', href: '/account', icon: 'user', label: 'nav.account' },
];
const $ = (id) => document.getElementById(id);
let activeTab = null;
let unread = 0;
let waiting = 0;
let unsubscribeUser = null;
let liveModule = null;

function renderDeskLink() {
  const href = deskHref(currentUser());
  let link = $('desk-link');
  if (!href) { link?.remove(); return; }
  if (!link) {
    link = h('a', { id: 'desk-link', class: 'btn btn-small btn-secondary desk-link', 'data-testid': 'nav-desk' });
    $('bell').before(link);
  }
  link.href = href;
  replace(link, icon('inbox'), h('span', null, t('nav.desk')));
  if (activeTab?.tab === 'desk') link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
}

export function renderShell() {
  setToastRegion($('toasts'));
  renderDeskLink();
  $('skip-link').textContent = t('nav.skip');
  $('dash-link').setAttribute('aria-label', t('nav.dashboard'));
  $('dash-link').title = t('nav.dashboard');
  const bell = $('bell');
  bell.setAttribute('aria-label', t('nav.notifications'));
  bell.hidden = !currentUser();
  replace($('tabbar'), h('ul', null, TABS.map((tab) => h('li', null,
    h('a', { href: tab.href, class: `tab tab-${tab.key}`, 'data-tab': tab.key, 'data-testid': `nav-${tab.key}` },
      h('span', { class: 'tab-icon' }, icon(tab.icon)),
      h('span', { class: 'tab-label' }, t(tab.label)),
      tab.key === 'my' ? h('span', { class: 'badge', id: 'waiting-badge', hidden: true }) : null)))));
  $('tabbar').setAttribute('aria-label', t('nav.main'));
  setActiveTab(activeTab);
  setUnread(unread);
  setWaiting(waiting);
  renderOffline();
}

export function setActiveTab(route) {
  activeTab = route;
  document.querySelectorAll('#tabbar .tab').forEach((a) => {
    if (route && a.dataset.tab === route.tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  document.body.dataset.route = route ? route.path : '';
  if (route?.path === '/dashboard') $('dash-link').setAttribute('aria-current', 'page');
  else $('dash-link').removeAttribute('aria-current');
  renderDeskLink();
}

export function setUnread(n) {
  unread = Math.max(0, n);
  const badge = $('bell').querySelector('.badge');
  badge.hidden = !unread;
  badge.textContent = unread > 99 ? '99+' : String(unread);
  $('bell').setAttribute('aria-label', unread ? t('nav.notificationsUnread', { count: unread }) : t('nav.notifications'));
}
export const getUnread = () => unread;

function setWaiting(n) {
  waiting = n;
  const badge = $('waiting-badge');
  if (!badge) return;
  badge.hidden = !n;
  badge.textContent = String(n);
  badge.setAttribute('aria-label', t('outbox.waitingCount', { count: n }));
  renderOffline();
}

function renderOffline() {
  const banner = $('offline-banner');
  banner.hidden = navigator.onLine;
  replace(banner, icon('cloud-off'), h('span', null, t('offline.banner')),
    waiting ? h('span', null, ` ${t('outbox.waitingCount', { count: waiting })}`) : null);
}

export async function refreshWaiting() {
  const entries = await listOutbox();
  setWaiting(entries.filter((e) => e.state === 'waiting' || e.state === 'sending' || e.state === 'signin').length);
}

/** Unread count and live notifications for the signed-in user; nothing when signed out. */
export async function watchUser(user) {
  $('bell').hidden = !user;
  renderDeskLink();
  unsubscribeUser?.();
  unsubscribeUser = null;
  if (!user) { setUnread(0); liveModule?.reconnect(); return; }
  liveModule ||= await import('./live.js');
  const live = liveModule;
  live.reconnect();
  get('/notifications', { per_page: 1 }).then((d) => setUnread(d.unread || 0)).catch(() => {});
  unsubscribeUser = live.subscribe('user', (type, data) => {
    if (type === 'notification') {
      const n = data.notification || data;
      setUnread(unread + 1);
      const href = targetHref(n.target);
      toast(n.text, href ? { actionLabel: t('action.view'), onAction: () => navigate(href) } : {});
    }
  });
}

export function targetHref(target) {
  if (!target) return null;
  if (target.type === 'case') return `/cases/${target.id}`;
  if (target.type === 'proposal') return `/proposals/${target.id}`;
  if (target.type === 'alert') return `/alerts/${target.id}`;
  if (target.type === 'incident') return `/incidents/${target.id}`;
  return null;
}

export function watchConnection() {
  addEventListener('online', renderOffline);
  addEventListener('offline', renderOffline);
}
