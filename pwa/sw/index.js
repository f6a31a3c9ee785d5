// CityLoop service worker (built to /sw.js as a classic script).
// Precaches the versioned shell, answers navigations with it, reads the API network-first with a
// cached fallback, replays the outbox on Background Sync, and shows push notifications.
/* global __PRECACHE__ */
import { Router } from './router.js';
import { CACHE, appShell, cacheFirst, deleteOldCaches, networkFirst, precache } from './strategies.js';
import { CHANNEL, SYNC_TAG, idbOutboxStore, replay } from '../src/outbox-core.js';

const PRECACHE = __PRECACHE__;
const SERVER_PATHS = /^\/(api|open311|socket\.io|media|uploads)(\/|$)/;
const NO_CACHE_API = /^\/api\/v1\/(auth|push)\//;

self.addEventListener('install', (event) => {
  event.waitUntil(precache(PRECACHE));
  // No skipWaiting here: a new version waits until the page's update prompt asks for it.
});

self.addEventListener('activate', (event) => {
  event.waitUntil(deleteOldCaches().then(() => self.clients.claim()));
});

self.addEventListener('message', (event) => {
  const type = event.data && event.data.type;
  if (type === 'skip-waiting') self.skipWaiting();
  if (type === 'clear-api-cache') event.waitUntil(caches.delete(CACHE.api));
});

const router = new Router()
  .add(({ request, url }) => request.mode === 'navigate' && !SERVER_PATHS.test(url.pathname), () => appShell())
  .add(({ url }) => PRECACHE.includes(url.pathname), ({ request }) => cacheFirst(request, CACHE.shell))
  .add(({ url }) => url.pathname.startsWith('/api/v1/') && !NO_CACHE_API.test(url.pathname),
    (ctx) => networkFirst(ctx, CACHE.api))
  .add(({ request, url }) => request.destination === 'image' && !url.pathname.startsWith('/api/'),
    ({ request }) => cacheFirst(request, CACHE.media, { max: 80 }));

self.addEventListener('fetch', (event) => router.handle(event));

// Outbox replay (Background Sync). Throwing asks the browser to try again later, with backoff.
const channel = new BroadcastChannel(CHANNEL);

async function csrf() {
  const res = await fetch('/api/v1/auth/csrf', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`csrf ${res.status}`);
  return (await res.json()).csrf_token;
}

async function whoami() {
  const res = await fetch('/api/v1/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(`me ${res.status}`);
  return (await res.json()).id;
}

async function replayOutbox() {
  const run = async () => {
    const result = await replay({
      store: idbOutboxStore, fetchImpl: fetch, csrf, whoami,
      notify: () => channel.postMessage({ type: 'changed' }),
    });
    if (result.sent.length) channel.postMessage({ type: 'sent', entries: result.sent });
    if (result.stopped === 'network' || result.stopped === 'retry') throw new Error('outbox: try again later');
  };
  if (self.navigator.locks && self.navigator.locks.request) {
    return self.navigator.locks.request(SYNC_TAG, { ifAvailable: true }, (lock) => (lock ? run() : null));
  }
  return run();
}

self.addEventListener('sync', (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(replayOutbox());
});

// Web Push: payload {title, body, url} (or a notification object {text, target}).
function targetUrl(data) {
  if (data.url) return data.url;
  const target = data.target || {};
  if (target.type === 'case') return `/cases/${target.id}`;
  if (target.type === 'proposal') return `/proposals/${target.id}`;
  return '/notifications';
}

self.addEventListener('push', (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { data = { body: event.data ? event.data.text() : '' }; }
  event.waitUntil(self.registration.showNotification(data.title || 'CityLoop', {
    body: data.body || data.text || '',
    icon: '/icons/icon-192.png',
    badge: '/icons/badge-96.png',
    tag: data.tag || undefined,
    data: { url: targetUrl(data) },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || '/', self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
    if (open) { await open.focus(); return open.navigate(url).catch(() => null); }
    return self.clients.openWindow(url);
  })());
});
