"""A real server (`python wsgi.py`) and real Socket.IO clients over websockets on loopback."""

import time

import pytest
import requests

from backend.cases.models import Status
from tests.helpers import PASSWORD
from tests.live_support import WAIT


@pytest.fixture
def http(live_server, token_for):
    """POST to the live server as someone (bearer token)."""

    def post(path: str, user, body: dict | None = None) -> requests.Response:
        return requests.post(live_server.url + path, json=body or {}, headers=token_for(user),
                             timeout=WAIT)  # fmt: skip

    return post


def _move(http, city, case, action, **body):
    response = http(f"/api/v1/cases/{case.id}/transitions", city.staff, {"action": action, **body})
    assert response.status_code == 200, response.text
    return response


def _is_case(case):
    return lambda payload: payload["case_id"] == case.id


def _task_is(status):
    return lambda payload: payload["task"]["status"] == status


def test_a_transition_over_http_arrives_within_a_second(live_server, live_client, city,
                                                        make_case, http):  # fmt: skip
    case = make_case()
    watcher = live_client(live_server.url)  # anonymous: cases are public
    assert watcher.subscribe(f"case:{case.id}") == {"ok": True, "room": f"case:{case.id}",
                                                     "missed": []}  # fmt: skip
    started = time.monotonic()
    _move(http, city, case, "accept")
    event = watcher.wait_for("case.event", _is_case(case))
    assert time.monotonic() - started < 1.0
    assert event["event"]["action"] == "accept" and event["case"]["status"] == "accepted"


def test_a_reconnecting_client_gets_exactly_what_it_missed(live_server, live_client, city,
                                                           make_case, http):  # fmt: skip
    case = make_case()
    phone = live_client(live_server.url, city.reporter)
    phone.subscribe(f"case:{case.id}")
    _move(http, city, case, "accept")
    last_seen = phone.wait_for("case.event", _is_case(case))["event"]["id"]
    phone.close()  # the phone goes into a tunnel
    _move(http, city, case, "assign")
    _move(http, city, case, "start")
    phone = live_client(live_server.url, city.reporter)
    ack = phone.subscribe(f"case:{case.id}", since=last_seen)
    assert ack["ok"] is True
    assert [m["event"]["action"] for m in ack["missed"]] == ["assign", "start"]
    assert all(m["event"]["id"] > last_seen for m in ack["missed"])
    assert ack["missed"][-1]["case"]["status"] == "in_progress"
    _move(http, city, case, "resolve", note="Patched.")
    assert phone.wait_for("case.event", _is_case(case))["event"]["action"] == "resolve"


def test_a_resident_gets_no_staff_rooms_and_no_internal_notes(live_server, live_client, city,
                                                              make_case, http):  # fmt: skip
    case = make_case(Status.ASSIGNED)
    resident = live_client(live_server.url, city.resident)
    staff = live_client(live_server.url, city.staff)
    for room in ("department:roads", "moderation"):
        assert resident.subscribe(room)["error"]["code"] == "forbidden"
    assert resident.subscribe(f"case:{case.id}:internal")["error"]["code"] == "not_found"
    for connection in (resident, staff):
        assert connection.subscribe(f"case:{case.id}")["ok"]
    comments = f"/api/v1/cases/{case.id}/comments"
    assert http(comments, city.staff, {"body": "Internal: crew Tuesday", "internal": True}).ok
    assert http(comments, city.staff, {"body": "Fixing it Tuesday."}).ok
    # A new comment arrives inside its case event (one frame), never also as case.comment.
    staff.wait_for("case.event", lambda p: "comment" in p and p["comment"]["internal"])
    staff.wait_for("case.event", lambda p: "comment" in p and not p["comment"]["internal"])
    # Events reach a client in the order they were sent: once the public reply is here,
    # an internal note sent before it would have arrived already.
    resident.wait_for(
        "case.event", lambda p: p.get("comment", {}).get("body") == "Fixing it Tuesday."
    )
    assert [name for name, _data in staff.seen + resident.seen if name == "case.comment"] == []
    leaked = [(name, data) for name, data in resident.seen if "internal" in repr(data).lower()
              and "Internal: crew" in repr(data)]  # fmt: skip
    assert leaked == []
    assert all(not data["event"]["internal"] for name, data in resident.seen
               if name == "case.event")  # fmt: skip


