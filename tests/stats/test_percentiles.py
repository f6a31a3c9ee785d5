"""``backend.stats.sql.percentiles`` gives exactly ``percentile_cont``'s answer on both
databases (PostgreSQL runs ``percentile_cont``; SQLite numbers each group's values and
interpolates between the two ranks around each share), checked against the definition
computed here: groups of one value, of ties, with NULLs, and of many random values."""

from __future__ import annotations

import math
import random

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, Table, insert, select

from backend.extensions import db
from backend.stats.sql import percentiles

SHARES = (0.5, 0.8, 0.9)


def percentile_cont(values_: list[float], share: float) -> float:
    """The SQL standard's continuous percentile: linear interpolation between the values
    at the ranks just below and above ``share * (n - 1)`` (0-based, in order)."""
    ordered = sorted(values_)
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def _groups() -> dict[int, list[float | None]]:
    rng = random.Random(14)
    groups = {
        1: [7.25],  # one value
        2: [3.0, 3.0, 3.0, 1.0],  # ties
        3: [None, 2.5, None, 10.0],  # NULLs are left out
        4: [None, None],  # nothing to take a percentile of
        None: [1.0, 2.0],  # no group: left out
    }
    for g in range(5, 12):
        size = rng.choice((2, 3, 10, 11, 57, 300))
        groups[g] = [round(rng.uniform(0, 500), rng.choice((0, 3, 9))) for _ in range(size)]
    return groups


@pytest.fixture
def valued(app):
    """A scratch table of (group, value) rows, dropped afterwards."""
    table = Table("test_percentile_values", MetaData(), Column("g", Integer), Column("v", Float))
    table.create(db.engine)
    yield table
    db.session.rollback()
    table.drop(db.engine)


@pytest.mark.parametrize("given_counts", [False, True])
def test_percentiles_equal_percentile_cont(valued, given_counts):
    groups = _groups()
    rows = [{"g": g, "v": v} for g, vs in groups.items() for v in vs]
    db.session.execute(insert(valued), rows)
    counts = {g: sum(v is not None for v in vs) for g, vs in groups.items()}
    query = select(valued.c.g, valued.c.v)
    found = percentiles(db.session, query, SHARES, counts if given_counts else None)
    expected = {
        g: tuple(percentile_cont([v for v in vs if v is not None], share) for share in SHARES)
        for g, vs in groups.items()
        if counts[g] and g is not None
    }
    assert set(found) == set(expected)
    for g, figures in expected.items():
        assert found[g] == pytest.approx(figures, rel=1e-12, abs=1e-12), g
