"""One change, one frame: what each listener of a case's rooms receives for one comment,
counted over Flask-SocketIO's test client, and what subscribing to ``case:<id>`` reads."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from backend.cases.models import Status
from backend.extensions import db
from tests.fixtures_live import subscribe
from tests.helpers import hide

LISTENERS = ["anonymous", "reporter", "resident", "volunteer", "staff", "water_staff", "admin"]
HANDLERS = {"staff", "admin"}  # the lead department's staff and admins: case:<id>:internal


def _connect(socket_client, city, who):
    return socket_client(None if who == "anonymous" else getattr(city, who))


def _frames(connection) -> list[tuple[str, dict]]:
    """Every frame the test client got since last asked, whatever its event name."""
    return [(e["name"], e["args"][0]) for e in connection.get_received()]


def _post(client, token_for, case, author, **body):
    response = client.post(
        f"/api/v1/cases/{case.id}/comments", json=body, headers=token_for(author)
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def listeners(socket_client, city, make_case):
    """Everyone subscribed to one assigned case; the roads desk also to its department."""
    case = make_case(Status.ASSIGNED)
    people = {who: _connect(socket_client, city, who) for who in LISTENERS}
    for connection in people.values():
        assert subscribe(connection, f"case:{case.id}")["ok"]
    assert subscribe(people["staff"], "department:roads")["ok"]
    for connection in people.values():
        connection.get_received()
    return case, people


def test_a_public_reply_is_one_frame_for_every_listener(client, city, token_for, listeners):
    case, people = listeners
    reply = _post(client, token_for, case, city.resident, body="Still there this morning.")
    for who, connection in people.items():
        [(name, payload)] = _frames(connection)  # exactly one, staff in three rooms too
        assert name == "case.event", who
        assert payload["event"]["action"] == "comment"
        assert payload["comment"]["id"] == reply["id"]
        assert payload["comment"]["body"] == "Still there this morning."
        assert payload["case"]["comments"] == 1  # the count already includes it


def test_an_internal_note_is_one_frame_in_the_internal_room_and_none_in_public(
    client, city, token_for, listeners
):
    case, people = listeners
    note = _post(client, token_for, case, city.staff, body="Crew Tuesday.", internal=True)
    for who, connection in people.items():
        frames = _frames(connection)
        if who not in HANDLERS:
            assert frames == [], who
            continue
        [(name, payload)] = frames
        assert name == "case.event"
        assert payload["event"]["action"] == "internal_note" and payload["event"]["internal"]
        assert payload["comment"]["id"] == note["id"] and payload["comment"]["internal"]


def test_later_changes_of_a_comment_are_one_case_comment_frame(client, city, token_for, listeners):
    case, people = listeners
    reply = _post(client, token_for, case, city.resident, body="Still there.")
    for connection in people.values():
        connection.get_received()
    edited = client.patch(
        f"/api/v1/comments/{reply['id']}",
        json={"body": "Gone now."},
        headers=token_for(city.resident),
    )
    assert edited.status_code == 200
    for who, connection in people.items():
        [(name, payload)] = _frames(connection)
        assert (name, payload["change"], payload["comment"]["body"]) == (
            "case.comment",
            "edited",
            "Gone now.",
        ), who


def test_a_desk_in_the_case_and_its_department_room_gets_a_transition_once(
    client, city, token_for, socket_client, make_case
):
    case = make_case()
    desk = socket_client(city.staff)
    assert subscribe(desk, f"case:{case.id}")["ok"] and subscribe(desk, "department:roads")["ok"]
    desk.get_received()
    accepted = client.post(
        f"/api/v1/cases/{case.id}/transitions", json={"action": "accept"},
        headers=token_for(city.staff),
    )  # fmt: skip
    assert accepted.status_code == 200
    [(name, payload)] = _frames(desk)
    assert (name, payload["event"]["action"]) == ("case.event", "accept")


def test_a_reply_notifies_the_cases_followers_once(client, city, token_for, make_case):
    case = make_case(Status.ASSIGNED)  # the reporter follows their case
    _post(client, token_for, case, city.resident, body="Same here.")
    items = client.get("/api/v1/notifications", headers=token_for(city.reporter)).get_json()
    replies = [n for n in items["items"] if n["kind"] == "case_reply"]
    assert len(replies) == 1
    assert replies[0]["target"] == {"type": "case", "id": str(case.id)}


def test_replay_brings_missed_comments_as_they_are_now(
    client, city, token_for, socket_client, make_case
):
    case = make_case(Status.ASSIGNED)
    last = client.get(f"/api/v1/cases/{case.id}/events").get_json()["items"][-1]["id"]
    kept = _post(client, token_for, case, city.resident, body="Kept.")
    gone = _post(client, token_for, case, city.resident, body="Gone.")
    _post(client, token_for, case, city.staff, body="Note.", internal=True)
    assert client.delete(
        f"/api/v1/comments/{gone['id']}", headers=token_for(city.resident)
    ).status_code in (200, 204)
    for who, expected in (("resident", ["Kept.", None]), ("staff", ["Kept.", None, "Note."])):
        missed = subscribe(_connect(socket_client, city, who), f"case:{case.id}", since=last)
        assert [m["event"]["action"] for m in missed["missed"]] == (
            ["comment", "comment", "internal_note"][: len(expected)]
        ), who
        bodies = [m.get("comment", {}).get("body") for m in missed["missed"]]
        assert bodies == expected, who
        assert missed["missed"][0]["comment"]["id"] == kept["id"]


def test_each_comment_change_on_a_proposal_is_one_frame(
    client, city, token_for, socket_client, make_proposal
):
    proposal = make_proposal()
    watcher = socket_client(city.resident)
    assert subscribe(watcher, f"proposal:{proposal.id}")["ok"]
    posted = client.post(
        f"/api/v1/proposals/{proposal.id}/comments", json={"body": "Yes, and trees."},
        headers=token_for(city.reporter),
    )  # fmt: skip
    assert posted.status_code == 201
    [(name, payload)] = _frames(watcher)
    assert (name, payload["change"]) == ("proposal.comment", "created")
    hide(client, token_for(city.admin), "comment", posted.get_json()["id"])
    [(name, payload)] = _frames(watcher)
    assert (name, payload["change"]) == ("proposal.comment", "hidden")
    shown = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert shown["comments"] == 0  # the count stays exact without a frame of its own


# --- subscribing: who may, and what it reads -------------------------------------------------


@contextmanager
def _statements():
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.lower().split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _in_internal_room(connection, case) -> bool:
    from backend.extensions import socketio

    socketio.emit("probe", {"case": case.id}, to=f"case:{case.id}:internal")
    return any(e["name"] == "probe" for e in connection.get_received())


@pytest.mark.parametrize(
    "who, hidden, joins, internal",
    [
        ("anonymous", False, True, False), ("reporter", False, True, False),
        ("resident", False, True, False), ("volunteer", False, True, False),
        ("water_staff", False, True, True), ("staff", False, True, True),
        ("admin", False, True, True),
        ("anonymous", True, False, False), ("resident", True, False, False),
        ("reporter", True, True, False), ("volunteer", True, True, False),
        ("staff", True, True, True), ("admin", True, True, True),
    ],
)  # fmt: skip
def test_subscribing_checks_access_per_role_with_a_light_query(
    client, city, token_for, socket_client, make_case, who, hidden, joins, internal
):
    """Water co-handles the case, so its staff join the internal room as the lead's do."""
    case = make_case(Status.ASSIGNED)
    asked = client.post(
        f"/api/v1/cases/{case.id}/tasks", json={"department": "water"},
        headers=token_for(city.staff),
    )  # fmt: skip
    assert asked.status_code in (200, 201), asked.get_json()
    if hidden:
        hide(client, token_for(city.admin), "case", case.id)
    connection, room = _connect(socket_client, city, who), f"case:{case.id}"
    with _statements() as seen:
        ack = subscribe(connection, room)
    assert ack["ok"] is joins, ack
    if not joins:
        assert ack["error"]["code"] == "not_found"
    connection.get_received()
    assert _in_internal_room(connection, case) is internal
    assert subscribe(connection, f"case:{case.id}:internal")["error"]["code"] == "not_found"
    case_reads = [s for s in seen if " from cases" in s]
    assert len(case_reads) == 1, case_reads
    for relation in ("categories", "departments", "case_photos", "case_ratings", "join"):
        assert relation not in case_reads[0], case_reads[0]
    assert not any("case_photos" in s or "case_ratings" in s for s in seen), seen
