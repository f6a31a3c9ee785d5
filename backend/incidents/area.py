"""An incident's area: a circle or a simple polygon, its bounding box and the point test.

Point lookups filter on the stored bounding box in SQL, then test the exact shape here.
"""

from __future__ import annotations

import math
from itertools import pairwise

from backend.errors import ValidationFailed
from backend.geo import degrees_around, distance_m, lon_ranges

MIN_RADIUS_M, MAX_RADIUS_M = 50, 20_000
MIN_POINTS, MAX_POINTS = 4, 200
MAX_ALERT_RADIUS_M = 50_000  # an alert's circle (backend.alerts.service.MAX_RADIUS_M)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"area": [message]})


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(p1, p2, q1, q2) -> bool:
    """Whether segments p1-p2 and q1-q2 touch (collinear overlaps included)."""
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    if ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and 0 not in (d1, d2, d3, d4):
        return True

    def on(a, b, c) -> bool:  # c on segment a-b, given collinear
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(
            a[1], b[1]
        )

    return (
        (d1 == 0 and on(q1, q2, p1))
        or (d2 == 0 and on(q1, q2, p2))
        or (d3 == 0 and on(p1, p2, q1))
        or (d4 == 0 and on(p1, p2, q2))
    )


def _check_ring(ring: list[list[float]]) -> None:
    if not MIN_POINTS <= len(ring) <= MAX_POINTS:
        raise _invalid(f"A polygon has {MIN_POINTS} to {MAX_POINTS} points.")
    if ring[0] != ring[-1]:
        raise _invalid("A polygon ends where it starts (first point == last point).")
    for lon, lat in ring:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _invalid("Polygon points are [lon, lat] in degrees.")
    if max(p[0] for p in ring) - min(p[0] for p in ring) >= 180:
        raise _invalid("A polygon may not span half the globe.")
    points = ring[:-1]
    if len({tuple(p) for p in points}) != len(points):
        raise _invalid("A polygon may not repeat a point.")
    area2 = sum(_cross((0, 0), points[i - 1], points[i]) for i in range(len(points)))
    if abs(area2) < 1e-12:
        raise _invalid("A polygon must enclose an area.")
    edges = list(pairwise(ring))
    for i, (a, b) in enumerate(edges):
        for j in range(i + 2, len(edges)):
            if i == 0 and j == len(edges) - 1:
                continue  # the first and last edges meet at the start point
            if _segments_cross(a, b, *edges[j]):
                raise _invalid("A polygon may not cross itself.")


def normalize(area: dict) -> dict:
    """The columns for a validated area (``lat, lon, radius_m, polygon`` and the box)."""
    if "polygon" in area:
        ring = [[float(lon), float(lat)] for lon, lat in area["polygon"]]
        _check_ring(ring)
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        return {
            "lat": None, "lon": None, "radius_m": None, "polygon": ring,
            "min_lat": min(lats), "max_lat": max(lats), "min_lon": min(lons), "max_lon": max(lons),
        }  # fmt: skip
    lat, lon, radius = area["lat"], area["lon"], area["radius_m"]
    dlat, dlon = degrees_around(lat, radius)
    # one box of longitudes is kept: a circle across the antimeridian takes all of them
    # (the exact test, haversine, then keeps what is inside)
    ranges = lon_ranges(lon, dlon)
    west, east = ranges[0] if len(ranges) == 1 else (-180.0, 180.0)
    return {
        "lat": lat, "lon": lon, "radius_m": radius, "polygon": None,
        "min_lat": max(lat - dlat, -90.0), "max_lat": min(lat + dlat, 90.0),
        "min_lon": west, "max_lon": east,
    }  # fmt: skip


def as_json(incident) -> dict:
    if incident.polygon is not None:
        return {"polygon": incident.polygon}
    return {"lat": incident.lat, "lon": incident.lon, "radius_m": incident.radius_m}


def _in_ring(ring: list[list[float]], lat: float, lon: float) -> bool:
    """Ray casting (even-odd) on the plane of [lon, lat]; fine at a city's scale."""
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x:
                inside = not inside
    return inside


def contains(incident, lat: float, lon: float) -> bool:
    if not (
        incident.min_lat <= lat <= incident.max_lat and incident.min_lon <= lon <= incident.max_lon
    ):
        return False
    if incident.polygon is not None:
        return _in_ring(incident.polygon, lat, lon)
    return distance_m(incident.lat, incident.lon, lat, lon) <= incident.radius_m


def alert_circle(incident) -> dict:
    """The alert area for an incident: its circle, or the circle around a polygon's box."""
    if incident.polygon is None:
        return {"lat": incident.lat, "lon": incident.lon, "radius_m": incident.radius_m}
    lat = (incident.min_lat + incident.max_lat) / 2
    lon = (incident.min_lon + incident.max_lon) / 2
    radius = distance_m(lat, lon, incident.max_lat, incident.max_lon)
    return {"lat": lat, "lon": lon, "radius_m": min(MAX_ALERT_RADIUS_M, max(1, math.ceil(radius)))}
