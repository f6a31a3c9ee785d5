"""Staff internal notes on cases: written and read by the handling staff only, never in any
resident-visible payload, list or room."""

import json

import pytest

from tests.fixtures_live import comments_heard, subscribe
from tests.helpers import error_of

NOTE = "Internal: contractor overcharged, do not tell the reporter"


@pytest.fixture
def scene(client, make_reported_case, make_user, token_for):
    """A case with an internal note and a public reply, and the people around it."""
    reporter = make_user(display_name="Reporter")
    case = make_reported_case(reporter)
    handler = make_user("staff", departments=[case.department.code])
    people = {
        "anonymous": {},
        "reporter": token_for(reporter),
        "resident": token_for(make_user()),
        "volunteer": token_for(make_user("volunteer")),
        "other staff": token_for(make_user("staff")),
        "handler": token_for(handler),
        "admin": token_for(make_user("admin")),
    }
    url = f"/api/v1/cases/{case.id}/comments"
    note = client.post(url, json={"body": NOTE, "internal": True}, headers=people["handler"])
    reply = client.post(url, json={"body": "We are on it."}, headers=people["handler"])
    assert note.status_code == reply.status_code == 201
    return {"case": case, "people": people, "note": note.get_json(), "reply": reply.get_json()}


SEES_NOTES = {"handler", "admin"}
EVERYONE = ["anonymous", "reporter", "resident", "volunteer", "other staff", "handler", "admin"]


@pytest.mark.parametrize("who", EVERYONE)
def test_lists_hold_internal_notes_for_handlers_only(client, scene, who):
    response = client.get(
        f"/api/v1/cases/{scene['case'].id}/comments", headers=scene["people"][who]
    )
    listed = response.get_json()
    ids = [c["id"] for c in listed["items"]]
    if who in SEES_NOTES:
        assert ids == [scene["note"]["id"], scene["reply"]["id"]]
        assert [c["internal"] for c in listed["items"]] == [True, False]
    else:
        assert ids == [scene["reply"]["id"]]
        assert listed["total"] == 1
        assert NOTE not in response.get_data(as_text=True)
        assert all(c["internal"] is False for c in listed["items"])


@pytest.mark.parametrize("who", sorted(set(EVERYONE) - SEES_NOTES))
def test_a_note_is_404_to_everyone_else_whatever_they_try(client, scene, who):
    headers = scene["people"][who]
    note_id = scene["note"]["id"]
    attempts = [
        client.get(f"/api/v1/comments/{note_id}", headers=headers),
        client.put(f"/api/v1/comments/{note_id}/vote", json={"value": 1}, headers=headers),
        client.patch(f"/api/v1/comments/{note_id}", json={"body": "x"}, headers=headers),
        client.delete(f"/api/v1/comments/{note_id}", headers=headers),
        client.post(
            "/api/v1/flags",
            json={"target_type": "comment", "target_id": note_id, "reason": "spam"},
            headers=headers,
        ),
        client.post(
            f"/api/v1/cases/{scene['case'].id}/comments",
            json={"body": "reply", "parent_id": note_id},
            headers=headers,
        ),
    ]
    for response in attempts:
        assert response.status_code in (401, 404, 422), response.get_json()
        assert NOTE not in response.get_data(as_text=True)


def test_handlers_read_single_notes(client, scene):
    response = client.get(
        f"/api/v1/comments/{scene['note']['id']}", headers=scene["people"]["admin"]
    )
    assert response.status_code == 200
    assert response.get_json()["body"] == NOTE


def test_replies_to_a_note_stay_internal(client, scene):
    url = f"/api/v1/cases/{scene['case'].id}/comments"
    handler = scene["people"]["handler"]
    public = client.post(url, json={"body": "x", "parent_id": scene["note"]["id"]}, headers=handler)
    assert public.status_code == 422
    assert "internal" in error_of(public)["fields"]
    internal = client.post(
        url,
        json={"body": "Agreed", "parent_id": scene["note"]["id"], "internal": True},
        headers=handler,
    )
    assert internal.status_code == 201
    resident_view = client.get(url, headers=scene["people"]["resident"]).get_json()
    assert resident_view["total"] == 1


def test_only_public_replies_count(client, scene):
    case = client.get(f"/api/v1/cases/{scene['case'].id}").get_json()
    assert case["comments"] == 1


def test_live_notes_go_to_the_internal_room_only(
    client, make_reported_case, make_user, token_for, published
):
    case = make_reported_case()
    handler = token_for(make_user("staff", departments=[case.department.code]))
    url = f"/api/v1/cases/{case.id}/comments"
    client.post(url, json={"body": NOTE, "internal": True}, headers=handler)
    client.post(url, json={"body": "Public answer"}, headers=handler)
    # a new comment is announced once, inside its case event; no case.comment frame
    assert [event for _room, event, _p in published if event == "case.comment"] == []
    comment_events = [(room, p) for room, event, p in published if "comment" in p]
    assert [(room, p["comment"]["internal"]) for room, p in comment_events] == [
        (f"case:{case.id}:internal", True),
        (f"case:{case.id}", False),
    ]
    note_event, reply_event = (p["event"] for _room, p in comment_events)
    assert (note_event["action"], reply_event["action"]) == ("internal_note", "comment")
    assert comment_events[1][1]["case_id"] == case.id
    assert comment_events[1][1]["case"]["comments"] == 1  # the count includes it
    public_rooms = [p for room, _, p in published if not room.endswith(":internal")]
    assert NOTE not in json.dumps(public_rooms, default=str)


def test_a_subscribed_resident_never_receives_a_note(
    client, make_reported_case, make_user, token_for, socket_client
):
    case = make_reported_case()
    handler_user = make_user("staff", departments=[case.department.code])
    resident = socket_client(make_user())
    staff = socket_client(handler_user)
    assert subscribe(resident, f"case:{case.id}")["ok"] is True
    assert subscribe(staff, f"case:{case.id}")["ok"] is True
    url = f"/api/v1/cases/{case.id}/comments"
    client.post(url, json={"body": NOTE, "internal": True}, headers=token_for(handler_user))
    client.post(url, json={"body": "Public answer"}, headers=token_for(handler_user))
    staff_got = [c["comment"]["body"] for c in comments_heard(staff)]
    resident_got = [c["comment"]["body"] for c in comments_heard(resident)]
    assert staff_got == [NOTE, "Public answer"]
    assert resident_got == ["Public answer"]


def test_a_flagged_note_stays_unreadable_in_the_volunteers_queue(
    client, scene, make_user, token_for
):
    note_id = scene["note"]["id"]
    flag = {"target_type": "comment", "target_id": note_id, "reason": "personal_data"}
    flag["text"] = "Names the contractor: " + NOTE
    assert (
        client.post("/api/v1/flags", json=flag, headers=scene["people"]["admin"]).status_code == 201
    )
    volunteer = scene["people"]["volunteer"]
    queue = client.get("/api/v1/moderation/queue?kind=flagged", headers=volunteer)
    (item,) = queue.get_json()["items"]
    assert (item["target_id"], item["flags"]["count"]) == (note_id, 1)
    assert NOTE not in queue.get_data(as_text=True)
    hide = {"action": "hide", "items": [{"target_type": "comment", "target_id": note_id}]}
    refused = client.post(
        "/api/v1/moderation/actions", json=hide | {"reason": "x"}, headers=volunteer
    )
    assert refused.status_code == 422
    admin_queue = client.get("/api/v1/moderation/queue", headers=scene["people"]["admin"])
    assert NOTE in admin_queue.get_data(as_text=True)
