"""Listing and searching cases: every filter, sorting, pagination, nearby and events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.cases import engagement, service
from backend.cases.models import Case
from backend.extensions import db
from tests.helpers import error_of, hide

# About 1 km apart on each axis around People's Square.
HERE = (31.2304, 121.4737)
NORTH_1KM = (31.2394, 121.4737)
EAST_500M = (31.2304, 121.47897)
FAR = (31.3304, 121.6737)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "per_page", "total_estimated"}
    assert body["total_estimated"] is False  # PostgreSQL estimates past 1,000 matches only
    return [item["id"] for item in body["items"]]


@pytest.fixture
def listed(client):
    def run(query: str = "", headers=None) -> list[int]:
        return ids(client.get(f"/api/v1/cases?{query}", headers=headers or {}))

    return run


def test_status_category_department_priority(make_case, city, listed):
    submitted = make_case("submitted")
    assigned = make_case("assigned")
    leak = make_case("submitted", category=city.leak)
    urgent = make_case(priority="urgent")
    assert set(listed("status=submitted")) == {submitted.id, leak.id}
    assert set(listed("status=submitted,assigned")) == {
        submitted.id,
        assigned.id,
        leak.id,
        urgent.id,
    }
    assert set(listed("category=leak")) == {leak.id}
    assert set(listed("department=water")) == {leak.id}
    assert listed("category=nothing") == []
    assert set(listed("priority=urgent")) == {urgent.id}


def test_bbox_and_near(make_case, listed):
    here = make_case(lat=HERE[0], lon=HERE[1])
    north = make_case(lat=NORTH_1KM[0], lon=NORTH_1KM[1])
    east = make_case(lat=EAST_500M[0], lon=EAST_500M[1])
    far = make_case(lat=FAR[0], lon=FAR[1])
    assert set(listed("bbox=121.47,31.23,121.48,31.235")) == {here.id, east.id}
    assert set(listed("bbox=121,31,122,32")) == {here.id, north.id, east.id, far.id}
    assert listed(f"near={HERE[0]},{HERE[1]}&radius_m=600") == [here.id, east.id]
    assert listed(f"near={HERE[0]},{HERE[1]}&radius_m=1100") == [here.id, east.id, north.id]
    assert listed(f"near={HERE[0]},{HERE[1]}&radius_m=400") == [here.id]


@pytest.mark.parametrize("centre_lon", [179.999, -179.999])
def test_near_reaches_across_the_antimeridian(make_case, listed, centre_lon):
    """A circle around Fiji's 180th meridian takes the cases on both sides of it."""
    lat = -17.7
    west = make_case(lat=lat, lon=179.995)  # 0.4 km (0.6 km) from the centre
    east = make_case(lat=lat, lon=-179.99)  # 1.2 km (1.0 km)
    make_case(lat=lat, lon=179.9)  # 10 km west
    make_case(lat=lat, lon=-179.9)  # 10 km east
    near = f"near={lat},{centre_lon}&radius_m=3000"
    assert listed(near) == listed(f"{near}&sort=distance") == [west.id, east.id]


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=122,31,121,32",
        "bbox=0,0,0,nan",
        "bbox=-200,0,0,1",
        "near=31.2",
        "near=91,0",
        "near=inf,0",
        "radius_m=100",
        "near=31,121&radius_m=0",
        "near=31,121&radius_m=999999",
        "status=open",
        "status=",
        "status=,",
        "sort=distance",
        "sort=random",
        "per_page=1000",
        "page=0",
        "escalated=perhaps",
        "updated_since=yesterday",
    ],
)
def test_bad_filters_are_422(client, query):
    response = client.get(f"/api/v1/cases?{query}")
    assert response.status_code == 422, query
    assert error_of(response)["fields"]


def test_mine_following_escalated_updated_since(make_case, city, listed, token_for, client):
    mine = make_case()
    theirs = make_case(reporter=city.resident)
    escalated = make_case("assigned", reporter=city.resident)
    db.session.get(Case, escalated.id).escalated = True
    db.session.commit()
    reporter = token_for(city.reporter)
    assert listed("mine=true", reporter) == [mine.id]
    client.post(f"/api/v1/cases/{theirs.id}/follow", headers=reporter)
    assert set(listed("following=true", reporter)) == {mine.id, theirs.id}
    assert listed("escalated=true") == [escalated.id]
    assert escalated.id not in listed("escalated=false")
    later = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    assert listed(f"updated_since={later.replace('+', '%2B')}") == []
    client.post(f"/api/v1/cases/{theirs.id}/transitions", json={"action": "accept"},
                headers=token_for(city.staff))  # fmt: skip
    db.session.rollback()
    since = db.session.get(Case, theirs.id).updated_at.isoformat().replace("+", "%2B")
    assert listed(f"updated_since={since}") == [theirs.id]


