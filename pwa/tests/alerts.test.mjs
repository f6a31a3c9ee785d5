// Which alerts the banner shows: supersede, cancel, expiry and the saved place's circle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertsFor, applyAlert } from '../src/alerts-core.js';

const NOW = Date.parse('2026-03-02T08:00:00Z');
const area = { lat: 31.2304, lon: 121.4737, radius_m: 800 };
const alert = (id, fields = {}) => ({ id, msg_type: 'Alert', references: null, severity: 'severe', area, expires_at: '2026-03-02T12:00:00Z', ...fields });

test('an update replaces the alert it references and a cancel removes it', () => {
  const alerts = new Map();
  applyAlert(alerts, alert(1));
  applyAlert(alerts, alert(2, { msg_type: 'Update', references: 1 }));
  assert.deepEqual([...alerts.keys()], [2]);
  applyAlert(alerts, alert(3, { msg_type: 'Cancel', references: 2 }));
  assert.equal(alerts.size, 0);
});

test('only alerts whose circle holds the place, not expired, most severe first', () => {
  const alerts = new Map();
  applyAlert(alerts, alert(1, { severity: 'minor' }));
  applyAlert(alerts, alert(2, { severity: 'extreme' }));
  applyAlert(alerts, alert(3, { expires_at: '2026-03-02T07:59:00Z' }));
  applyAlert(alerts, alert(4, { area: { lat: 31.30, lon: 121.60, radius_m: 500 } }));
  assert.deepEqual(alertsFor(alerts, { lat: 31.2310, lon: 121.4740 }, NOW).map((a) => a.id), [2, 1]);
  assert.deepEqual(alertsFor(alerts, { lat: 31.2500, lon: 121.5000 }, NOW).map((a) => a.id), []);
  assert.deepEqual(alertsFor(alerts, null, NOW).map((a) => a.id), [2, 4, 1]);
});
