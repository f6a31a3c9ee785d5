"""The evaluation figures against hand-computed values, on a city with a controlled clock.

Two departments (roads, water), three categories (pothole 48 h and lamp 24 h for roads,
leak 8 h for water), two periods (January and February 2026), figures asked on 1 March.
Each case's story is written next to it, with the figures it feeds.
"""

from datetime import UTC, datetime, timedelta

import pytest

from backend.cases import engagement, service
from backend.extensions import db

NOW = datetime(2026, 3, 1, tzinfo=UTC)
JAN = {"from": "2026-01-01", "to": "2026-01-31"}
FEB = {"from": "2026-02-01", "to": "2026-02-28"}


def at(day: str, hours: float = 0) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=hours)


@pytest.fixture
def story(app, city, make_category, monkeypatch):
    lamp = make_category("lamp", department=city.roads, sla_hours=24)
    monkeypatch.setattr("backend.stats.routes.utcnow", lambda: NOW)
    cases = {}

    def file(name, category, day):
        data = {"category": category.code, "lat": 31.23, "lon": 121.47, "description": "x"}
        cases[name] = case = service.create_case(db.session, city.reporter, data, now=at(day))
        return case

    def step(name, action, hours, day, **values):
        service.transition(
            db.session, cases[name], city.admin, {"action": action, **values}, now=at(day, hours)
        )

    def walk(name, day, *steps):
        for action, hours, *extra in steps:
            step(name, action, hours, day, **(extra[0] if extra else {}))

    def rate(name, score, day):
        engagement.rate(db.session, cases[name], city.reporter, score, now=at(day))

    fixed = {"note": "Fixed."}
    # A, pothole: accepted 1 h, resolved 10 h, closed 20 h (due 50 h: on time), rated 5.
    file("A", city.pothole, "2026-01-10")
    walk("A", "2026-01-10", ("accept", 1), ("assign", 2), ("start", 3), ("resolve", 10, fixed),
         ("confirm", 20))  # fmt: skip
    rate("A", 5, "2026-01-11")
    # B, pothole: resolved 20 h, reopened 30 h (due 78 h), resolved again, closed 100 h: late.
    file("B", city.pothole, "2026-01-10")
    walk("B", "2026-01-10", ("accept", 2), ("assign", 2), ("start", 3), ("resolve", 20, fixed),
         ("reopen", 30, {"reason": "Still there."}), ("start", 31), ("resolve", 40, fixed),
         ("confirm", 100))  # fmt: skip
    rate("B", 2, "2026-01-15")
    # C, leak: assigned to water, transferred to roads at 2 h (due 10 h), closed 6 h, unrated.
    file("C", city.leak, "2026-01-11")
    walk("C", "2026-01-11", ("accept", 1), ("assign", 1),
         ("transfer", 2, {"reason": "Ours.", "department": "roads"}), ("start", 3),
         ("resolve", 5, fixed), ("confirm", 6))  # fmt: skip
    # I, pothole: still submitted (open, no due time: not overdue).
    file("I", city.pothole, "2026-01-15")
    # D, lamp: rejected. E, lamp: merged into I.
    file("D", lamp, "2026-01-12")
    step("D", "reject", 4, "2026-01-12", reason="Not a city matter.")
    file("E", lamp, "2026-01-16")
    step("E", "merge", 1, "2026-01-16", merge_into=cases["I"].id)
    # F, leak: assigned, due 9 h after filing, never moved: overdue now.
    file("F", city.leak, "2026-01-20")
    walk("F", "2026-01-20", ("accept", 1), ("assign", 1))
    # G, leak: resolved 4 h, closed on 2 February (192 h, late), rated 4 in February.
    file("G", city.leak, "2026-01-25")
    walk("G", "2026-01-25", ("accept", 2), ("assign", 2), ("start", 3), ("resolve", 4, fixed),
         ("confirm", 192))  # fmt: skip
    rate("G", 4, "2026-02-03")
    # H, pothole in February: accepted 1 h, resolved 5 h, closed 6 h (on time), rated 3.
    file("H", city.pothole, "2026-02-05")
    walk("H", "2026-02-05", ("accept", 1), ("assign", 1), ("start", 2), ("resolve", 5, fixed),
         ("confirm", 6))  # fmt: skip
    rate("H", 3, "2026-02-06")
    db.session.commit()
    return cases


def hours(accept, resolve, close):
    def pair(values):
        return {"median": values[0], "p90": values[1]}

    return {"accept": pair(accept), "resolve": pair(resolve), "close": pair(close)}


JANUARY_CITY = {
    "received": 8,
    "by_status": {"closed": 4, "rejected": 1, "merged": 1, "assigned": 1, "submitted": 1},
    "open": 2,  # F and I
    "overdue": 1,  # F
    "closed": 3,  # A, B, C (G closed in February)
    "on_time_closure_rate": 0.6667,  # A and C of A, B, C
    "rework_rate": 0.25,  # B of the four resolved (A, B, C, G)
    "transfer_rate": 0.2,  # C of the five assigned (A, B, C, F, G)
    "satisfaction": {"mean": 3.5, "count": 2},  # A 5, B 2
    # accept [1,1,1,2,2]; resolve [4,5,10,20]; close [6,20,100,192]
    "hours": hours((1.0, 2.0), (7.5, 17.0), (60.0, 164.4)),
}


