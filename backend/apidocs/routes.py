"""``/api/docs``: Swagger UI over ``/api/v1/openapi.json``.

The viewer's files come from the ``swagger-ui-bundle`` package (Swagger UI's own dist
folder, vendored on PyPI) and are served from here, so the page works with no internet
and under a strict Content-Security-Policy (no inline script: the set-up is a file too).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("apidocs", __name__, url_prefix="/api/docs")
ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>CityLoop API</title>
<link rel="icon" type="image/png" href="/api/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"""
INIT = """window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
"""


@bp.route("", strict_slashes=False)
def page():
    return Response(PAGE, content_type="text/html; charset=utf-8")


@bp.route("/init.js")
def init():
    return Response(INIT, content_type="text/javascript; charset=utf-8")


@bp.route("/assets/<name>")
def asset(name: str):
    if name not in ASSETS:
        abort(404)
    return send_from_directory(swagger_ui_path, name, max_age=86400)
