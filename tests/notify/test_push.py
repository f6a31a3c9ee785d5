"""Web Push end to end, against a push service on loopback that checks VAPID and
decrypts the payload with the browser's own keys."""

import base64

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.notify import push, service, vapid
from backend.notify.models import PushDelivery, PushSubscription
from tests.helpers import error_of
from tests.push_service import BrowserKeys


@pytest.fixture
def app_overrides():
    return {"JOBS_EAGER": True, "PUSH_ENDPOINT_HOSTS": ["127.0.0.1"], "PUSH_ALLOW_HTTP": True}


def _subscriptions() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(PushSubscription.id)))


def _subscribe(client, headers, subscription):
    return client.post("/api/v1/push/subscriptions", json=subscription, headers=headers)


def _notify(user, text="Case #4 is in progress"):
    service.set_preferences(db.session, user, {"case_update": "push"})
    created = service.notify(db.session, [user.id], kind="case_update", target_type="case",
                             target_id=4, text=text)  # fmt: skip
    db.session.commit()  # the push job runs after the commit (at once: JOBS_EAGER)
    return created[0]


def test_a_notification_arrives_signed_and_encrypted(client, make_user, token_for,
                                                     push_service, browser_keys):  # fmt: skip
    alice = make_user()
    headers = token_for(alice)
    public_key = client.get("/api/v1/push/key").get_json()["public_key"]
    assert _subscribe(client, headers, push_service.subscription(browser_keys)).status_code == 201
    note = _notify(alice)
    delivery = push_service.wait()
    assert push_service.errors == []
    assert delivery.vapid_public_key == public_key
    assert delivery.claims["aud"] == push_service.origin
    assert delivery.claims["sub"].startswith("mailto:admin@")
    assert delivery.payload == {
        "title": "CityLoop",
        "body": "Case #4 is in progress",
        "url": "/cases/4",
        "tag": "case:4",
        "notification_id": note.id,
    }


def test_a_410_removes_the_subscription(client, make_user, token_for, push_service):
    alice = make_user()
    gone = push_service.subscription(BrowserKeys(), status=410)
    kept = push_service.subscription(BrowserKeys())
    for subscription in (gone, kept):
        assert _subscribe(client, token_for(alice), subscription).status_code == 201
    _notify(alice)
    assert push_service.wait().token == kept["endpoint"].rsplit("/", 1)[1]
    remaining = db.session.scalars(select(PushSubscription.endpoint)).all()
    assert remaining == [kept["endpoint"]]


def test_a_push_service_error_keeps_the_subscription(client, make_user, token_for,
                                                     push_service):  # fmt: skip
    alice = make_user()
    failing = push_service.subscription(BrowserKeys(), status=503)
    assert _subscribe(client, token_for(alice), failing).status_code == 201
    _notify(alice)
    assert _subscriptions() == 1


def _tokens_pushed(push_service) -> list[str]:
    tokens = []
    while not push_service.deliveries.empty():
        tokens.append(push_service.deliveries.get().token)
    return sorted(tokens)


def test_a_push_job_run_again_skips_the_devices_it_reached(client, make_user, token_for,
                                                           push_service):  # fmt: skip
    """What a job re-run after its worker was killed does (tests/operations has the kill)."""
    alice = make_user()
    phone = push_service.subscription(BrowserKeys())
    tablet = push_service.subscription(BrowserKeys(), status=503)
    for device in (phone, tablet):
        assert _subscribe(client, token_for(alice), device).status_code == 201
    note = _notify(alice)
    assert _tokens_pushed(push_service) == [phone["endpoint"].rsplit("/", 1)[1]]
    push.send_notification(note.id)  # again: the phone is skipped, the tablet tried again
    assert _tokens_pushed(push_service) == []
    push_service.set_status(tablet["endpoint"], 201)
    push.send_notification(note.id)
    assert _tokens_pushed(push_service) == [tablet["endpoint"].rsplit("/", 1)[1]]
    push.send_notification(note.id)
    assert _tokens_pushed(push_service) == []
    assert db.session.scalar(select(func.count()).select_from(PushDelivery)) == 2


def test_live_only_preferences_send_no_push(client, make_user, token_for, push_service):
    alice = make_user()
    _subscribe(client, token_for(alice), push_service.subscription(BrowserKeys()))
    service.notify(db.session, [alice.id], kind="case_reply", target_type="case",
                   target_id=4, text="live only")  # fmt: skip
    db.session.commit()
    _notify(alice, text="pushed")
    assert push_service.wait().payload["body"] == "pushed"  # the first and only push


