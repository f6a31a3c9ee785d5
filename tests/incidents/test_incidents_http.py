"""Incidents over HTTP: who may declare, change, link, finish tasks, write notes and close
(per role), what each reader sees (residents never internal notes nor offered cases), the
point lookup on circles and polygons, and bad input refused with a 4xx and nothing written."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.incidents import area
from backend.incidents.models import Incident, IncidentEvent
from tests.fixtures_cases import CENTRE
from tests.fixtures_incidents import incident_body
from tests.helpers import error_of

READERS = ("admin", "head", "staff", "water_staff", "parks_staff", "resident", "anonymous")
INSIDERS = {"admin", "head", "staff", "water_staff"}
SQUARE = [[121.46, 31.225], [121.49, 31.225], [121.49, 31.24], [121.46, 31.24], [121.46, 31.225]]


def _get(client, incident_id, headers=None):
    response = client.get(f"/api/v1/incidents/{incident_id}", headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _incident_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Incident.id)))


# --- declare ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, lead, expected",
    [
        ("anonymous", "roads", 401),
        ("resident", "roads", 403),
        ("volunteer", "roads", 403),
        ("staff", "roads", 403),  # staff of roads, not its head
        ("parks_staff", "parks", 403),
        ("head", "water", 403),  # heads roads, not water
        ("head", "roads", 201),
        ("admin", "water", 201),
    ],
)
def test_who_may_declare(client, crisis, who, lead, expected):
    response = client.post(
        "/api/v1/incidents",
        json=incident_body(lead_department=lead),
        headers=getattr(crisis.h, who),
    )
    assert response.status_code == expected, response.get_json()
    if expected != 201:
        error_of(response)
        assert _incident_count() == 0


def test_declaring_gives_every_department_a_task_and_records_it(client, crisis, declare):
    shown = declare(departments=["water", "roads", "water"])
    assert shown["status"] == "active" and shown["severity"] == "severe"
    assert shown["lead_department"] == {"code": "roads", "name": "Roads"}
    assert [d["code"] for d in shown["departments"]] == ["roads", "water"]
    assert [(t["department"]["code"], t["status"]) for t in shown["tasks"]] == [
        ("roads", "open"),
        ("water", "open"),
    ]
    assert shown["open_task_count"] == 2 and shown["case_count"] == 0
    assert shown["area"] == {"lat": CENTRE[0], "lon": CENTRE[1], "radius_m": 2000}
    assert shown["declared_by"] == {"display_name": "Hu Head", "role": "staff"}
    [event] = shown["timeline"]
    assert event["type"] == "declare" and event["internal"] is False
    assert event["data"] == {"lead_department": "roads", "departments": ["roads", "water"]}
    db.session.rollback()
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "incident"))
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "incident.declare",
        crisis.head.id,
        str(shown["id"]),
    )


def test_titles_are_cleaned_and_unicode_is_kept(client, crisis, declare):
    shown = declare(title="  暴雨 Cafe\u0301 预警  ", description="", notice="")
    assert shown["title"] == "暴雨 Café 预警"
    assert shown["description"] == "" and shown["notice"] == ""


BAD_DECLARATIONS = [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 161}, "title"),
    ({"title": "bell\u0007"}, "title"),
    ({"title": 42}, "title"),
    ({"description": "d" * 4001}, "description"),
    ({"notice": "n" * 501}, "notice"),
    ({"severity": "apocalyptic"}, "severity"),
    ({"severity": None}, "severity"),
    ({"area": {"lat": 31.2, "lon": 121.4}}, "area"),
    ({"area": {"lat": 31.2, "lon": 121.4, "radius_m": 10}}, "area"),
    ({"area": {"lat": 31.2, "lon": 121.4, "radius_m": 20001}}, "area"),
    ({"area": {"lat": "31.2", "lon": 121.4, "radius_m": 500}}, "area"),
    ({"area": {"lat": 91, "lon": 121.4, "radius_m": 500}}, "area"),
    ({"area": {"lat": 31.2, "lon": 121.4, "radius_m": 500.5}}, "area"),
    ({"area": {"polygon": SQUARE[:-1]}}, "area"),  # not closed
    ({"area": {"polygon": [[0, 0], [1, 1], [0, 0]]}}, "area"),  # too few points
    ({"area": {"polygon": [[0, 0]] * 201}}, "area"),
    ({"area": {"polygon": [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]}}, "area"),  # crosses
    ({"area": {"polygon": [[0, 0], [1, 1], [2, 2], [0, 0]]}}, "area"),  # no area
    ({"area": {"polygon": [[0, 0], [200, 0], [0, 1], [0, 0]]}}, "area"),
    ({"area": {"polygon": [[0, 0], [1], [0, 1], [0, 0]]}}, "area"),
    ({"area": {"polygon": [["a", 0], [1, 0], [0, 1], ["a", 0]]}}, "area"),
    ({"area": {"polygon": SQUARE, "lat": 1}}, "area"),
    ({"area": "downtown"}, "area"),
    ({"lead_department": "nowhere"}, "lead_department"),
    ({"lead_department": ""}, "lead_department"),
    ({"departments": ["nowhere"]}, "departments"),
    ({"departments": "water"}, "departments"),
    ({"categories": ["nothing"]}, "categories"),
    ({"categories": [1]}, "categories"),
]


@pytest.mark.parametrize("change, field", BAD_DECLARATIONS)
def test_bad_declarations_are_refused_with_the_field(client, crisis, change, field):
    response = client.post("/api/v1/incidents", json=incident_body(**change), headers=crisis.h.head)
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["fields"]
    assert _incident_count() == 0


def test_a_body_that_is_not_an_object_is_refused(client, crisis):
    for body in ([], "storm", None, 7):
        response = client.post("/api/v1/incidents", json=body, headers=crisis.h.head)
        assert response.status_code in (400, 422), body
        error_of(response)
    assert _incident_count() == 0


def test_a_huge_body_is_refused(client, crisis):
    response = client.post(
        "/api/v1/incidents", json=incident_body(title="t" * 2_000_000), headers=crisis.h.head
    )
    assert 400 <= response.status_code < 500
    error_of(response)


# --- reading ------------------------------------------------------------------------------


def _with_notes(client, crisis, declare) -> dict:
    shown = declare()
    path = f"/api/v1/incidents/{shown['id']}/notes"
    internal = client.post(path, json={"body": "Pump 3 is down."}, headers=crisis.h.water_staff)
    public = client.post(
        path, json={"body": "Crews are on site.", "internal": False}, headers=crisis.h.staff
    )
    assert internal.status_code == public.status_code == 201
    assert internal.get_json()["internal"] is True and public.get_json()["internal"] is False
    return shown


@pytest.mark.parametrize("who", READERS)
def test_what_each_reader_sees(client, crisis, declare, make_case, who):
    shown = _with_notes(client, crisis, declare)
    later = make_case(description="The underpass is flooded.")  # offered, not linked
    seen = _get(client, shown["id"], getattr(crisis.h, who))
    bodies = [e["body"] for e in seen["timeline"] if e["type"] == "note"]
    if who in INSIDERS:
        assert bodies == ["Pump 3 is down.", "Crews are on site."]
        assert [c["id"] for c in seen["offered_cases"]] == [later.id]
        assert seen["declared_by"]["display_name"] == "Hu Head"
        assert all("done_by" in t for t in seen["tasks"])
    else:
        assert bodies == ["Crews are on site."]
        assert "offered_cases" not in seen
        assert all("done_by" not in t for t in seen["tasks"])
        assert "declared_by" not in seen
    assert "Pump 3" not in str(seen) or who in INSIDERS


def test_an_unknown_incident_is_a_404(client, crisis):
    for path in ("/api/v1/incidents/999", "/api/v1/incidents/99999999999999"):
        response = client.get(path)
        assert response.status_code == 404
        error_of(response)


def test_the_list_filters_by_status(client, crisis, declare):
    first, second = declare(title="First"), declare(title="Second")
    client.post(
        f"/api/v1/incidents/{first['id']}/close", json={"summary": "Done."}, headers=crisis.h.head
    )
    listed = lambda q="": [i["id"] for i in client.get(f"/api/v1/incidents{q}").get_json()["items"]]  # noqa: E731
    assert listed() == [second["id"]]
    assert listed("?status=closed") == [first["id"]]
    assert listed("?status=all") == [second["id"], first["id"]]
    item = client.get("/api/v1/incidents").get_json()["items"][0]
    assert set(item) == {
        "id",
        "title",
        "severity",
        "status",
        "area",
        "notice",
        "categories",
        "lead_department",
        "departments",
        "declared_at",
        "closed_at",
        "case_count",
        "open_task_count",
    }
    assert client.get("/api/v1/incidents?status=gone").status_code == 422


@pytest.mark.parametrize(
    "point, circle, square",
    [
        ((CENTRE[0], CENTRE[1]), True, True),
        ((CENTRE[0] - 0.0085, CENTRE[1]), True, False),  # 950 m south: in the circle only
        ((31.2390, 121.4615), False, True),  # the square's corner lies outside the circle
        ((CENTRE[0] - 0.0088, CENTRE[1] + 0.0103), False, False),  # the circle's box corner
        ((40.0, 116.4), False, False),
    ],
)
def test_the_point_lookup_tests_the_exact_shape(client, crisis, declare, point, circle, square):
    in_circle = declare(title="Circle", area={"lat": CENTRE[0], "lon": CENTRE[1], "radius_m": 1000})
    in_square = declare(title="Square", area={"polygon": SQUARE})
    lat, lon = point
    items = client.get(f"/api/v1/incidents?lat={lat}&lon={lon}").get_json()["items"]
    found = {i["id"] for i in items}
    assert (in_circle["id"] in found) is circle
    assert (in_square["id"] in found) is square


@pytest.mark.parametrize(
    "query", ["?lat=31.2", "?lon=121.4", "?lat=91&lon=0", "?lat=x&lon=1", "?lat=nan&lon=1"]
)
def test_bad_points_are_refused(client, crisis, query):
    response = client.get(f"/api/v1/incidents{query}")
    assert response.status_code == 422
    error_of(response)


# --- changing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", 401),
        ("resident", 403),
        ("parks_staff", 403),
        ("water_staff", 403),
        ("staff", 403),
        ("head", 200),
        ("admin", 200),
    ],
)
def test_who_may_change_an_incident(client, crisis, declare, who, expected):
    shown = declare()
    response = client.patch(
        f"/api/v1/incidents/{shown['id']}",
        json={"severity": "extreme"},
        headers=getattr(crisis.h, who),
    )
    assert response.status_code == expected, response.get_json()
    assert _get(client, shown["id"])["severity"] == ("extreme" if expected == 200 else "severe")


def test_changes_are_events_and_departments_only_join(client, crisis, declare):
    shown = declare()
    response = client.patch(
        f"/api/v1/incidents/{shown['id']}",
        json={
            "title": "Storm and floods",
            "severity": "severe",
            "departments": ["parks", "water"],
            "area": {"polygon": SQUARE},
            "categories": [],
        },
        headers=crisis.h.head,
    )
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["title"] == "Storm and floods" and changed["area"] == {"polygon": SQUARE}
    assert [d["code"] for d in changed["departments"]] == ["roads", "water", "parks"]
    assert [(e["type"], e["data"]) for e in changed["timeline"][1:]] == [
        ("update", {"fields": ["title", "area", "categories"]}),
        ("join", {"department": "parks"}),
    ]
    db.session.rollback()
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.target_type == "incident")
        .order_by(AuditEntry.id)
    )
    assert list(actions) == ["incident.declare", "incident.update"]
    same = client.patch(
        f"/api/v1/incidents/{shown['id']}", json={"severity": "severe"}, headers=crisis.h.head
    )
    assert len(same.get_json()["timeline"]) == 3  # nothing changed: no event


@pytest.mark.parametrize(
    "change, field", [c for c in BAD_DECLARATIONS if c[1] != "lead_department"]
)
def test_bad_changes_are_refused_and_nothing_changes(client, crisis, declare, change, field):
    shown = declare()
    response = client.patch(f"/api/v1/incidents/{shown['id']}", json=change, headers=crisis.h.head)
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["fields"]
    assert _get(client, shown["id"], crisis.h.head) == shown


def test_the_lead_department_cannot_be_changed(client, crisis, declare):
    shown = declare()
    response = client.patch(
        f"/api/v1/incidents/{shown['id']}",
        json={"lead_department": "water"},
        headers=crisis.h.admin,
    )
    assert response.status_code == 422
    assert "lead_department" in error_of(response)["fields"]


# --- cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", 401),
        ("resident", 403),
        ("volunteer", 403),
        ("parks_staff", 403),
        ("water_staff", 201),
        ("staff", 201),
        ("admin", 201),
    ],
)
def test_who_may_link_a_case(client, crisis, declare, make_case, who, expected):
    shown, case = declare(), make_case()
    response = client.post(
        f"/api/v1/incidents/{shown['id']}/cases",
        json={"case_id": case.id},
        headers=getattr(crisis.h, who),
    )
    assert response.status_code == expected, response.get_json()
    linked = _get(client, shown["id"])["cases"]
    assert [c["id"] for c in linked] == ([case.id] if expected == 201 else [])


def test_linking_and_unlinking(client, crisis, declare, make_case):
    shown, other = declare(), declare(title="Other")
    case = make_case("accepted", title="Flooded underpass")
    path = f"/api/v1/incidents/{shown['id']}/cases"
    linked = client.post(path, json={"case_id": case.id}, headers=crisis.h.water_staff)
    assert linked.status_code == 201
    assert linked.get_json()["data"] == {"case_id": case.id, "reference": case.reference}
    again = client.post(path, json={"case_id": case.id}, headers=crisis.h.staff)
    elsewhere = client.post(
        f"/api/v1/incidents/{other['id']}/cases", json={"case_id": case.id}, headers=crisis.h.staff
    )
    assert again.status_code == elsewhere.status_code == 409
    assert error_of(elsewhere)["code"] == "already_linked"
    seen = _get(client, shown["id"])
    assert seen["case_count"] == 1
    assert seen["cases"] == [
        {
            "id": case.id,
            "reference": case.reference,
            "title": "Flooded underpass",
            "status": "accepted",
            "category": {"code": "pothole", "name": "Pothole"},
            "department": {"code": "roads", "name": "Roads"},
            "lat": CENTRE[0],
            "lon": CENTRE[1],
        }
    ]
    assert client.delete(f"{path}/{case.id}", headers=crisis.h.parks_staff).status_code == 403
    assert client.delete(f"{path}/{case.id}", headers=crisis.h.staff).status_code == 204
    assert client.delete(f"{path}/{case.id}", headers=crisis.h.staff).status_code == 404
    assert _get(client, shown["id"])["cases"] == []
    types = [e["type"] for e in _get(client, shown["id"])["timeline"]]
    assert types == ["declare", "link", "unlink"]


@pytest.mark.parametrize(
    "body", [{"case_id": 999}, {"case_id": "1"}, {"case_id": 0}, {}, {"case_id": 10**20}]
)
def test_linking_nothing_is_refused(client, crisis, declare, body):
    shown = declare()
    response = client.post(
        f"/api/v1/incidents/{shown['id']}/cases", json=body, headers=crisis.h.staff
    )
    assert response.status_code in (404, 422)
    error_of(response)


def test_hidden_cases_are_not_shown_to_the_public(client, crisis, declare, make_case):
    from tests.helpers import hide

    shown, case = declare(), make_case()
    client.post(
        f"/api/v1/incidents/{shown['id']}/cases", json={"case_id": case.id}, headers=crisis.h.staff
    )
    hide(client, crisis.h.admin, "case", case.id)
    assert _get(client, shown["id"])["cases"] == []
    assert _get(client, shown["id"])["case_count"] == 0
    assert [c["id"] for c in _get(client, shown["id"], crisis.h.staff)["cases"]] == [case.id]


# --- tasks, notes, closing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, code, expected",
    [
        ("anonymous", "water", 401),
        ("resident", "water", 403),
        ("staff", "water", 403),
        ("parks_staff", "water", 403),
        ("water_staff", "water", 200),
        ("admin", "water", 200),
        ("water_staff", "parks", 404),
        ("water_staff", "nowhere", 404),
    ],
)
def test_who_may_finish_a_task(client, crisis, declare, who, code, expected):
    shown = declare()
    response = client.post(
        f"/api/v1/incidents/{shown['id']}/tasks/{code}/done",
        json={"note": "Pumps running."},
        headers=getattr(crisis.h, who),
    )
    assert response.status_code == expected, response.get_json()
    if expected == 200:
        task = response.get_json()
        assert task["status"] == "done" and task["done_note"] == "Pumps running."
        assert task["department"]["code"] == "water" and task["done_at"]
        again = client.post(
            f"/api/v1/incidents/{shown['id']}/tasks/water/done", json={}, headers=crisis.h.admin
        )
        assert again.status_code == 409 and error_of(again)["code"] == "task_done"
        assert _get(client, shown["id"])["open_task_count"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": ""},
        {"body": "x" * 4001},
        {"body": 5},
        {"body": "ok", "internal": "yes"},
        {"body": "ok", "internal": 1},
        {"body": "\u202e"},
    ],
)
def test_bad_notes_are_refused(client, crisis, declare, body):
    shown = declare()
    response = client.post(
        f"/api/v1/incidents/{shown['id']}/notes", json=body, headers=crisis.h.staff
    )
    assert response.status_code == 422, response.get_json()
    error_of(response)
    db.session.rollback()
    assert db.session.scalar(select(func.count(IncidentEvent.id))) == 1


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 401), ("resident", 403), ("parks_staff", 403), ("water_staff", 201)],
)
def test_who_may_write_notes(client, crisis, declare, who, expected):
    shown = declare()
    response = client.post(
        f"/api/v1/incidents/{shown['id']}/notes",
        json={"body": "Status?", "internal": False},
        headers=getattr(crisis.h, who),
    )
    assert response.status_code == expected


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", 401),
        ("resident", 403),
        ("water_staff", 403),
        ("staff", 403),
        ("head", 200),
        ("admin", 200),
    ],
)
def test_who_may_close(client, crisis, declare, who, expected):
    shown = declare()
    response = client.post(
        f"/api/v1/incidents/{shown['id']}/close",
        json={"summary": "Water receded by 18:00."},
        headers=getattr(crisis.h, who),
    )
    assert response.status_code == expected, response.get_json()
    if expected == 200:
        closed = response.get_json()
        assert closed["status"] == "closed" and closed["closed_at"]
        assert closed["summary"] == "Water receded by 18:00."
        assert closed["timeline"][-1]["type"] == "close"


def test_a_closed_incident_takes_no_more_changes(client, crisis, declare, make_case):
    shown = declare()
    base = f"/api/v1/incidents/{shown['id']}"
    assert (
        client.post(f"{base}/close", json={"summary": "Over."}, headers=crisis.h.head).status_code
        == 200
    )
    attempts = [
        client.post(f"{base}/close", json={"summary": "Again."}, headers=crisis.h.head),
        client.patch(base, json={"severity": "minor"}, headers=crisis.h.head),
        client.post(f"{base}/cases", json={"case_id": make_case().id}, headers=crisis.h.staff),
        client.post(f"{base}/notes", json={"body": "Late."}, headers=crisis.h.staff),
        client.post(f"{base}/tasks/water/done", json={}, headers=crisis.h.water_staff),
    ]
    for response in attempts:
        assert response.status_code == 409, response.get_json()
        assert error_of(response)["code"] == "incident_closed"


@pytest.mark.parametrize("body", [{}, {"summary": ""}, {"summary": "s" * 4001}, {"summary": None}])
def test_closing_needs_a_summary(client, crisis, declare, body):
    shown = declare()
    response = client.post(
        f"/api/v1/incidents/{shown['id']}/close", json=body, headers=crisis.h.head
    )
    assert response.status_code == 422
    assert _get(client, shown["id"])["status"] == "active"


def test_offered_cases_are_new_open_inside_and_in_the_categories(
    client, crisis, declare, make_case
):
    before = make_case()  # filed before the declaration
    shown = declare(categories=["pothole"])
    inside = make_case()
    make_case(lat=40.0, lon=116.4)  # far away
    make_case(category=crisis.leak)  # not in its categories
    make_case("rejected")
    linked = make_case()
    client.post(
        f"/api/v1/incidents/{shown['id']}/cases",
        json={"case_id": linked.id},
        headers=crisis.h.staff,
    )
    offered = _get(client, shown["id"], crisis.h.staff)["offered_cases"]
    assert [c["id"] for c in offered] == [inside.id]
    assert before.id not in [c["id"] for c in offered]


@pytest.fixture
def app_overrides():
    return {}


class TestRateLimit:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": True, "POSTING_LIMIT_PER_USER": "2 per minute"}

    def test_declaring_is_rate_limited(self, client, crisis):
        codes = [
            client.post(
                "/api/v1/incidents", json=incident_body(), headers=crisis.h.head
            ).status_code
            for _ in range(3)
        ]
        assert codes == [201, 201, 429]


def test_a_circle_across_the_antimeridian_holds_points_on_both_sides():
    """Its box takes every longitude (one box is stored); the exact test keeps the circle."""
    incident = SimpleNamespace(**area.normalize({"lat": -17.7, "lon": 179.999, "radius_m": 2000}))
    assert (incident.min_lon, incident.max_lon) == (-180.0, 180.0)
    assert area.contains(incident, -17.7, -179.995) and area.contains(incident, -17.7, 179.99)
    assert not area.contains(incident, -17.7, -179.9)
