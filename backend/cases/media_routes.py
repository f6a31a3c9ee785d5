"""Photo renditions at ``/media/<key>``: public, immutable, cacheable for a year.

Keys are content hashes, so a URL never changes meaning. Only renditions are ever stored,
never an original with its metadata.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file

from backend.cases.photos import media_storage
from backend.media.storage import InvalidKey

bp = Blueprint("case_media", __name__)
ONE_YEAR = 31_536_000


@bp.get("/media/<key>")
def media(key: str):
    storage = media_storage(current_app.config["DATA_DIR"])
    try:
        path = storage.path(key)
    except InvalidKey:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=ONE_YEAR, etag=key, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response
