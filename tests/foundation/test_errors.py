"""Every error status comes back in the contract's JSON shape."""

import pytest

from backend.errors import Conflict
from tests.helpers import error_of


@pytest.fixture
def app_overrides():
    return {"MAX_CONTENT_LENGTH": 64 * 1024}


@pytest.fixture
def app(app):
    # Routes that fail on purpose, for statuses no foundation endpoint produces yet.
    if "boom" not in app.view_functions:

        def boom():
            raise RuntimeError("secret detail that must not leak")

        def conflict():
            raise Conflict("Someone changed this first.")

        app.add_url_rule("/api/v1/_test/boom", "boom", boom)
        app.add_url_rule("/api/v1/_test/conflict", "conflict", conflict)
    return app


def test_400_malformed_json(client, as_role):
    response = client.post(
        "/api/v1/departments",
        data=b"{not json",
        headers={**as_role("admin"), "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    error_of(response)


def test_401(client):
    assert error_of(client.get("/api/v1/me"))["code"] == "unauthorized"


def test_403(client, as_role):
    response = client.get("/api/v1/admin/users", headers=as_role("resident"))
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_404_unknown_path_and_unknown_item(client):
    assert error_of(client.get("/api/v1/nowhere"))["code"] == "not_found"
    response = client.get("/api/v1/categories/unknown")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_405(client):
    response = client.put("/api/v1/categories")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_409(client):
    response = client.get("/api/v1/_test/conflict")
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


def test_413_body_over_the_limit(client, as_role):
    response = client.post(
        "/api/v1/departments",
        data=b"x" * (65 * 1024),
        headers={**as_role("admin"), "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_422_lists_fields(client, as_role):
    response = client.post("/api/v1/departments", json={"code": 5}, headers=as_role("admin"))
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"code", "name"}


def test_422_for_a_json_body_that_is_not_an_object(client, as_role):
    for body in ([1, 2], "text", 12, None):
        response = client.post("/api/v1/departments", json=body, headers=as_role("admin"))
        assert response.status_code == 422, body
        error_of(response)


def test_429_has_retry_after(client, make_user):
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"email": "a@b.org", "password": "x"})
    response = client.post("/api/v1/auth/token", json={"email": "a@b.org", "password": "x"})
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def test_500_hides_details(client):
    response = client.get("/api/v1/_test/boom")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["' OR 1=1 --", "<script>alert(1)</script>", "%00", "🙂"])
def test_hostile_path_values_are_plain_404s(client, value):
    response = client.get(f"/api/v1/categories/{value}")
    assert response.status_code == 404
    error_of(response)


def test_nul_characters_are_refused_on_every_database(client, as_role):
    admin = as_role("admin")
    body = {"code": "nul", "name": "bad\u0000name"}
    response = client.post("/api/v1/departments", json=body, headers=admin)
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_text"
    assert client.get("/api/v1/departments?include_inactive=\x00").status_code == 422


def test_lone_surrogates_are_refused_on_every_database(client, as_role):
    """A JSON "\\ud800" escape has no UTF-8 form: it was a 500 where it reached the driver."""
    admin = as_role("admin")
    raw = '{"code": "sur", "name": "bad \\ud800 name"}'
    response = client.post(
        "/api/v1/departments", data=raw, content_type="application/json", headers=admin
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_text"
    paired = '{"code": "emoji", "name": "Parks \\ud83d\\ude42"}'
    response = client.post(
        "/api/v1/departments", data=paired, content_type="application/json", headers=admin
    )
    assert response.status_code == 201


def test_every_value_of_a_repeated_form_field_is_checked(client, as_role):
    response = client.post(
        "/api/v1/departments",
        data={"code": ["ok", "bad\x00"], "name": "N"},
        content_type="multipart/form-data",
        headers=as_role("admin"),
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_text"
