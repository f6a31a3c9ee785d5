import pytest

from tests.helpers import PASSWORD


def register(client, csrf, **body):
    payload = {"email": "ana@example.org", "password": PASSWORD, "display_name": "Ana"} | body
    return client.post("/api/v1/auth/register", json=payload, headers=csrf())


def test_register_signs_in_with_a_cookie(client, csrf):
    response = register(client, csrf)
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "ana@example.org"
    assert body["role"] == "resident"
    assert "password" not in body and "password_hash" not in body
    assert client.get("/api/v1/me").get_json()["id"] == body["id"]


def test_duplicate_email_in_another_case_is_refused(client, csrf):
    assert register(client, csrf).status_code == 201
    client.post("/api/v1/auth/logout", headers=csrf())
    response = register(client, csrf, email="ANA@Example.ORG")
    assert response.status_code == 422
    assert "email" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "password",
    ["short", "aaaaaaaaaaaaaa", "password123", "x" * 300, "anaana-secret-1"],
    ids=["short", "repetitive", "common", "too-long", "contains-email"],
)
def test_weak_passwords_are_refused(client, csrf, password):
    response = register(client, csrf, email="anaana@example.org", password=password)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["password"]


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@", "@b.org", "a b@c.org", "", "x" * 250 + "@example.org", 12]
)
def test_malformed_emails_are_refused(client, csrf, email):
    response = register(client, csrf, email=email)
    assert response.status_code == 422
    assert "email" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("name", ["", "   ", "n" * 81, "bad\u0000name", "zero\u200bwidth"], ids=str)
def test_bad_display_names_are_refused(client, csrf, name):
    response = register(client, csrf, display_name=name)
    assert response.status_code == 422
    assert "display_name" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "name", ["王小明", "José Ñúñez", "Zoë 🚲", "n" * 80, "'; DROP TABLE users;--"]
)
def test_unicode_and_hostile_names_are_kept_verbatim(client, csrf, name):
    response = register(client, csrf, display_name=name)
    assert response.status_code == 201
    assert response.get_json()["display_name"] == name


def test_missing_and_mistyped_fields(client, csrf):
    response = client.post(
        "/api/v1/auth/register", json={"email": ["x"], "password": 5}, headers=csrf()
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"email", "password", "display_name"}


def test_registration_leaves_nothing_behind_when_refused(app, client, csrf):
    from backend.auth.models import User
    from backend.extensions import db

    register(client, csrf, password="short")
    assert db.session.query(User).count() == 0
