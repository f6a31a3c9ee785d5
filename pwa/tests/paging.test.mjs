import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moreAfter } from '../src/paging.js';

const page = (extra) => ({ per_page: 20, ...extra });

test('an exact total counts down to nothing', () => {
  assert.equal(moreAfter(page({ total: 45 }), 20, 20), 25);
  assert.equal(moreAfter(page({ total: 45 }), 45, 5), 0);
  assert.equal(moreAfter(page({ total: 45 }), 45, 0), 0);
});

test('an estimate below the truth still offers the next page while pages are full', () => {
  assert.equal(moreAfter(page({ total: 1001, total_estimated: true }), 1000, 20), 20);
  assert.equal(moreAfter(page({ total: 1001, total_estimated: true }), 1020, 20), 20);
  assert.equal(moreAfter(page({ total: 17000, total_estimated: true }), 20, 20), 16980);
  assert.equal(moreAfter(page({ total: 17000, total_estimated: true }), 1027, 7), 0);
});
