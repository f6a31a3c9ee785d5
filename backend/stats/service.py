"""The evaluation measures of DESIGN.md ("Contract details: the open platform ..."),
computed in the database for one period, optionally grouped (by department, category or a
calendar bucket). Milestones (first accept, resolve and close; reopened, transferred,
assigned) come from the event log, never from loading cases into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from backend.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseRating, Status
from backend.departments.models import Category, Department
from backend.errors import ValidationFailed
from backend.stats import sql

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366 + 1
MAX_BUCKETS = 400
HOUR_DIGITS = 2


@dataclass(frozen=True)
class Period:
    """Cases between ``start`` (inclusive) and ``end`` (exclusive), in one scope."""

    first: date
    last: date
    category_id: int | None = None
    department_id: int | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    def scope(self) -> list:
        conditions = []
        if self.category_id is not None:
            conditions.append(Case.category_id == self.category_id)
        if self.department_id is not None:
            conditions.append(Case.department_id == self.department_id)
        return conditions


def _id_for(session: Session, model, code: str | None, field: str) -> int | None:
    if code is None:
        return None
    found = session.scalar(select(model.id).where(model.code == code))
    if found is None:
        raise ValidationFailed(f"No {field} with code {code!r}.", fields={field: ["Unknown code."]})
    return found


def period_from(session: Session, args: dict, *, today: date) -> Period:
    """The period and scope of a statistics request; bad filters are a 422."""
    last = args.get("to") or today
    first = args.get("from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValidationFailed("from must not be after to.", fields={"from": ["After to."]})
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed(
            f"A period is at most {MAX_DAYS} days.", fields={"from": ["Period too long."]}
        )
    return Period(
        first,
        last,
        _id_for(session, Category, args.get("category"), "category"),
        _id_for(session, Department, args.get("department"), "department"),
    )


# --- one query per family of measures, grouped by ``key`` --------------------------------------


def _milestones(created: list):
    """Per case created in the period: when it was first accepted, resolved and closed, and
    whether it was ever assigned, transferred or reopened."""
    ev = CaseEvent

    def first(condition):
        return func.min(case((condition, ev.created_at)))

    def ever(action: str):
        return func.max(case((ev.action == action, 1), else_=0))

    closing = and_(ev.to_status == Status.CLOSED, ev.from_status != Status.CLOSED)
    return (
        select(
            ev.case_id.label("case_id"),
            first(ev.action == "accept").label("accepted_at"),
            first(ev.action == "resolve").label("resolved_at"),
            first(closing).label("closed_at"),
            ever("assign").label("assigned"),
            ever("transfer").label("transferred"),
            ever("reopen").label("reopened"),
        )
        .join(Case, Case.id == ev.case_id)
        .where(*created)
        .group_by(ev.case_id)
        .subquery()
    )


ALL = 0  # the key of the whole period, when not grouped


def _grouped(stmt, key, *more):
    """GROUP BY ``key`` (and ``more``), unless the key is the constant of the whole period:
    PostgreSQL refuses a constant there."""
    columns = [] if key is None else [key]
    columns += more
    return stmt.group_by(*columns) if columns else stmt


def _g(key):
    return (literal(ALL) if key is None else key).label("g")


def _by_status(session: Session, key, created: list, now: datetime) -> dict:
    overdue = case((and_(Case.status.in_(OPEN_STATUSES), Case.due_at < now), 1), else_=0)
    stmt = _grouped(
        select(_g(key), Case.status, func.count(), func.sum(overdue))
        .select_from(Case)
        .where(*created),
        key,
        Case.status,
    )
    out: dict = {}
    for g, status, count, late in session.execute(stmt):
        row = out.setdefault(g, {"by_status": {}, "overdue": 0})
        row["by_status"][status] = count
        row["overdue"] += int(late or 0)
    return out


def _loops(session: Session, key, created: list, milestones) -> dict:
    resolved = milestones.c.resolved_at.is_not(None)
    assigned = milestones.c.assigned == 1
    stmt = (
        select(
            _g(key),
            func.sum(case((resolved, 1), else_=0)),
            func.sum(case((and_(resolved, milestones.c.reopened == 1), 1), else_=0)),
            func.sum(case((assigned, 1), else_=0)),
            func.sum(case((and_(assigned, milestones.c.transferred == 1), 1), else_=0)),
        )
        .select_from(Case)
        .join(milestones, milestones.c.case_id == Case.id)
        .where(*created)
    )
    stmt = _grouped(stmt, key)
    return {row[0]: [int(v or 0) for v in row[1:]] for row in session.execute(stmt)}


def _hours(session: Session, key, created: list, milestones) -> dict:
    name = sql.dialect(session)
    out: dict = {}
    for measure in ("accept", "resolve", "close"):
        moment = milestones.c[
            {"accept": "accepted_at", "resolve": "resolved_at"}.get(measure, "closed_at")
        ]
        values = (
            select(_g(key), sql.hours_between(name, moment, Case.created_at).label("x"))
            .select_from(Case)
            .join(milestones, milestones.c.case_id == Case.id)
            .where(*created)
        )
        for g, (median, p90) in sql.percentiles(session, values, (0.5, 0.9)).items():
            out.setdefault(g, {})[measure] = {
                "median": round(median, HOUR_DIGITS),
                "p90": round(p90, HOUR_DIGITS),
            }
    return out


def _closures(session: Session, key, closed: list) -> dict:
    on_time = case((or_(Case.due_at.is_(None), Case.closed_at <= Case.due_at), 1), else_=0)
    stmt = (
        select(
            _g(key),
            func.count(),
            func.sum(on_time),
            func.sum(CaseRating.score),
            func.count(CaseRating.score),
        )
        .select_from(Case)
        .outerjoin(CaseRating, CaseRating.case_id == Case.id)
        .where(*closed)
    )
    stmt = _grouped(stmt, key)
    return {row[0]: [int(v or 0) for v in row[1:]] for row in session.execute(stmt)}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def empty_measures() -> dict:
    return _assemble(None, {}, {}, {}, {})


def _assemble(g, statuses: dict, loops: dict, hours: dict, closures: dict) -> dict:
    by_status = {status.value: 0 for status in Status}
    by_status.update(statuses.get(g, {}).get("by_status", {}))
    resolved, reworked, assigned, transferred = loops.get(g, (0, 0, 0, 0))
    closed, on_time, score_sum, score_count = closures.get(g, (0, 0, 0, 0))
    nothing = {"median": None, "p90": None}
    return {
        "received": sum(by_status.values()),
        "by_status": by_status,
        "open": sum(by_status[s] for s in OPEN_STATUSES),
        "overdue": statuses.get(g, {}).get("overdue", 0),
        "closed": closed,
        "on_time_closure_rate": _rate(on_time, closed),
        "rework_rate": _rate(reworked, resolved),
        "transfer_rate": _rate(transferred, assigned),
        "satisfaction": {"mean": _rate(score_sum, score_count), "count": score_count},
        "hours": {m: hours.get(g, {}).get(m, nothing) for m in ("accept", "resolve", "close")},
    }


def measures(session: Session, period: Period, now: datetime, group=None) -> dict:
    """``{group key: measures}``; ``group(moment)`` maps a case (through the moment that puts
    it in the period: created or closed) to its key. Without ``group`` the key is ``ALL``."""
    keyed = group or (lambda moment: None)
    scope = period.scope()
    created = [Case.created_at >= period.start, Case.created_at < period.end, *scope]
    closed = [
        Case.status == Status.CLOSED,
        Case.closed_at >= period.start,
        Case.closed_at < period.end,
        *scope,
    ]
    milestones = _milestones(created)
    by_created = keyed(Case.created_at)
    statuses = _by_status(session, by_created, created, now)
    loops = _loops(session, by_created, created, milestones)
    hours = _hours(session, by_created, created, milestones)
    closures = _closures(session, keyed(Case.closed_at), closed)
    keys = set(statuses) | set(closures)
    if group is None:
        keys = {ALL}
    return {g: _assemble(g, statuses, loops, hours, closures) for g in keys}


# --- the endpoints' answers ----------------------------------------------------------------------


def overview(session: Session, period: Period, now: datetime) -> dict:
    return measures(session, period, now)[ALL]


def _ranked(items: list[dict]) -> list[dict]:
    """Best on-time closure first; departments with nothing closed last."""
    return sorted(
        items,
        key=lambda item: (
            item["on_time_closure_rate"] is None,
            -(item["on_time_closure_rate"] or 0),
            -item["received"],
        ),
    )


def departments(session: Session, period: Period, now: datetime) -> dict:
    figures = measures(session, period, now, group=lambda _moment: Case.department_id)
    stmt = select(Department).where(Department.active.is_(True)).order_by(Department.name)
    if period.department_id is not None:
        stmt = select(Department).where(Department.id == period.department_id)
    items = [
        {"department": d, **(figures.get(d.id) or empty_measures())} for d in session.scalars(stmt)
    ]
    return {"items": _ranked(items)}


def categories(session: Session, period: Period, now: datetime) -> dict:
    figures = measures(session, period, now, group=lambda _moment: Case.category_id)
    stmt = select(Category).where(Category.active.is_(True)).order_by(Category.name)
    if period.category_id is not None:
        stmt = select(Category).where(Category.id == period.category_id)
    elif period.department_id is not None:
        stmt = stmt.where(Category.department_id == period.department_id)
    items = [
        {"category": c, **(figures.get(c.id) or empty_measures())} for c in session.scalars(stmt)
    ]
    return {"items": sorted(items, key=lambda item: -item["received"])}


def _bucket_starts(period: Period, interval: str) -> list[date]:
    if interval == "day":
        first = period.first
    elif interval == "week":
        first = period.first - timedelta(days=period.first.weekday())
    else:
        first = period.first.replace(day=1)
    starts = []
    while first <= period.last:
        starts.append(first)
        if len(starts) > MAX_BUCKETS:
            raise ValidationFailed(
                f"At most {MAX_BUCKETS} points: choose a longer interval or a shorter period.",
                fields={"interval": ["Too many points."]},
            )
        if interval == "day":
            first += timedelta(days=1)
        elif interval == "week":
            first += timedelta(days=7)
        else:
            first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


def trend(session: Session, period: Period, now: datetime, interval: str) -> dict:
    """The measures per day, ISO week (from Monday) or month of the period."""
    starts = _bucket_starts(period, interval)
    name = sql.dialect(session)
    figures = measures(
        session, period, now, group=lambda moment: sql.bucket(name, interval, moment)
    )
    return {
        "interval": interval,
        "items": [
            {"start": start, **(figures.get(start.isoformat()) or empty_measures())}
            for start in starts
        ],
    }
