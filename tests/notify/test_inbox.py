"""The notification inbox: listing, unread counts, marking read, and who gets what."""

import pytest
from sqlalchemy import select

from backend.auth.models import User
from backend.extensions import db
from backend.notify import service
from backend.notify.models import Notification
from tests.helpers import error_of


def test_the_inbox_lists_ones_own_notifications_newest_first(client, make_user, token_for,
                                                             make_notification):  # fmt: skip
    alice, bob = make_user(), make_user()
    first = make_notification(alice, text="first")
    second = make_notification(alice, text="second")
    make_notification(bob, text="not alice's")
    response = client.get("/api/v1/notifications", headers=token_for(alice))
    assert response.status_code == 200
    body = response.get_json()
    assert [n["id"] for n in body["items"]] == [second.id, first.id]
    assert body["total"] == 2 and body["unread"] == 2
    assert body["items"][0] == {
        "id": second.id,
        "kind": "case_update",
        "target": {"type": "case", "id": "1"},
        "text": "second",
        "url": "/cases/1",
        "created_at": body["items"][0]["created_at"],
        "read_at": None,
    }


def test_the_inbox_needs_a_signed_in_user(client):
    response = client.get("/api/v1/notifications")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_mark_some_read_then_all(client, make_user, token_for, make_notification):
    alice = make_user()
    headers = token_for(alice)
    one, two, three = (make_notification(alice) for _ in range(3))
    response = client.post("/api/v1/notifications/read", json={"ids": [one.id]}, headers=headers)
    assert response.get_json() == {"updated": 1, "unread": 2}
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).get_json()
    assert [n["id"] for n in unread["items"]] == [three.id, two.id]
    response = client.post("/api/v1/notifications/read", json={"all": True}, headers=headers)
    assert response.get_json() == {"updated": 2, "unread": 0}
    listed = client.get("/api/v1/notifications", headers=headers).get_json()["items"]
    assert all(n["read_at"] for n in listed)


def test_nobody_marks_someone_elses_notifications(client, make_user, token_for,
                                                  make_notification):  # fmt: skip
    alice, mallory = make_user(), make_user()
    note = make_notification(alice)
    response = client.post(
        "/api/v1/notifications/read", json={"ids": [note.id]}, headers=token_for(mallory)
    )
    assert response.get_json() == {"updated": 0, "unread": 0}
    db.session.refresh(note)
    assert note.read_at is None


@pytest.mark.parametrize(
    "body", [{}, {"ids": []}, {"ids": [1], "all": True}, {"all": False}, {"ids": [0]}]
)
def test_mark_read_wants_ids_or_all(client, as_role, body):
    response = client.post("/api/v1/notifications/read", json=body, headers=as_role("resident"))
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"


@pytest.mark.parametrize("as_select", [False, True], ids=["ids", "select"])
def test_the_actor_and_inactive_accounts_get_nothing(app, make_user, as_select):
    actor, follower, gone = make_user(), make_user(), make_user(active=False)
    ids = [actor.id, follower.id, gone.id]
    recipients = select(User.id).where(User.id.in_(ids)) if as_select else [*ids, None]
    created = service.notify(
        db.session,
        recipients,
        kind="case_update",
        target_type="case",
        target_id=7,
        text="Case #7 was accepted",
        actor_id=actor.id,
    )
    db.session.commit()
    assert [n.user_id for n in created] == [follower.id]


def test_long_text_is_clipped_to_one_line(app, make_user, make_notification):
    note = make_notification(make_user(), text="word\n" * 200)
    assert "\n" not in note.text and len(note.text) == service.MAX_TEXT


def test_a_failed_change_leaves_no_notification(app, make_user):
    alice = make_user()
    service.notify(db.session, [alice.id], kind="case_update", target_type="case",
                   target_id=1, text="never")  # fmt: skip
    db.session.rollback()
    assert db.session.query(Notification).count() == 0


def test_unknown_kinds_are_a_programming_error(app, make_user):
    with pytest.raises(ValueError):
        service.notify(db.session, [make_user().id], kind="nope", target_type="case",
                       target_id=1, text="x")  # fmt: skip