def test_the_daily_digest_is_one_push_per_person(client, make_user, token_for, push_service):
    alice = make_user()
    _subscribe(client, token_for(alice), push_service.subscription(BrowserKeys()))
    service.set_preferences(db.session, alice, {"case_update": "digest"})
    for n in range(3):
        service.notify(db.session, [alice.id], kind="case_update", target_type="case",
                       target_id=n + 1, text="moved")  # fmt: skip
    db.session.commit()
    assert push.send_digests() == 1
    assert push_service.wait().payload["body"] == "3 new updates"
    assert push.send_digests() == 0  # nothing twice


def test_a_digest_run_killed_partway_sends_only_the_rest_again(
    client, make_user, token_for, push_service, monkeypatch
):
    people = [make_user() for _ in range(3)]
    for person in people:
        _subscribe(client, token_for(person), push_service.subscription(BrowserKeys()))
        service.set_preferences(db.session, person, {"case_update": "digest"})
        service.notify(db.session, [person.id], kind="case_update", target_type="case",
                       target_id=1, text="moved")  # fmt: skip
    db.session.commit()
    real, reached = push.send_to_user, []

    def killed_at_the_second(session, user_id, payload):
        if len(reached) == 1:
            raise SystemExit("killed")  # what the process's death looks like from here
        reached.append(user_id)
        return real(session, user_id, payload)

    monkeypatch.setattr(push, "send_to_user", killed_at_the_second)
    with pytest.raises(SystemExit):
        push.send_digests()
    db.session.rollback()
    monkeypatch.setattr(push, "send_to_user", real)
    assert push.send_digests() == 2  # the first person's digest is not sent again
    bodies = [push_service.wait().payload["body"] for _ in range(3)]
    assert bodies == ["1 new update"] * 3  # one each
    assert push.send_digests() == 0
    assert push_service.deliveries.empty()


def test_subscribing_is_idempotent_per_endpoint(client, make_user, token_for, push_service):
    alice, bob = make_user(), make_user()
    subscription = push_service.subscription(BrowserKeys())
    first = _subscribe(client, token_for(alice), subscription)
    again = _subscribe(client, token_for(alice), subscription)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    # The same browser subscription (same keys), now signed in as bob: the device moves.
    assert _subscribe(client, token_for(bob), subscription).status_code == 200
    assert db.session.scalars(select(PushSubscription.user_id)).all() == [bob.id]


def test_another_persons_endpoint_does_not_move_without_its_keys(
    client, make_user, token_for, push_service
):
    alice, mallory = make_user(), make_user()
    subscription = push_service.subscription(BrowserKeys())
    assert _subscribe(client, token_for(alice), subscription).status_code == 201
    forged = subscription | {"keys": push_service.subscription(BrowserKeys())["keys"]}
    response = _subscribe(client, token_for(mallory), forged)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    row = db.session.scalars(select(PushSubscription)).one()
    assert (row.user_id, row.p256dh) == (alice.id, subscription["keys"]["p256dh"].rstrip("="))


def test_a_person_has_at_most_max_devices(client, make_user, token_for, push_service):
    from backend.notify.push import MAX_DEVICES

    alice = make_user()
    headers = token_for(alice)
    endpoints = []
    for _ in range(MAX_DEVICES + 2):
        subscription = push_service.subscription(BrowserKeys())
        assert _subscribe(client, headers, subscription).status_code == 201
        endpoints.append(subscription["endpoint"])
    kept = db.session.scalars(
        select(PushSubscription.endpoint).where(PushSubscription.user_id == alice.id)
    ).all()
    # The two registered first made room for the newest.
    assert sorted(kept) == sorted(endpoints[2:])


def test_unsubscribe_only_ones_own(client, make_user, token_for, push_service):
    alice, mallory = make_user(), make_user()
    subscription = push_service.subscription(BrowserKeys())
    _subscribe(client, token_for(alice), subscription)
    body = {"endpoint": subscription["endpoint"]}
    denied = client.delete("/api/v1/push/subscriptions", json=body, headers=token_for(mallory))
    assert denied.status_code == 404
    done = client.delete("/api/v1/push/subscriptions", json=body, headers=token_for(alice))
    assert done.status_code == 204
    assert _subscriptions() == 0


