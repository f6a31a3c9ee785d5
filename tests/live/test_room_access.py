"""Sockets follow permissions after subscribing: when who may be in a room changes, the room
is emptied (its members told `room.reset`) and access is checked again on re-subscribing."""

from backend.cases.models import Status
from backend.extensions import socketio
from tests.fixtures_live import comments_heard, received, subscribe
from tests.helpers import hide


def _bodies(connection) -> list:
    return [c["comment"]["body"] for c in comments_heard(connection)]


def test_a_transfer_takes_the_old_departments_staff_out_of_the_internal_room(
    client, socket_client, city, make_case, token_for
):
    case = make_case(Status.ASSIGNED)
    room = f"case:{case.id}"
    roads, water = socket_client(city.staff), socket_client(city.water_staff)
    assert subscribe(roads, room)["ok"] and subscribe(water, room)["ok"]
    body = {"action": "transfer", "department": "water", "reason": "A water main"}
    response = client.post(
        f"/api/v1/cases/{case.id}/transitions", json=body, headers=token_for(city.staff)
    )
    assert response.status_code == 200, response.get_json()
    assert {"room": room} in received(roads, "room.reset")
    assert {"room": room} in received(water, "room.reset")
    assert subscribe(water, room)["ok"]  # the new lead's staff now join the internal room

    note = {"body": "Valve shut at 9.", "internal": True}
    headers = token_for(city.water_staff)
    assert (
        client.post(f"/api/v1/cases/{case.id}/comments", json=note, headers=headers).status_code
        == 201
    )
    assert _bodies(roads) == []
    assert _bodies(water) == ["Valve shut at 9."]
    # Re-subscribing is checked anew: the old department is back in the public room only.
    assert subscribe(roads, room)["ok"]
    assert (
        client.post(f"/api/v1/cases/{case.id}/comments", json=note, headers=headers).status_code
        == 201
    )
    assert _bodies(roads) == []


def test_hiding_a_case_takes_those_who_may_no_longer_see_it_out_of_its_room(
    client, socket_client, city, make_case, token_for
):
    case = make_case(Status.ASSIGNED)
    room = f"case:{case.id}"
    resident, reporter = socket_client(city.resident), socket_client(city.reporter)
    assert subscribe(resident, room)["ok"] and subscribe(reporter, room)["ok"]
    hide(client, token_for(city.admin), "case", case.id)
    assert {"room": room} in received(resident, "room.reset")
    assert subscribe(resident, room)["error"]["code"] == "not_found"
    assert subscribe(reporter, room)["ok"]  # the reporter still sees their case

    socketio.emit("probe", {"n": 1}, to=room)
    assert received(resident, "probe") == []
    assert received(reporter, "probe") == [{"n": 1}]


def test_a_hidden_case_says_nothing_more_in_its_public_room(
    client, socket_client, city, make_case, token_for
):
    case = make_case(Status.ASSIGNED)
    room = f"case:{case.id}"
    reporter, desk = socket_client(city.reporter), socket_client(city.staff)
    assert subscribe(reporter, room)["ok"] and subscribe(desk, room)["ok"]
    hide(client, token_for(city.admin), "case", case.id)
    assert {"room": room} in received(reporter, "room.reset")
    assert subscribe(reporter, room)["ok"] and subscribe(desk, room)["ok"]
    response = client.post(
        f"/api/v1/cases/{case.id}/transitions",
        json={"action": "start"},
        headers=token_for(city.staff),
    )
    assert response.status_code == 200, response.get_json()
    assert received(reporter, "case.event") == []  # the public room hears nothing more
    # its handlers still do, in the internal room (starting also makes the clerk assignee)
    actions = [event["event"]["action"] for event in received(desk, "case.event")]
    assert actions == ["start", "assign_person"], actions


def test_hiding_a_proposal_empties_its_room(client, socket_client, city, make_proposal, token_for):
    proposal = make_proposal()
    room = f"proposal:{proposal.id}"
    resident = socket_client(city.resident)
    assert subscribe(resident, room)["ok"]
    hide(client, token_for(city.admin), "proposal", proposal.id)
    assert {"room": room} in received(resident, "room.reset")
    socketio.emit("probe", {"n": 1}, to=room)
    assert received(resident, "probe") == []


def test_changes_to_a_hidden_comment_are_not_broadcast(
    client, socket_client, city, make_proposal, make_comment, token_for
):
    proposal = make_proposal()
    comment = make_comment(proposal, city.resident, body="Buy my pills")
    watcher = socket_client()
    assert subscribe(watcher, f"proposal:{proposal.id}")["ok"]
    hide(client, token_for(city.admin), "comment", comment.id)
    edit = client.patch(
        f"/api/v1/comments/{comment.id}",
        json={"body": "Still selling"},
        headers=token_for(city.resident),
    )
    assert edit.status_code == 403  # refused; its deletion is allowed but stays quiet
    delete = client.delete(f"/api/v1/comments/{comment.id}", headers=token_for(city.resident))
    assert delete.status_code == 204
    changes = [c["change"] for c in received(watcher, "proposal.comment")]
    assert changes == ["hidden"]
