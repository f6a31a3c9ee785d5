"""An anonymous report stays anonymous everywhere a person shows: every endpoint and live
event that can name the reporter is walked, as the public and as another resident, after
the reporter has commented on their own case. Staff still see who it is."""

from __future__ import annotations

import json

import pytest

from backend.extensions import db
from tests.fixtures_live import subscribe

NAME = "Quilla Anonreporter"
EMAIL = "quilla.anon@example.org"
PERSON_KEYS = {"reporter_id", "author_id", "actor_id", "user_id"}


@pytest.fixture
def walk(client, city, make_user, make_case, token_for, socket_client):
    """An anonymous case whose reporter replied on it, with sockets that listened throughout."""
    reporter = make_user(display_name=NAME, email=EMAIL)
    public_socket, resident_socket = socket_client(), socket_client(city.resident)
    case = make_case(reporter=reporter, anonymous=True, title="Lamp out by the school")
    for connection in (public_socket, resident_socket):
        assert subscribe(connection, f"case:{case.id}")["ok"]
    assert subscribe(resident_socket, "user")["ok"]
    resident = token_for(city.resident)
    assert client.post(f"/api/v1/cases/{case.id}/follow", headers=resident).status_code < 300
    reply = client.post(
        f"/api/v1/cases/{case.id}/comments",
        json={"body": "Still dark every night."},
        headers=token_for(reporter),
    )
    assert reply.status_code == 201, reply.get_json()
    accepted = client.post(
        f"/api/v1/cases/{case.id}/transitions",
        json={"action": "accept"},
        headers=token_for(city.staff),
    )
    assert accepted.status_code == 200, accepted.get_json()
    return case, reporter, reply.get_json()["id"], public_socket, resident_socket


def _leaks(value, reporter) -> list[str]:
    """Where ``value`` (JSON or text) names the reporter or gives their id as a person."""
    if isinstance(value, str):
        return [value[:80]] if NAME in value or EMAIL in value else []
    found = []
    if isinstance(value, dict):
        if value.get("id") == reporter.id and ({"display_name", "role", "email"} & set(value)):
            found.append(f"person {value}")
        found += [f"{k}={v}" for k, v in value.items() if k in PERSON_KEYS and v == reporter.id]
        for item in value.values():
            found += _leaks(item, reporter)
    elif isinstance(value, list):
        for item in value:
            found += _leaks(item, reporter)
    return found


def _body(response):
    assert response.status_code == 200, (response.request.path, response.data[:300])
    if response.is_json:
        return response.get_json()
    return response.get_data(as_text=True)


def test_the_reporter_of_an_anonymous_case_is_named_to_nobody_but_staff(
    walk, client, city, token_for, socket_client
):
    case, reporter, comment_id, public_socket, resident_socket = walk
    paths = [
        f"/api/v1/cases/{case.id}",
        "/api/v1/cases",
        "/api/v1/cases/pins",
        f"/api/v1/cases/{case.id}/events",
        f"/api/v1/cases/{case.id}/comments",
        f"/api/v1/comments/{comment_id}",
        "/api/v1/opendata/cases.csv",
        "/api/v1/opendata/cases.geojson",
        "/open311/v2/requests.json",
        f"/open311/v2/requests/{case.id}.json",
    ]
    seen = {}
    for who, headers in (("public", {}), ("resident", token_for(city.resident))):
        for path in paths:
            seen[f"{who} {path}"] = _body(client.get(path, headers=headers, buffered=True))
    resident = token_for(city.resident)
    seen["notifications"] = _body(client.get("/api/v1/notifications", headers=resident))
    assert {n["kind"] for n in seen["notifications"]["items"]} >= {"case_reply", "case_update"}
    seen["resident's export"] = _body(client.get("/api/v1/me/export", headers=resident))
    queue = client.get("/api/v1/moderation/queue", headers=token_for(city.volunteer))
    seen["moderation queue"] = _body(queue)
    contexts = {(i["target_type"], i["target_id"]) for i in seen["moderation queue"]["items"]}
    assert {("case", case.id), ("comment", comment_id)} <= contexts
    for name, connection in (("public", public_socket), ("resident", resident_socket)):
        events = connection.get_received()
        assert any("comment" in e["args"][0] for e in events if e["name"] == "case.event"), name
        assert "notification" in {e["name"] for e in events} or name == "public"
        seen[f"{name} socket"] = [e["args"] for e in events]
    for name, person in (("public", None), ("resident", city.resident)):
        replay = subscribe(socket_client(person), f"case:{case.id}", since=0)
        assert replay["missed"], name
        seen[f"{name} replay"] = replay["missed"]

    leaks = {where: found for where, body in seen.items() if (found := _leaks(body, reporter))}
    assert leaks == {}

    staff = token_for(city.staff)
    comments = client.get(f"/api/v1/cases/{case.id}/comments", headers=staff).get_json()
    assert [c["author"]["display_name"] for c in comments["items"]] == [NAME]
    events = client.get(f"/api/v1/cases/{case.id}/events", headers=staff).get_json()
    assert NAME in json.dumps(events)
    assert client.get(f"/api/v1/cases/{case.id}", headers=staff).get_json()["reporter"] == {
        "id": reporter.id,
        "display_name": NAME,
        "email": EMAIL,
        "phone": None,
    }
    mine = client.get("/api/v1/me/export", headers=token_for(reporter)).get_json()
    assert mine["profile"]["display_name"] == NAME
    db.session.rollback()


def test_the_reporter_sees_their_own_reply_as_the_public_does(walk, client, token_for):
    case, reporter, _comment_id, _public, _resident = walk
    comments = client.get(f"/api/v1/cases/{case.id}/comments", headers=token_for(reporter))
    assert [c["author"]["display_name"] for c in comments.get_json()["items"]] == ["anonymous"]
