"""Hotspots (cases per grid cell) and recurring problems (N cases of one category in one
cell within D days), raised once per episode to the staff of the category's department."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.cases import sla
from backend.extensions import db
from backend.live import publish
from backend.notify.models import Notification
from backend.stats import recurring
from backend.stats.grid import Grid
from backend.stats.models import RecurringProblem

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def grid(app):
    return Grid(100, recurring.ref_lat(app.config))


@pytest.fixture
def spot(grid):
    """(lat, lon) of the middle of a cell near the centre, and of its eastern neighbour."""
    ix, iy = grid.cell_of(31.2304, 121.4737)

    def at(dx: int = 0) -> dict:
        return {"lat": (iy + 0.5) * grid.dlat, "lon": (ix + dx + 0.5) * grid.dlon}

    return at


def _sweep(app, now=NOW) -> list[int]:
    raised = recurring.sweep_recurring(db.session, now, recurring.ref_lat(app.config))
    ids = [problem.id for problem in raised]
    db.session.commit()
    return ids


def _alerts() -> list[Notification]:
    stmt = select(Notification).where(Notification.kind == "recurring_problem")
    return list(db.session.scalars(stmt))


def _file(make_case, n, *, days_ago=1, **fields):
    """``n`` cases filed ``days_ago`` before NOW (``days_ago=None``: filed now, for the
    endpoints and the sweep that read the real clock)."""
    now = None if days_ago is None else NOW - timedelta(days=days_ago)
    return [make_case(now=now, **fields) for _ in range(n)]


def test_the_nth_case_in_a_cell_raises_one_alert_to_the_right_department(
    app, make_case, city, spot
):
    _file(make_case, 4, **spot())
    assert _sweep(app) == []
    _file(make_case, 1, **spot())
    found = []
    receiver = lambda _s, rooms=(), event=None, payload=None: found.extend(  # noqa: E731
        (room, event) for room in rooms
    )
    publish.published.connect(receiver)
    try:
        raised = _sweep(app)
    finally:
        publish.published.disconnect(receiver)
    assert len(raised) == 1
    problem = db.session.get(RecurringProblem, raised[0])
    assert (problem.category.code, problem.department.code) == ("pothole", "roads")
    assert problem.case_count == 5
    assert [alert.user_id for alert in _alerts()] == [city.staff.id]  # not water's staff
    assert _alerts()[0].url == f"/dashboard?recurring={problem.id}"
    assert ("department:roads", "recurring") in found


def test_the_next_case_in_the_same_episode_raises_nothing_more(app, make_case, spot):
    _file(make_case, 5, **spot())
    assert len(_sweep(app)) == 1
    _file(make_case, 1, **spot())
    assert _sweep(app) == []
    assert len(_alerts()) == 1
    (problem,) = db.session.scalars(select(RecurringProblem))
    assert problem.case_count == 6 and problem.ended_at is None


def test_a_case_in_the_neighbouring_cell_does_not_count(app, make_case, spot):
    _file(make_case, 4, **spot())
    _file(make_case, 1, **spot(dx=1))
    assert _sweep(app) == []
    assert _alerts() == []


def test_cases_older_than_the_window_and_other_categories_do_not_count(app, make_case, city, spot):
    _file(make_case, 4, **spot())
    _file(make_case, 1, days_ago=31, **spot())
    _file(make_case, 1, category=city.leak, **spot())
    assert _sweep(app) == []


def test_an_episode_ends_below_the_threshold_and_a_new_crowding_raises_again(app, make_case, spot):
    _file(make_case, 5, days_ago=20, **spot())
    assert len(_sweep(app)) == 1
    later = NOW + timedelta(days=15)  # the five are now 35 days old
    assert _sweep(app, later) == []
    (problem,) = db.session.scalars(select(RecurringProblem))
    assert problem.ended_at == later
    _file(make_case, 5, days_ago=-14, **spot())  # filed a day before ``later``
    assert len(_sweep(app, later)) == 1
    assert len(_alerts()) == 2


def test_a_category_sets_its_own_threshold(app, make_case, city, spot):
    city.pothole.recurring_count, city.pothole.recurring_days = 3, 7
    db.session.commit()
    _file(make_case, 3, days_ago=8, **spot())
    assert _sweep(app) == []
    _file(make_case, 3, **spot())
    assert len(_sweep(app)) == 1


def test_the_periodic_sweep_raises_recurring_problems(app, make_case, spot):
    _file(make_case, 5, days_ago=None, **spot())
    sla.run_once(app)
    assert len(_alerts()) == 1


def test_recurring_problems_are_listed_with_links_to_their_cases(app, client, make_case, spot):
    cases = _file(make_case, 5, **spot())
    _sweep(app)
    items = client.get("/api/v1/stats/recurring").get_json()["items"]
    assert len(items) == 1
    item = items[0]
    assert (item["category"]["code"], item["department"]["code"]) == ("pothole", "roads")
    assert (item["case_count"], item["threshold"], item["days"]) == (5, 5, 30)
    assert sorted(link["id"] for link in item["cases"]) == sorted(case.id for case in cases)
    assert item["area"]["type"] == "Polygon"


def test_hotspots_count_cases_per_cell_as_polygons(client, make_case, city, spot):
    _file(make_case, 3, days_ago=None, **spot())
    _file(make_case, 1, days_ago=None, category=city.leak, **spot())
    _file(make_case, 1, days_ago=None, **spot(dx=1))
    body = client.get("/api/v1/stats/hotspots").get_json()
    assert body["type"] == "FeatureCollection" and body["cell_m"] == 100
    busiest, other = body["features"]
    assert busiest["properties"]["count"] == 4
    assert busiest["properties"]["categories"] == {"pothole": 3, "leak": 1}
    assert other["properties"]["count"] == 1
    ring = busiest["geometry"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert min(lons) < spot()["lon"] < max(lons) and min(lats) < spot()["lat"] < max(lats)
    assert max(lons) == pytest.approx(min(o[0] for o in other["geometry"]["coordinates"][0]))


def test_hotspots_filter_by_category_and_status(client, make_case, city, spot):
    _file(make_case, 2, days_ago=None, **spot())
    make_case("rejected", category=city.leak, **spot())
    leak = client.get("/api/v1/stats/hotspots", query_string={"category": "leak"}).get_json()
    assert [f["properties"]["count"] for f in leak["features"]] == [1]
    fresh = client.get("/api/v1/stats/hotspots", query_string={"status": "submitted"})
    assert [f["properties"]["count"] for f in fresh.get_json()["features"]] == [2]


@pytest.mark.parametrize("args", [{"cell_m": 20}, {"cell_m": 5000}, {"status": "lost"}])
def test_bad_hotspot_filters_are_422(client, args):
    assert client.get("/api/v1/stats/hotspots", query_string=args).status_code == 422