def get(client, path, **args):
    response = client.get(path, query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_overview_of_january(client, story):
    body = get(client, "/api/v1/stats/overview", **JAN)
    assert body.pop("period") == {"from": "2026-01-01", "to": "2026-01-31"}
    assert body == JANUARY_CITY


def test_overview_of_february(client, story):
    body = get(client, "/api/v1/stats/overview", **FEB)
    del body["period"]
    assert body == {
        "received": 1,
        "by_status": {"closed": 1},
        "open": 0,
        "overdue": 0,
        "closed": 2,  # G (late) and H (on time)
        "on_time_closure_rate": 0.5,
        "rework_rate": 0.0,
        "transfer_rate": 0.0,
        "satisfaction": {"mean": 3.5, "count": 2},  # G 4, H 3
        "hours": hours((1.0, 1.0), (5.0, 5.0), (6.0, 6.0)),
    }


def test_departments_in_january_ranked_by_on_time_closure(client, story):
    items = get(client, "/api/v1/stats/departments", **JAN)["items"]
    assert [item["department"]["code"] for item in items] == ["roads", "water"]
    roads, water = items
    assert roads == {
        "department": {"code": "roads", "name": "Roads"},
        "received": 6,  # A, B, C (transferred in), D, E, I
        "by_status": {"closed": 3, "rejected": 1, "merged": 1, "submitted": 1},
        "open": 1,
        "overdue": 0,
        "closed": 3,
        "on_time_closure_rate": 0.6667,
        "rework_rate": 0.3333,
        "transfer_rate": 0.3333,
        "satisfaction": {"mean": 3.5, "count": 2},
        # accept [1,1,2]; resolve [5,10,20]; close [6,20,100]
        "hours": hours((1.0, 1.8), (10.0, 18.0), (20.0, 84.0)),
    }
    assert water == {
        "department": {"code": "water", "name": "Water"},
        "received": 2,  # F, G
        "by_status": {"assigned": 1, "closed": 1},
        "open": 1,
        "overdue": 1,
        "closed": 0,
        "on_time_closure_rate": None,
        "rework_rate": 0.0,
        "transfer_rate": 0.0,
        "satisfaction": {"mean": None, "count": 0},
        "hours": hours((1.5, 1.9), (4.0, 4.0), (192.0, 192.0)),
    }


def test_departments_in_february(client, story):
    items = get(client, "/api/v1/stats/departments", **FEB)["items"]
    roads, water = items
    assert (roads["department"]["code"], roads["on_time_closure_rate"]) == ("roads", 1.0)
    assert (water["department"]["code"], water["on_time_closure_rate"]) == ("water", 0.0)
    assert water["received"] == 0 and water["closed"] == 1
    assert water["rework_rate"] is None and water["transfer_rate"] is None
    assert water["satisfaction"] == {"mean": 4.0, "count": 1}


def test_category_and_department_filters(client, story):
    leak = get(client, "/api/v1/stats/overview", category="leak", **JAN)
    assert (leak["received"], leak["closed"], leak["on_time_closure_rate"]) == (3, 1, 1.0)
    water = get(client, "/api/v1/stats/overview", department="water", **JAN)
    assert (water["received"], water["overdue"], water["closed"]) == (2, 1, 0)
    only = get(client, "/api/v1/stats/departments", department="water", **JAN)["items"]
    assert [item["department"]["code"] for item in only] == ["water"]


def test_an_empty_period_has_null_rates(client, story):
    body = get(client, "/api/v1/stats/overview", **{"from": "2025-01-01", "to": "2025-01-31"})
    assert body["received"] == body["closed"] == 0
    assert body["on_time_closure_rate"] is body["rework_rate"] is body["transfer_rate"] is None
    assert body["hours"]["resolve"] == {"median": None, "p90": None}


def test_hidden_cases_are_left_out(client, story):
    story["A"].hidden = True
    db.session.commit()
    body = get(client, "/api/v1/stats/overview", **JAN)
    assert (body["received"], body["closed"]) == (7, 2)


@pytest.mark.parametrize(
    "args",
    [
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"from": "not-a-date"},
        {"from": "2020-01-01", "to": "2026-01-01"},
        {"category": "no-such-category"},
        {"department": "no-such-department"},
        {"category": "Bad Code!"},
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/stats/overview", "/api/v1/stats/departments"])
def test_bad_filters_are_422(client, path, args):
    response = client.get(path, query_string=args)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"


def test_the_default_period_is_the_last_90_days(client):
    body = get(client, "/api/v1/stats/overview")
    first, last = (datetime.fromisoformat(body["period"][k]) for k in ("from", "to"))
    assert (last - first).days == 89
