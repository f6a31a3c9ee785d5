// JSON API client: same-origin cookie session, CSRF header on unsafe methods, one error type.
export const API = '/api/v1';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let csrfToken = null;
let csrfPromise = null;
const cachedAtByResult = new WeakMap();

export class ApiError extends Error {
  constructor(status, body = {}, headers = null) {
    const err = body.error || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || (status === 0 ? 'network' : `http_${status}`);
    this.fields = err.fields || {};
    const retry = headers && headers.get('Retry-After');
    this.retryAfter = retry ? Number(retry) || 0 : 0;
  }
  get offline() { return this.status === 0; }
}

/** A random UUID, also outside secure contexts. */
export function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function isCsrfError(status, body) {
  const err = (body && body.error) || {};
  return (status === 400 || status === 403) && /csrf/i.test(`${err.code} ${err.message}`);
}

export async function getCsrf(force = false) {
  if (csrfToken && !force) return csrfToken;
  if (!csrfPromise) {
    csrfPromise = request('GET', '/auth/csrf')
      .then((data) => { csrfToken = data.csrf_token; return csrfToken; })
      .finally(() => { csrfPromise = null; });
  }
  return csrfPromise;
}

/** Forget the token: the server issues a new one after login, logout and register. */
export const resetCsrf = () => { csrfToken = null; };

export function buildUrl(path, query) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v != null && v !== '' && v !== false) qs.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = qs.toString();
  return `${API}${path}${s ? `?${s}` : ''}`;
}

/**
 * request('POST', '/cases', {body, key}) -> parsed JSON (null for 204).
 * `key` sets the Idempotency-Key header (give one to every creating POST and keep it for retries).
 */
export async function request(method, path, { body, query, key, signal, headers = {}, retried = false } = {}) {
  const init = { method, credentials: 'same-origin', signal, headers: { Accept: 'application/json', ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  if (UNSAFE.has(method)) init.headers['X-CSRFToken'] = await getCsrf();
  if (key) init.headers['Idempotency-Key'] = key;
  let res;
  try {
    res = await fetch(buildUrl(path, query), init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { error: { code: 'network', message: e.message } });
  }
  const type = res.headers.get('Content-Type') || '';
  const data = res.status === 204 ? null : type.includes('json') ? await res.json().catch(() => ({})) : {};
  if (!res.ok) {
    if (!retried && UNSAFE.has(method) && isCsrfError(res.status, data)) {
      await getCsrf(true);
      return request(method, path, { body, query, key, signal, headers, retried: true });
    }
    throw new ApiError(res.status, data || {}, res.headers);
  }
  const cachedAt = res.headers.get('X-CityLoop-Cached-At');
  if (cachedAt && data && typeof data === 'object') cachedAtByResult.set(data, cachedAt);
  return data;
}

/** When the service worker answered from its cache (offline), the time of that copy. */
export const cachedAt = (data) => (data && typeof data === 'object' ? cachedAtByResult.get(data) : undefined);

export const get = (path, query, opts) => request('GET', path, { query, ...opts });
export const post = (path, body, opts) => request('POST', path, { body, ...opts });
export const put = (path, body, opts) => request('PUT', path, { body, ...opts });
export const patch = (path, body, opts) => request('PATCH', path, { body, ...opts });
export const del = (path, body, opts) => request('DELETE', path, { body, ...opts });
/** A creating POST: always carries an Idempotency-Key (a fresh one unless given). */
export const create = (path, body, opts = {}) => request('POST', path, { ...opts, body, key: opts.key || newKey() });

const memo = new Map();
/** GET once per page load (config, categories, departments); failures are not remembered. */
export function getOnce(path, query) {
  if (!memo.has(path)) memo.set(path, get(path, query).catch((e) => { memo.delete(path); throw e; }));
  return memo.get(path);
}

export const getConfig = () => getOnce('/config');
export const getCategories = () => getOnce('/categories', { per_page: 100 }).then((d) => d.items || []);
