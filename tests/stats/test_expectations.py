"""The usual time to resolve a category, from the cases first resolved in the last 90 days:
the median and the 80th percentile, none with fewer than five cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.cases import service
from backend.db import utcnow
from backend.extensions import db


@pytest.fixture
def resolved(city):
    def factory(category, hours: float, *, days_ago: int = 10):
        t0 = utcnow() - timedelta(days=days_ago)
        data = {"category": category.code, "lat": 31.23, "lon": 121.47, "description": "x"}
        case = service.create_case(db.session, city.reporter, data, now=t0)
        for action in ("accept", "assign", "start"):
            service.transition(db.session, case, city.admin, {"action": action}, now=t0)
        service.transition(
            db.session,
            case,
            city.admin,
            {"action": "resolve", "note": "Fixed."},
            now=t0 + timedelta(hours=hours),
        )
        db.session.commit()
        return case

    return factory


def _items(client, **args) -> dict:
    response = client.get("/api/v1/stats/expectations", query_string=args)
    assert response.status_code == 200
    return {item["category"]["code"]: item for item in response.get_json()["items"]}


def test_median_and_80th_percentile_of_the_last_90_days(client, city, resolved):
    for hours in (10, 20, 30, 40, 50):
        resolved(city.pothole, hours)
    resolved(city.pothole, 500, days_ago=120)  # resolved long ago: not counted
    pothole = _items(client)["pothole"]
    assert (pothole["count"], pothole["days"]) == (5, 90)
    assert pothole["resolve_hours"] == {"median": 30.0, "p80": 42.0}  # 40 + 0.2 * (50 - 40)


def test_too_few_cases_promise_nothing(client, city, resolved):
    for hours in (1, 2, 3, 4):
        resolved(city.leak, hours)
    leak = _items(client, category="leak")
    assert list(leak) == ["leak"]
    assert leak["leak"]["count"] == 4
    assert leak["leak"]["resolve_hours"] == {"median": None, "p80": None}


def test_an_unknown_category_is_422(client, city):
    response = client.get("/api/v1/stats/expectations", query_string={"category": "nope"})
    assert response.status_code == 422
