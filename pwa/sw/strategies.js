// Caching strategies. Cache names carry the build's version, so a new build starts clean and the
// old caches are removed when its worker activates.
/* global __SW_VERSION__ */
export const VERSION = __SW_VERSION__;
export const CACHE = {
  shell: `cityloop-shell-${VERSION}`,
  api: `cityloop-api-${VERSION}`,
  media: `cityloop-media-${VERSION}`,
};
const STORED_AT = 'X-CityLoop-Stored-At';

export async function precache(urls) {
  const cache = await caches.open(CACHE.shell);
  await cache.addAll(urls.map((u) => new Request(u, { cache: 'reload' })));
}

export async function deleteOldCaches() {
  const keep = new Set(Object.values(CACHE));
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith('cityloop-') && !keep.has(n)).map((n) => caches.delete(n)));
}

async function trim(cacheName, max) {
  const cache = await caches.open(cacheName);
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - max)).map((k) => cache.delete(k)));
}

/** The precached app shell for every navigation (instant, and offline); the network if missing. */
export async function appShell() {
  const cached = await caches.match('/index.html', { cacheName: CACHE.shell });
  return cached || fetch('/index.html');
}

/** Hashed assets and icons: cache, else network (and keep it). */
export async function cacheFirst(request, cacheName, { max } = {}) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const res = await fetch(request);
  if (res.ok) {
    const cache = await caches.open(cacheName);
    await cache.put(request, res.clone());
    if (max) trim(cacheName, max);
  }
  return res;
}

function withStoredAt(res) {
  const headers = new Headers(res.headers);
  headers.set(STORED_AT, new Date().toISOString());
  // The body here is already decoded: the wire's encoding and length no longer describe it.
  headers.delete('Content-Encoding');
  headers.delete('Content-Length');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

function markCached(res) {
  const headers = new Headers(res.headers);
  headers.set('X-CityLoop-Cached-At', res.headers.get(STORED_AT) || '');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/** The request, asking the server for "not modified" when a stored copy has an ETag. */
function revalidating(request, cached) {
  const etag = cached?.headers.get('ETag');
  if (!etag || request.method !== 'GET') return request;
  const headers = new Headers(request.headers);
  headers.set('If-None-Match', etag);
  return new Request(request, { headers });
}

/**
 * API reads: the network first; the cached copy (marked with when it was stored) when the network
 * fails, or when it is slower than `timeoutMs` and a copy exists. Fresh answers refresh the cache;
 * a stored copy with an ETag is revalidated, and a 304 (nothing changed) answers from it. The
 * server's ETag hashes the answer itself, so a copy another person left on this device is only
 * reused when its content is exactly what this person gets.
 */
export async function networkFirst({ request, event }, cacheName, { timeoutMs = 4000, max = 200 } = {}) {
  const cache = await caches.open(cacheName);
  const cachedPromise = cache.match(request);
  const network = cachedPromise.then((cached) => fetch(revalidating(request, cached))).then(async (res) => {
    if (res.status === 304) {
      const stored = await cache.match(request);
      if (stored) {
        await cache.put(request, withStoredAt(stored.clone()));
        return stored;
      }
      return fetch(request); // the copy went meanwhile: ask again, unconditionally
    }
    if (res.ok) {
      await cache.put(request, withStoredAt(res.clone()));
      trim(cacheName, max);
    }
    return res;
  });
  event.waitUntil(network.catch(() => {}));
  let timer;
  const slow = new Promise((resolve) => {
    timer = setTimeout(async () => { const c = await cache.match(request); if (c) resolve(markCached(c)); }, timeoutMs);
  });
  try {
    return await Promise.race([network, slow]);
  } catch {
    const cached = await cache.match(request);
    return cached ? markCached(cached) : Response.error();
  } finally {
    clearTimeout(timer);
  }
}
