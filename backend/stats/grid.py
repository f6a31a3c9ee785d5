"""The unit grid (GB/T 30428.2: cells of about 100 m x 100 m): square cells of ``cell_m``
metres on an equirectangular projection around the city's reference latitude, so the same
arithmetic SQL runs on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Integer, case, cast, func
from sqlalchemy.sql import ColumnElement

from backend.cases.models import Case
from backend.geo import METRES_PER_DEGREE, metres_per_degree_lon

DEFAULT_CELL_M = 100


def _floor(value, dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        return cast(func.floor(value), Integer)
    truncated = cast(value, Integer)  # SQLite truncates towards zero
    return truncated - case((value < truncated, 1), else_=0)


@dataclass(frozen=True)
class Grid:
    cell_m: int
    ref_lat: float

    @property
    def dlat(self) -> float:
        return self.cell_m / METRES_PER_DEGREE

    @property
    def dlon(self) -> float:
        return self.cell_m / metres_per_degree_lon(self.ref_lat)

    def columns(self, dialect: str, table=Case) -> tuple[ColumnElement, ColumnElement]:
        """The (ix, iy) cell of each case (of ``table``'s ``lat`` and ``lon``), as SQL."""
        return _floor(table.lon / self.dlon, dialect), _floor(table.lat / self.dlat, dialect)

    def cell_of(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lon / self.dlon), math.floor(lat / self.dlat)

    def contains(self, ix: int, iy: int) -> list:
        """SQL conditions for the cases inside cell (ix, iy)."""
        return [
            Case.lon >= ix * self.dlon,
            Case.lon < (ix + 1) * self.dlon,
            Case.lat >= iy * self.dlat,
            Case.lat < (iy + 1) * self.dlat,
        ]

    def polygon(self, ix: int, iy: int) -> dict:
        """The cell as a GeoJSON polygon ([lon, lat], counter-clockwise, closed)."""
        west, east = ix * self.dlon, (ix + 1) * self.dlon
        south, north = iy * self.dlat, (iy + 1) * self.dlat
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}
