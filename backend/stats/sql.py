"""The things SQLite and PostgreSQL spell differently: hours between two times, calendar
buckets, and percentiles (``percentile_cont`` on PostgreSQL, a window function on SQLite)."""

from __future__ import annotations

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.sql import ColumnElement, Select

from backend.replica import read_bind


def hours_between(start, end, dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def bucket(moment, interval: str, dialect: str) -> ColumnElement:
    """The first day (``YYYY-MM-DD``, UTC) of the day, ISO week or month of ``moment``."""
    if dialect == "postgresql":
        return func.to_char(func.date_trunc(interval, func.timezone("UTC", moment)), "YYYY-MM-DD")
    if interval == "day":
        return func.date(moment)
    if interval == "week":  # forward to the week's Sunday, then back to its Monday
        return func.date(moment, "weekday 0", "-6 days")
    return func.strftime("%Y-%m-01", moment)


# The settings of the statistics' transaction on PostgreSQL. work_mem: a year of a
# million-case city is about 330,000 values per percentile, sorted in memory with this much,
# on disk (twice as slow) with the default 4 MB. random_page_cost: the figures read covering
# indexes, whose pages are as cheap to read in any order as in sequence (cached or on an SSD);
# with the default 4 (spinning disks) the planner prefers scanning the whole table for a year.
SETTINGS = {"work_mem": "64MB", "random_page_cost": "1.1"}


def tune_for_statistics(session) -> None:
    """Apply ``SETTINGS`` for the rest of this transaction (SQLite: nothing)."""
    bind = read_bind(session)  # where the statistics' SELECTs go: the replica, if any
    if bind.dialect.name == "postgresql":
        values = ", ".join(
            f"set_config('{name}', '{value}', true)" for name, value in SETTINGS.items()
        )
        session.execute(text(f"SELECT {values}"), bind_arguments={"bind": bind})


def in_aggregate_percentiles(dialect: str) -> bool:
    """Whether percentiles can be columns of an ordinary aggregate (one statement for every
    percentile of a group): ``percentile_cont`` on PostgreSQL; SQLite needs :func:`percentiles`."""
    return dialect == "postgresql"


def percentile_columns_of(value, shares: tuple[float, ...]) -> list[ColumnElement]:
    """The aggregate columns of :func:`in_aggregate_percentiles` (NULLs ignored)."""
    return [func.percentile_cont(share).within_group(value) for share in shares]


def percentiles(
    session, values: Select, shares: tuple[float, ...], counts: dict | None = None
) -> dict:
    """``values`` selects (group, value) rows; answers ``{group: (p_<share>, ...)}``, the
    continuous percentile of each share (linear interpolation between the two nearest ranks,
    as ``percentile_cont``; NULL values ignored, a NULL group left out). ``counts``:
    ``{group: how many non-NULL values}`` when already known (SQLite needs them; it counts
    them itself otherwise)."""
    rows = values.subquery()
    group, value = rows.c[0], rows.c[1]
    if session.get_bind().dialect.name == "postgresql":
        columns = percentile_columns_of(value, shares)
        query = select(group, *columns).where(value.is_not(None)).group_by(group)
        return {row[0]: tuple(row[1:]) for row in session.execute(query) if row[0] is not None}
    if counts is None:
        query = select(group, func.count(value)).group_by(group)
        counts = dict(session.execute(query).all())
    return _ranked_percentiles(session, group, value, shares, counts)


def _ranked_percentiles(session, group, value, shares, counts: dict) -> dict:
    """SQLite: number each group's values in order (one sort), fetch only the two ranks
    around each share's position, and interpolate between them."""
    positions = {
        g: [share * (n - 1) for share in shares]
        for g, n in counts.items()
        if n and g is not None  # (NULL, rank) matches no pair
    }
    wanted = {(g, r) for g, ps in positions.items() for p in ps for r in (int(p), int(p) + 1)}
    if not wanted:
        return {}
    ranked = (
        select(
            group.label("g"),
            value.label("v"),
            (func.row_number().over(partition_by=group, order_by=value) - 1).label("rank"),
        )
        .where(value.is_not(None))
        .subquery()
    )
    query = select(ranked.c.g, ranked.c.rank, ranked.c.v).where(
        tuple_(ranked.c.g, ranked.c.rank).in_(sorted(wanted, key=repr))
    )
    at = {(row.g, row.rank): row.v for row in session.execute(query)}
    answer = {}
    for g, ps in positions.items():
        answer[g] = tuple(_between(at, g, p) for p in ps)
    return answer


def _between(at: dict, g, position: float) -> float:
    low = int(position)  # floor: positions are never negative
    below = at[(g, low)]
    above = at.get((g, low + 1), below)  # the last rank: nothing to interpolate towards
    return below + (position - low) * (above - below)
