// Client-side routing over the History API. Routes are data: {path, load, auth, roles, tab}.
// Later waves (staff, volunteer, admin) add their own routes with addRoutes() and a `roles` list.
import { matchRoute } from './paths.js';
import { clear } from './dom.js';
import { currentUser, hasRole } from './session.js';

const routes = [];
const fallbacks = {};
let root;
let hooks = {};
let seq = 0;
let active = null;
let firstRender = true;

export function addRoutes(list) {
  const at = routes.findIndex((r) => r.path === '*');
  routes.splice(at < 0 ? routes.length : at, 0, ...list);
}

/** Views for the cases the router handles itself: {notFound, forbidden, loadError, loading}. */
export const setFallbacks = (views) => Object.assign(fallbacks, views);

const historyIndex = () => (history.state && history.state.idx) || 0;
export const canGoBack = () => historyIndex() > 0;

export function navigate(to, { replace = false } = {}) {
  const url = new URL(to, location.href);
  if (url.origin !== location.origin) { location.href = url.href; return; }
  history.replaceState({ ...history.state, scroll: scrollY }, '');
  const state = { idx: historyIndex() + (replace ? 0 : 1) };
  history[replace ? 'replaceState' : 'pushState'](state, '', url.pathname + url.search + url.hash);
  render(false);
}

/** Start fetching the current screen's code early (in parallel with the language and session). */
export function preloadCurrent() {
  const found = matchRoute(routes, location.pathname);
  found?.route.load().catch(() => {});
}

/** Re-render the current screen (after sign-in, a language change ...). */
export const refresh = () => render(false, { keepScroll: true });

const SERVER_PATHS = /^\/(api|open311|socket\.io|media|uploads)(\/|$)/;

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = event.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.hasAttribute('data-native')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || SERVER_PATHS.test(url.pathname)) return;
  event.preventDefault();
  if (url.pathname === location.pathname && url.search === location.search && url.hash) { location.hash = url.hash; return; }
  navigate(url.href);
}

/** Start routing into `outlet`. hooks: {ready(route): Promise<user>, onRoute(route)} */
export function start(outlet, startHooks) {
  root = outlet;
  hooks = startHooks;
  if (!history.state) history.replaceState({ idx: 0 }, '');
  document.addEventListener('click', onClick);
  addEventListener('popstate', () => render(true));
  return render(false);
}

async function render(popped, { keepScroll = false } = {}) {
  const token = ++seq;
  const url = new URL(location.href);
  const found = matchRoute(routes, url.pathname);
  const route = found ? found.route : { path: '*', load: fallbacks.notFound };
  if (active) { active.controller.abort(); active.cleanups.forEach((fn) => { try { fn(); } catch { /* ignore */ } }); }
  const controller = new AbortController();
  const cleanups = [];
  active = { controller, cleanups, route };

  let user = currentUser();
  if (user === undefined) user = await hooks.ready(route);
  if (token !== seq) return;
  if ((route.auth || route.roles) && !user) {
    navigate(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
    return;
  }
  hooks.onRoute?.(route);
  const ctx = {
    root, url, route,
    params: found ? found.params : {},
    query: url.searchParams,
    signal: controller.signal,
    user,
    onCleanup: (fn) => cleanups.push(fn),
    navigate,
    isCurrent: () => token === seq,
  };
  root.setAttribute('aria-busy', 'true');
  const slow = setTimeout(() => { if (token === seq) fallbacks.loading?.(ctx); }, 120);
  let view;
  try {
    if (route.roles && !hasRole(user, route.roles)) view = fallbacks.forbidden;
    else view = (await route.load()).default;
  } catch (e) {
    view = (c) => fallbacks.loadError(c, e);
  }
  clearTimeout(slow);
  if (token !== seq) return;
  clear(root);
  root.removeAttribute('aria-busy');
  try {
    await view(ctx);
  } catch (e) {
    if (e.name !== 'AbortError' && token === seq) { clear(root); fallbacks.loadError(ctx, e); }
  }
  if (token !== seq) return;
  const heading = root.querySelector('h1');
  document.title = heading && heading.textContent ? `${heading.textContent} · CityLoop` : 'CityLoop';
  if (popped) scrollTo(0, (history.state && history.state.scroll) || 0);
  else if (!keepScroll) scrollTo(0, 0);
  if (!firstRender && !keepScroll) (root.querySelector('h1') || root).focus({ preventScroll: true });
  firstRender = false;
}
