"""Demo figures worth looking at: the demo city's closed cases get ratings, a few fixes are
reopened and a few cases transferred (rework and dispatch show up on the scoreboard), and
one corner keeps reporting potholes, which the sweep raises as a recurring problem."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cases import engagement, service
from backend.cases.broadcast import quietly
from backend.cases.demo import ANSWERS
from backend.cases.models import Case, Status
from backend.db import utcnow
from backend.departments.models import Category, Department
from backend.stats import recurring

CLUSTER = (31.2338, 121.4702)  # by the Nanjing Road crossing: the same pothole, again
CLUSTER_SIZE = 6


def load_demo_stats(session: Session, now: datetime | None = None) -> str:
    now = now or utcnow()
    rng = random.Random(1430)
    with quietly(session):
        rated = _ratings(session, rng)
        transferred = _transfers(session, rng, now)
        clustered = _cluster(session, rng, now)
    raised = recurring.sweep_recurring(session, now, recurring.ref_lat(current_app.config))
    return (
        f"Rated {rated} closed cases, transferred {transferred}, filed {clustered} potholes "
        f"in one spot ({len(raised)} recurring problem(s) raised)."
    )


def _ratings(session: Session, rng: random.Random) -> int:
    closed = session.scalars(select(Case).where(Case.status == Status.CLOSED).order_by(Case.id))
    count = 0
    for case in closed:
        if case.reporter is None or case.rating is not None or rng.random() < 0.3:
            continue
        score = rng.choices([5, 4, 3, 2, 1], weights=[40, 30, 15, 10, 5])[0]
        engagement.rate(session, case, case.reporter, score, now=case.closed_at)
        count += 1
    return count


def _transfers(session: Session, rng: random.Random, now: datetime) -> int:
    """Some assigned cases went to the wrong department first."""
    departments = list(session.scalars(select(Department).order_by(Department.id)))
    admin_case = select(Case).where(Case.status == Status.ASSIGNED).order_by(Case.id)
    count = 0
    for case in session.scalars(admin_case).all():
        if rng.random() > 0.25 or len(departments) < 2:
            continue
        other = rng.choice([d for d in departments if d.id != case.department_id])
        data = {"action": "transfer", "department": other.code, "reason": "Not ours: theirs."}
        last = case.updated_at  # after the case's last event (the sweep's escalation, say)
        moment = max(last + timedelta(seconds=1), min(last + timedelta(hours=2), now))
        service.transition(session, case, _admin(session), data, now=moment)
        count += 1
    return count


def _cluster(session: Session, rng: random.Random, now: datetime) -> int:
    pothole = session.scalar(select(Category).where(Category.code == "pothole"))
    if pothole is None:
        return 0
    reporter = _admin(session)
    questions = {q["code"] for q in pothole.attributes}
    for n in range(CLUSTER_SIZE):
        data = {
            "category": pothole.code,
            "lat": CLUSTER[0] + rng.uniform(-0.0001, 0.0001),
            "lon": CLUSTER[1] + rng.uniform(-0.0001, 0.0001),
            "description": "The pothole at the crossing is back. 路口的坑又出现了。",
            "answers": {k: v for k, v in ANSWERS.items() if k in questions},
        }
        created = now - timedelta(days=3 * n + 1)
        case = service.create_case(session, reporter, data, now=created, source="demo")
        if n >= 2:  # the older ones were fixed, and came back
            for action in ("accept", "assign", "start"):
                service.transition(session, case, reporter, {"action": action}, now=created)
            fix = {"action": "resolve", "note": "Patched."}
            service.transition(session, case, reporter, fix, now=created + timedelta(hours=20))
            done = created + timedelta(days=1)
            service.transition(session, case, reporter, {"action": "close"}, now=done)
    return CLUSTER_SIZE


def _admin(session: Session):
    from backend.auth.models import User

    return session.scalar(select(User).where(User.role == "admin").order_by(User.id))
