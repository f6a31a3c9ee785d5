"""A hidden case (and a hidden proposal) stays out of every place that lists or quotes it:
each case list filter, the duplicates lookup, the detail, its events and comments, the live
rooms, and the notifications that quoted its title. Comments and proposal lists are
checked in test_hidden_content.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures_cases import CENTRE
from tests.fixtures_live import subscribe
from tests.helpers import hide

SECRET = "Cheap watches 555-0199"
LAT, LON = CENTRE
SINCE = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
CASE_LISTS = [
    {},
    {"status": "submitted,accepted"},
    {"category": "pothole"},
    {"department": "roads"},
    {"bbox": f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}"},
    {"near": f"{LAT},{LON}", "radius_m": 500},
    {"q": "watches"},
    {"updated_since": SINCE},
    {"sort": "-supporters"},
    {"escalated": "false"},
    {"following": "true"},
    {"per_page": 100, "page": 1},
]


@pytest.fixture
def moderator(as_role):
    return as_role("volunteer")


@pytest.fixture
def follower(city, token_for):
    return token_for(city.resident)


@pytest.fixture
def hidden_case(client, make_case, city, follower, moderator, token_for):
    """Filed by the reporter, followed and supported by another resident, accepted by
    staff (so the follower has a notification quoting its title), then hidden."""
    case = make_case("submitted", title=SECRET, description=f"{SECRET}, call now")
    url = f"/api/v1/cases/{case.id}"
    assert client.post(f"{url}/follow", headers=follower).status_code == 200
    assert client.post(f"{url}/support", headers=follower).status_code == 201
    accepted = client.post(
        f"{url}/transitions", json={"action": "accept"}, headers=token_for(city.staff)
    )
    assert accepted.status_code == 200
    inbox = client.get("/api/v1/notifications", headers=follower).get_data(as_text=True)
    assert SECRET in inbox  # quoted while the case was public
    hide(client, moderator, "case", case.id, "Advertising")
    return case


# "following" means nothing to an anonymous visitor.
LIST_VIEWS = [
    pytest.param(query, who, id=f"{','.join(query) or 'default'}-{who}")
    for query in CASE_LISTS
    for who in ("anonymous", "follower", "resident")
    if who != "anonymous" or "following" not in query
]


@pytest.mark.parametrize(("query", "who"), LIST_VIEWS)
def test_case_lists_never_show_a_hidden_case(client, hidden_case, follower, as_role, query, who):
    headers = {"follower": follower, "anonymous": {}}.get(who) or as_role(who)
    response = client.get("/api/v1/cases", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert hidden_case.id not in [item["id"] for item in body["items"]]
    assert body["total"] == 0
    assert SECRET not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["staff", "volunteer", "admin"])
def test_staff_and_moderators_still_list_it(client, hidden_case, as_role, who):
    headers = as_role(who, departments=["roads"]) if who == "staff" else as_role(who)
    items = client.get("/api/v1/cases", headers=headers).get_json()["items"]
    assert [item["id"] for item in items] == [hidden_case.id]
    if who != "volunteer":  # volunteers get the public schema, without contact or `hidden`
        assert items[0]["hidden"] is True


def test_its_reporter_still_sees_it_in_their_own_list(client, hidden_case, city, token_for):
    response = client.get(
        "/api/v1/cases", query_string={"mine": "true"}, headers=token_for(city.reporter)
    )
    assert [item["id"] for item in response.get_json()["items"]] == [hidden_case.id]
    assert response.get_json()["items"][0]["hidden"] is True  # so the app can say why


@pytest.mark.parametrize("role", ["volunteer", "staff"])
def test_those_who_still_see_it_are_told_it_is_hidden(client, hidden_case, as_role, role):
    response = client.get(f"/api/v1/cases/{hidden_case.id}", headers=as_role(role))
    assert response.status_code == 200
    assert response.get_json()["hidden"] is True


@pytest.mark.parametrize("who", ["anonymous", "follower"])
def test_duplicate_lookup_does_not_offer_it(client, hidden_case, follower, who):
    response = client.get(
        "/api/v1/cases/nearby",
        query_string={"category": "pothole", "lat": LAT, "lon": LON, "radius_m": 1000},
        headers=follower if who == "follower" else {},
    )
    assert response.status_code == 200
    assert response.get_json()["items"] == []
    assert SECRET not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["", "/events", "/comments"])
@pytest.mark.parametrize("who", ["anonymous", "follower"])
def test_detail_events_and_comments_are_404(client, hidden_case, follower, path, who):
    headers = follower if who == "follower" else {}
    response = client.get(f"/api/v1/cases/{hidden_case.id}{path}", headers=headers)
    assert response.status_code == 404
    assert SECRET not in response.get_data(as_text=True)


def test_work_on_a_hidden_case_is_not_broadcast_in_public(
    client, hidden_case, city, token_for, published
):
    """Staff keep handling it; the public case room (where followers who subscribed before
    it was hidden still sit) hears nothing, its handlers and department still do."""
    published.clear()
    response = client.post(
        f"/api/v1/cases/{hidden_case.id}/transitions",
        json={"action": "assign"},
        headers=token_for(city.staff),
    )
    assert response.status_code == 200
    rooms = [room for room, _event, _payload in published]
    assert f"case:{hidden_case.id}" not in rooms
    assert {f"case:{hidden_case.id}:internal", "department:roads"} <= set(rooms)
    public = [p for room, _e, p in published if not room.startswith(("case:", "department:"))]
    assert SECRET not in json.dumps(public, default=str)  # user rooms: notifications


def test_notifications_stop_quoting_it(client, hidden_case, follower, city, token_for):
    client.post(
        f"/api/v1/cases/{hidden_case.id}/transitions",
        json={"action": "assign"},
        headers=token_for(city.staff),
    )
    response = client.get("/api/v1/notifications", headers=follower)
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert items and all(item["target"]["id"] == str(hidden_case.id) for item in items)
    assert SECRET not in response.get_data(as_text=True)


def test_its_reporter_is_told_and_still_reads_the_title(client, hidden_case, city, token_for):
    response = client.get("/api/v1/notifications", headers=token_for(city.reporter))
    texts = [item["text"] for item in response.get_json()["items"]]
    assert any("Advertising" in text for text in texts)


def test_restoring_it_brings_everything_back(client, hidden_case, follower, moderator):
    body = {
        "action": "restore",
        "items": [{"target_type": "case", "target_id": hidden_case.id}],
    }
    assert (
        client.post("/api/v1/moderation/actions", json=body, headers=moderator).status_code == 200
    )
    listed = client.get("/api/v1/cases", query_string={"following": "true"}, headers=follower)
    assert [item["id"] for item in listed.get_json()["items"]] == [hidden_case.id]
    assert client.get(f"/api/v1/cases/{hidden_case.id}").status_code == 200
    inbox = client.get("/api/v1/notifications", headers=follower).get_data(as_text=True)
    assert SECRET in inbox


def test_a_hidden_proposals_answer_notice_stops_quoting_its_title(
    client, make_proposal, make_user, token_for, moderator
):
    follower = make_user()
    proposal = make_proposal(title=SECRET, status="under_review")
    base = f"/api/v1/proposals/{proposal.id}"
    assert client.post(f"{base}/follow", headers=token_for(follower)).status_code in (200, 201)
    answer = {"decision": "rejected", "body": "Not a city matter."}
    staff = token_for(make_user("staff"))
    assert client.post(f"{base}/answer", json=answer, headers=staff).status_code == 200
    inbox = client.get("/api/v1/notifications", headers=token_for(follower))
    assert SECRET in inbox.get_data(as_text=True)
    hide(client, moderator, "proposal", proposal.id, "Advertising")
    inbox = client.get("/api/v1/notifications", headers=token_for(follower))
    assert inbox.get_json()["items"]
    assert SECRET not in inbox.get_data(as_text=True)


def test_three_flags_hide_a_case_and_dismissing_them_brings_it_back(
    client, make_case, as_role, moderator
):
    case = make_case("submitted", description=SECRET)
    body = {"target_type": "case", "target_id": case.id, "reason": "spam"}
    for _ in range(3):
        assert (
            client.post("/api/v1/flags", json=body, headers=as_role("resident")).status_code == 201
        )
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 404
    assert client.get("/api/v1/cases").get_json()["total"] == 0
    log = client.get("/api/v1/moderation/log").get_json()["items"]
    assert [(e["action"], e["target_type"]) for e in log] == [("auto_hide", "case")]
    dismiss = {"action": "dismiss", "items": [{"target_type": "case", "target_id": case.id}]}
    assert (
        client.post("/api/v1/moderation/actions", json=dismiss, headers=moderator).status_code
        == 200
    )
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 200
    assert client.get("/api/v1/cases").get_json()["total"] == 1


def test_live_replays_leave_it_out(socket_client, hidden_case, city):
    """Reconnecting with ``since``: the case room refuses (as GET does) and the user room's
    unread notifications no longer quote it."""
    connection = socket_client(city.resident)
    ack = subscribe(connection, f"case:{hidden_case.id}", since=0)
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"
    ack = subscribe(connection, "user", since=0)
    assert ack["ok"] is True and ack["missed"]
    assert SECRET not in json.dumps(ack)
