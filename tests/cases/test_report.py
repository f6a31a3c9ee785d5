"""Filing a report: validation, privacy, anonymity, urgency, idempotency, hostile input."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from backend.cases.models import Case, CaseEvent, CaseFollower
from backend.extensions import db
from tests.helpers import error_of

GOOD = {
    "category": "pothole",
    "lat": 31.2304,
    "lon": 121.4737,
    "description": "A deep pothole in the cycle lane.",
}


def _count(model=Case) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def post(client, city, token_for):
    def run(body, user=None, **kwargs):
        headers = {**token_for(user or city.reporter), **kwargs.pop("headers", {})}
        return client.post("/api/v1/cases", json=body, headers=headers, **kwargs)

    return run


def test_a_report_is_filed_with_its_first_event(post, city):
    body = {
        **GOOD,
        "title": "Pothole on Nanjing Rd",
        "address": "南京东路 100号",
        "answers": {"size": "large"},
    }
    response = post(body)
    assert response.status_code == 201
    case = response.get_json()
    assert case["status"] == "submitted"
    assert case["category"]["code"] == "pothole"
    assert case["department"] == {"code": "roads", "name": "Roads", "names": {}}
    assert (case["lat"], case["lon"]) == (GOOD["lat"], GOOD["lon"])
    assert case["address"] == "南京东路 100号"
    assert case["answers"] == {"size": "large"}
    assert case["reporter"] == {"id": city.reporter.id, "display_name": "Rita Reporter"}
    assert "email" not in case["reporter"]
    assert (case["supporters"], case["comments"], case["photos"]) == (0, 0, [])
    assert case["due_at"] is None and case["escalated"] is False
    assert case["created_at"].endswith("+00:00")
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case["id"])).all()
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in events] == [
        ("submit", None, "submitted", city.reporter.id)
    ]
    follower = db.session.get(CaseFollower, (case["id"], city.reporter.id))
    assert follower is not None


def test_ids_are_random_not_a_sequence(post):
    ids = [post(GOOD).get_json()["id"] for _ in range(4)]
    assert all(100_000_000 <= i < 2**31 for i in ids)
    assert sorted(ids) != list(range(ids[0], ids[0] + 4))


@pytest.mark.parametrize("role", ["resident", "volunteer", "staff", "admin"])
def test_everyone_signed_in_may_report(client, city, as_role, role):
    response = client.post("/api/v1/cases", json=GOOD, headers=as_role(role))
    assert response.status_code == 201
    assert _count() == 1


def test_signed_out_is_401_and_blocked_is_403(client, post, make_user, city):
    assert client.post("/api/v1/cases", json=GOOD).status_code == 401
    blocked = make_user("resident", blocked=True)
    response = post(GOOD, blocked)
    assert response.status_code == 403
    assert error_of(response)["code"] == "blocked"
    assert _count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"category": 5}, "category"),
        ({"lat": 91}, "lat"),
        ({"lat": -90.5}, "lat"),
        ({"lon": 181}, "lon"),
        ({"lat": "north"}, "lat"),
        ({"lat": True}, "lat"),
        ({"lat": None}, "lat"),
        ({"lon": float("nan")}, "lon"),
        ({"description": ""}, "description"),
        ({"description": "   \n "}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"description": "bell\x07"}, "description"),
        ({"description": "rtl \u202e override"}, "description"),
        ({"title": "t" * 141}, "title"),
        ({"priority": "critical"}, "priority"),
        ({"anonymous": "maybe"}, "anonymous"),
        ({"answers": ["size"]}, "answers"),
        ({"answers": {"size": "gigantic"}}, "answers"),
        ({"answers": {"colour": "red"}}, "answers"),
        ({"extra": 1}, "extra"),
    ],
)
def test_invalid_reports_are_422_and_create_nothing(post, change, field):
    body = {**GOOD, **change}
    if change.get("lat", 0) is None:
        body.pop("lat")
    if "nan" in repr(change):  # not JSON strictly, but Python's parser takes NaN
        raw = json.dumps(body)
        response = post(None, data=raw, headers={"Content-Type": "application/json"})
    else:
        response = post(body)
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["fields"]
    assert _count() == 0


def test_json_body_must_be_an_object(client, city, token_for):
    headers = {**token_for(city.reporter), "Content-Type": "application/json"}
    for raw in ("[]", "null", "{not json", '"text"', ""):
        response = client.post("/api/v1/cases", data=raw, headers=headers)
        assert response.status_code == 422, raw
    assert _count() == 0


def test_required_answers_and_types(post, make_category, city):
    questions = [
        {"code": "depth", "datatype": "number", "required": True, "description": "cm"},
        {"code": "seen", "datatype": "datetime", "required": False, "description": "When"},
        {
            "code": "kinds",
            "datatype": "multivaluelist",
            "required": False,
            "description": "What",
            "values": [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
        },
    ]
    make_category("deep", department=city.roads, attributes=questions)
    missing = post({**GOOD, "category": "deep"})
    assert error_of(missing)["fields"]["answers"] == {"depth": ["Answer this question."]}
    wrong = post({**GOOD, "category": "deep", "answers": {"depth": "deep", "kinds": ["c"]}})
    assert set(error_of(wrong)["fields"]["answers"]) == {"depth", "kinds"}
    good = post(
        {
            **GOOD,
            "category": "deep",
            "answers": {"depth": "12.5", "seen": "2026-11-20T08:00:00+08:00", "kinds": "a,b,a"},
        }
    )
    assert good.status_code == 201, good.get_json()
    assert good.get_json()["answers"] == {
        "depth": 12.5,
        "seen": "2026-11-20T00:00:00+00:00",
        "kinds": ["a", "b"],
    }


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE cases; --",
        "<script>alert(1)</script>",
        "路面有一个大坑 🚲🕳️ près de la gare",
        "{{7*7}} ${jndi:ldap://x}",
        "👩‍👩‍👧 family emoji with joiners",
    ],
)
def test_hostile_text_is_stored_verbatim(post, client, text):
    response = post({**GOOD, "description": text, "title": text[:140]})
    assert response.status_code == 201
    fetched = client.get(f"/api/v1/cases/{response.get_json()['id']}").get_json()
    assert fetched["description"] == text
    assert _count() == 1


def test_nul_characters_are_refused(post):
    assert post({**GOOD, "description": "a\x00b"}).status_code == 422
    assert _count() == 0


def test_anonymous_report_hides_the_reporter_from_the_public(post, client, city, token_for):
    case = post({**GOOD, "anonymous": True}).get_json()
    assert case["reporter"] == {"display_name": "anonymous"}
    public = client.get(f"/api/v1/cases/{case['id']}").get_json()
    assert public["reporter"] == {"display_name": "anonymous"}
    events = client.get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]
    assert events[0]["actor"] == {"id": None, "display_name": "anonymous", "role": None}
    assert "Rita" not in str(public) + str(events)
    staff = client.get(f"/api/v1/cases/{case['id']}", headers=token_for(city.staff)).get_json()
    assert staff["reporter"]["display_name"] == "Rita Reporter"
    assert staff["reporter"]["email"] == city.reporter.email


@pytest.mark.parametrize(
    ("role", "sees_contact"),
    [
        ("anonymous", False),
        ("resident", False),
        ("volunteer", False),
        ("staff", False),  # of no handling department: tests/cases/test_contact_privacy.py
        ("admin", True),
    ],
)
def test_only_handlers_and_admins_see_the_contact(
    client, as_role, make_case, city, role, sees_contact
):
    case = make_case()
    headers = as_role(role)
    one = client.get(f"/api/v1/cases/{case.id}", headers=headers).get_json()
    listed = client.get("/api/v1/cases", headers=headers).get_json()["items"][0]
    for payload in (one, listed):
        assert ("email" in payload["reporter"]) is sees_contact
        assert (city.reporter.email in str(payload)) is sees_contact
        assert ("+86 21 5555 0101" in str(payload)) is sees_contact


def test_urgent_reports_skip_the_wait(post, city):
    response = post({**GOOD, "priority": "urgent"})
    case = response.get_json()
    assert case["status"] == "assigned"
    assert case["due_at"] is not None
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case["id"]).order_by(CaseEvent.id)
    ).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("submit", city.reporter.id),
        ("accept", None),
        ("assign", None),
    ]


def test_urgent_reports_by_staff_involve_the_departments_they_name(post, city, make_department):
    make_department("order")
    response = post({**GOOD, "priority": "urgent", "departments": ["water", "order"]}, city.staff)
    assert response.status_code == 201, response.get_json()
    case_id = response.get_json()["id"]
    case = db.session.get(Case, case_id)
    assert sorted(t.department.code for t in case.tasks) == ["order", "water"]
    actions = db.session.scalars(
        select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    ).all()
    assert actions == ["submit", "accept", "assign", "cohandle", "cohandle"]


def test_only_staff_name_departments_and_only_when_urgent(post, city):
    assert post({**GOOD, "priority": "urgent", "departments": ["water"]}).status_code == 403
    normal = post({**GOOD, "departments": ["water"]}, city.staff)
    assert normal.status_code == 422
    unknown = post({**GOOD, "priority": "urgent", "departments": ["nowhere"]}, city.staff)
    assert unknown.status_code == 422
    assert _count() == 0


def test_idempotency_key_returns_the_first_case(post):
    headers = {"Idempotency-Key": "outbox-1"}
    first = post(GOOD, headers=headers)
    again = post(GOOD, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    changed = post({**GOOD, "description": "Something else"}, headers=headers)
    assert changed.status_code == 422
    assert _count() == 1


def test_double_submit_without_a_key_files_twice(post):
    post(GOOD)
    post(GOOD)
    assert _count() == 2


def test_inactive_category_is_refused(post, client, as_role):
    client.patch("/api/v1/categories/pothole", json={"active": False}, headers=as_role("admin"))
    assert post(GOOD).status_code == 422


def test_a_double_tap_with_one_key_files_one_case(app, city, token_for):
    """Two copies of the same offline submission racing each other."""
    import threading

    headers = {**token_for(city.reporter), "Idempotency-Key": "tap-tap"}
    barrier = threading.Barrier(3)
    statuses = []

    def submit():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/cases", json=GOOD, headers=headers).status_code)

    db.session.rollback()
    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert _count() == 1
    assert 201 in statuses and set(statuses) <= {201, 409}