def test_the_user_room_brings_notifications_live(live_server, live_client, city, make_case,
                                                 http):  # fmt: skip
    case = make_case()
    inbox = live_client(live_server.url, city.reporter)
    assert inbox.subscribe("user")["ok"]
    _move(http, city, case, "accept")
    notification = inbox.wait_for("notification")
    assert notification["kind"] == "case_update"
    assert notification["target"] == {"type": "case", "id": str(case.id)}
    ack = live_client(live_server.url, city.reporter).subscribe("user", since=0)
    assert [n["id"] for n in ack["missed"]] == [notification["id"]]


def test_signing_out_over_http_closes_the_browser_socket(live_server, live_client, make_user):
    make_user(email="alice@example.org")
    browser = requests.Session()
    token = browser.get(live_server.url + "/api/v1/auth/csrf", timeout=WAIT).json()["csrf_token"]
    csrf = {"X-CSRFToken": token}
    login = browser.post(live_server.url + "/api/v1/auth/login", headers=csrf, timeout=WAIT,
                         json={"email": "alice@example.org", "password": PASSWORD})  # fmt: skip
    assert login.status_code == 200, login.text
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    tab = live_client(live_server.url, headers={"Cookie": cookie})
    assert tab.subscribe("user")["ok"] is True
    logout = browser.post(live_server.url + "/api/v1/auth/logout", headers=csrf, timeout=WAIT)
    assert logout.status_code == 204
    tab.wait_for("disconnected")


def test_a_department_desk_that_reconnects_gets_the_incident_tasks_it_missed(
    live_server, live_client, crisis, http
):
    """The replay after ``since`` holds what the room sent meanwhile, as a desk that stayed
    connected heard it: the case event and, after it, the task's ``incident.task`` (its last
    frame: the task created, then done)."""
    room = "department:water"
    stayed = live_client(live_server.url, crisis.water_staff)
    assert stayed.subscribe(room)["ok"]
    phone = live_client(live_server.url, crisis.water_staff)
    assert phone.subscribe(room)["ok"]
    report = {"category": "leak", "lat": 31.23, "lon": 121.47, "description": "Main leaking"}
    assert http("/api/v1/cases", crisis.reporter, report).status_code == 201
    last_seen = phone.wait_for("case.event")["event"]["id"]
    phone.close()
    leak = {**report, "description": "Another leak"}
    assert http("/api/v1/cases", crisis.reporter, leak).status_code == 201
    area = {"lat": 31.23, "lon": 121.47, "radius_m": 500}
    body = {"title": "Burst main", "severity": "severe", "lead_department": "roads",
            "departments": ["water"], "area": area}  # fmt: skip
    incident = http("/api/v1/incidents", crisis.head, body)
    assert incident.status_code == 201, incident.text
    done = http(f"/api/v1/incidents/{incident.json()['id']}/tasks/water/done", crisis.water_staff)
    assert done.status_code == 200, done.text
    heard = [stayed.wait_for("incident.task", _task_is(status)) for status in ("open", "done")]
    ack = live_client(live_server.url, crisis.water_staff).subscribe(room, since=last_seen)
    assert ack["ok"] is True
    missed = ack["missed"]
    assert [m["event"]["action"] for m in missed[:1]] == ["submit"]
    assert missed[0]["case"]["description"] == "Another leak"
    assert missed[1:] == [heard[-1]]
    assert missed[1]["task"]["department"]["code"] == "water"
