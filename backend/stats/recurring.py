"""Recurring problems: N cases of one category in one grid cell within D days (per
category, default 5 in 30). The periodic sweep raises each once per episode to the staff of
the category's department (inbox and push, and live in the department's room); the episode
ends when the cell falls below the threshold, and the next crowding is a new one."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.auth.models import Membership
from backend.cases.models import Case, Status
from backend.db import utcnow
from backend.departments.models import Category
from backend.live.publish import publish
from backend.notify.service import notify
from backend.stats.grid import DEFAULT_CELL_M, Grid
from backend.stats.models import RecurringProblem

log = logging.getLogger(__name__)
DEFAULT_COUNT = 5
DEFAULT_DAYS = 30
NOT_A_PROBLEM = (Status.REJECTED, Status.MERGED)  # refused, or a duplicate of another case
MAX_CASES_LISTED = 50


def settings_of(category: Category) -> tuple[int, int]:
    return category.recurring_count or DEFAULT_COUNT, category.recurring_days or DEFAULT_DAYS


def _counting(category: Category, since: datetime) -> list:
    return [
        Case.category_id == category.id,
        Case.created_at >= since,
        Case.hidden.is_(False),
        Case.status.not_in(NOT_A_PROBLEM),
    ]


def _crowded(session: Session, category: Category, grid: Grid, now: datetime) -> dict:
    threshold, days = settings_of(category)
    ix, iy = grid.columns(session.get_bind().dialect.name)
    stmt = (
        select(ix, iy, func.count())
        .where(*_counting(category, now - timedelta(days=days)))
        .group_by(ix, iy)
        .having(func.count() >= threshold)
    )
    return {(x, y): n for x, y, n in session.execute(stmt)}


def sweep_recurring(session: Session, now: datetime, ref_lat: float) -> list[RecurringProblem]:
    """Raise the new episodes, update the running ones, end the past ones; flushes only.
    Answers the episodes raised in this pass."""
    grid = Grid(DEFAULT_CELL_M, ref_lat)
    raised = []
    for category in session.scalars(select(Category).where(Category.active.is_(True))):
        crowded = _crowded(session, category, grid, now)
        running = {
            (p.ix, p.iy): p
            for p in session.scalars(
                select(RecurringProblem).where(
                    RecurringProblem.category_id == category.id,
                    RecurringProblem.cell_m == grid.cell_m,
                    RecurringProblem.ended_at.is_(None),
                )
            )
        }
        for cell, problem in running.items():
            if cell in crowded:
                problem.case_count, problem.seen_at = crowded[cell], now
            else:
                problem.ended_at = now
        for (x, y), count in crowded.items():
            if (x, y) not in running:
                raised.append(_raise(session, category, grid, x, y, count, now))
    session.flush()
    return raised


def _raise(session, category, grid, x, y, count, now) -> RecurringProblem:
    threshold, days = settings_of(category)
    problem = RecurringProblem(
        category=category,
        department_id=category.department_id,
        cell_m=grid.cell_m,
        ix=x,
        iy=y,
        case_count=count,
        threshold=threshold,
        days=days,
        raised_at=now,
        seen_at=now,
    )
    session.add(problem)
    session.flush()
    staff = session.scalars(
        select(Membership.user_id).where(Membership.department_id == category.department_id)
    )
    text = (
        f"Recurring problem: {count} {category.name} reports within {days} days in one "
        f"{grid.cell_m} m cell. Worth fixing the cause?"
    )
    notify(
        session, list(staff), kind="recurring_problem", target_type="recurring",
        target_id=problem.id, text=text,
    )  # fmt: skip
    publish(
        session,
        f"department:{category.department.code}",
        "recurring",
        {"id": problem.id, "category": category.code, "case_count": count, "text": text},
    )
    return problem


def case_ids(session: Session, problem: RecurringProblem, ref_lat: float) -> list[int]:
    """The cases that make the episode (newest first), for the links in the list."""
    grid = Grid(problem.cell_m, ref_lat)
    since = (problem.ended_at or problem.seen_at) - timedelta(days=problem.days)
    stmt = (
        select(Case.id)
        .where(*_counting(problem.category, since), *grid.contains(problem.ix, problem.iy))
        .order_by(Case.created_at.desc())
        .limit(MAX_CASES_LISTED)
    )
    return list(session.scalars(stmt))


def listing(session: Session, ref_lat: float, *, active_only: bool) -> list[dict]:
    stmt = select(RecurringProblem).order_by(RecurringProblem.raised_at.desc()).limit(200)
    if active_only:
        stmt = stmt.where(RecurringProblem.ended_at.is_(None))
    items = []
    for problem in session.scalars(stmt):
        grid = Grid(problem.cell_m, ref_lat)
        items.append(
            {
                "id": problem.id,
                "category": problem.category,
                "department": problem.department,
                "cell_m": problem.cell_m,
                "cell": f"{problem.ix}:{problem.iy}",
                "area": grid.polygon(problem.ix, problem.iy),
                "case_count": problem.case_count,
                "threshold": problem.threshold,
                "days": problem.days,
                "raised_at": problem.raised_at,
                "ended_at": problem.ended_at,
                "cases": [
                    {"id": i, "url": f"/cases/{i}"} for i in case_ids(session, problem, ref_lat)
                ],
            }
        )
    return items


def run_once(app, now: datetime | None = None) -> list[int] | None:
    """One pass in its own transaction (the periodic sweep calls it after the SLA pass);
    failures are logged, never raised."""
    from backend.extensions import db

    with app.app_context():
        try:
            raised = sweep_recurring(db.session, now or utcnow(), ref_lat(app.config))
            ids = [problem.id for problem in raised]
            db.session.commit()
            if ids:
                log.info("Recurring problems raised: %s", ids)
            return ids
        except Exception:
            db.session.rollback()
            log.exception("Recurring-problem sweep failed")
            return None
        finally:
            db.session.remove()


def ref_lat(config) -> float:
    """The grid's reference latitude: the city's map centre."""
    return float(config["MAP_CENTER"][0])
