"""The transition table, row by row, over HTTP: every allowed role from every allowed state,
every other role from every allowed state (403, or 401 when signed out) and every other
state (409)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.cases.models import Case, CaseEvent, Status
from backend.cases.transitions import TRANSITIONS
from backend.extensions import db
from tests.helpers import error_of

ROLES = ["anonymous", "reporter", "resident", "volunteer", "staff", "water_staff", "admin"]
# Who may do what, written out independently of the code (which must agree).
ALLOWED = {
    "accept": {"staff", "admin"},
    "reject": {"staff", "admin"},
    "merge": {"staff", "admin", "volunteer"},
    "assign": {"staff", "admin"},
    "transfer": {"staff", "admin"},
    "start": {"staff", "admin"},
    "resolve": {"staff", "admin"},
    "confirm": {"reporter", "volunteer", "admin"},
    "reopen": {"reporter", "volunteer", "admin"},
    "close": {"staff", "admin"},
}
SOURCES = {
    "accept": {"submitted"},
    "reject": {"submitted", "accepted"},
    "merge": {"submitted", "accepted", "assigned"},
    "assign": {"accepted"},
    "transfer": {"submitted", "assigned", "in_progress"},
    "start": {"assigned"},
    "resolve": {"in_progress"},
    "confirm": {"resolved"},
    "reopen": {"resolved", "closed"},
    "close": {"resolved"},
}
TARGETS = {
    "accept": "accepted",
    "reject": "rejected",
    "merge": "merged",
    "assign": "assigned",
    "transfer": "assigned",
    "start": "in_progress",
    "resolve": "resolved",
    "confirm": "closed",
    "reopen": "assigned",
    "close": "closed",
}
STATUSES = [s.value for s in Status]


def test_the_spec_here_is_the_table_in_code():
    assert set(TRANSITIONS) == set(ALLOWED) == set(SOURCES)
    for action, row in TRANSITIONS.items():
        assert {s.value for s in row.sources} == SOURCES[action], action
        assert row.target == TARGETS[action], action


def _allowed_cases():
    for action in ALLOWED:
        for source in sorted(SOURCES[action]):
            for role in sorted(ALLOWED[action]):
                yield pytest.param(action, source, role, id=f"{action}-{source}-{role}")


def _forbidden_roles():
    for action in ALLOWED:
        for source in sorted(SOURCES[action]):
            for role in ROLES:
                if role not in ALLOWED[action]:
                    yield pytest.param(action, source, role, id=f"{action}-{source}-{role}")


def _forbidden_states():
    for action in ALLOWED:
        role = sorted(ALLOWED[action])[0]
        for status in STATUSES:
            if status not in SOURCES[action]:
                yield pytest.param(action, status, role, id=f"{action}-{status}-{role}")


@pytest.fixture
def act(client, city, token_for, make_case):
    """POST a transition as a role on a case; returns the response."""

    def run(case: Case, action: str, role: str, **extra):
        body = {"action": action, **_body(action, city, make_case), **extra}
        headers = {} if role == "anonymous" else token_for(getattr(city, role))
        return client.post(f"/api/v1/cases/{case.id}/transitions", json=body, headers=headers)

    return run


def _body(action: str, city, make_case) -> dict:
    if action in ("reject", "reopen"):
        return {"reason": "Not what it seems"}
    if action == "transfer":
        return {"reason": "Water main under the road", "department": city.water.code}
    if action == "resolve":
        return {"note": "Filled and sealed."}
    if action == "merge":
        return {"merge_into": make_case("submitted", reporter=city.resident).id}
    return {}


def _events(case_id: int) -> list[CaseEvent]:
    db.session.rollback()
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(db.session.scalars(stmt))


def _public_events(case_id: int) -> list[CaseEvent]:
    return [event for event in _events(case_id) if not event.internal]


@pytest.mark.parametrize(("action", "source", "role"), _allowed_cases())
def test_allowed(act, make_case, city, action, source, role):
    case = make_case(source)
    before = len(_public_events(case.id))
    response = act(case, action, role)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == TARGETS[action]
    events = _public_events(case.id)  # starting may also record an internal assign_person
    assert len(events) == before + 1
    event = events[-1]
    assert (event.action, event.from_status, event.to_status) == (action, source, TARGETS[action])
    assert event.actor_id == getattr(city, role).id
    assert db.session.get(Case, case.id).status == TARGETS[action]


@pytest.mark.parametrize(("action", "source", "role"), _forbidden_roles())
def test_forbidden_role(act, make_case, action, source, role):
    case = make_case(source)
    before = len(_events(case.id))
    response = act(case, action, role)
    assert response.status_code == (401 if role == "anonymous" else 403)
    assert error_of(response)["code"] in {"unauthorized", "not_allowed"}
    assert len(_events(case.id)) == before
    assert db.session.get(Case, case.id).status == source


@pytest.mark.parametrize(("action", "status", "role"), _forbidden_states())
def test_forbidden_state(act, make_case, action, status, role):
    case = make_case(status)
    before = len(_events(case.id))
    response = act(case, action, role)
    assert response.status_code == 409, response.get_json()
    assert error_of(response)["code"] == "invalid_transition"
    assert len(_events(case.id)) == before
    assert db.session.get(Case, case.id).status == status


@pytest.mark.parametrize(
    ("action", "source", "missing"),
    [
        ("reject", "submitted", "reason"),
        ("transfer", "assigned", "reason"),
        ("transfer", "assigned", "department"),
        ("reopen", "resolved", "reason"),
        ("resolve", "in_progress", "note"),
        ("merge", "submitted", "merge_into"),
    ],
)
def test_required_fields(client, city, token_for, make_case, action, source, missing):
    case = make_case(source)
    body = {"action": action, **_body(action, city, make_case)}
    body.pop(missing)
    actor = city.reporter if action == "reopen" else city.staff
    response = client.post(
        f"/api/v1/cases/{case.id}/transitions", json=body, headers=token_for(actor)
    )
    assert response.status_code == 422
    assert missing in error_of(response)["fields"]
    assert db.session.get(Case, case.id).status == source


@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
def test_blank_text_counts_as_missing(act, make_case, blank):
    response = act(make_case("submitted"), "reject", "staff", reason=blank)
    assert response.status_code == 422
    assert "reason" in error_of(response)["fields"]


def test_unknown_action_and_wrong_types_are_422(client, city, token_for, make_case):
    case = make_case("submitted")
    headers = token_for(city.staff)
    for body in (
        {"action": "explode"},
        {"action": 7},
        {},
        [],
        {"action": "accept", "version": "one"},
        {"action": "accept", "merge_into": 1.5},
        {"action": "accept", "note": {"$ne": 1}},
        {"action": "accept", "surprise": True},
    ):
        response = client.post(f"/api/v1/cases/{case.id}/transitions", json=body, headers=headers)
        assert response.status_code == 422, body
    assert len(_events(case.id)) == 1


HOSTILE = [
    '{"action": "transfer", "reason": "r", "department": "\\ud800"}',
    '{"action": "reject", "reason": "a\\u0000b"}',
    '{"action": "accept", "updated_at": "0001-01-01T00:00:00+14:00"}',
    '{"action": "accept", "version": 1e400}',
    '{"action": "merge", "merge_into": 2147483647}',
    "[]",
    "null",
    "\xff\xfe",
]


@pytest.mark.parametrize("status", ["submitted", "assigned", "in_progress"])
@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_bodies_are_4xx_on_every_database(client, city, token_for, make_case, status, raw):
    """A lone surrogate in `department` was a 500 (no UTF-8 form for the driver)."""
    case = make_case(status)
    response = client.post(
        f"/api/v1/cases/{case.id}/transitions",
        data=raw,
        content_type="application/json",
        headers=token_for(city.admin),
    )
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert db.session.get(Case, case.id).status == status


def test_a_case_nobody_may_see_is_404(client, city, token_for):
    response = client.post(
        "/api/v1/cases/123456789/transitions",
        json={"action": "accept"},
        headers=token_for(city.staff),
    )
    assert response.status_code == 404


# --- what the transitions do besides the status ------------------------------------------------


def test_assign_sets_due_at_from_the_category_sla(act, make_case):
    case = make_case("accepted")
    response = act(case, "assign", "staff")
    body = response.get_json()
    event = _events(case.id)[-1]
    assert body["department"]["code"] == "roads"
    assert db.session.get(Case, case.id).due_at == event.created_at + timedelta(hours=48)


def test_assign_to_another_department(act, make_case):
    case = make_case("accepted")
    response = act(case, "assign", "staff", department="water")
    assert response.get_json()["department"]["code"] == "water"
    assert _events(case.id)[-1].department.code == "water"


def test_assign_to_an_unknown_department_is_422(act, make_case):
    response = act(make_case("accepted"), "assign", "staff", department="nowhere")
    assert response.status_code == 422
    assert "department" in error_of(response)["fields"]


def test_transfer_moves_the_lead_and_keeps_the_trail(act, make_case, token_for, city, client):
    case = make_case("in_progress")
    response = act(case, "transfer", "staff")
    assert response.status_code == 200
    assert response.get_json()["department"]["code"] == "water"
    event = _events(case.id)[-1]
    assert event.details == {"from_department": "roads"}
    assert event.reason == "Water main under the road"
    # the new lead works it now; the old one no longer can
    start = {"action": "start"}
    url = f"/api/v1/cases/{case.id}/transitions"
    assert client.post(url, json=start, headers=token_for(city.staff)).status_code == 403
    assert client.post(url, json=start, headers=token_for(city.water_staff)).status_code == 200


def test_transfer_to_the_same_department_is_422(act, make_case):
    response = act(make_case("assigned"), "transfer", "staff", department="roads")
    assert response.status_code == 422


def test_reopen_returns_to_assigned_with_a_fresh_due_at(act, make_case):
    case = make_case("closed")
    old_due = case.due_at
    response = act(case, "reopen", "reporter")
    body = response.get_json()
    assert body["status"] == "assigned"
    assert body["department"]["code"] == "roads"
    assert body["resolved_at"] is None and body["closed_at"] is None
    assert body["reopen_count"] == 1
    assert db.session.get(Case, case.id).due_at > old_due


def test_reopen_window_closes(act, make_case, city):
    from datetime import UTC, datetime

    long_ago = datetime.now(UTC) - timedelta(days=31)
    case = make_case("closed", now=long_ago)
    response = act(case, "reopen", "reporter")
    assert response.status_code == 409
    assert error_of(response)["code"] == "reopen_window_closed"


def test_merge_validates_its_target(act, make_case, city):
    case = make_case("submitted")
    closed = make_case("closed")
    for target, message in [(case.id, "itself"), (closed.id, "open"), (987654321, "No such")]:
        response = act(case, "merge", "staff", merge_into=target)
        assert response.status_code == 422
        assert message in error_of(response)["fields"]["merge_into"][0]


def test_a_stale_version_is_409(act, make_case):
    case = make_case("submitted")
    seen = case.version
    response = act(case, "accept", "staff", version=seen + 5)
    assert response.status_code == 409
    assert error_of(response)["code"] == "stale"
    fresh = act(case, "accept", "staff", version=seen)
    assert fresh.status_code == 200
    assert fresh.get_json()["version"] == seen + 1


def test_a_stale_updated_at_is_409(act, make_case):
    case = make_case("submitted")
    seen = case.updated_at
    stale = act(case, "accept", "staff", updated_at=(seen - timedelta(seconds=1)).isoformat())
    assert stale.status_code == 409
    ok = act(case, "accept", "staff", updated_at=seen.isoformat())
    assert ok.status_code == 200


def test_only_transitions_change_status(client, city, token_for, make_case):
    """A PATCH-like attempt to set the status is not an API at all."""
    case = make_case("submitted")
    headers = token_for(city.admin)
    assert client.patch(f"/api/v1/cases/{case.id}", json={"status": "closed"}, headers=headers)
    assert db.session.get(Case, case.id).status == "submitted"
    count = db.session.scalar(select(func.count(CaseEvent.id)))
    assert count == 1
