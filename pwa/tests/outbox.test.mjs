// Outbox replay: order, idempotency keys, what stops it, what drops an entry, and never looping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replay } from '../src/outbox-core.js';

function memoryStore(entries) {
  const rows = new Map(entries.map((e, i) => [i + 1, { id: i + 1, state: 'waiting', attempts: 0, method: 'POST', url: '/api/v1/cases', contentType: 'application/json', body: new ArrayBuffer(4), ...e }]));
  return {
    rows,
    list: async () => [...rows.values()].map((r) => ({ ...r })).sort((a, b) => a.id - b.id),
    put: async (e) => { rows.set(e.id, { ...e }); return e.id; },
    remove: async (id) => { rows.delete(id); },
  };
}

const json = (status, body, headers = {}) => ({
  ok: status >= 200 && status < 300, status,
  headers: { get: (k) => headers[k] ?? null },
  json: async () => body,
});

function fakeFetch(responses) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, key: init.headers['Idempotency-Key'], csrf: init.headers['X-CSRFToken'] });
    const next = responses.shift();
    if (next instanceof Error) throw next;
    return next;
  };
  return { fn, calls };
}

const deps = (store, fetchImpl, extra = {}) => ({ store, fetchImpl, csrf: async () => 'tok', whoami: async () => 1, ...extra });

test('sends oldest first with each entry\'s own idempotency key, and keeps the case number', async () => {
  const store = memoryStore([{ key: 'k1' }, { key: 'k2' }]);
  const f = fakeFetch([json(201, { id: 11, status: 'submitted' }), json(201, { id: 12 })]);
  const result = await replay(deps(store, f.fn));
  assert.deepEqual(f.calls.map((c) => c.key), ['k1', 'k2']);
  assert.deepEqual(f.calls.map((c) => c.csrf), ['tok', 'tok']);
  assert.equal(result.sent.length, 2);
  assert.equal(store.rows.get(1).state, 'sent');
  assert.equal(store.rows.get(1).result.id, 11);
  assert.equal(store.rows.get(1).body, null);
});

test('a network failure keeps the entry at the front and stops; the retry reuses its key', async () => {
  const store = memoryStore([{ key: 'k1' }, { key: 'k2' }]);
  const f = fakeFetch([new TypeError('offline')]);
  const first = await replay(deps(store, f.fn));
  assert.equal(first.stopped, 'network');
  assert.equal(f.calls.length, 1);
  assert.equal(store.rows.get(1).state, 'waiting');
  assert.equal(store.rows.get(2).state, 'waiting');
  const g = fakeFetch([json(201, { id: 5 }), json(201, { id: 6 })]);
  await replay(deps(store, g.fn));
  assert.deepEqual(g.calls.map((c) => c.key), ['k1', 'k2']);
});

test('5xx, 408, 429 and a 409 request_in_progress keep the entry and stop (with Retry-After)', async () => {
  for (const [status, headers, code = 'x'] of [[503, {}], [408, {}], [429, { 'Retry-After': '30' }], [409, {}, 'request_in_progress']]) {
    const store = memoryStore([{ key: 'a' }, { key: 'b' }]);
    const f = fakeFetch([json(status, { error: { code, message: 'busy' } }, headers)]);
    const result = await replay(deps(store, f.fn));
    assert.equal(result.stopped, 'retry', String(status));
    assert.equal(store.rows.get(1).state, 'waiting');
    assert.equal(f.calls.length, 1);
    if (status === 429) assert.equal(result.retryAfter, 30);
  }
});

test('another 4xx drops the entry with its error and goes on to the next; it is never sent again', async () => {
  const store = memoryStore([{ key: 'bad' }, { key: 'good' }]);
  const f = fakeFetch([json(422, { error: { code: 'validation_error', message: 'Bad category', fields: { category: ['unknown'] } } }), json(201, { id: 9 })]);
  const result = await replay(deps(store, f.fn));
  assert.equal(store.rows.get(1).state, 'failed');
  assert.equal(store.rows.get(1).error.message, 'Bad category');
  assert.equal(store.rows.get(2).state, 'sent');
  assert.equal(result.stopped, null);
  const g = fakeFetch([]);
  await replay(deps(store, g.fn));
  assert.equal(g.calls.length, 0);
});

test('signed out: entries wait for a sign-in instead of being sent or dropped', async () => {
  const store = memoryStore([{ key: 'a' }]);
  const f = fakeFetch([]);
  const result = await replay(deps(store, f.fn, { whoami: async () => null }));
  assert.equal(result.stopped, 'signin');
  assert.equal(store.rows.get(1).state, 'signin');
  assert.equal(f.calls.length, 0);
  const g = fakeFetch([json(401, { error: { code: 'unauthorized' } })]);
  const again = await replay(deps(store, g.fn));
  assert.equal(again.stopped, 'signin');
  assert.equal(store.rows.get(1).state, 'signin');
});

test('a stale CSRF token is renewed once, then the entry is sent', async () => {
  const store = memoryStore([{ key: 'a' }]);
  let renewed = 0;
  const f = fakeFetch([json(400, { error: { code: 'csrf_error', message: 'The CSRF token has expired.' } }), json(201, { id: 3 })]);
  await replay(deps(store, f.fn, { csrf: async (force) => { if (force) renewed++; return force ? 'fresh' : 'old'; } }));
  assert.equal(renewed, 1);
  assert.deepEqual(f.calls.map((c) => c.csrf), ['old', 'fresh']);
  assert.equal(store.rows.get(1).state, 'sent');
});

test('entries queued by another user are left alone', async () => {
  const store = memoryStore([{ key: 'theirs', userId: 2 }, { key: 'mine', userId: 1 }]);
  const f = fakeFetch([json(201, { id: 4 })]);
  await replay(deps(store, f.fn));
  assert.deepEqual(f.calls.map((c) => c.key), ['mine']);
  assert.equal(store.rows.get(1).state, 'waiting');
});

test('when /me cannot be reached nothing is sent and the replay stops as offline', async () => {
  const store = memoryStore([{ key: 'a' }]);
  const f = fakeFetch([]);
  const result = await replay(deps(store, f.fn, { whoami: async () => { throw new TypeError('offline'); } }));
  assert.equal(result.stopped, 'network');
  assert.equal(store.rows.get(1).state, 'waiting');
});
