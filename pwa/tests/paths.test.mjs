import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, matchRoute } from '../src/paths.js';

test('patterns match with params and an optional trailing slash', () => {
  assert.deepEqual(compile('/cases/:id')('/cases/42'), { id: '42' });
  assert.deepEqual(compile('/cases/:id')('/cases/42/'), { id: '42' });
  assert.equal(compile('/cases/:id')('/cases/42/events'), null);
  assert.deepEqual(compile('/')('/'), {});
  assert.deepEqual(compile('*')('/anything/at/all'), {});
});

test('the first matching route wins (so /proposals/new before /proposals/:id)', () => {
  const routes = [{ path: '/proposals/new' }, { path: '/proposals/:id' }, { path: '*' }];
  assert.equal(matchRoute(routes, '/proposals/new').route.path, '/proposals/new');
  assert.deepEqual(matchRoute(routes, '/proposals/7').params, { id: '7' });
  assert.equal(matchRoute(routes, '/nope').route.path, '*');
});
