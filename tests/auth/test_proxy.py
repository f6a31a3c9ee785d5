"""Behind a proxy the client's address is the one the trusted proxies report."""

import pytest

from tests.helpers import PASSWORD

BAD = {"password": "wrong-password"}


def _fail(client, n: int, address: str | None = None):
    headers = {"X-Forwarded-For": address} if address else {}
    body = {"email": f"nobody{n}@example.org", **BAD}
    return client.post("/api/v1/auth/token", json=body, headers=headers).status_code


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_behind_one_proxy_each_client_has_its_own_sign_in_budget(client, make_user):
    assert [_fail(client, n, "203.0.113.7") for n in range(30)] == [401] * 30
    assert _fail(client, 99, "203.0.113.7") == 429
    # Another resident behind the same proxy is not locked out by the attacker.
    assert _fail(client, 100, "198.51.100.2") == 401
    make_user(email="ok@example.org")
    good = {"email": "ok@example.org", "password": PASSWORD}
    headers = {"X-Forwarded-For": "198.51.100.2"}
    assert client.post("/api/v1/auth/token", json=good, headers=headers).status_code == 200


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_only_the_address_the_trusted_proxy_appended_counts(client):
    # The client forges a first entry; the proxy appends the real one, which is what counts.
    for n in range(30):
        assert _fail(client, n, f"10.0.0.{n}, 203.0.113.7") == 401
    assert _fail(client, 99, "10.0.0.250, 203.0.113.7") == 429


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_scheme_and_host_come_from_the_proxy(app):
    seen = {}

    @app.get("/_probe")
    def _probe():
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme, host=request.host)
        return ""

    headers = {
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "city.example",
    }
    app.test_client().get("/_probe", headers=headers)
    assert seen == {"addr": "203.0.113.7", "scheme": "https", "host": "city.example"}


def test_without_trusted_proxies_forwarded_for_is_ignored(client):
    for n in range(30):
        assert _fail(client, n, f"10.0.0.{n}") == 401
    # Rotating a forged header does not buy a fresh budget.
    assert _fail(client, 99, "10.0.0.250") == 429
