"""`case:<id>` and `department:<code>` over the test client: who may join, what the ack
replays, and that internal traffic reaches the handling staff only."""

import pytest

from backend.cases.models import Status
from tests.fixtures_live import comments_heard, received, subscribe
from tests.helpers import hide

PEOPLE = ["anonymous", "reporter", "resident", "volunteer", "staff", "water_staff", "admin"]


def _as(socket_client, city, who):
    return socket_client(None if who == "anonymous" else getattr(city, who))


@pytest.mark.parametrize("who", PEOPLE)
def test_anyone_may_follow_a_public_case_live(socket_client, city, make_case, who):
    case = make_case()
    ack = subscribe(_as(socket_client, city, who), f"case:{case.id}")
    assert ack == {"ok": True, "room": f"case:{case.id}", "missed": []}


@pytest.mark.parametrize(
    "who, allowed",
    [("anonymous", False), ("reporter", True), ("resident", False), ("volunteer", True),
     ("staff", True), ("admin", True)],
)  # fmt: skip
def test_a_hidden_case_is_seen_as_the_api_sees_it(socket_client, city, make_case, who, allowed,
                                                  client, token_for):  # fmt: skip
    case = make_case()
    hide(client, token_for(city.admin), "case", case.id)
    ack = subscribe(_as(socket_client, city, who), f"case:{case.id}")
    assert ack["ok"] is allowed
    if not allowed:
        assert ack["error"]["code"] == "not_found"


def test_unknown_cases_are_not_found(socket_client, city):
    for room in ("case:999999", "case:0", "case:abc", "case:1:internal", "case"):
        assert subscribe(socket_client(city.admin), room)["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "who, code",
    [("anonymous", "unauthorized"), ("reporter", "forbidden"), ("volunteer", "forbidden"),
     ("water_staff", "forbidden"), ("staff", None), ("admin", None)],
)  # fmt: skip
def test_department_rooms_are_for_its_staff_and_admins(socket_client, city, who, code):
    ack = subscribe(_as(socket_client, city, who), "department:roads")
    if code is None:
        assert ack == {"ok": True, "room": "department:roads", "missed": []}
    else:
        assert ack["error"]["code"] == code


def test_unknown_departments_are_not_found(socket_client, city):
    assert subscribe(socket_client(city.admin), "department:nowhere")["error"]["code"] == (
        "not_found"
    )


def test_a_transition_reaches_the_case_and_department_rooms(client, socket_client, city,
                                                            make_case, token_for):  # fmt: skip
    case = make_case()
    watcher, desk, other_desk = socket_client(), socket_client(city.staff), socket_client(
        city.water_staff)  # fmt: skip
    subscribe(watcher, f"case:{case.id}")
    subscribe(desk, "department:roads")
    subscribe(other_desk, "department:water")
    response = client.post(f"/api/v1/cases/{case.id}/transitions", json={"action": "accept"},
                           headers=token_for(city.staff))  # fmt: skip
    assert response.status_code == 200
    [event] = received(watcher, "case.event")
    assert event["case_id"] == case.id and event["event"]["action"] == "accept"
    assert event["case"]["status"] == "accepted"
    assert [e["event"]["action"] for e in received(desk, "case.event")] == ["accept"]
    assert received(other_desk, "case.event") == []


def test_internal_notes_reach_the_handling_staff_only(client, socket_client, city, make_case,
                                                      token_for):  # fmt: skip
    case = make_case(Status.ASSIGNED)
    room = f"case:{case.id}"
    people = {who: _as(socket_client, city, who) for who in PEOPLE}
    for connection in people.values():
        assert subscribe(connection, room)["ok"]
    note = {"body": "Crew says Tuesday.", "internal": True}
    headers = token_for(city.staff)
    assert client.post(f"/api/v1/cases/{case.id}/comments", json=note,
                       headers=headers).status_code == 201  # fmt: skip
    reply = {"body": "We will fix it on Tuesday."}
    assert client.post(f"/api/v1/cases/{case.id}/comments", json=reply,
                       headers=headers).status_code == 201  # fmt: skip
    for who, connection in people.items():
        comments = [c["comment"]["body"] for c in comments_heard(connection)]
        if who in ("staff", "admin"):
            assert comments == ["Crew says Tuesday.", "We will fix it on Tuesday."], who
        else:
            assert comments == ["We will fix it on Tuesday."], who


def test_since_replays_exactly_what_the_events_api_lists(client, socket_client, city,
                                                         make_case, token_for):  # fmt: skip
    case = make_case(Status.IN_PROGRESS)
    events = client.get(f"/api/v1/cases/{case.id}/events").get_json()["items"]
    first, *later = events
    ack = subscribe(socket_client(), f"case:{case.id}", since=first["id"])
    assert [m["event"]["id"] for m in ack["missed"]] == [e["id"] for e in later]
    assert [m["event"]["action"] for m in ack["missed"]] == ["accept", "assign", "start"]
    assert all(m["case_id"] == case.id and m["case"]["id"] == case.id for m in ack["missed"])
    assert subscribe(socket_client(), f"case:{case.id}", since=events[-1]["id"])["missed"] == []


def test_replay_includes_internal_notes_for_handlers_only(socket_client, city, make_case,
                                                          make_comment):  # fmt: skip
    case = make_case(Status.ASSIGNED)
    make_comment(case, city.staff, body="private", internal=True)
    room = f"case:{case.id}"
    for who, expected in (("resident", False), ("water_staff", False), ("staff", True)):
        actions = [m["event"]["action"] for m in
                   subscribe(_as(socket_client, city, who), room, since=0)["missed"]]  # fmt: skip
        assert ("internal_note" in actions) is expected, who


def test_department_replay_lists_its_cases_events(socket_client, city, make_case):
    roads_case = make_case(Status.ASSIGNED)
    make_case(Status.ASSIGNED, category=city.leak)
    missed = subscribe(socket_client(city.staff), "department:roads", since=0)["missed"]
    assert {m["case_id"] for m in missed} == {roads_case.id}
    assert [m["event"]["action"] for m in missed] == ["submit", "accept", "assign"]
    ids = [m["event"]["id"] for m in missed]
    assert ids == sorted(ids)
    later = subscribe(socket_client(city.staff), "department:roads", since=ids[0])["missed"]
    assert [m["event"]["id"] for m in later] == ids[1:]
