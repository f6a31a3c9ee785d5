"""Issue #16's incident test, end to end over the API and sockets: declare, link two cases
of two departments, both departments' tasks appear live on their desks, an alert is sent,
the incident closes with its summary; a resident never sees its internal notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fixtures_incidents import incident_body
from tests.fixtures_live import received, subscribe

SECRET = "Pump 3 failed; the reservoir gate is stuck open."


def test_an_incident_from_declaration_to_summary(client, socket_client, crisis, make_case):
    roads_desk, water_desk = socket_client(crisis.staff), socket_client(crisis.water_staff)
    resident = socket_client(crisis.resident)
    assert subscribe(roads_desk, "department:roads")["ok"]
    assert subscribe(water_desk, "department:water")["ok"]
    pothole = make_case("accepted", title="Road caved in")
    leak = make_case("accepted", title="Main burst", category=crisis.leak)

    declared = client.post("/api/v1/incidents", headers=crisis.h.admin,
                           json=incident_body(title="Burst main, road collapse"))  # fmt: skip
    assert declared.status_code == 201
    incident_id = declared.get_json()["id"]
    for desk, code in ((roads_desk, "roads"), (water_desk, "water")):
        [task] = received(desk, "incident.task")
        assert task["incident"]["id"] == incident_id
        assert (task["task"]["department"]["code"], task["task"]["status"]) == (code, "open")

    room = f"incident:{incident_id}"
    for connection in (roads_desk, water_desk, resident):
        assert subscribe(connection, room)["ok"]
    base = f"/api/v1/incidents/{incident_id}"
    for case, headers in ((pothole, crisis.h.staff), (leak, crisis.h.water_staff)):
        linked = client.post(f"{base}/cases", json={"case_id": case.id}, headers=headers)
        assert linked.status_code == 201
    assert client.post(f"{base}/notes", json={"body": SECRET}, headers=crisis.h.water_staff)
    expires = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    alert = client.post("/api/v1/alerts", headers=crisis.h.water_staff,
                        json={"incident": incident_id, "title": "Avoid Elm St",
                              "body": "The road is closed.", "severity": "severe",
                              "expires_at": expires})  # fmt: skip
    assert alert.status_code == 201
    done = client.post(f"{base}/tasks/water/done", json={"note": "Main repaired."},
                       headers=crisis.h.water_staff)  # fmt: skip
    assert done.status_code == 200
    [finished] = received(water_desk, "incident.task")
    assert finished["task"]["status"] == "done"
    closed = client.post(f"{base}/close", headers=crisis.h.head,
                         json={"summary": "Main repaired, road reopened at 22:00."})  # fmt: skip
    assert closed.status_code == 200

    staff_view = client.get(base, headers=crisis.h.staff).get_json()
    assert staff_view["status"] == "closed"
    assert staff_view["summary"] == "Main repaired, road reopened at 22:00."
    assert {c["department"]["code"] for c in staff_view["cases"]} == {"roads", "water"}
    assert [a["id"] for a in staff_view["alerts"]] == [alert.get_json()["id"]]
    assert [e["type"] for e in staff_view["timeline"]] == [
        "declare", "link", "link", "note", "alert", "task_done", "close"
    ]  # fmt: skip
    assert SECRET in str(staff_view)
    heard = [e["event"]["type"] for e in received(roads_desk, "incident.event")]
    assert heard == ["link", "link", "note", "alert", "task_done", "close"]

    for headers in (crisis.h.resident, {}):
        public = client.get(base, headers=headers).get_json()
        assert [e["type"] for e in public["timeline"]] == [
            "declare", "link", "link", "alert", "task_done", "close"
        ]  # fmt: skip
        assert SECRET not in str(public) and "offered_cases" not in public
    frames = resident.get_received()
    assert frames and SECRET not in str(frames)
    assert {f["name"] for f in frames} <= {"incident.event", "incident.updated", "alert"}
    replay = subscribe(socket_client(crisis.resident), room, since=0)
    assert [m["event"]["type"] for m in replay["missed"]] == [
        "declare", "link", "link", "alert", "task_done", "close"
    ]  # fmt: skip
