"""Distances and boxes on the Earth, at the scale of a city (one place for the arithmetic).

Areas are small (a radius of at most tens of kilometres), so a circle's bounding box in
degrees is its radius over the metres in a degree, the longitude's widened by the latitude's
cosine; the exact test inside the box is :func:`distance_m` (haversine) or, in SQL, a squared
equirectangular distance. Boxes are not split at the antimeridian: no city straddles it.
"""

from __future__ import annotations

import math

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


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
