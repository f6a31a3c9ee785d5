// What the incident screens share: their catalogue and styles (loaded with them only), the
// severity and state tags (a word and an icon, never colour alone) and the area on a map.
import { adoptStyles, h, icon } from '../dom.js';
import { t, useMessages } from '../i18n.js';
import { getOnce } from '../api.js';
import { areaBounds } from '../incident-area.js';
import css from '../styles/incidents.css';

let styled = false;
const SEVERITY_ICON = { minor: 'info', moderate: 'alert', severe: 'alert', extreme: 'megaphone' };

export async function prepareIncidents() {
  if (!styled) { adoptStyles(css); styled = true; }
  await useMessages('incidents');
}

export const getDepartmentList = () => getOnce('/departments', { per_page: 100 }).then((d) => d.items || []);

export function severityTag(severity) {
  return h('span', { class: `sev sev-${severity}`, 'data-testid': 'severity', 'data-severity': severity },
    icon(SEVERITY_ICON[severity] || 'alert'), t(`inc.severity.${severity}`));
}

export function stateTag(status) {
  return h('span', { class: `chip inc-state inc-${status}`, 'data-testid': 'incident-status', 'data-status': status },
    icon(status === 'active' ? 'clock' : 'lock'), t(`inc.status.${status}`));
}

/** Draw the incident's area (circle or polygon) into a layer; returns the Leaflet shape. */
export function areaShape(L, area) {
  const style = { color: '#b42318', weight: 2, fillOpacity: 0.12 };
  return Array.isArray(area.polygon)
    ? L.polygon(area.polygon.map(([lon, lat]) => [lat, lon]), style)
    : L.circle([area.lat, area.lon], { ...style, radius: area.radius_m });
}

export const fitArea = (map, area) => map.fitBounds(areaBounds(area), { padding: [16, 16], animate: false });
