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
    bucket,
    in_aggregate_percentiles,
    percentile_columns_of,
    percentiles,
    tune_for_statistics,
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
    tune_for_statistics(session)
    group = by(S.created_at) if by else literal(CITY, Integer)
    received = [S.created_at >= period.start, S.created_at < period.end, *period.scope()]
    if within is not None:  # the received side only: the closed side reads its own index
        received.append(within)
    hours = {name: S.__table__.c[f"{name}_hours"] for name in MILESTONES}
    results: dict = {}
    counted = _received_counts(session, received, group, now)
    for g, totals in counted.items():
        results[g] = {
            **_empty(),
            "received": totals["received"],
            "by_status": {s.value: n for s in Status if (n := totals["by_status"].get(s.value))},
            "open": totals["open"],
            "overdue": totals["overdue"],
            "rework_rate": _rate(totals["reworked"], totals["resolved_once"]),
            "transfer_rate": _rate(totals["transferred"], totals["assigned"]),
        }
    closed_group = by(S.closed_at) if by else group
    for row in session.execute(_closed_counts(period, closed_group)):
        figures = results.setdefault(row.g, _empty())
        figures.update(
            closed=row.closed,
            on_time_closure_rate=_rate(row.on_time, row.closed),
            satisfaction={"mean": _round(row.mean), "count": row.rated},
        )
    for name, found in _received_percentiles(session, received, group, hours, counted).items():
        for g, (median, p90) in found.items():
            results[g]["hours"][name] = {"median": _round(median), "p90": _round(p90)}
    return results


FLAGS = ("assigned", "transferred", "resolved_once", "reworked")


def _received_counts(session: Session, received, group, now: datetime) -> dict:
    """``{group: totals}`` of the received cases: how many, per status, open and overdue,
    the sums of the flags and how many reached each milestone. Counted per (group, status)
    in a hash aggregate that PostgreSQL runs in parallel: cheaper than a CASE per status on
    every row."""
    query = (
        select(
            group.label("g"),
            S.status,
            func.count().label("n"),
            func.sum(case((overdue_condition(now, S), 1), else_=0)).label("overdue"),
            *(func.sum(S.__table__.c[flag]).label(flag) for flag in FLAGS),
            *(func.count(S.__table__.c[f"{m}_hours"]).label(f"{m}_n") for m in MILESTONES),
        )
        .where(*received)
        .group_by(*_grouping(group), S.status)
    )
    totals: dict = {}
    for row in session.execute(query):
        sums = totals.setdefault(
            row.g,
            {"received": 0, "by_status": {}, "open": 0, "overdue": 0}
            | dict.fromkeys(FLAGS, 0)
            | {f"{m}_n": 0 for m in MILESTONES},
        )
        sums["received"] += row.n
        sums["by_status"][row.status] = sums["by_status"].get(row.status, 0) + row.n
        if row.status not in FINAL_STATUSES:
            sums["open"] += row.n
        sums["overdue"] += row.overdue
        for key in (*FLAGS, *(f"{m}_n" for m in MILESTONES)):
            sums[key] += row._mapping[key]
    return totals


def _received_percentiles(session: Session, received, group, hours: dict, counted: dict):
    """``{milestone: {group: (median, p90)}}`` of the received cases' hours. PostgreSQL: one
    aggregate for all three (``percentile_cont``, one sort per milestone and group); SQLite:
    :func:`percentiles` per milestone, given how many values each group has."""
    if not in_aggregate_percentiles(session.get_bind().dialect.name):
        return {
            name: percentiles(
                session,
                select(group, column).where(*received),
                (0.5, 0.9),
                {g: totals[f"{name}_n"] for g, totals in counted.items()},
            )
            for name, column in hours.items()
        }
    columns = [
        column for value in hours.values() for column in percentile_columns_of(value, (0.5, 0.9))
    ]
    query = select(group.label("g"), *columns).where(*received).group_by(*_grouping(group))
    found: dict = {name: {} for name in hours}
    for row in session.execute(query):
        for i, name in enumerate(hours):
            found[name][row.g] = (row[1 + 2 * i], row[2 + 2 * i])
    return found


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
