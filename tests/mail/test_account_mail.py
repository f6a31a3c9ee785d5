"""Verification, reset, notification and digest mails through a real SMTP server on
loopback, in the reader's language, with links that work; SMTP down means retries."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.mail.models import OutgoingMail
from tests.helpers import PASSWORD, error_of
from tests.mail_server import MailServer, free_port, html_of, link_in, text_of, token_in

PUBLIC = "http://cityloop.test"
NEW_PASSWORD = "a-brand-new-secret-42"


@pytest.fixture(scope="module")
def smtp():
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def app_overrides(smtp):
    return {"SMTP_URL": smtp.url, "JOBS_EAGER": True, "PUBLIC_URL": PUBLIC}


@pytest.fixture
def inbox(smtp):
    smtp.inbox.messages.clear()
    return smtp.inbox


def register(client, csrf, **body):
    payload = {"email": "mei@example.org", "password": PASSWORD, "display_name": "Mei"} | body
    response = client.post("/api/v1/auth/register", json=payload, headers=csrf())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_registration_mails_a_verification_link_that_works_once(client, csrf, inbox):
    me = register(client, csrf)
    assert me["email_verified"] is False
    (message,) = inbox.wait_for(1)
    assert message["To"] == "Mei <mei@example.org>"
    assert link_in(message).startswith(f"{PUBLIC}/verify?token=")
    assert "Confirm" in message["Subject"] and "Hello Mei" in text_of(message)
    assert link_in(message).replace("&", "&amp;") in html_of(message)

    verify = {"json": {"token": token_in(message)}, "headers": csrf()}
    first = client.post("/api/v1/auth/verify", **verify)
    assert first.status_code == 200 and first.get_json()["email_verified"] is True
    again = client.post("/api/v1/auth/verify", **verify)
    assert again.status_code == 422 and error_of(again)["code"] == "token_used"


def test_mail_is_in_the_readers_language(client, csrf, inbox, make_user):
    make_user(email="li@example.org", display_name="李", locale="zh-CN")
    response = client.post("/api/v1/auth/password-reset", json={"email": "li@example.org"})
    assert response.status_code == 202
    (message,) = inbox.wait_for(1)
    assert message["Subject"] == "重置您的密码"
    assert message["Content-Language"] == "zh-CN"
    assert "李，您好" in text_of(message) and 'lang="zh-CN"' in html_of(message)


def test_a_forged_token_is_refused(client):
    response = client.post("/api/v1/auth/verify", json={"token": "not-a-token"})
    assert response.status_code == 422 and error_of(response)["code"] == "token_invalid"


def test_reset_answers_202_for_unknown_addresses_and_mails_nobody(client, inbox):
    response = client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.org"})
    assert response.status_code == 202
    time.sleep(0.2)
    assert inbox.messages == []


def test_a_reset_token_works_once_and_ends_every_session(client, inbox, make_user, token_for, app):
    ana = make_user(email="ana@example.org")
    old_token = token_for(ana)
    assert (
        client.post("/api/v1/auth/password-reset", json={"email": "ANA@example.org"}).status_code
        == 202
    )
    token = token_in(inbox.wait_for(1)[0])
    confirm = {"token": token, "password": NEW_PASSWORD}
    assert client.post("/api/v1/auth/password-reset/confirm", json=confirm).status_code == 204
    assert client.get("/api/v1/me", headers=old_token).status_code == 401
    again = client.post(
        "/api/v1/auth/password-reset/confirm", json=confirm | {"password": "x-other-secret-99"}
    )
    assert again.status_code == 422 and error_of(again)["code"] == "token_used"
    login = {"email": "ana@example.org", "password": NEW_PASSWORD}
    assert client.post("/api/v1/auth/token", json=login).status_code == 200


def test_a_reset_token_expires(client, inbox, make_user, app, monkeypatch):
    make_user(email="old@example.org")
    signed_at = time.time() - app.config["RESET_TOKEN_MINUTES"] * 60 - 5
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(signed_at))
    client.post("/api/v1/auth/password-reset", json={"email": "old@example.org"})
    monkeypatch.undo()
    token = token_in(inbox.wait_for(1)[0])
    body = {"token": token, "password": NEW_PASSWORD}
    response = client.post("/api/v1/auth/password-reset/confirm", json=body)
    assert response.status_code == 422 and error_of(response)["code"] == "token_expired"


def test_a_weak_new_password_is_refused_and_the_token_stays_good(client, inbox, make_user):
    make_user(email="weak@example.org")
    client.post("/api/v1/auth/password-reset", json={"email": "weak@example.org"})
    token = token_in(inbox.wait_for(1)[0])
    weak = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "short"}
    )
    assert weak.status_code == 422 and "password" in error_of(weak)["fields"]
    good = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert good.status_code == 204


def test_a_new_address_is_confirmed_on_the_new_address(client, inbox, make_user, token_for):
    ana = make_user(email="ana@example.org", display_name="Ana")
    headers = token_for(ana)
    body = {"email": "ana@new.example", "password": PASSWORD}
    assert client.post("/api/v1/me/email", json=body, headers=headers).status_code == 202
    (message,) = inbox.wait_for(1)
    assert message["To"] == "Ana <ana@new.example>"
    assert client.get("/api/v1/me", headers=headers).get_json()["email"] == "ana@example.org"
    assert client.post("/api/v1/auth/verify", json={"token": token_in(message)}).status_code == 200
    assert client.get("/api/v1/me", headers=headers).get_json()["email"] == "ana@new.example"
    again = client.post("/api/v1/auth/verify", json={"token": token_in(message)})
    assert error_of(again)["code"] == "token_used"
    # The audit log keeps the fact, by account number, never an address.
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "account.email_changed")
    )
    assert (entry.actor_id, entry.target_id) == (ana.id, str(ana.id))
    assert "example" not in repr((entry.before, entry.after))


def test_changing_to_a_taken_address_is_refused(client, make_user, token_for):
    make_user(email="taken@example.org")
    headers = token_for(make_user())
    body = {"email": "taken@example.org", "password": PASSWORD}
    response = client.post("/api/v1/me/email", json=body, headers=headers)
    assert response.status_code == 422 and "email" in error_of(response)["fields"]


@pytest.mark.parametrize("may_post", [True, False])
def test_the_city_chooses_whether_unverified_accounts_may_post(
    client, make_user, token_for, make_category, app, may_post
):
    category = make_category()
    headers = token_for(make_user(email_verified_at=None))
    app.config["UNVERIFIED_MAY_POST"] = may_post
    try:
        body = {
            "category": category.code,
            "lat": 31.23,
            "lon": 121.47,
            "description": "A deep pothole",
        }
        response = client.post("/api/v1/cases", json=body, headers=headers)
    finally:
        app.config["UNVERIFIED_MAY_POST"] = True
    if may_post:
        assert response.status_code == 201, response.get_json()
    else:
        assert response.status_code == 403 and error_of(response)["code"] == "email_unverified"


def test_notifications_and_digests_go_by_email_when_chosen(client, inbox, make_user, token_for):
    from backend.notify import push
    from backend.notify.service import notify

    mei = make_user(email="mei@example.org", display_name="Mei", locale="zh-CN")
    headers = token_for(mei)
    prefs = {"case_update": "email", "case_reply": "digest"}
    assert (
        client.put("/api/v1/notifications/preferences", json=prefs, headers=headers).status_code
        == 200
    )
    notify(
        db.session,
        [mei.id],
        kind="case_update",
        target_type="case",
        target_id=7,
        text="Case 7 is in progress",
    )
    db.session.commit()
    (message,) = inbox.wait_for(1)
    assert message["Subject"] == "CityLoop：Case 7 is in progress"
    assert link_in(message) == f"{PUBLIC}/cases/7"
    for n in (1, 2):
        notify(
            db.session,
            [mei.id],
            kind="case_reply",
            target_type="case",
            target_id=7,
            text=f"Reply {n}",
        )
    db.session.commit()
    assert push.send_digests() == 1
    digest = inbox.wait_for(2)[1]
    assert digest["Subject"] == "CityLoop：2条新动态"
    assert link_in(digest) == f"{PUBLIC}/notifications"


class TestSmtpDown:
    @pytest.fixture
    def app_overrides(self):
        self.port = free_port()
        return {
            "SMTP_URL": f"smtp://127.0.0.1:{self.port}",
            "JOBS_EAGER": True,
            "PUBLIC_URL": PUBLIC,
            "MAIL_RETRY_DELAYS": (0.5, 0.5),
        }

    def test_the_request_succeeds_and_the_mail_is_retried_until_it_goes(self, client, make_user):
        make_user(email="ana@example.org")
        response = client.post("/api/v1/auth/password-reset", json={"email": "ana@example.org"})
        assert response.status_code == 202
        row = db.session.scalar(select(OutgoingMail))
        assert row.attempts == 1 and row.last_error and row.next_attempt_at
        db.session.rollback()  # let go of SQLite's write lock for the retry
        server = MailServer(self.port).start()
        try:
            (message,) = server.inbox.wait_for(1)
            assert message["Subject"] == "Reset your password"
        finally:
            server.stop()
        deadline = time.monotonic() + 10  # the job deletes the row once the server took it
        while True:
            db.session.rollback()
            left = db.session.scalar(select(OutgoingMail.id))
            db.session.rollback()
            if left is None or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert left is None

    def test_after_the_last_retry_the_mail_is_given_up(self, client, make_user):
        make_user(email="ana@example.org")
        client.post("/api/v1/auth/password-reset", json={"email": "ana@example.org"})
        deadline = time.monotonic() + 10
        while True:
            db.session.rollback()
            row = db.session.scalar(select(OutgoingMail))
            failed_at, attempts = row.failed_at, row.attempts
            db.session.rollback()
            if failed_at is not None or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert failed_at is not None and attempts == 3


def test_a_reset_request_without_an_address_is_refused(client):
    for email in ("", "not-an-address"):
        response = client.post("/api/v1/auth/password-reset", json={"email": email})
        assert response.status_code == 422, email
