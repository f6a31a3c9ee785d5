"""FixMyStreet's ``POST servicerequestupdates``: a trusted back-office moves cases through
the ordinary transition engine (same rules, live events), idempotent on ``update_id``."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import jsonschema
import pytest
from sqlalchemy import select

from backend.auth import service as auth_service
from backend.auth.models import ApiKey
from backend.cases.models import Case, CaseEvent
from backend.extensions import db
from tests.fixtures_live import received, subscribe
from tests.helpers import hide
from tests.open311 import schemas311
from tests.open311.test_open311_api import BASE, assert_error, get_json

WHEN = "2026-12-02T09:30:00+08:00"


@pytest.fixture
def keys(app, city):
    """A trusted back-office key and an ordinary (untrusted) one."""
    _, trusted = auth_service.create_api_key(db.session, "Back office", trusted=True)
    _, plain = auth_service.create_api_key(db.session, "Bot")
    db.session.commit()
    return {"trusted": trusted, "plain": plain}


def send(client, key, case_id, status, update_id, fmt="json", **fields):
    form = {
        "api_key": key,
        "service_request_id": str(case_id),
        "update_id": update_id,
        "status": status,
        "updated_datetime": WHEN,
        "description": f"{status} by the back office",
        **fields,
    }
    form = {k: v for k, v in form.items() if v is not None}
    return client.post(f"{BASE}/servicerequestupdates.{fmt}", data=form)


def posted_id(response) -> str:
    assert response.status_code == 200, response.data
    body = response.get_json()
    jsonschema.validate(body, schemas311.UPDATE_POSTED)
    return body[0]["update_id"]


def events(case_id: int) -> list[CaseEvent]:
    db.session.expire_all()
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(db.session.scalars(stmt))


def test_a_trusted_back_office_walks_a_case_through_the_loop(client, keys, make_case, city):
    case = make_case()
    steps = ["INVESTIGATING", "ACTION_SCHEDULED", "IN_PROGRESS", "FIXED", "CLOSED"]
    ids = [posted_id(send(client, keys["trusted"], case.id, s, f"bo-{i}")) for i, s in
           enumerate(steps)]  # fmt: skip
    log = events(case.id)
    assert [e.action for e in log] == ["submit", "accept", "assign", "start", "resolve", "close"]
    assert ids == [str(e.id) for e in log[1:]]
    assert all(e.actor_id is None for e in log[1:])  # the system, for the client
    resolve = log[4]
    assert resolve.note == "FIXED by the back office"
    assert resolve.details["open311"] == {
        "client": "Back office",
        "update_id": "bo-3",
        "updated_datetime": "2026-12-02T01:30:00+00:00",
    }
    assert db.session.get(Case, case.id).status == "closed"
    api = client.get(f"/api/v1/cases/{case.id}").get_json()
    assert api["status"] == "closed"
    request = get_json(client, f"requests/{case.id}")[0]
    assert request["status"] == "closed"
    fms = get_json(client, "servicerequestupdates")
    assert [u["status"] for u in fms][-2:] == ["FIXED", "CLOSED"]


def test_the_answer_in_xml(client, keys, make_case):
    case = make_case()
    response = send(client, keys["trusted"], case.id, "INVESTIGATING", "x-1", fmt="xml")
    assert response.status_code == 200, response.data
    assert response.content_type == "text/xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == "service_request_updates"
    [update] = root.findall("request_update")
    assert update.findtext("update_id") == str(events(case.id)[-1].id)


def test_a_repeated_update_id_moves_nothing(client, keys, make_case):
    case = make_case()
    first = posted_id(send(client, keys["trusted"], case.id, "INVESTIGATING", "same"))
    again = posted_id(send(client, keys["trusted"], case.id, "INVESTIGATING", "same"))
    assert again == first
    assert [e.action for e in events(case.id)] == ["submit", "accept"]
    other = make_case()
    reused = send(client, keys["trusted"], other.id, "INVESTIGATING", "same")
    assert "another request" in assert_error(reused, 400)


def test_a_status_the_case_has_is_a_public_reply(client, keys, make_case):
    case = make_case("accepted")
    text = "Crew booked for Thursday"
    posted_id(send(client, keys["trusted"], case.id, "OPEN", "n-1", description=text))
    posted_id(send(client, keys["trusted"], case.id, "INVESTIGATING", "n-2", description="Still"))
    log = events(case.id)
    assert [(e.action, e.note) for e in log[-2:]] == [("comment", text), ("comment", "Still")]
    assert db.session.get(Case, case.id).status == "accepted"
    assert get_json(client, f"requests/{case.id}")[0]["status_notes"] == "Still"


def test_the_update_is_published_live(client, socket_client, keys, make_case, city):
    case = make_case()
    watcher = socket_client(city.reporter)
    assert subscribe(watcher, f"case:{case.id}")["ok"]
    posted_id(send(client, keys["trusted"], case.id, "INVESTIGATING", "live-1"))
    [payload] = received(watcher, "case.event")
    assert payload["case_id"] == case.id and payload["event"]["action"] == "accept"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_keys_are_required_and_must_be_trusted(client, keys, make_case, fmt):
    case = make_case()
    assert "required" in assert_error(send(client, None, case.id, "FIXED", "k", fmt), 403, fmt)
    assert "invalid" in assert_error(send(client, "clk_nope", case.id, "FIXED", "k", fmt), 403, fmt)
    untrusted = send(client, keys["plain"], case.id, "INVESTIGATING", "k", fmt)
    assert "not trusted" in assert_error(untrusted, 403, fmt)
    assert [e.action for e in events(case.id)] == ["submit"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_or_hidden_requests_are_404(client, keys, make_case, as_role, fmt):
    assert_error(send(client, keys["trusted"], 999999, "INVESTIGATING", "u", fmt), 404, fmt)
    assert_error(send(client, keys["trusted"], "abc", "INVESTIGATING", "u", fmt), 404, fmt)
    hidden = make_case()
    hide(client, as_role("volunteer"), "case", hidden.id)
    assert_error(send(client, keys["trusted"], hidden.id, "INVESTIGATING", "u", fmt), 404, fmt)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "WHATEVER"}, "status: one of"),
        ({"status": "DUPLICATE"}, "merge"),
        ({"update_id": None}, "update_id: required"),
        ({"update_id": "x" * 65}, "at most 64"),
        ({"updated_datetime": "yesterday"}, "W3C"),
        ({"description": None}, "description: required"),
        ({"status": "CLOSED"}, "not possible while the case is submitted"),
    ],
)
def test_bad_updates_are_400_and_move_nothing(client, keys, make_case, fields, message):
    case = make_case()
    form = {"status": "INVESTIGATING", "update_id": "b-1", **fields}
    status, update_id = form.pop("status"), form.pop("update_id")
    response = send(client, keys["trusted"], case.id, status, update_id, **form)
    assert message in assert_error(response, 400)
    assert [e.action for e in events(case.id)] == ["submit"]


def test_only_admins_trust_a_key(client, keys, as_role):
    key_id = db.session.scalar(select(ApiKey.id).where(ApiKey.name == "Bot"))
    for role, expected in (("anonymous", 401), ("resident", 403), ("staff", 403)):
        response = client.patch(
            f"/api/v1/admin/apikeys/{key_id}", json={"trusted": True}, headers=as_role(role)
        )
        assert response.status_code == expected, role
    admin = as_role("admin")
    response = client.patch(
        f"/api/v1/admin/apikeys/{key_id}", json={"trusted": True}, headers=admin
    )
    assert response.status_code == 200 and response.get_json()["trusted"] is True
    assert client.patch("/api/v1/admin/apikeys/999", json={"trusted": True},
                        headers=admin).status_code == 404  # fmt: skip
    assert client.patch(f"/api/v1/admin/apikeys/{key_id}", json={"trusted": "maybe"},
                        headers=admin).status_code == 422  # fmt: skip
    created = client.post(
        "/api/v1/admin/apikeys", json={"name": "Desk", "trusted": True}, headers=admin
    )
    assert created.status_code == 201 and created.get_json()["trusted"] is True


def test_the_engines_rules_hold_a_fix_says_how(client, keys, make_case):
    case = make_case("in_progress")
    response = send(client, keys["trusted"], case.id, "FIXED", "f-1", description="")
    assert "note" in assert_error(response, 400)
    assert db.session.get(Case, case.id).status == "in_progress"
