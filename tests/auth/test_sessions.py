"""Sessions end when they should: on sign-out (server-side), on a password change, when an
admin takes access away, and on "sign out everywhere"; sockets close with them."""

import pytest

from backend.extensions import db
from tests.helpers import PASSWORD, sql_statements

NEW_PASSWORD = "A-new-long-passphrase-9"


def _cookie(client, name: str) -> str:
    return next(c.value for c in client._cookies.values() if c.key == name)


def _signed_in_browser(app, email: str):
    """A fresh browser signed in by cookie, and its CSRF header."""
    browser = app.test_client()
    csrf = {"X-CSRFToken": browser.get("/api/v1/auth/csrf").get_json()["csrf_token"]}
    body = {"email": email, "password": PASSWORD}
    assert browser.post("/api/v1/auth/login", json=body, headers=csrf).status_code == 200
    return browser, csrf


def _replay(app, name: str, value: str) -> int:
    stranger = app.test_client()
    stranger.set_cookie(name, value)
    return stranger.get("/api/v1/me").status_code


def test_a_session_cookie_replayed_after_sign_out_is_refused(app, make_user):
    make_user(email="out@example.org")
    browser, csrf = _signed_in_browser(app, "out@example.org")
    session_cookie = _cookie(browser, "cityloop_session")
    remember_cookie = _cookie(browser, "remember_token")
    assert _replay(app, "cityloop_session", session_cookie) == 200
    assert _replay(app, "remember_token", remember_cookie) == 200

    assert browser.post("/api/v1/auth/logout", headers=csrf).status_code == 204
    assert _replay(app, "cityloop_session", session_cookie) == 401
    assert _replay(app, "remember_token", remember_cookie) == 401


def test_a_cookie_session_and_its_user_are_one_read(app, make_user, city):
    make_user("staff", departments=["roads", "water"], email="one@example.org")
    browser, _ = _signed_in_browser(app, "one@example.org")
    with sql_statements() as sent:
        assert browser.get("/api/v1/me").status_code == 200
    # the session, its user and the memberships every permission check reads
    reads = [s for s in sent if "user_sessions" in s or "memberships" in s]
    assert len(reads) == 1, sent
    assert "memberships" in reads[0] and "users" in reads[0]


def test_signing_out_one_browser_leaves_the_others_signed_in(app, make_user):
    make_user(email="two@example.org")
    laptop, laptop_csrf = _signed_in_browser(app, "two@example.org")
    phone, _ = _signed_in_browser(app, "two@example.org")
    assert laptop.post("/api/v1/auth/logout", headers=laptop_csrf).status_code == 204
    assert phone.get("/api/v1/me").status_code == 200


def _sessions_of(app, client, account, token_for, socket_client):
    """A bearer token, a second browser's cookies and a socket of ``account``."""
    other, _ = _signed_in_browser(app, account.email)
    remember = _cookie(other, "remember_token")
    headers = token_for(account)
    socket = socket_client(token=headers["Authorization"].split()[1])
    assert socket.is_connected()
    return headers, other, remember, socket


def _assert_all_ended(app, client, headers, other, remember, socket):
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert other.get("/api/v1/me").status_code == 401
    assert _replay(app, "remember_token", remember) == 401
    assert not socket.is_connected()


def test_a_password_change_ends_every_other_session(
    app, client, make_user, token_for, socket_client
):
    account = make_user(email="pw@example.org")
    ended = _sessions_of(app, client, account, token_for, socket_client)
    browser, csrf = _signed_in_browser(app, "pw@example.org")
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert browser.post("/api/v1/me/password", json=body, headers=csrf).status_code == 204
    _assert_all_ended(app, client, *ended)
    assert browser.get("/api/v1/me").status_code == 200  # the browser that changed it stays


def test_a_password_change_by_token_ends_that_token_too(client, make_user, token_for):
    headers = token_for(make_user())
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post("/api/v1/me/password", json=body, headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "change",
    [{"active": False}, {"role": "resident"}, {"departments": []}, {"role": "admin"}],
    ids=["deactivated", "demoted", "removed-from-department", "role-changed"],
)
def test_an_admin_taking_access_away_ends_every_session(
    app, client, make_user, make_department, token_for, socket_client, change
):
    make_department("roads")
    account = make_user("staff", departments=["roads"], email="staff@example.org")
    admin = token_for(make_user("admin"))
    ended = _sessions_of(app, client, account, token_for, socket_client)
    response = client.patch(f"/api/v1/admin/users/{account.id}", json=change, headers=admin)
    assert response.status_code == 200, response.get_json()
    _assert_all_ended(app, client, *ended)


def test_an_admin_edit_that_takes_nothing_away_keeps_sessions(app, client, make_user, token_for):
    account = make_user("staff")
    headers = token_for(account)
    admin = token_for(make_user("admin"))
    response = client.patch(
        f"/api/v1/admin/users/{account.id}", json={"display_name": "Renamed"}, headers=admin
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_sign_out_everywhere_ends_every_session(app, client, make_user, token_for, socket_client):
    account = make_user(email="all@example.org")
    ended = _sessions_of(app, client, account, token_for, socket_client)
    browser, csrf = _signed_in_browser(app, "all@example.org")
    assert browser.post("/api/v1/auth/logout-everywhere", headers=csrf).status_code == 204
    _assert_all_ended(app, client, *ended)
    assert browser.get("/api/v1/me").status_code == 401
    db.session.rollback()


def test_sign_out_everywhere_needs_a_signed_in_person(client):
    assert client.post("/api/v1/auth/logout-everywhere").status_code == 401


def test_an_admin_signs_a_person_out_everywhere(app, client, make_user, token_for, socket_client):
    """A lost phone: the admin ends every session and socket of the person, and the audit
    log says who did it."""
    from backend.audit.models import AuditEntry

    account = make_user(email="lost@example.org")
    ended = _sessions_of(app, client, account, token_for, socket_client)
    admin = make_user("admin")
    response = client.post(f"/api/v1/admin/users/{account.id}/sign-out", headers=token_for(admin))
    assert response.status_code == 200 and response.get_json()["id"] == account.id
    _assert_all_ended(app, client, *ended)
    db.session.rollback()
    entry = db.session.query(AuditEntry).filter_by(action="user.signed_out").one()
    assert (entry.actor_id, entry.target_id) == (admin.id, str(account.id))
    missing = client.post("/api/v1/admin/users/2147483647/sign-out", headers=token_for(admin))
    assert missing.status_code == 404
