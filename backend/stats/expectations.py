"""What residents may expect: from the cases first resolved in the last 90 days, the usual
time to resolve a category (the median, and the time by which 80% were resolved). Too few
cases make no promise: the figures are then null."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.cases.models import Case, CaseEvent
from backend.departments.models import Category
from backend.stats.sql import hours_between, percentiles

DAYS = 90
MIN_CASES = 5


def expectations(session: Session, now: datetime, category_id: int | None = None) -> list[dict]:
    dialect = session.get_bind().dialect.name
    since = now - timedelta(days=DAYS)
    first = (
        select(CaseEvent.case_id, func.min(CaseEvent.created_at).label("resolved_at"))
        .where(CaseEvent.action == "resolve")
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    scope = [first.c.resolved_at >= since, first.c.resolved_at < now, Case.hidden.is_(False)]
    if category_id is not None:
        scope.append(Case.category_id == category_id)
    counts = dict(
        session.execute(
            select(Case.category_id, func.count())
            .join(first, first.c.case_id == Case.id)
            .where(*scope)
            .group_by(Case.category_id)
        ).all()
    )
    values = (
        select(Case.category_id, hours_between(Case.created_at, first.c.resolved_at, dialect))
        .join(first, first.c.case_id == Case.id)
        .where(*scope)
    )
    figures = percentiles(session, values, (0.5, 0.8), counts)
    query = select(Category).where(Category.active.is_(True)).order_by(Category.name)
    if category_id is not None:
        query = select(Category).where(Category.id == category_id)
    items = []
    for category in session.scalars(query):
        count = counts.get(category.id, 0)
        median, p80 = figures.get(category.id, (None, None)) if count >= MIN_CASES else (None, None)
        items.append(
            {
                "category": category,
                "days": DAYS,
                "count": count,
                "resolve_hours": {"median": _hours(median), "p80": _hours(p80)},
            }
        )
    return items


def _hours(value) -> float | None:
    return None if value is None else round(float(value), 1)
