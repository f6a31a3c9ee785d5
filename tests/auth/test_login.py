from datetime import timedelta

import pytest

from backend.auth.models import AuthToken
from backend.db import utcnow
from backend.extensions import db
from tests.helpers import PASSWORD


def test_token_for_demo_style_login_and_me(client, make_user):
    user = make_user(email="Mixed.Case@Example.org")
    response = client.post(
        "/api/v1/auth/token", json={"email": "mixed.case@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "bearer"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["id"] == user.id
    assert "Set-Cookie" not in me.headers


def test_wrong_password_is_401_without_saying_which_part(client, make_user):
    make_user(email="x@example.org")
    wrong = client.post("/api/v1/auth/token", json={"email": "x@example.org", "password": "nope"})
    unknown = client.post("/api/v1/auth/token", json={"email": "y@example.org", "password": "n"})
    assert wrong.status_code == unknown.status_code == 401

    def same(response):  # every error carries its own request id
        return {k: v for k, v in response.get_json()["error"].items() if k != "request_id"}

    assert same(wrong) == same(unknown)


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer clt_forged", "Basic abc", "Bearer "])
def test_bad_bearer_tokens(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] in {"unauthorized", "invalid_token"}


def test_expired_and_revoked_tokens(client, make_user, token_for):
    headers = token_for(make_user())
    db.session.query(AuthToken).update({"expires_at": utcnow() - timedelta(seconds=1)})
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401

    headers = token_for(make_user())
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_deactivated_user_cannot_sign_in_or_use_tokens(client, make_user, token_for):
    user = make_user(email="gone@example.org")
    headers = token_for(user)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    response = client.post(
        "/api/v1/auth/token", json={"email": "gone@example.org", "password": PASSWORD}
    )
    assert response.status_code == 403


def test_cookie_login_needs_csrf_and_then_works(client, make_user, csrf):
    make_user(email="c@example.org")
    body = {"email": "c@example.org", "password": PASSWORD}
    refused = client.post("/api/v1/auth/login", json=body)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "csrf_failed"

    assert client.post("/api/v1/auth/login", json=body, headers=csrf()).status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    cookie = next(c for c in client._cookies.values() if c.key == "cityloop_session")
    assert cookie.http_only and cookie.same_site == "Lax"

    # Signed in by cookie, unsafe requests still need the token.
    assert client.patch("/api/v1/me", json={"display_name": "C2"}).status_code == 403
    response = client.patch("/api/v1/me", json={"display_name": "C2"}, headers=csrf())
    assert response.status_code == 200
    assert response.get_json()["display_name"] == "C2"

    assert client.post("/api/v1/auth/logout", headers=csrf()).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_forged_csrf_token_is_refused(client, make_user, csrf):
    make_user(email="f@example.org")
    body = {"email": "f@example.org", "password": PASSWORD}
    client.post("/api/v1/auth/login", json=body, headers=csrf())
    response = client.patch(
        "/api/v1/me", json={"display_name": "x"}, headers={"X-CSRFToken": "forged"}
    )
    assert response.status_code == 403


def test_failed_logins_are_throttled_per_account(client, make_user):
    make_user(email="t@example.org")
    bad = {"email": "t@example.org", "password": "wrong-password"}
    statuses = [client.post("/api/v1/auth/token", json=bad).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    # Even the right password waits now: the account is what is protected.
    good = {"email": "t@example.org", "password": PASSWORD}
    response = client.post("/api/v1/auth/token", json=good)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0


def test_failed_logins_are_throttled_per_address(client, make_user):
    for n in range(30):
        body = {"email": f"nobody{n}@example.org", "password": "wrong-password"}
        assert client.post("/api/v1/auth/token", json=body).status_code == 401
    body = {"email": "another@example.org", "password": "wrong-password"}
    assert client.post("/api/v1/auth/token", json=body).status_code == 429


def test_successful_logins_are_not_throttled(client, make_user):
    make_user(email="ok@example.org")
    good = {"email": "ok@example.org", "password": PASSWORD}
    assert all(client.post("/api/v1/auth/token", json=good).status_code == 200 for _ in range(8))


def test_change_password(client, make_user, token_for):
    headers = token_for(make_user(email="p@example.org"))
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "nope", "new_password": "a-brand-new-secret"},
        headers=headers,
    )
    assert wrong.status_code == 422
    ok = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a-brand-new-secret"},
        headers=headers,
    )
    assert ok.status_code == 204
    new = {"email": "p@example.org", "password": "a-brand-new-secret"}
    assert client.post("/api/v1/auth/token", json=new).status_code == 200


def test_session_endpoint_answers_200_either_way(client, make_user, token_for):
    assert client.get("/api/v1/auth/session").get_json() == {"user": None}
    user = make_user()
    body = client.get("/api/v1/auth/session", headers=token_for(user)).get_json()
    assert body["user"]["id"] == user.id


def test_token_and_cookie_sign_in_share_one_budget(client, make_user, csrf):
    make_user(email="shared@example.org")
    bad = {"email": "shared@example.org", "password": "wrong-password"}
    tokens = [client.post("/api/v1/auth/token", json=bad).status_code for _ in range(3)]
    logins = [
        client.post("/api/v1/auth/login", json=bad, headers=csrf()).status_code for _ in range(2)
    ]
    assert tokens + logins == [401] * 5
    # Five failures in all: the sixth try is refused whichever way it comes.
    assert client.post("/api/v1/auth/login", json=bad, headers=csrf()).status_code == 429
    assert client.post("/api/v1/auth/token", json=bad).status_code == 429


def test_address_budget_is_shared_too(client, make_user, csrf):
    for n in range(15):
        body = {"email": f"nobody{n}@example.org", "password": "wrong-password"}
        assert client.post("/api/v1/auth/token", json=body).status_code == 401
    for n in range(15, 30):
        body = {"email": f"nobody{n}@example.org", "password": "wrong-password"}
        assert client.post("/api/v1/auth/login", json=body, headers=csrf()).status_code == 401
    body = {"email": "another@example.org", "password": "wrong-password"}
    assert client.post("/api/v1/auth/token", json=body).status_code == 429


def test_password_changes_are_throttled_like_sign_in(client, make_user, token_for):
    headers = token_for(make_user(email="guess@example.org"))
    wrong = {"current_password": "nope", "new_password": "a-brand-new-secret"}
    statuses = [
        client.post("/api/v1/me/password", json=wrong, headers=headers).status_code
        for _ in range(6)
    ]
    assert statuses == [422] * 5 + [429]
    # The same account's sign-in budget is spent as well.
    good = {"email": "guess@example.org", "password": PASSWORD}
    assert client.post("/api/v1/auth/token", json=good).status_code == 429


def test_a_weak_new_password_does_not_spend_the_budget(client, make_user, token_for):
    headers = token_for(make_user(email="weak@example.org"))
    weak = {"current_password": PASSWORD, "new_password": "short"}
    statuses = [
        client.post("/api/v1/me/password", json=weak, headers=headers).status_code for _ in range(7)
    ]
    assert statuses == [422] * 7