def test_mine_and_following_need_a_user(client):
    assert client.get("/api/v1/cases?mine=true").status_code == 401
    assert client.get("/api/v1/cases?following=true").status_code == 401


def test_search(make_case, listed):
    pothole = make_case(description="Huge pothole near the 50% off sale", title="Pothole")
    lamp = make_case(description="路灯不亮 street light out", address="人民大道 200号")
    assert listed("q=pothole") == [pothole.id]
    assert listed("q=POTHOLE") == [pothole.id]
    assert listed("q=路灯") == [lamp.id]
    assert listed("q=人民大道") == [lamp.id]
    assert listed("q=50%25") == [pothole.id]  # % is literal, not a wildcard
    assert listed("q=_") == []
    assert listed(f"q={lamp.id}") == [lamp.id]
    assert listed("q=' OR 1=1 --") == []


def test_sorting_and_pagination(make_case, listed, client):
    start = datetime.now(UTC) - timedelta(days=3)
    cases = [make_case(now=start + timedelta(hours=i)) for i in range(5)]
    newest_first = [c.id for c in reversed(cases)]
    assert listed() == newest_first
    assert listed("sort=created_at") == newest_first[::-1]
    page = client.get("/api/v1/cases?per_page=2&page=2").get_json()
    assert (page["total"], page["page"], page["per_page"]) == (5, 2, 2)
    assert [c["id"] for c in page["items"]] == newest_first[2:4]
    assert listed("page=99") == []


def test_sort_by_supporters_and_due(make_case, city, listed):
    quiet = make_case("assigned")
    popular = make_case("assigned", reporter=city.resident)
    engagement.support(db.session, db.session.get(Case, popular.id), city.reporter)
    db.session.commit()
    assert listed("sort=-supporters")[0] == popular.id
    unassigned = make_case()
    order = listed("sort=due_at")
    assert order[-1] == unassigned.id  # no deadline sorts last
    assert set(order[:2]) == {quiet.id, popular.id}


def test_hidden_cases(make_case, city, listed, token_for, client, make_user):
    hidden = make_case()
    hide(client, token_for(city.admin), "case", hidden.id)
    visible = make_case("assigned", reporter=city.resident)
    others = make_case("submitted", reporter=city.resident)
    for query, seen_by_public, seen_by_reporter in [
        ("", 2, 3),
        ("status=submitted", 1, 2),
        ("category=pothole", 2, 3),
    ]:
        public = client.get(f"/api/v1/cases?{query}").get_json()
        mine = client.get(f"/api/v1/cases?{query}", headers=token_for(city.reporter)).get_json()
        assert (public["total"], len(public["items"])) == (seen_by_public, seen_by_public)
        assert (mine["total"], len(mine["items"])) == (seen_by_reporter, seen_by_reporter)
    assert set(listed()) == {visible.id, others.id}
    hide(client, token_for(city.admin), "case", visible.id)
    hide(client, token_for(city.admin), "case", others.id)
    assert listed() == []
    assert client.get(f"/api/v1/cases/{hidden.id}").status_code == 404
    assert listed(headers=token_for(make_user("resident"))) == []
    assert listed(headers=token_for(city.reporter)) == [hidden.id]
    for person in (city.reporter, city.staff, city.volunteer, city.admin):
        assert hidden.id in listed(headers=token_for(person))
        assert (
            client.get(f"/api/v1/cases/{hidden.id}", headers=token_for(person)).status_code == 200
        )


def test_pins_list_the_same_cases_with_only_what_a_pin_shows(make_case, city, client, token_for):
    here = make_case(lat=HERE[0], lon=HERE[1], title="Lamp out")
    make_case("assigned", lat=NORTH_1KM[0], lon=NORTH_1KM[1])
    make_case(lat=FAR[0], lon=FAR[1])
    hidden = make_case(lat=HERE[0], lon=HERE[1])
    hide(client, token_for(city.admin), "case", hidden.id)
    for query in ("", "bbox=121,31,122,32&status=submitted", "per_page=1&page=2", "sort=id"):
        cases = client.get(f"/api/v1/cases?{query}")
        pins = client.get(f"/api/v1/cases/pins?{query}")
        assert pins.status_code == cases.status_code, query
        if cases.status_code != 200:
            assert error_of(pins)["code"] == error_of(cases)["code"]
            continue
        assert ids(pins) == ids(cases), query
        assert pins.get_json()["total"] == cases.get_json()["total"]
    pin = next(
        p for p in client.get("/api/v1/cases/pins").get_json()["items"] if p["id"] == here.id
    )
    assert pin == {
        "id": here.id,
        "status": "submitted",
        "lat": HERE[0],
        "lon": HERE[1],
        "title": "Lamp out",
        "category": {"code": "pothole", "name": city.pothole.name, "names": city.pothole.names},
    }


