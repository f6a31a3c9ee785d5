"""Socket permissions and acks over Flask-SocketIO's test client (no timing involved)."""

import pytest

from backend.extensions import db
from backend.live import rooms
from backend.live.publish import publish
from backend.notify import service
from tests.fixtures_live import received, subscribe
from tests.helpers import PASSWORD

ROLES = ["anonymous", "resident", "volunteer", "staff", "admin"]


def _connect(socket_client, make_user, role):
    return socket_client(None if role == "anonymous" else make_user(role))


@pytest.mark.parametrize(
    "role, expected",
    [("anonymous", "unauthorized"), ("resident", "forbidden"), ("volunteer", None),
     ("staff", "forbidden"), ("admin", None)],
)  # fmt: skip
def test_moderation_room_per_role(socket_client, make_user, role, expected):
    ack = subscribe(_connect(socket_client, make_user, role), "moderation")
    if expected is None:
        assert ack == {"ok": True, "room": "moderation", "missed": []}
    else:
        assert ack["ok"] is False and ack["error"]["code"] == expected


@pytest.mark.parametrize("role", ROLES)
def test_user_room_per_role(socket_client, make_user, role):
    ack = subscribe(_connect(socket_client, make_user, role), "user")
    assert ack["ok"] is (role != "anonymous")
    if role == "anonymous":
        assert ack["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "body, code",
    [
        ({"room": "nowhere:1"}, "not_found"),
        ({"room": "user:1"}, "not_found"),  # nobody joins someone else's room by name
        ({"room": "_sockets:user:1"}, "not_found"),
        ({"room": "moderation:x"}, "not_found"),
        ({"room": ""}, "validation_error"),
        ({"room": 5}, "validation_error"),
        ({"room": "x" * 500}, "validation_error"),
        ({"room": "user", "since": "yesterday"}, "validation_error"),
        ({"room": "user", "since": -1}, "validation_error"),
        ({"room": "user", "since": True}, "validation_error"),
    ],
)
def test_malformed_subscriptions_get_an_error_ack(socket_client, make_user, body, code):
    connection = socket_client(make_user("admin"))
    ack = connection.emit("subscribe", body, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code and ack["error"]["message"]


def test_a_non_object_payload_is_refused(socket_client):
    ack = socket_client().emit("subscribe", "moderation", callback=True)
    assert ack["error"]["code"] == "validation_error"


def test_a_bad_token_is_refused_at_connect(socket_client):
    assert not socket_client(token="clt_not-a-real-token").is_connected()
    assert not socket_client(auth={"token": 42}).is_connected()


def test_an_anonymous_client_may_connect(socket_client):
    assert socket_client().is_connected()


def test_the_user_room_delivers_ones_own_notifications_after_commit(
    socket_client, make_user, make_notification
):
    alice, bob = make_user(), make_user()
    mine, theirs = socket_client(alice), socket_client(bob)
    assert subscribe(mine, "user")["ok"] and subscribe(theirs, "user")["ok"]
    received(mine, "notification")
    note = make_notification(alice, text="Case #1 was accepted")
    [payload] = received(mine, "notification")
    assert payload["id"] == note.id and payload["text"] == "Case #1 was accepted"
    assert received(theirs, "notification") == []


def test_nothing_is_sent_for_a_rolled_back_change(socket_client, make_user):
    alice = make_user()
    connection = socket_client(alice)
    subscribe(connection, "user")
    service.notify(db.session, [alice.id], kind="case_update", target_type="case",
                   target_id=1, text="never happened")  # fmt: skip
    db.session.rollback()
    publish(db.session, f"user:{alice.id}", "notification", {"probe": True})
    db.session.commit()
    assert received(connection, "notification") == [{"probe": True}]


def test_digest_and_off_are_not_sent_live(socket_client, make_user):
    alice = make_user()
    service.set_preferences(db.session, alice, {"case_update": "digest", "case_reply": "off"})
    db.session.commit()
    connection = socket_client(alice)
    subscribe(connection, "user")
    for kind in ("case_update", "case_reply", "case_escalated"):
        service.notify(db.session, [alice.id], kind=kind, target_type="case", target_id=1,
                       text=kind)  # fmt: skip
    db.session.commit()
    assert [n["kind"] for n in received(connection, "notification")] == ["case_escalated"]


def test_since_replays_unread_notifications_oldest_first(socket_client, make_user,
                                                         make_notification):  # fmt: skip
    alice = make_user()
    first, second, third = (make_notification(alice, text=str(n)) for n in range(3))
    service.mark_read(db.session, alice, ids=[second.id])
    db.session.commit()
    ack = subscribe(socket_client(alice), "user", since=first.id)
    assert [n["id"] for n in ack["missed"]] == [third.id]
    assert subscribe(socket_client(alice), "user", since=0)["missed"][0]["id"] == first.id
    assert subscribe(socket_client(alice), "user")["missed"] == []


def test_unsubscribe_stops_the_flow(socket_client, make_user, make_notification):
    alice = make_user()
    connection = socket_client(alice)
    subscribe(connection, "user")
    assert connection.emit("unsubscribe", {"room": "user"}, callback=True) == {
        "ok": True,
        "room": "user",
    }
    make_notification(alice)
    assert received(connection, "notification") == []


def test_a_deactivated_account_loses_its_rooms_at_once(socket_client, make_user):
    alice = make_user("volunteer")
    connection = socket_client(alice)
    alice.active = False
    db.session.commit()
    assert subscribe(connection, "moderation")["error"]["code"] == "unauthorized"


def test_cookie_sessions_authenticate_the_socket(client, socket_client, make_user, csrf):
    alice = make_user(email="alice@example.org")
    login = client.post("/api/v1/auth/login", json={"email": "alice@example.org",
                        "password": PASSWORD}, headers=csrf())  # fmt: skip
    assert login.status_code == 200
    assert subscribe(socket_client(client=client), "user")["ok"] is True
    assert alice.id == login.get_json()["id"]


def test_logging_out_over_http_closes_that_persons_sockets(client, socket_client, make_user,
                                                           csrf):  # fmt: skip
    make_user(email="alice@example.org")
    bystander = socket_client(make_user())
    client.post("/api/v1/auth/login", json={"email": "alice@example.org",
                "password": PASSWORD}, headers=csrf())  # fmt: skip
    by_cookie = socket_client(client=client)
    assert subscribe(by_cookie, "user")["ok"]
    assert client.post("/api/v1/auth/logout", headers=csrf()).status_code == 204
    assert not by_cookie.is_connected()
    assert bystander.is_connected()
    assert subscribe(socket_client(client=client), "user")["error"]["code"] == "unauthorized"


def test_marking_read_tells_the_persons_other_devices(client, socket_client, make_user,
                                                      token_for, make_notification):  # fmt: skip
    alice = make_user()
    note = make_notification(alice)
    phone = socket_client(alice)
    subscribe(phone, "user")
    client.post("/api/v1/notifications/read", json={"ids": [note.id]}, headers=token_for(alice))
    assert received(phone, "notifications.read") == [{"ids": [note.id], "updated": 1, "unread": 0}]


def test_rooms_registry_rejects_idents_that_are_not_ids():
    for bad in ("", "0", "-1", "1:internal", "1.5", "\u0661", "9" * 13):
        with pytest.raises(ValueError):
            rooms.positive_int(bad)
    assert rooms.positive_int("0042") == 42


@pytest.mark.parametrize(
    "change", [{"role": "resident"}, {"departments": []}, {"active": False}],
    ids=["role", "department", "deactivated"],
)  # fmt: skip
def test_an_admin_taking_access_away_closes_the_persons_sockets(
    client, socket_client, make_user, make_department, token_for, change
):
    make_department("roads")
    sam = make_user("staff", departments=["roads"])
    connection = socket_client(sam)
    bystander = socket_client(make_user("staff", departments=["roads"]))
    assert subscribe(connection, "user")["ok"]
    admin = token_for(make_user("admin"))
    response = client.patch(f"/api/v1/admin/users/{sam.id}", json=change, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert not connection.is_connected()
    assert bystander.is_connected()
