"""The evaluation figures, computed in the database (never by loading cases into Python).

Definitions are DESIGN.md's ("Contract details: the open platform ..."), per GB/T 30428.4:
a period is ``[start, end)``; *received* cases are those created in it, *closed* cases
those whose ``closed_at`` falls in it. Hidden (moderated) cases are left out everywhere.
Every figure is per group: the whole city (one group, ``None``) or each lead department.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, case, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import BindParameter as Literal

from backend.cases.models import FINAL_STATUSES, Status
from backend.cases.queries import overdue_condition
from backend.departments.models import Category, Department
from backend.errors import ValidationFailed
from backend.stats.models import CaseSummary as S
from backend.stats.sql import (
    allow_in_memory_sorts,
    bucket,
    in_aggregate_percentiles,
    percentile_columns_of,
    percentiles,
)

MILESTONES = ("accept", "resolve", "close")
CITY = 0  # the group key of city-wide figures
INTERVALS = ("day", "week", "month")
MAX_POINTS = 400
Grouping = Callable[[ColumnElement], ColumnElement]


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive
    category_id: int | None = None
    department_id: int | None = None

    def scope(self) -> list[ColumnElement]:
        """Which cases count at all: not hidden, in the category and department asked for."""
        conditions = [S.hidden.is_(False)]
        if self.category_id is not None:
            conditions.append(S.category_id == self.category_id)
        if self.department_id is not None:
            conditions.append(S.department_id == self.department_id)
        return conditions


def overview(session: Session, period: Period, now: datetime) -> dict:
    return _figures(session, period, now).get(CITY) or _empty()


def departments(session: Session, period: Period, now: datetime) -> list[dict]:
    """Every active department (or the one asked for), ranked by on-time closure."""
    query = select(Department).where(Department.active.is_(True))
    if period.department_id is not None:
        query = select(Department).where(Department.id == period.department_id)
    listed = session.scalars(query).all()
    # only the listed departments' cases: their ranges of the department-first index, read
    # in department order (no sort of the period's cases before the GROUP BY)
    within = S.department_id.in_([d.id for d in listed])
    figures = _figures(session, period, now, lambda _moment: S.department_id, within)
    items = [
        {"department": {"code": d.code, "name": d.name}, **(figures.get(d.id) or _empty())}
        for d in listed
    ]
    return sorted(items, key=_rank)


def categories(session: Session, period: Period, now: datetime) -> list[dict]:
    """Every active category (of the department asked for, or the one asked for), most
    received first."""
    figures = _figures(session, period, now, lambda _moment: S.category_id)
    query = select(Category).where(Category.active.is_(True))
    if period.category_id is not None:
        query = select(Category).where(Category.id == period.category_id)
    elif period.department_id is not None:
        query = query.where(Category.department_id == period.department_id)
    items = [
        {"category": {"code": c.code, "name": c.name}, **(figures.get(c.id) or _empty())}
        for c in session.scalars(query)
    ]
    return sorted(items, key=lambda item: (-item["received"], item["category"]["name"]))


def trend(session: Session, period: Period, now: datetime, interval: str) -> list[dict]:
    """The figures per day, ISO week (from Monday) or month of the period, empty ones too;
    a case counts in the bucket it was received in, and in the one it was closed in."""
    starts = bucket_starts(period.start.date(), (period.end - timedelta(days=1)).date(), interval)
    dialect = session.get_bind().dialect.name
    figures = _figures(session, period, now, lambda moment: bucket(moment, interval, dialect))
    return [{"start": s, **(figures.get(s.isoformat()) or _empty())} for s in starts]


def bucket_starts(first: date, last: date, interval: str) -> list[date]:
    """The first day of each bucket from ``first`` to ``last``; 422 past ``MAX_POINTS``."""
    if interval == "week":
        first -= timedelta(days=first.weekday())
    elif interval == "month":
        first = first.replace(day=1)
    starts = []
    while first <= last:
        if len(starts) == MAX_POINTS:
            raise ValidationFailed(
                f"At most {MAX_POINTS} points: choose a longer interval or a shorter period.",
                fields={"interval": ["Too many points for this period."]},
            )
        starts.append(first)
        if interval == "day":
            first += timedelta(days=1)
        elif interval == "week":
            first += timedelta(days=7)
        else:
            first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


def _rank(item: dict):
    rate = item["on_time_closure_rate"]
    return (rate is None, -(rate or 0), -item["closed"], item["department"]["name"])


def _empty() -> dict:
    return {
        "received": 0,
        "by_status": {},
        "open": 0,
        "overdue": 0,
        "closed": 0,
        "on_time_closure_rate": None,
        "rework_rate": None,
        "transfer_rate": None,
        "satisfaction": {"mean": None, "count": 0},
        "hours": {name: {"median": None, "p90": None} for name in MILESTONES},
    }


def _figures(
    session: Session,
    period: Period,
    now: datetime,
    by: Grouping | None = None,
    within: ColumnElement | None = None,
) -> dict:
    """``{group: figures}``. ``by(moment)`` names the group of a case from the moment that
    puts it in the period (created for the received figures, closed for the closed ones);
    without it, everything is one city-wide group (``CITY``). ``within``: a condition that
    leaves out only groups the caller ignores (it helps the received side's index).
    Everything is read from the per-case summary rows (:class:`CaseSummary`), only those of
    the period."""
    dialect = session.get_bind().dialect.name
    allow_in_memory_sorts(session)
    group = by(S.created_at) if by else literal(CITY, Integer)
    received = [S.created_at >= period.start, S.created_at < period.end, *period.scope()]
    if within is not None:  # the received side only: the closed side reads its own index
        received.append(within)
    hours = {name: S.__table__.c[f"{name}_hours"] for name in MILESTONES}
    inline = in_aggregate_percentiles(dialect)  # PostgreSQL: in the same scan as the counts
    results: dict = {}
    valued: dict = {name: {} for name in MILESTONES}  # {milestone: {group: non-NULL hours}}
    for row in session.execute(_received_counts(received, group, now, hours, inline)):
        for name in MILESTONES:
            valued[name][row.g] = row._mapping[f"{name}_n"]
        figures = results.setdefault(row.g, _empty())
        figures.update(
            received=row.received,
            by_status={s.value: n for s in Status if (n := row._mapping[f"status_{s}"])},
            open=row.open or 0,
            overdue=row.overdue or 0,
            rework_rate=_rate(row.reworked, row.resolved_once),
            transfer_rate=_rate(row.transferred, row.assigned),
        )
        if inline:
            for name in MILESTONES:
                median, p90 = row._mapping[f"{name}_p50"], row._mapping[f"{name}_p90"]
                figures["hours"][name] = {"median": _round(median), "p90": _round(p90)}
    closed_group = by(S.closed_at) if by else group
    for row in session.execute(_closed_counts(period, closed_group)):
        figures = results.setdefault(row.g, _empty())
        figures.update(
            closed=row.closed,
            on_time_closure_rate=_rate(row.on_time, row.closed),
            satisfaction={"mean": _round(row.mean), "count": row.rated},
        )
    if not inline:
        for name, column in hours.items():
            values = select(group, column).where(*received)
            found = percentiles(session, values, (0.5, 0.9), valued[name])
            for g, (median, p90) in found.items():
                results[g]["hours"][name] = {"median": _round(median), "p90": _round(p90)}
    return results


def _received_counts(received, group, now: datetime, hours: dict, inline: bool):
    """The received-side figures in one scan: counts, counts per status, the flags, how many
    cases reached each milestone, and (``inline``, PostgreSQL) the median and p90 of each."""
    is_open = S.status.not_in(FINAL_STATUSES)
    overdue = overdue_condition(now, S)
    per_status = [
        func.sum(case((S.status == s.value, 1), else_=0)).label(f"status_{s}") for s in Status
    ]
    percentile_columns = [
        column.label(f"{name}_p{round(share * 100)}")
        for name, value in (hours.items() if inline else ())
        for share, column in zip((0.5, 0.9), percentile_columns_of(value, (0.5, 0.9)), strict=True)
    ]
    reached = [func.count(value).label(f"{name}_n") for name, value in hours.items()]
    return (
        select(
            group.label("g"),
            func.count().label("received"),
            *per_status,
            func.sum(case((is_open, 1), else_=0)).label("open"),
            func.sum(case((overdue, 1), else_=0)).label("overdue"),
            func.sum(S.assigned).label("assigned"),
            func.sum(S.transferred).label("transferred"),
            func.sum(S.resolved_once).label("resolved_once"),
            func.sum(S.reworked).label("reworked"),
            *reached,
            *percentile_columns,
        )
        .where(*received)
        .group_by(*_grouping(group))
    )


def _grouping(group) -> tuple:
    """GROUP BY the group; city-wide figures are one group without a GROUP BY (PostgreSQL
    refuses a constant there)."""
    return () if isinstance(group, Literal) else (group,)


def _closed_counts(period: Period, group):
    return (
        select(
            group.label("g"),
            func.count().label("closed"),
            func.sum(S.on_time).label("on_time"),
            func.avg(S.score).label("mean"),
            func.count(S.score).label("rated"),
        )
        .where(
            S.status == Status.CLOSED,
            S.closed_at >= period.start,
            S.closed_at < period.end,
            *period.scope(),
        )
        .group_by(*_grouping(group))
    )


def _rate(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)
