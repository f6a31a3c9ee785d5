"""`incident:<id>` over the Socket.IO test client: who may join, the `since` replay, that
internal events reach the incident's staff only, the department rooms' `incident.task`,
`incident.updated`, `incident.offered`, and access taken away on open sockets."""

from __future__ import annotations

import pytest

from tests.fixtures_live import received, subscribe
from tests.helpers import hide

PEOPLE = ("anonymous", "reporter", "resident", "volunteer", "staff", "water_staff",
          "parks_staff", "head", "admin")  # fmt: skip
INSIDERS = {"staff", "water_staff", "head", "admin"}


def _as(socket_client, crisis, who):
    return socket_client(None if who == "anonymous" else getattr(crisis, who))


def _note(client, crisis, incident_id, body, internal=True):
    response = client.post(f"/api/v1/incidents/{incident_id}/notes",
                           json={"body": body, "internal": internal},
                           headers=crisis.h.water_staff)  # fmt: skip
    assert response.status_code == 201
    return response.get_json()


@pytest.mark.parametrize("who", PEOPLE)
def test_anyone_may_follow_an_incident_and_only_its_staff_hear_internal_notes(
    client, socket_client, crisis, declare, who
):
    shown = declare()
    connection = _as(socket_client, crisis, who)
    ack = subscribe(connection, f"incident:{shown['id']}")
    assert ack == {"ok": True, "room": f"incident:{shown['id']}", "missed": []}
    _note(client, crisis, shown["id"], "Pump 3 is down.")
    _note(client, crisis, shown["id"], "Crews on site.", internal=False)
    heard = [e["event"]["body"] for e in received(connection, "incident.event")]
    if who in INSIDERS:
        assert heard == ["Pump 3 is down.", "Crews on site."]
    else:
        assert heard == ["Crews on site."]


@pytest.mark.parametrize("who", PEOPLE)
def test_since_replays_what_the_reader_may_see(client, socket_client, crisis, declare, who):
    shown = declare()
    declared = _note(client, crisis, shown["id"], "first public", internal=False)["id"] - 1
    _note(client, crisis, shown["id"], "secret")
    _note(client, crisis, shown["id"], "second public", internal=False)
    ack = subscribe(_as(socket_client, crisis, who), f"incident:{shown['id']}", since=declared)
    bodies = [m["event"]["body"] for m in ack["missed"]]
    assert all(m["incident_id"] == shown["id"] for m in ack["missed"])
    if who in INSIDERS:
        assert bodies == ["first public", "secret", "second public"]
    else:
        assert bodies == ["first public", "second public"]


def test_the_internal_room_cannot_be_joined_directly(socket_client, crisis, declare):
    shown = declare()
    for who in ("resident", "admin"):
        ack = subscribe(_as(socket_client, crisis, who), f"incident:{shown['id']}:internal")
        assert ack["error"]["code"] == "not_found"
    for room in ("incident:999999", "incident:0", "incident:abc", "incident"):
        assert subscribe(socket_client(crisis.admin), room)["error"]["code"] == "not_found"


@pytest.mark.parametrize("who, allowed", [("anonymous", False), ("resident", False),
                                          ("parks_staff", False), ("volunteer", True),
                                          ("water_staff", True), ("admin", True)])  # fmt: skip
def test_a_hidden_incident_is_seen_as_the_api_sees_it(client, socket_client, crisis, declare,
                                                      who, allowed):  # fmt: skip
    shown = declare()
    hide(client, crisis.h.admin, "incident", shown["id"])
    ack = subscribe(_as(socket_client, crisis, who), f"incident:{shown['id']}")
    assert ack["ok"] is allowed
    status = client.get(f"/api/v1/incidents/{shown['id']}", headers=getattr(crisis.h, who))
    assert (status.status_code == 200) is allowed


def test_hiding_empties_the_public_room(client, socket_client, crisis, declare):
    shown = declare()
    resident = socket_client(crisis.resident)
    subscribe(resident, f"incident:{shown['id']}")
    hide(client, crisis.h.admin, "incident", shown["id"])
    assert received(resident, "room.reset") == [{"room": f"incident:{shown['id']}"}]
    _note(client, crisis, shown["id"], "After the hide.", internal=False)
    assert received(resident, "incident.event") == []


