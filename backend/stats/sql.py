"""The few expressions that differ between SQLite and PostgreSQL: hours between two
timestamps, calendar buckets and percentiles (``percentile_cont`` on PostgreSQL, the same
linear interpolation from window functions on SQLite)."""

from __future__ import annotations

from sqlalchemy import Integer, Select, case, cast, func, select
from sqlalchemy.orm import Session

INTERVALS = ("day", "week", "month")


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def hours_between(name: str, later, earlier):
    """Hours from ``earlier`` to ``later`` (NULL when either is NULL)."""
    if name == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def bucket(name: str, interval: str, moment):
    """The first day (``YYYY-MM-DD``, UTC) of the day, ISO week or month of ``moment``."""
    if name == "postgresql":
        return func.to_char(func.date_trunc(interval, func.timezone("UTC", moment)), "YYYY-MM-DD")
    if interval == "day":
        return func.date(moment)
    if interval == "week":  # to the Sunday ending the week, then back to its Monday
        return func.date(moment, "weekday 0", "-6 days")
    return func.strftime("%Y-%m-01", moment)


def percentiles(session: Session, values: Select, fractions: tuple[float, ...]) -> dict:
    """``{group: [value at each fraction]}`` for ``values``, a select of (``g``, ``x``)
    columns; NULL ``x`` are left out, as ``percentile_cont`` does."""
    sub = values.subquery()
    if dialect(session) == "postgresql":
        aggregates = [func.percentile_cont(p).within_group(sub.c.x) for p in fractions]
        stmt = select(sub.c.g, *aggregates).where(sub.c.x.is_not(None)).group_by(sub.c.g)
    else:
        ranked = (
            select(
                sub.c.g,
                sub.c.x,
                (func.row_number().over(partition_by=sub.c.g, order_by=sub.c.x) - 1).label("i"),
                func.count().over(partition_by=sub.c.g).label("n"),
            )
            .where(sub.c.x.is_not(None))
            .subquery()
        )

        def interpolated(p: float):
            position = p * (ranked.c.n - 1)
            low = cast(position, Integer)  # truncation: positions are never negative
            weight = position - low
            return func.sum(
                case(
                    (ranked.c.i == low, ranked.c.x * (1 - weight)),
                    (ranked.c.i == low + 1, ranked.c.x * weight),
                    else_=0.0,
                )
            )

        stmt = select(ranked.c.g, *[interpolated(p) for p in fractions]).group_by(ranked.c.g)
    return {row[0]: [float(v) for v in row[1:]] for row in session.execute(stmt)}
