import test from 'node:test';
import assert from 'node:assert/strict';
import { clusterPoints } from '../src/cluster.js';

const px = (p) => [p.x, p.y];

test('pins closer than the radius become one group, others stay alone', () => {
  const points = [{ id: 1, x: 100, y: 100 }, { id: 2, x: 110, y: 104 }, { id: 3, x: 300, y: 100 }, { id: 4, x: 100, y: 130 }];
  const groups = clusterPoints(points, px, 36);
  assert.deepEqual(groups.map((g) => g.items.map((p) => p.id)), [[1, 2, 4], [3]]);
});

test('a group found across a cell border', () => {
  const groups = clusterPoints([{ x: 35, y: 10 }, { x: 37, y: 10 }], px, 36);
  assert.equal(groups.length, 1);
});

test('nothing in, nothing out; one pin is a group of one', () => {
  assert.deepEqual(clusterPoints([], px), []);
  assert.equal(clusterPoints([{ x: 1, y: 1 }], px)[0].items.length, 1);
});
