"""Security events are logged with the user id and nothing else personal."""

import logging

import pytest

from tests.helpers import PASSWORD


@pytest.fixture
def security(caplog):
    caplog.set_level(logging.WARNING, logger="cityloop.security")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "cityloop.security"]


def test_failed_sign_ins_are_logged_by_user_id(client, make_user, security):
    account = make_user(email="zelda@example.org", display_name="Zelda Zhou")
    client.post("/api/v1/auth/token", json={"email": "zelda@example.org", "password": "nope"})
    client.post("/api/v1/auth/token", json={"email": "ghost@example.org", "password": "nope"})
    client.post("/api/v1/auth/token", json={"email": "zelda@example.org", "password": PASSWORD})
    events = security()
    assert events == [
        f"sign_in_failed user={account.id} path=/api/v1/auth/token",
        "sign_in_failed user=unknown path=/api/v1/auth/token",
    ]
    assert not any("zelda" in e.lower() or "ghost" in e or "Zhou" in e for e in events)


def test_refused_permissions_are_logged_by_user_id(client, make_user, token_for, security):
    resident = make_user()
    response = client.get("/api/v1/admin/users", headers=token_for(resident))
    assert response.status_code == 403
    assert security() == [
        f"permission_refused user={resident.id} code=forbidden path=/api/v1/admin/users"
    ]


def test_a_refused_csrf_token_is_logged(client, make_user, security):
    make_user(email="c@example.org")
    client.post("/api/v1/auth/login", json={"email": "c@example.org", "password": PASSWORD})
    assert security() == ["csrf_refused user=None path=/api/v1/auth/login"]
