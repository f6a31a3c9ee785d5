// Page side of the outbox: queue a report, replay it (here, or in the worker on `sync`), and tell
// the UI about every change through a BroadcastChannel that the worker shares.
import { API, ApiError, get, getCsrf } from './api.js';
import { idbOutboxStore as store, replay, serializeRequest, CHANNEL, SYNC_TAG } from './outbox-core.js';

const listeners = new Set();
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
let timer = null;
let backoff = 0;
const BACKOFF_S = [5, 15, 60, 300];

function emit(message) {
  listeners.forEach((fn) => fn(message));
}
channel?.addEventListener('message', (e) => emit(e.data));
const notify = (message = { type: 'changed' }) => { emit(message); channel?.postMessage(message); };

/** fn({type: 'changed'|'sent', entries?}) on every change, from this page or the worker. */
export const onOutboxChange = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };

export async function listOutbox() {
  try { return await store.list(); } catch { return []; }
}

/** Keep a creating request for later. `summary` is what "My cases" shows while it waits. */
export async function enqueue({ path, body, key, summary, userId }) {
  const entry = {
    ...(await serializeRequest(`${API}${path}`, 'POST', body)),
    key, summary, userId: userId ?? null,
    state: 'waiting', attempts: 0, createdAt: new Date().toISOString(),
  };
  entry.id = await store.put(entry);
  notify();
  requestSync();
  return entry;
}

export async function discard(id) {
  await store.remove(id);
  notify();
}

export async function retryEntry(id) {
  const entry = (await store.list()).find((e) => e.id === id);
  if (entry && entry.state !== 'sent') { entry.state = 'waiting'; await store.put(entry); notify(); }
  return flush();
}

async function whoami() {
  try { return (await get('/me')).id; } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

const fetchImpl = (url, init) => fetch(url, init);

function schedule(seconds) {
  clearTimeout(timer);
  timer = setTimeout(flush, seconds * 1000);
}

async function replayOnce() {
  const result = await replay({ store, fetchImpl, csrf: getCsrf, whoami, notify: () => notify() });
  if (result.sent.length) notify({ type: 'sent', entries: result.sent });
  if (result.stopped === 'retry' || (result.stopped === 'network' && navigator.onLine)) {
    schedule(Math.max(result.retryAfter, BACKOFF_S[Math.min(backoff, BACKOFF_S.length - 1)]));
    backoff++;
  } else backoff = 0;
  return result;
}

/** Replay now, unless another tab or the worker is already doing it. */
export function flush() {
  if (navigator.locks?.request) {
    // Someone else (the worker, another tab) is replaying: look again in a while, in case it fails.
    return navigator.locks.request(SYNC_TAG, { ifAvailable: true }, (lock) => (lock ? replayOnce() : schedule(30)));
  }
  return replayOnce();
}

export function requestSync() {
  navigator.serviceWorker?.ready
    .then((reg) => reg.sync && reg.sync.register(SYNC_TAG))
    .catch(() => { /* no Background Sync: the page replays on `online` */ });
}

/** Start-up replay, and replay when the connection returns or someone signs in. */
export function startOutbox({ onSignIn }) {
  flush();
  addEventListener('online', () => { backoff = 0; flush(); });
  onSignIn(() => flush());
}
