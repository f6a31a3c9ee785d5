// An incident's area (a circle {lat, lon, radius_m} or a polygon {polygon: [[lon, lat], ...]}) and
// what the report screen does with the incidents around a point: pure functions, unit-tested.
import { metersBetween } from './geo.js';

export const SEVERITIES = ['minor', 'moderate', 'severe', 'extreme'];
const RANK = { extreme: 0, severe: 1, moderate: 2, minor: 3 };
export const RADIUS = { min: 50, max: 20000, initial: 500 };

const ring = (area) => (Array.isArray(area?.polygon) ? area.polygon : null);

/** South-west and north-east corners as [[lat, lon], [lat, lon]]. */
export function areaBounds(area) {
  const points = ring(area);
  if (points) {
    const lats = points.map((p) => p[1]), lons = points.map((p) => p[0]);
    return [[Math.min(...lats), Math.min(...lons)], [Math.max(...lats), Math.max(...lons)]];
  }
  const dLat = area.radius_m / 111320;
  const dLon = dLat / Math.max(Math.cos((area.lat * Math.PI) / 180), 1e-6);
  return [[area.lat - dLat, area.lon - dLon], [area.lat + dLat, area.lon + dLon]];
}

/** The circle an alert for this area covers: the area itself, or the circle around a polygon's box. */
export function alertCircle(area) {
  if (!ring(area)) return { lat: area.lat, lon: area.lon, radius_m: area.radius_m };
  const [[s, w], [n, e]] = areaBounds(area);
  const centre = { lat: (s + n) / 2, lon: (w + e) / 2 };
  return { ...centre, radius_m: Math.ceil(metersBetween(centre, { lat: n, lon: e })) };
}

/** Whether {lat, lon} lies in the area (ray casting for a polygon; the boundary may go either way). */
export function areaHolds(area, point) {
  const points = ring(area);
  if (!points) return metersBetween(point, area) <= area.radius_m;
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i], [xj, yj] = points[j];
    if ((yi > point.lat) !== (yj > point.lat) && point.lon < ((xj - xi) * (point.lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A radius typed by a person, as whole metres within the allowed range (null if not a number). */
export function clampRadius(value) {
  const n = Math.round(Number(String(value).replace(',', '.')));
  if (!Number.isFinite(n) || String(value).trim() === '') return null;
  return Math.min(RADIUS.max, Math.max(RADIUS.min, n));
}

/** Active incidents around a point, most severe first, then the newest. */
export function activeIncidents(incidents) {
  return incidents.filter((i) => i.status === 'active')
    .sort((a, b) => (RANK[a.severity] ?? 9) - (RANK[b.severity] ?? 9) || Date.parse(b.declared_at) - Date.parse(a.declared_at));
}

/** The category codes to list first, in the order of the incidents (each once). */
export function incidentCategories(incidents) {
  return [...new Set(activeIncidents(incidents).flatMap((i) => i.categories || []))];
}

/** The categories in picking order: the incidents' first, then the others as they were. */
export function orderCategories(categories, firstCodes) {
  const first = firstCodes.map((code) => categories.find((c) => c.code === code)).filter(Boolean);
  return [...first, ...categories.filter((c) => !firstCodes.includes(c.code))];
}

/** What this person may do on an incident: read its internal side, act, manage (update, close). */
export function incidentRights(user, incident) {
  if (!user) return { internal: false, act: false, manage: false };
  if (user.role === 'admin') return { internal: true, act: true, manage: true };
  if (user.role !== 'staff') return { internal: false, act: false, manage: false };
  const mine = new Set((user.departments || []).map((d) => d.code));
  const taking = (incident.departments || []).some((d) => mine.has(d.code)) || mine.has(incident.lead_department?.code);
  const heads = (user.departments || []).some((d) => d.is_head && d.code === incident.lead_department?.code);
  return { internal: taking, act: taking, manage: heads };
}

/** The tasks this person marks done: those of their own departments that are still open (all for an admin). */
export function myOpenTasks(user, tasks) {
  const mine = new Set((user?.departments || []).map((d) => d.code));
  return tasks.filter((t) => t.status === 'open' && (user?.role === 'admin' || mine.has(t.department?.code)));
}
