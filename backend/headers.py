"""Security headers on every response: a Content-Security-Policy that allows the PWA only its
own origin (plus the configured tile server for images), no framing, and HSTS in production.

The same policy is in the sample nginx site (deploy/nginx/cityloop.conf); a response that
sets its own policy (the API viewer) keeps it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask


def tile_origin(tile_url: str | None) -> str | None:
    """``https://tile.openstreetmap.org`` from a tile URL template; ``{s}`` subdomains
    become a wildcard. None when tiles are off or the template is not an http(s) URL."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "tiles-subdomain"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.netloc.replace("tiles-subdomain", "*")
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str | None) -> str:
    images = " ".join(filter(None, ["'self'", "data:", "blob:", tile_origin(tile_url)]))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "manifest-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def register_security_headers(app: Flask) -> None:
    policy = content_security_policy(app.config.get("TILE_URL"))
    hsts = app.config.get("HSTS_SECONDS") or 0

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        if hsts:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={hsts}; includeSubDomains"
            )
        response.headers.pop("Server", None)
        return response