def test_nearby_finds_open_cases_of_the_category(make_case, city, client):
    near = make_case(lat=HERE[0], lon=HERE[1] + 0.001)  # ~95 m
    nearer = make_case(lat=HERE[0], lon=HERE[1] + 0.0005)
    make_case(lat=EAST_500M[0], lon=EAST_500M[1])  # out of the default 250 m
    make_case("resolved", lat=HERE[0], lon=HERE[1])  # not open
    make_case(category=city.leak, lat=HERE[0], lon=HERE[1])  # other category
    response = client.get(f"/api/v1/cases/nearby?category=pothole&lat={HERE[0]}&lon={HERE[1]}")
    body = response.get_json()
    assert [c["id"] for c in body["items"]] == [nearer.id, near.id]
    assert body["items"][0]["distance_m"] == pytest.approx(47.5, abs=2)
    assert body["items"][1]["distance_m"] == pytest.approx(95, abs=3)
    wide = client.get(f"/api/v1/cases/nearby?category=pothole&lat={HERE[0]}&lon={HERE[1]}"
                      "&radius_m=600").get_json()  # fmt: skip
    assert wide["total"] == 3


def test_nearby_returns_at_most_five(make_case, client):
    for i in range(7):
        make_case(lat=HERE[0] + i * 0.0001, lon=HERE[1])
    body = client.get(f"/api/v1/cases/nearby?category=pothole&lat={HERE[0]}&lon={HERE[1]}")
    assert len(body.get_json()["items"]) == 5


def test_nearby_validates(client):
    assert client.get("/api/v1/cases/nearby?lat=31&lon=121").status_code == 422
    bad = client.get("/api/v1/cases/nearby?category=pothole&lat=31&lon=121&radius_m=99999")
    assert bad.status_code == 422


def test_events_after(make_case, client):
    case = make_case("in_progress")
    events = client.get(f"/api/v1/cases/{case.id}/events").get_json()["items"]
    assert [e["action"] for e in events] == ["submit", "accept", "assign", "start"]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    later = client.get(f"/api/v1/cases/{case.id}/events?after={events[1]['id']}").get_json()
    assert [e["action"] for e in later["items"]] == ["assign", "start"]
    assert later["total"] == 2
    assert client.get(f"/api/v1/cases/{case.id}/events?after=-1").status_code == 422
    assert client.get("/api/v1/cases/999999999/events").status_code == 404


@pytest.mark.parametrize("case_id", ["0", "99999999999999999999", "-5", "abc", "1.5"])
def test_odd_ids_are_404(client, case_id):
    assert client.get(f"/api/v1/cases/{case_id}").status_code == 404


def test_several_departments_overdue_and_assigned_to_me(make_case, city, listed, token_for):
    late = make_case("assigned")
    on_time = make_case("assigned")
    leak = make_case("accepted", category=city.leak)
    fresh = make_case()
    db.session.get(Case, late.id).due_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    assert set(listed("department=roads,water")) == {late.id, on_time.id, leak.id, fresh.id}
    assert set(listed("department=water")) == {leak.id}
    assert listed("overdue=true") == [late.id]
    assert set(listed("overdue=false")) == {on_time.id, leak.id, fresh.id}
    staff = token_for(city.staff)
    assert listed("assigned_to_me=true", staff) == []
    mine = make_case("accepted")
    data = {"action": "assign", "assignee": city.staff.id}
    service.transition(db.session, db.session.get(Case, mine.id), city.staff, data)
    db.session.commit()
    assert listed("assigned_to_me=true", staff) == [mine.id]


def test_assigned_to_me_needs_a_user(client):
    assert client.get("/api/v1/cases?assigned_to_me=true").status_code == 401


def test_at_risk_is_open_and_due_within_the_window(app, make_case, listed, monkeypatch):
    monkeypatch.setitem(app.config, "AT_RISK_HOURS", 6)
    now = datetime.now(UTC)
    soon, later, late = make_case("assigned"), make_case("assigned"), make_case("accepted")
    done = make_case("resolved")
    due = {soon: 2, later: 30, late: -1, done: 1}
    for case, hours in due.items():
        db.session.get(Case, case.id).due_at = now + timedelta(hours=hours)
    db.session.commit()
    assert listed("at_risk=true") == [soon.id]
    assert listed("overdue=true") == [late.id]  # the two lists never share a case
    monkeypatch.setitem(app.config, "AT_RISK_HOURS", 48)
    assert set(listed("at_risk=true")) == {soon.id, later.id}
