"""Security headers: a CSP limited to the own origin plus the tile server, no framing, HSTS
only in production, no server banner."""

import pytest

from backend.config import ProductionConfig
from backend.headers import content_security_policy, tile_origin


def _directives(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.parametrize("path", ["/", "/api/v1/config", "/api/v1/nothing-here"])
def test_every_response_carries_the_policy(client, path):
    response = client.get(path)
    policy = _directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://tile.openstreetmap.org"]
    assert "Strict-Transport-Security" not in response.headers  # not outside production
    assert "Server" not in response.headers


@pytest.mark.parametrize(
    "app_overrides", [{"TILE_URL": "https://{s}.tiles.example.net:8443/{z}/{x}/{y}.png"}]
)
def test_the_configured_tile_server_is_the_one_allowed_for_images(client):
    policy = _directives(client.get("/"))
    assert policy["img-src"][-1] == "https://*.tiles.example.net:8443"
    assert "tile.openstreetmap.org" not in " ".join(policy["img-src"])


def test_without_tiles_images_come_from_the_own_origin_only():
    assert tile_origin("") is None and tile_origin("javascript:alert(1)") is None
    assert "img-src 'self' data: blob:;" in content_security_policy(None)


@pytest.mark.parametrize("app_overrides", [{"HSTS_SECONDS": 31536000}])
def test_hsts_when_configured(client):
    header = client.get("/api/v1/config").headers["Strict-Transport-Security"]
    assert header == "max-age=31536000; includeSubDomains"


def test_production_turns_hsts_on(monkeypatch):
    monkeypatch.delenv("CITYLOOP_HSTS_SECONDS", raising=False)
    assert ProductionConfig().HSTS_SECONDS == 31536000


def test_the_nginx_site_sends_the_same_policy_and_no_banner():
    """nginx answers some requests itself (errors, timeouts): with the app's own policy for
    the default tile server, HSTS, no version and gunicorn's Server header hidden."""
    from backend.config import DEFAULTS
    from backend.headers import content_security_policy
    from tests.helpers import ROOT

    site = (ROOT / "deploy" / "nginx" / "cityloop.conf").read_text()
    assert f'""      "{content_security_policy(DEFAULTS["TILE_URL"])}";' in site.replace("''", '""')
    for line in (
        "server_tokens off;",
        "proxy_hide_header Server;",
        'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;',
        "add_header Content-Security-Policy $cityloop_csp always;",
    ):
        assert line in site, line
