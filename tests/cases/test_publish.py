"""What each case event publishes: rooms, event name and payload; only after the commit,
and staff-only events never to a room residents can join."""

from __future__ import annotations

import pytest

from backend.cases import service
from backend.cases.models import Case
from backend.extensions import db
from backend.live import publish as live

GOOD = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Hole"}


@pytest.fixture
def published():
    """Every publish() call, as (room, event, payload), in order."""
    calls: list[tuple[str, str, dict]] = []

    def receiver(_session, rooms, event, payload):
        calls.extend((room, event, payload) for room in rooms)

    live.published.connect(receiver)
    yield calls
    live.published.disconnect(receiver)


@pytest.fixture
def emitted(monkeypatch):
    """What actually went out to Socket.IO (after commit): (rooms, event), one emit each."""
    sent: list[tuple[tuple[str, ...], str]] = []
    monkeypatch.setattr(live, "_emit", lambda event, payload, rooms: sent.append((rooms, event)))
    return sent


def _rooms(calls) -> list[str]:
    """Rooms of case events (other domains may publish in reaction, e.g. notifications)."""
    return [room for room, event, _payload in calls if event == "case.event"]


def test_a_new_case_goes_to_its_room_and_its_department(
    client, city, token_for, published, emitted
):
    response = client.post("/api/v1/cases", json=GOOD, headers=token_for(city.reporter))
    case_id = response.get_json()["id"]
    assert _rooms(published) == [f"case:{case_id}", "department:roads"]
    room, _event, payload = next(call for call in published if call[1] == "case.event")
    assert room == f"case:{case_id}"
    assert set(payload) == {"case_id", "event", "case"}
    assert payload["case_id"] == case_id
    assert payload["event"]["action"] == "submit"
    assert payload["case"]["id"] == case_id
    assert "email" not in payload["case"]["reporter"]  # public payload
    # one emit to both rooms: encoded once, and a desk in both gets one frame
    assert [((f"case:{case_id}", "department:roads"), "case.event")] == [
        sent for sent in emitted if sent[1] == "case.event"
    ]


@pytest.mark.parametrize(
    ("status", "body", "departments"),
    [
        ("assigned", {"action": "start"}, []),
        ("submitted", {"action": "accept"}, ["roads"]),
        ("accepted", {"action": "assign"}, ["roads"]),
        (
            "assigned",
            {"action": "transfer", "department": "water", "reason": "r"},
            ["water", "roads"],
        ),
        ("in_progress", {"action": "resolve", "note": "done"}, []),
        ("resolved", {"action": "reopen", "reason": "still broken"}, ["roads"]),
    ],
)
def test_transition_rooms(client, city, token_for, make_case, published, status, body, departments):
    case = make_case(status)
    published.clear()
    actor = city.reporter if body["action"] == "reopen" else city.staff
    response = client.post(
        f"/api/v1/cases/{case.id}/transitions", json=body, headers=token_for(actor)
    )
    assert response.status_code == 200
    # starting also makes the starter the assignee: an internal event, for the staff only
    internal = [f"case:{case.id}:internal"] if body["action"] == "start" else []
    expected = [f"case:{case.id}"] + [f"department:{d}" for d in departments] + internal
    assert _rooms(published) == expected
    payloads = [
        payload
        for room, event, payload in published
        if event == "case.event" and not room.endswith(":internal")
    ]
    assert all(payload["event"]["action"] == body["action"] for payload in payloads)


def test_a_cohandling_task_reaches_the_asked_department(
    client, city, token_for, make_case, published
):
    case = make_case("assigned")
    published.clear()
    client.post(
        f"/api/v1/cases/{case.id}/tasks",
        json={"department": "water"},
        headers=token_for(city.staff),
    )
    assert _rooms(published) == [f"case:{case.id}", "department:roads", "department:water"]


def test_internal_notes_go_to_the_internal_room_only(app, city, make_case, published):
    case = db.session.get(Case, make_case("assigned").id)
    published.clear()
    service.record_comment_event(db.session, case, city.staff, internal=True, comment_id=7)
    service.record_comment_event(db.session, case, city.reporter, internal=False, comment_id=8)
    db.session.commit()
    assert _rooms(published) == [f"case:{case.id}:internal", f"case:{case.id}"]
    internal, public = (payload for _r, event, payload in published if event == "case.event")
    assert internal["event"]["action"] == "internal_note" and internal["event"]["internal"] is True
    assert internal["event"]["details"] == {"comment_id": 7}
    assert public["event"]["action"] == "comment"
    assert db.session.get(Case, case.id).status == "assigned"


def test_nothing_is_emitted_when_the_request_fails(client, city, token_for, emitted, monkeypatch):
    """The urgent fast track fails after the submit event was published (and after
    notification receivers released SAVEPOINTs): nothing may go out."""

    def fail(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "_fast_track", fail)
    body = {**GOOD, "priority": "urgent"}
    assert (
        client.post("/api/v1/cases", json=body, headers=token_for(city.reporter)).status_code == 500
    )
    assert emitted == []
