// Incident areas and the report screen's emergency mode: geometry, ordering, who may do what.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeIncidents, alertCircle, areaBounds, areaHolds, clampRadius, incidentCategories, incidentRights,
  myOpenTasks, orderCategories,
} from '../src/incident-area.js';

const circle = { lat: 31.2304, lon: 121.4737, radius_m: 1000 };
// A square of about 2 km around People's Square, as [lon, lat] with the first point repeated.
const square = { polygon: [[121.46, 31.22], [121.48, 31.22], [121.48, 31.24], [121.46, 31.24], [121.46, 31.22]] };

test('a circle holds the points within its radius only', () => {
  assert.ok(areaHolds(circle, { lat: 31.2304, lon: 121.4737 }));
  assert.ok(areaHolds(circle, { lat: 31.2384, lon: 121.4737 })); // ~890 m north
  assert.ok(!areaHolds(circle, { lat: 31.2404, lon: 121.4737 })); // ~1.1 km north
});

test('a polygon holds its inside, not its outside (lon/lat order as GeoJSON)', () => {
  assert.ok(areaHolds(square, { lat: 31.23, lon: 121.47 }));
  assert.ok(!areaHolds(square, { lat: 31.25, lon: 121.47 }));
  assert.ok(!areaHolds(square, { lat: 31.23, lon: 121.49 }));
  const ell = { polygon: [[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2], [0, 0]] }; // concave
  assert.ok(areaHolds(ell, { lat: 1.5, lon: 0.5 }));
  assert.ok(!areaHolds(ell, { lat: 1.5, lon: 1.5 }));
});

test('bounds of a circle and of a polygon', () => {
  const [[s, w], [n, e]] = areaBounds(circle);
  assert.ok(Math.abs((n - s) * 111320 - 2000) < 1);
  assert.ok(w < circle.lon && e > circle.lon && e - w > n - s); // degrees of longitude are shorter here
  assert.deepEqual(areaBounds(square), [[31.22, 121.46], [31.24, 121.48]]);
});

test('the alert circle is the circle itself, or covers the whole polygon', () => {
  assert.deepEqual(alertCircle({ ...circle, polygon: undefined }), circle);
  const c = alertCircle(square);
  assert.ok(Math.abs(c.lat - 31.23) < 1e-9 && Math.abs(c.lon - 121.47) < 1e-9);
  for (const [lon, lat] of square.polygon) assert.ok(areaHolds(c, { lat, lon }), `${lat},${lon}`);
  assert.ok(Number.isInteger(c.radius_m) && c.radius_m < 1600);
});

test('a typed radius is clamped to 50 m - 20 km; nonsense is null', () => {
  assert.equal(clampRadius('750'), 750);
  assert.equal(clampRadius('750,6'), 751);
  assert.equal(clampRadius(10), 50);
  assert.equal(clampRadius(99999), 20000);
  assert.equal(clampRadius(''), null);
  assert.equal(clampRadius('abc'), null);
});

const incident = (id, severity, categories, extra = {}) => ({
  id, severity, categories, status: 'active', declared_at: `2026-01-0${id}T10:00:00Z`, ...extra,
});

test('emergency mode lists the most severe incidents first and their categories first, once each', () => {
  const list = [incident(1, 'moderate', ['litter']), incident(2, 'extreme', ['pothole', 'litter']), incident(3, 'severe', [], { status: 'closed' })];
  assert.deepEqual(activeIncidents(list).map((i) => i.id), [2, 1]);
  assert.deepEqual(incidentCategories(list), ['pothole', 'litter']);
  const cats = ['streetlight', 'litter', 'graffiti', 'pothole'].map((code) => ({ code }));
  assert.deepEqual(orderCategories(cats, ['pothole', 'litter', 'gone']).map((c) => c.code), ['pothole', 'litter', 'streetlight', 'graffiti']);
  assert.deepEqual(orderCategories(cats, []).map((c) => c.code), cats.map((c) => c.code));
});

test('who may read the internal side, act and manage', () => {
  const inc = { lead_department: { code: 'roads' }, departments: [{ code: 'roads' }, { code: 'water' }] };
  const staff = (code, head = false) => ({ role: 'staff', departments: [{ code, is_head: head }] });
  assert.deepEqual(incidentRights(null, inc), { internal: false, act: false, manage: false });
  assert.deepEqual(incidentRights({ role: 'resident' }, inc), { internal: false, act: false, manage: false });
  assert.deepEqual(incidentRights(staff('lighting'), inc), { internal: false, act: false, manage: false });
  assert.deepEqual(incidentRights(staff('water'), inc), { internal: true, act: true, manage: false });
  assert.deepEqual(incidentRights(staff('water', true), inc), { internal: true, act: true, manage: false });
  assert.deepEqual(incidentRights(staff('roads', true), inc), { internal: true, act: true, manage: true });
  assert.deepEqual(incidentRights({ role: 'admin', departments: [] }, inc), { internal: true, act: true, manage: true });
});

test('my open tasks: my departments only, not the done ones; every open one for an admin', () => {
  const tasks = [
    { department: { code: 'roads' }, status: 'open' },
    { department: { code: 'water' }, status: 'open' },
    { department: { code: 'water' }, status: 'done' },
  ];
  assert.deepEqual(myOpenTasks({ role: 'staff', departments: [{ code: 'water' }] }, tasks), [tasks[1]]);
  assert.deepEqual(myOpenTasks({ role: 'admin', departments: [] }, tasks), tasks.slice(0, 2));
  assert.deepEqual(myOpenTasks(null, tasks), []);
});
