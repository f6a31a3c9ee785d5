// The offline outbox, after Workbox's background-sync Queue: each entry is a serialised request
// (body as an ArrayBuffer, since Safari cannot always keep Blobs in IndexedDB) with the
// Idempotency-Key it was given once, at creation. Replays go oldest first; an entry that fails on
// the network stays at the front and the replay stops. Shared by the page and the service worker.
import { idbAll, idbDelete, idbPut } from './idb.js';

export const SYNC_TAG = 'cityloop-outbox';
export const CHANNEL = 'cityloop-outbox';
const KEEP_SENT_MS = 24 * 3600 * 1000;

/** Entry states: waiting -> sending -> sent | failed (dropped, with error) | signin (paused). */
export const idbOutboxStore = {
  list: async () => (await idbAll('outbox')).sort((a, b) => a.id - b.id),
  put: (entry) => idbPut('outbox', entry),
  remove: (id) => idbDelete('outbox', id),
};

/** Turn a request's parts into a storable entry (FormData becomes multipart bytes + its boundary). */
export async function serializeRequest(url, method, body) {
  const init = { method, body };
  if (!(body instanceof FormData) && typeof body !== 'string') init.body = JSON.stringify(body);
  const req = new Request(new URL(url, self.location.href), init);
  const contentType = body instanceof FormData ? req.headers.get('Content-Type') : 'application/json';
  return { url, method, contentType, body: await req.arrayBuffer() };
}

function errorOf(status, data) {
  const err = (data && data.error) || {};
  return { status, code: err.code || `http_${status}`, message: err.message || '', fields: err.fields || {} };
}

// The same key's first send is still running, or its server process died mid-request (the
// server frees such a key after a while): send again later, never drop the entry.
const inProgress = (status, data) => status === 409 && data?.error?.code === 'request_in_progress';

const isCsrf = (status, data) => (status === 400 || status === 403)
  && /csrf/i.test(`${data?.error?.code} ${data?.error?.message}`);

/**
 * Send waiting entries, oldest first. Returns {sent: [entries], stopped: null|'network'|'retry'|'signin',
 * retryAfter}. Dependencies are injected so the same code runs in the page, the worker and tests:
 *   store: {list, put, remove}; fetchImpl: fetch; csrf(force) -> token; whoami() -> user id or null.
 */
export async function replay({ store, fetchImpl, csrf, whoami, now = Date.now, notify = () => {} }) {
  const result = { sent: [], stopped: null, retryAfter: 0 };
  const all = await store.list();
  for (const entry of all) {
    if (entry.state === 'sent' && now() - (entry.sentAt || 0) > KEEP_SENT_MS) await store.remove(entry.id);
  }
  const queue = all.filter((e) => e.state === 'waiting' || e.state === 'sending' || e.state === 'signin');
  if (!queue.length) return result;

  let userId;
  try { userId = await whoami(); } catch { result.stopped = 'network'; return result; }
  if (userId == null) {
    for (const entry of queue) { entry.state = 'signin'; await store.put(entry); }
    notify();
    result.stopped = 'signin';
    return result;
  }
  let token = null;
  for (const entry of queue) {
    if (entry.userId != null && String(entry.userId) !== String(userId)) continue; // someone else's
    entry.state = 'sending';
    entry.attempts = (entry.attempts || 0) + 1;
    await store.put(entry);
    notify();
    let res, data;
    for (let csrfTries = 0; ; csrfTries++) {
      try {
        token = token && csrfTries === 0 ? token : await csrf(csrfTries > 0);
        res = await fetchImpl(entry.url, {
          method: entry.method,
          credentials: 'same-origin',
          headers: { 'Content-Type': entry.contentType, 'Idempotency-Key': entry.key, 'X-CSRFToken': token, Accept: 'application/json' },
          body: entry.body,
        });
        data = await res.json().catch(() => ({}));
      } catch {
        entry.state = 'waiting'; // stays at the front of the queue
        await store.put(entry);
        notify();
        result.stopped = 'network';
        return result;
      }
      if (csrfTries === 0 && isCsrf(res.status, data)) continue;
      break;
    }
    if (res.ok) {
      Object.assign(entry, { state: 'sent', sentAt: now(), body: null, error: null, result: { id: data.id, status: data.status } });
      await store.put(entry);
      result.sent.push(entry);
      notify();
      continue;
    }
    entry.error = errorOf(res.status, data);
    if (res.status === 401) {
      entry.state = 'signin';
      result.stopped = 'signin';
    } else if (res.status === 408 || res.status === 429 || res.status >= 500 || inProgress(res.status, data)) {
      entry.state = 'waiting';
      result.stopped = 'retry';
      result.retryAfter = Number(res.headers.get('Retry-After')) || 0;
    } else {
      entry.state = 'failed'; // a 4xx that a retry cannot fix: dropped from the queue, shown to the user
      entry.body = null;
    }
    await store.put(entry);
    notify();
    if (result.stopped) return result;
  }
  return result;
}