def test_subscriptions_need_a_signed_in_user(client, push_service):
    response = _subscribe(client, {}, push_service.subscription(BrowserKeys()))
    assert response.status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"endpoint": "https://169.254.169.254/latest/meta-data"},
        {"endpoint": "http://internal.example/push"},
        {"endpoint": "not a url"},
        {"keys": {"p256dh": "AAAA", "auth": "AAAA"}},
        {"keys": {"p256dh": "!!", "auth": "%%"}},
    ],
)
def test_bad_subscriptions_are_refused(client, as_role, push_service, change):
    subscription = push_service.subscription(BrowserKeys()) | change
    response = _subscribe(client, as_role("resident"), subscription)
    assert response.status_code == 422
    assert _subscriptions() == 0


def test_the_default_allow_list_is_real_push_services_over_https(app):
    app.config["PUSH_ENDPOINT_HOSTS"] = []
    app.config["PUSH_ALLOW_HTTP"] = False
    assert push.check_endpoint("https://fcm.googleapis.com/fcm/send/abc")
    assert push.check_endpoint("https://web.push.apple.com/QO8")
    for endpoint in ("http://fcm.googleapis.com/x", "https://fcm.googleapis.com.evil.test/x",
                     "https://127.0.0.1/x"):  # fmt: skip
        with pytest.raises(Exception) as caught:
            push.check_endpoint(endpoint)
        assert caught.value.status == 422


def test_the_key_is_generated_once_and_kept_private(app, client):
    path = app.config["DATA_DIR"] / vapid.KEY_FILE
    first = client.get("/api/v1/push/key").get_json()["public_key"]
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(base64.urlsafe_b64decode(first + "=")) == 65
    app.extensions.pop("cityloop.vapid")  # as a restarted process would
    assert client.get("/api/v1/push/key").get_json()["public_key"] == first


def test_configured_keys_are_used_and_checked(app, client):
    key = vapid.Vapid02()
    key.generate_keys()
    raw = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    app.config["VAPID_PRIVATE_KEY"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    app.extensions.pop("cityloop.vapid", None)
    assert client.get("/api/v1/push/key").get_json()["public_key"] == vapid.public_key_of(key)
    app.config["VAPID_PUBLIC_KEY"] = "B" + vapid.public_key_of(key)[1:-2] + "AA"
    app.extensions.pop("cityloop.vapid", None)
    with pytest.raises(RuntimeError):
        vapid.vapid_key(app)


@pytest.mark.parametrize(
    "configured, expected",
    [
        (None, "mailto:admin@city.example"),
        ("https://city.example/contact", "https://city.example/contact"),
        ("admin@city.example", RuntimeError),
        ("mailto:nobody", RuntimeError),
    ],
)
def test_the_subject_is_a_real_mailto_or_https_url(app, configured, expected):
    app.config["PUBLIC_URL"] = "https://city.example"
    app.config["VAPID_SUBJECT"] = configured
    if expected is RuntimeError:
        with pytest.raises(RuntimeError):
            vapid.subject(app)
    else:
        assert vapid.subject(app) == expected


def test_push_keys_command_prints_the_public_key(app, client):
    result = app.test_cli_runner().invoke(args=["push", "keys"])
    assert result.exit_code == 0, result.output
    public_key = client.get("/api/v1/push/key").get_json()["public_key"]
    assert result.output.strip().splitlines()[-1] == f"VAPID_PUBLIC_KEY={public_key}"


def test_errors_keep_the_contract_shape(client, as_role):
    response = client.delete("/api/v1/push/subscriptions", json={}, headers=as_role("resident"))
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"endpoint": ["Missing data for required field."]}


def test_no_push_job_for_someone_without_devices(app, make_user, monkeypatch):
    queued = []
    monkeypatch.setattr("backend.jobs.enqueue", lambda func, *args: queued.append(func))
    alice = make_user()
    _notify(alice)
    assert queued == []


def test_the_digest_command_reports_how_many_people(app, make_user, push_service):
    alice = make_user()
    service.set_preferences(db.session, alice, {"case_reply": "digest"})
    service.notify(db.session, [alice.id], kind="case_reply", target_type="case",
                   target_id=1, text="a reply")  # fmt: skip
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["notify", "digest"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Digests sent: 1."
