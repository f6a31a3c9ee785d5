"""Boxes and longitudes at the antimeridian (backend/geo.py)."""

from __future__ import annotations

import pytest

from backend.geo import degrees_around, distance_m, lon_offset, lon_ranges


@pytest.mark.parametrize(
    "lon, dlon, ranges",
    [
        (121.47, 0.01, [(121.46, 121.48)]),
        (179.99, 0.02, [(179.97, 180.0), (-180.0, -179.99)]),
        (-179.99, 0.02, [(179.99, 180.0), (-180.0, -179.97)]),
        (180.0, 0.5, [(179.5, 180.0), (-180.0, -179.5)]),
        (0.0, 200.0, [(-180.0, 180.0)]),
    ],
)
def test_a_box_is_split_where_it_crosses_the_antimeridian(lon, dlon, ranges):
    found = lon_ranges(lon, dlon)
    assert len(found) == len(ranges)
    assert [edge for pair in found for edge in pair] == pytest.approx(
        [edge for pair in ranges for edge in pair]
    )


@pytest.mark.parametrize(
    "start, end, east", [(179.99, -179.99, 0.02), (-179.99, 179.99, -0.02), (10.0, 20.0, 10.0)]
)
def test_longitudes_are_subtracted_the_short_way_round(start, end, east):
    assert lon_offset(start, end) == pytest.approx(east)


def test_a_circle_on_the_antimeridian_reaches_both_sides():
    lat, radius_m = -17.7, 2000
    _dlat, dlon = degrees_around(lat, radius_m)
    west, east = lon_ranges(179.999, dlon)
    assert west[0] < 179.99 and east[1] > -179.99
    assert distance_m(lat, 179.999, lat, -179.999) < 250
