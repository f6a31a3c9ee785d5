"""Giving a case to a person of its department, a misrouted new report transferred at once,
and an override's reason kept from the public unless the clerk publishes it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.cases.models import Case, CaseEvent
from backend.extensions import db


@pytest.fixture
def put_assignee(client, token_for):
    def run(case, who, assignee):
        headers = token_for(who) if who is not None else {}
        url = f"/api/v1/cases/{case.id}/assignee"
        return client.put(url, json={"assignee": assignee}, headers=headers)

    return run


@pytest.fixture
def transition(client, token_for):
    def run(case, who, **body):
        url = f"/api/v1/cases/{case.id}/transitions"
        return client.post(url, json=body, headers=token_for(who))

    return run


def _events(case_id: int) -> list[CaseEvent]:
    db.session.rollback()
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(db.session.scalars(stmt))


def test_assigning_names_a_person_stored_in_the_staff_payload_and_an_internal_event(
    make_case, city, make_user, transition, client, token_for
):
    colleague = make_user("staff", departments=["roads"], display_name="Cai Colleague")
    case = make_case("accepted")
    response = transition(case, city.staff, action="assign", assignee=colleague.id)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["assignee"] == {"id": colleague.id, "display_name": "Cai Colleague"}
    assert db.session.get(Case, case.id).assignee_id == colleague.id
    event = _events(case.id)[-1]
    assert (event.action, event.internal, event.actor_id) == ("assign_person", True, city.staff.id)
    assert event.details == {"assignee": {"id": colleague.id, "display_name": "Cai Colleague"}}
    # residents see the department, not the person
    public = client.get(f"/api/v1/cases/{case.id}").get_json()
    assert "assignee" not in public
    public_events = client.get(f"/api/v1/cases/{case.id}/events").get_json()["items"]
    assert "assign_person" not in [e["action"] for e in public_events]
    staff_events = client.get(f"/api/v1/cases/{case.id}/events", headers=token_for(city.staff))
    assert "assign_person" in [e["action"] for e in staff_events.get_json()["items"]]


def test_assigned_to_me_lists_the_assignees_cases_only(
    make_case, city, make_user, put_assignee, client, token_for
):
    colleague = make_user("staff", departments=["roads"])
    mine, theirs = make_case("assigned"), make_case("assigned")
    assert put_assignee(mine, city.staff, city.staff.id).status_code == 200
    assert put_assignee(theirs, city.staff, colleague.id).status_code == 200

    def listed(user):
        url = "/api/v1/cases?assigned_to_me=true"
        return [c["id"] for c in client.get(url, headers=token_for(user)).get_json()["items"]]

    assert listed(city.staff) == [mine.id]  # although city.staff assigned both
    assert listed(colleague) == [theirs.id]
    assert put_assignee(theirs, colleague, None).status_code == 200  # back to the department
    assert listed(colleague) == []
    assert _events(theirs.id)[-1].details == {"assignee": None}


def test_starting_an_unassigned_case_makes_the_starter_its_assignee(make_case, city, transition):
    case = make_case("assigned")
    assert transition(case, city.staff, action="start").get_json()["assignee"]["id"] == (
        city.staff.id
    )
    assert [e.action for e in _events(case.id)][-2:] == ["start", "assign_person"]


def test_a_transfer_leaves_the_former_departments_assignee(make_case, city, transition):
    case = make_case("assigned")
    transition(case, city.staff, action="start")
    response = transition(
        case, city.staff, action="transfer", department="water", reason="A burst main"
    )
    assert response.status_code == 200
    assert db.session.get(Case, case.id).assignee_id is None
    named = make_case("assigned")
    response = transition(
        named,
        city.staff,
        action="transfer",
        department="water",
        reason="A burst main",
        assignee=city.water_staff.id,
    )
    assert response.get_json()["assignee"]["id"] == city.water_staff.id


@pytest.mark.parametrize(
    "who", ["resident", "volunteer", "water_staff", "other_roads_resident"], ids=str
)
def test_only_the_handling_department_assigns(make_case, city, make_user, put_assignee, who):
    case = make_case("assigned")
    actor = make_user("resident") if who == "other_roads_resident" else getattr(city, who)
    response = put_assignee(case, actor, city.staff.id)
    assert response.status_code == 403
    assert db.session.get(Case, case.id).assignee_id is None


def test_assigning_needs_a_sign_in(make_case, city, put_assignee):
    assert put_assignee(make_case("assigned"), None, city.staff.id).status_code == 401


def test_heads_and_admins_assign(make_case, city, make_user, put_assignee):
    head = make_user("staff", departments=["roads"], head_of=["roads"])
    case = make_case("assigned")
    assert put_assignee(case, head, city.staff.id).status_code == 200
    assert put_assignee(case, city.admin, head.id).status_code == 200


@pytest.mark.parametrize("kind", ["other_department", "resident", "inactive", "missing", "bad"])
def test_the_assignee_must_be_active_staff_of_the_department(
    make_case, city, make_user, put_assignee, kind
):
    people = {
        "other_department": lambda: city.water_staff.id,
        "resident": lambda: city.reporter.id,
        "inactive": lambda: make_user("staff", departments=["roads"], active=False).id,
        "missing": lambda: 2**31 - 1,
        "bad": lambda: "someone",
    }
    case = make_case("assigned")
    response = put_assignee(case, city.staff, people[kind]())
    assert response.status_code == 422
    assert "assignee" in response.get_json()["error"]["fields"]
    assert db.session.get(Case, case.id).assignee_id is None


def test_a_closed_case_is_not_assigned(make_case, city, put_assignee):
    response = put_assignee(make_case("closed"), city.staff, city.staff.id)
    assert response.status_code == 409


def test_the_people_picker_lists_the_departments_active_staff(city, make_user, client, token_for):
    make_user("staff", departments=["roads"], active=False)
    url = "/api/v1/departments/roads/people"
    body = client.get(url, headers=token_for(city.staff)).get_json()
    assert [p["id"] for p in body["items"]] == [city.staff.id]
    assert client.get(url, headers=token_for(city.water_staff)).status_code == 403
    assert client.get(url, headers=token_for(city.volunteer)).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(url, headers=token_for(city.admin)).status_code == 200
    missing = client.get("/api/v1/departments/nowhere/people", headers=token_for(city.admin))
    assert missing.status_code == 404


def test_a_misrouted_new_report_is_transferred_at_once(make_case, city, transition, token_for):
    case = make_case("submitted")
    response = transition(
        case, city.staff, action="transfer", department="water", reason="A water leak"
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["department"]["code"]) == ("assigned", "water")
    event = _events(case.id)[-1]
    assert (event.action, event.from_status, event.details) == (
        "transfer",
        "submitted",
        {"from_department": "roads"},
    )
    refused = transition(
        make_case("submitted"), city.water_staff, action="transfer", department="water", reason="x"
    )
    assert refused.status_code == 403  # not the handling department's to pass on


@pytest.mark.parametrize("published", [False, True])
def test_an_override_reason_is_internal_unless_published(
    make_case, city, transition, client, token_for, published
):
    case = make_case("in_progress")
    ask = {"department": "water"}
    client.post(f"/api/v1/cases/{case.id}/tasks", json=ask, headers=token_for(city.staff))
    why = "The water crew's part can wait: the hole is safe now."
    response = transition(
        case,
        city.staff,
        action="resolve",
        note="Filled.",
        override_open_tasks=True,
        reason=why,
        publish_reason=published,
    )
    assert response.status_code == 200, response.get_json()
    event = _events(case.id)[-1]
    assert (event.reason, event.details["reason_public"]) == (why, published)

    def resolve_reason(headers):
        items = client.get(f"/api/v1/cases/{case.id}/events", headers=headers).get_json()["items"]
        return next(e["reason"] for e in items if e["action"] == "resolve")

    assert resolve_reason({}) == (why if published else None)  # the public
    assert resolve_reason(token_for(city.reporter)) == (why if published else None)
    assert resolve_reason(token_for(city.staff)) == why


def test_the_override_reason_stays_out_of_the_live_public_payload(
    make_case, city, transition, client, token_for, app
):
    from backend.cases.broadcast import event_payload

    case = make_case("in_progress")
    ask = {"department": "water"}
    client.post(f"/api/v1/cases/{case.id}/tasks", json=ask, headers=token_for(city.staff))
    transition(
        case, city.staff, action="resolve", note="Filled.", override_open_tasks=True, reason="x"
    )
    stored = db.session.get(Case, case.id)
    event = _events(case.id)[-1]
    assert event_payload(stored, event)["event"]["reason"] is None
    assert event_payload(stored, event, internal=True)["event"]["reason"] == "x"
