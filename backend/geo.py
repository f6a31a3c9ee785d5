"""Distances and boxes on the Earth, at the scale of a city (one place for the arithmetic).

Areas are small (a radius of at most tens of kilometres), so a circle's bounding box in
degrees is its radius over the metres in a degree, the longitude's widened by the latitude's
cosine; the exact test inside the box is :func:`distance_m` (haversine) or, in SQL, a squared
equirectangular distance. A box that crosses the antimeridian (a circle around Fiji's or
Chukotka's 180th meridian) is split into its two longitude ranges (:func:`lon_ranges`), and
longitudes are subtracted the short way round (:func:`lon_offset`, :func:`sql_lon_offset`).
"""

from __future__ import annotations

import math

from sqlalchemy import ColumnElement, and_, case, or_

EARTH_RADIUS_M = 6_371_008.8  # mean radius
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180  # of latitude; of longitude at the equator
_MIN_COS = 1e-6  # at the poles a degree of longitude has no width: keep the division finite


def metres_per_degree_lon(lat: float) -> float:
    """Metres in a degree of longitude at latitude ``lat``."""
    return METRES_PER_DEGREE * max(math.cos(math.radians(lat)), _MIN_COS)


def degrees_around(lat: float, radius_m: float) -> tuple[float, float]:
    """Half the height and half the width, in degrees, of the box around a circle centred at
    latitude ``lat`` (the width never more than the whole globe)."""
    return radius_m / METRES_PER_DEGREE, min(radius_m / metres_per_degree_lon(lat), 360.0)


def lon_ranges(lon: float, dlon: float) -> list[tuple[float, float]]:
    """The longitudes within ``dlon`` degrees of ``lon``, as ranges inside [-180, 180]: one,
    or two where they cross the antimeridian (179.9 ± 0.2: [179.7, 180] and [-180, -179.9])."""
    west, east = lon - dlon, lon + dlon
    if east - west >= 360:
        return [(-180.0, 180.0)]
    if west < -180:
        return [(west + 360, 180.0), (-180.0, east)]
    if east > 180:
        return [(west, 180.0), (-180.0, east - 360)]
    return [(west, east)]


def sql_lon_in(column, lon: float, dlon: float) -> ColumnElement:
    """``column`` (a longitude) within ``dlon`` degrees of ``lon``, as SQL (on the index)."""
    ranges = [column.between(low, high) for low, high in lon_ranges(lon, dlon)]
    return ranges[0] if len(ranges) == 1 else or_(*ranges)


def lon_offset(lon_from: float, lon_to: float) -> float:
    """Degrees east from ``lon_from`` to ``lon_to`` the short way round, in [-180, 180]."""
    offset = lon_to - lon_from
    return offset - 360 if offset > 180 else offset + 360 if offset < -180 else offset


def sql_lon_offset(column, lon: float) -> ColumnElement:
    """:func:`lon_offset` from ``lon`` to ``column``, as SQL."""
    offset = column - lon
    return case((offset > 180, offset - 360), (offset < -180, offset + 360), else_=offset)


def sql_box(lat_column, lon_column, lat: float, lon: float, radius_m: float) -> ColumnElement:
    """The box around a circle, as SQL on a latitude and a longitude column."""
    dlat, dlon = degrees_around(lat, radius_m)
    return and_(lat_column.between(lat - dlat, lat + dlat), sql_lon_in(lon_column, lon, dlon))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
