// Which area alerts a banner shows: pure functions, shared by the page and the unit tests.
import { metersBetween } from './geo.js';

/**
 * Apply one `alert` event (or a listed alert) to a Map id -> alert: an Update or Cancel removes
 * the alert it references; a Cancel is never shown itself.
 */
export function applyAlert(alerts, alert) {
  if (!alert || alert.id == null) return alerts;
  if (alert.references != null) alerts.delete(alert.references);
  if (alert.msg_type !== 'Cancel') alerts.set(alert.id, alert);
  return alerts;
}

/** The alerts to show at `place` ({lat, lon}, or null: everywhere), not yet expired, most severe first. */
export function alertsFor(alerts, place, now = Date.now()) {
  const rank = { extreme: 0, severe: 1, moderate: 2, minor: 3 };
  return [...alerts.values()]
    .filter((a) => Date.parse(a.expires_at) > now)
    .filter((a) => !place || metersBetween(place, a.area) <= a.area.radius_m)
    .sort((a, b) => (rank[a.severity] ?? 9) - (rank[b.severity] ?? 9) || b.id - a.id);
}
