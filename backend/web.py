"""Serves the PWA build (static/) at the site root, with a landing page before it is built."""

from __future__ import annotations

import mimetypes

from flask import Blueprint, abort, current_app, request, send_from_directory
from werkzeug.security import safe_join

bp = Blueprint("web", __name__)

NOT_SHELL = ("api/", "open311/", "socket.io", "media/", "healthz", "readyz")
LANDING = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>CityLoop</title>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">
<h1>CityLoop</h1><p>The API is running. The app has not been built yet:
run <code>scripts/build-pwa</code>.</p>
<p><a href="/api/v1/openapi.json">API description (OpenAPI)</a></p></body></html>"""


def _static_dir():
    return current_app.config["STATIC_DIR"]


MIMETYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript"}


def _send(path: str, *, immutable: bool):
    """Send a build file, its pre-compressed .gz sibling when the browser takes gzip."""
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path else ""
    mimetype = MIMETYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    gzipped = (
        "gzip" in request.headers.get("Accept-Encoding", "")
        and (_static_dir() / f"{path}.gz").is_file()
    )
    response = send_from_directory(
        _static_dir(),
        f"{path}.gz" if gzipped else path,
        mimetype=mimetype,
        max_age=31536000 if immutable else 0,
    )
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if immutable:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def shell(path: str):
    if path.startswith(NOT_SHELL):
        abort(404)
    static_dir = _static_dir()
    target = safe_join(str(static_dir), path) if path else None
    if target and path and (static_dir / path).is_file():
        return _send(path, immutable=path.startswith("assets/"))
    if "." in path.rsplit("/", 1)[-1]:
        abort(404)  # a missing file, not an app route
    if (static_dir / "index.html").is_file():
        return _send("index.html", immutable=False)
    return LANDING, 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}