def test_departments_hear_of_their_tasks_live(client, socket_client, crisis, declare):
    water_desk = socket_client(crisis.water_staff)
    parks_desk = socket_client(crisis.parks_staff)
    assert subscribe(water_desk, "department:water")["ok"]
    assert subscribe(parks_desk, "department:parks")["ok"]
    shown = declare()
    [created] = received(water_desk, "incident.task")
    assert created["incident"]["id"] == shown["id"]
    assert created["task"]["department"]["code"] == "water"
    assert created["task"]["status"] == "open"
    assert received(parks_desk, "incident.task") == []
    client.patch(f"/api/v1/incidents/{shown['id']}", json={"departments": ["parks"]},
                 headers=crisis.h.head)  # fmt: skip
    [joined] = received(parks_desk, "incident.task")
    assert joined["task"]["department"]["code"] == "parks"
    done = client.post(f"/api/v1/incidents/{shown['id']}/tasks/water/done",
                       json={"note": "Pumps on."}, headers=crisis.h.water_staff)  # fmt: skip
    assert done.status_code == 200
    [finished] = received(water_desk, "incident.task")
    assert finished["task"]["status"] == "done" and finished["task"]["done_note"] == "Pumps on."
    assert finished["incident"]["open_task_count"] == 2


def test_every_change_sends_the_summary(client, socket_client, crisis, declare, make_case):
    shown = declare()
    resident = socket_client(crisis.resident)
    subscribe(resident, f"incident:{shown['id']}")
    base = f"/api/v1/incidents/{shown['id']}"
    client.patch(base, json={"severity": "extreme"}, headers=crisis.h.head)
    client.post(f"{base}/cases", json={"case_id": make_case().id}, headers=crisis.h.staff)
    client.post(f"{base}/close", json={"summary": "Over."}, headers=crisis.h.head)
    updates = [u["incident"] for u in received(resident, "incident.updated")]
    assert [(u["severity"], u["case_count"], u["status"]) for u in updates] == [
        ("extreme", 0, "active"),
        ("extreme", 1, "active"),
        ("extreme", 1, "closed"),
    ]


def test_new_reports_in_the_area_are_offered_to_its_staff(
    client, socket_client, crisis, declare, make_case
):
    shown = declare(categories=["pothole"])
    staff, resident = socket_client(crisis.water_staff), socket_client(crisis.resident)
    subscribe(staff, f"incident:{shown['id']}")
    subscribe(resident, f"incident:{shown['id']}")
    inside = make_case(title="Water over the road")
    make_case(lat=40.0, lon=116.4)
    make_case(category=crisis.leak)
    [offer] = received(staff, "incident.offered")
    assert offer == {
        "incident_id": shown["id"],
        "case": {"id": inside.id, "reference": inside.reference, "title": "Water over the road",
                 "category": "pothole", "lat": inside.lat, "lon": inside.lon},
    }  # fmt: skip
    assert received(resident, "incident.offered") == []


@pytest.mark.parametrize("change", [{"role": "resident"}, {"departments": []}],
                         ids=["role", "department"])  # fmt: skip
def test_losing_access_closes_open_sockets(client, socket_client, crisis, declare, change):
    shown = declare()
    connection = socket_client(crisis.water_staff)
    assert subscribe(connection, f"incident:{shown['id']}")["ok"]
    response = client.patch(f"/api/v1/admin/users/{crisis.water_staff.id}", json=change,
                            headers=crisis.h.admin)  # fmt: skip
    assert response.status_code == 200, response.get_json()
    assert not connection.is_connected()
    # Connecting again, the former staff member joins as the public does: no internal room.
    again = socket_client(crisis.water_staff)
    assert subscribe(again, f"incident:{shown['id']}")["ok"]
    note = client.post(f"/api/v1/incidents/{shown['id']}/notes", json={"body": "Still secret."},
                       headers=crisis.h.admin)  # fmt: skip
    assert note.status_code == 201
    assert received(again, "incident.event") == []
