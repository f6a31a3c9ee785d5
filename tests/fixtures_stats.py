"""A small city with a controlled clock for the statistics: two departments, three
categories, two months (January and February 2025) of cases closed late and on time,
reworked, transferred, rejected, merged, rated and unrated. The expected figures in
tests/stats/ are worked out by hand from the comments here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from backend.cases import service
from backend.cases.models import CaseRating
from backend.extensions import db
from tests.fixtures_cases import CENTRE

JAN = ("2025-01-01", "2025-01-31")
FEB = ("2025-02-01", "2025-02-28")


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=8, tzinfo=UTC)


def _data(action: str, **extra) -> dict:
    data = {"action": action, **extra}
    if action in ("reject", "transfer", "reopen"):
        data.setdefault("reason", f"reason to {action}")
    if action == "resolve":
        data["note"] = "Fixed it."
    return data


@pytest.fixture
def stats_city(city, make_category):
    graffiti = make_category("graffiti", department=city.roads, sla_hours=72, name="Graffiti")
    cases = {}

    def walk(name, category, created, steps, *, due_hours=None, rating=None, lat=None, lon=None):
        """File at ``created`` (08:00 UTC), then each (action, hours after filing, extra)."""
        t0 = _at(created)
        case = service.create_case(
            db.session,
            city.reporter,
            {
                "category": category.code,
                "lat": lat if lat is not None else CENTRE[0],
                "lon": lon if lon is not None else CENTRE[1],
                "description": f"Case {name} of the statistics fixture.",
            },
            now=t0,
        )
        for action, hours, *extra in steps:
            data = _data(action, **(extra[0] if extra else {}))
            service.transition(db.session, case, city.admin, data, now=t0 + timedelta(hours=hours))
        case.due_at = None if due_hours is None else t0 + timedelta(hours=due_hours)
        if rating is not None:
            db.session.add(CaseRating(case_id=case.id, user_id=city.reporter.id, score=rating))
        db.session.flush()
        cases[name] = case
        return case

    full = [("accept", 1), ("assign", 2), ("start", 3)]
    # January. Roads leads A, B, C, H, K; D moves to water by a transfer.
    walk(
        "A",
        city.pothole,
        "2025-01-10",
        [*full, ("resolve", 10), ("close", 12)],
        due_hours=48,
        rating=5,
    )  # on time
    walk(
        "B",
        city.pothole,
        "2025-01-11",
        [("accept", 2), ("assign", 3), ("start", 4), ("resolve", 60), ("close", 70)],
        due_hours=48,
        rating=2,
    )  # late
    walk(
        "C",
        city.pothole,
        "2025-01-12",
        [
            ("accept", 1),
            ("assign", 1),
            ("start", 2),
            ("resolve", 5),
            ("reopen", 6),
            ("start", 7),
            ("resolve", 20),
            ("close", 30),
        ],
        due_hours=48,
    )  # reworked, unrated
    walk(
        "D",
        city.pothole,
        "2025-01-13",
        [
            ("accept", 4),
            ("assign", 4),
            ("transfer", 5, {"department": "water"}),
            ("start", 6),
            ("resolve", 8),
            ("close", 9),
        ],
        rating=4,
    )  # transferred; no due time: on time
    g = walk(
        "G", city.leak, "2025-01-14", [("accept", 3), ("assign", 3), ("start", 4)], due_hours=8
    )  # still in progress: overdue
    walk("F", city.leak, "2025-01-15", [("merge", 2, {"merge_into": g.id})])
    walk("E", city.leak, "2025-01-16", [("reject", 1)])
    walk("H", graffiti, "2025-01-17", [])  # submitted, no due time
    walk(
        "K",
        city.pothole,
        "2025-01-30",
        [*full, ("resolve", 40), ("close", 50)],
        due_hours=48,
        rating=1,
    )  # filed in January, closed (late) on 1 February
    # February.
    walk(
        "I",
        graffiti,
        "2025-02-10",
        [("accept", 3), ("assign", 3), ("start", 4), ("resolve", 24), ("confirm", 30)],
        due_hours=72,
        rating=3,
    )
    walk(
        "J",
        city.leak,
        "2025-02-11",
        [("accept", 1), ("assign", 1), ("start", 1), ("resolve", 4), ("close", 5)],
        due_hours=8,
        rating=5,
    )
    db.session.commit()
    return SimpleNamespace(city=city, graffiti=graffiti, cases=cases)
