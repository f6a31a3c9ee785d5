// Pins that would overlap on screen are drawn as one numbered pin. A greedy pass in pixel space:
// each point joins the first group whose first point lies within `radius` px (looked up in a grid
// of radius-sized cells), else starts a group. Linear in the number of points; no dependencies.

/**
 * clusterPoints(points, project, radius) -> [{x, y, items}]
 * project(point) -> [x, y]: the point's pixel position at the map's current zoom.
 */
export function clusterPoints(points, project, radius = 36) {
  const cells = new Map();
  const groups = [];
  for (const point of points) {
    const [x, y] = project(point);
    const cx = Math.floor(x / radius);
    const cy = Math.floor(y / radius);
    const group = nearGroup(cells, cx, cy, x, y, radius);
    if (group) { group.items.push(point); continue; }
    const fresh = { x, y, items: [point] };
    groups.push(fresh);
    const key = `${cx},${cy}`;
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key).push(fresh);
  }
  return groups;
}

function nearGroup(cells, cx, cy, x, y, radius) {
  for (let dx = -1; dx <= 1; dx++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (const group of cells.get(`${cx + dx},${cy + dy}`) || []) {
        if (Math.hypot(group.x - x, group.y - y) < radius) return group;
      }
    }
  }
  return null;
}
