"""The things SQLite and PostgreSQL spell differently: hours between two times, calendar
buckets, and percentiles (``percentile_cont`` on PostgreSQL, window functions on SQLite)."""

from __future__ import annotations

from sqlalchemy import Float, Integer, case, cast, func, literal, select, text
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


# A year of a million-case city is about 330,000 values per percentile: sorted in memory
# with this much, on disk (twice as slow) with PostgreSQL's default 4 MB. Per sort, for the
# statistics' transaction only.
SORT_MEMORY = "64MB"


def allow_in_memory_sorts(session) -> None:
    """Raise PostgreSQL's ``work_mem`` for the rest of this transaction (SQLite: nothing)."""
    bind = read_bind(session)  # where the statistics' SELECTs go: the replica, if any
    if bind.dialect.name == "postgresql":
        session.execute(
            text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"), bind_arguments={"bind": bind}
        )


def in_aggregate_percentiles(dialect: str) -> bool:
    """Whether percentiles can be columns of an ordinary aggregate (one scan for every figure
    of a group): ``percentile_cont`` on PostgreSQL; SQLite needs :func:`percentiles`."""
    return dialect == "postgresql"


def percentile_columns_of(value, shares: tuple[float, ...]) -> list[ColumnElement]:
    """The aggregate columns of :func:`in_aggregate_percentiles` (NULLs ignored)."""
    return [func.percentile_cont(share).within_group(value) for share in shares]


def percentiles(values: Select, shares: tuple[float, ...], dialect: str) -> Select:
    """``values`` selects (group, value) rows; answers (group, p_<share>...) with the
    continuous percentile (linear interpolation, as ``percentile_cont``) of each share."""
    rows = values.subquery()
    group, value = rows.c[0], rows.c[1]
    if dialect == "postgresql":
        columns = percentile_columns_of(value, shares)
        return select(group, *columns).where(value.is_not(None)).group_by(group)
    ranked = (
        select(
            group.label("g"),
            value.label("v"),
            (func.row_number().over(partition_by=group, order_by=value) - 1).label("rank"),
            func.count().over(partition_by=group).label("n"),
        )
        .where(value.is_not(None))
        .subquery()
    )
    return select(ranked.c.g, *(_interpolated(ranked, share) for share in shares)).group_by(
        ranked.c.g
    )


def _interpolated(ranked, share: float) -> ColumnElement:
    position = literal(share, Float) * (ranked.c.n - 1)  # 0-based, fractional
    low = cast(position, Integer)  # floor: positions are never negative
    at_low = func.max(case((ranked.c.rank == low, ranked.c.v)))
    at_high = func.max(case((ranked.c.rank == low + 1, ranked.c.v)))
    fraction = func.max(position - low)
    return at_low + func.coalesce(fraction * (at_high - at_low), 0.0)
