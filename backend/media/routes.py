"""Photo renditions at ``/media/<key>``, served while some content that shows them may be seen.

Keys are content hashes, so a URL never changes meaning. Only renditions are ever stored,
never an original with its metadata. A photo of public content is cacheable for a year; once
moderation hides its case or proposal, only those who may still see that content get it
(uncached), and everyone else a 404, like the content itself. Which content shows a photo
is asked of each kind of content (:attr:`backend.content.Kind.photos`).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file

from backend import content
from backend.auth.session import user
from backend.extensions import db
from backend.media.storage import InvalidKey, media_storage

bp = Blueprint("media", __name__)
ONE_YEAR = 31_536_000


@bp.get("/media/<key>")
def media(key: str):
    storage = media_storage(current_app.config["DATA_DIR"])
    try:
        path = storage.path(key)
    except InvalidKey:
        abort(404)
    cache = _cache_control(key)
    if cache is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=ONE_YEAR, etag=key, conditional=True)
    response.headers["Cache-Control"] = cache
    return response


def _cache_control(key: str) -> str | None:
    """How the photo may be cached, or None when the viewer may not see any of its owners."""
    owners = [(k, obj) for k in content.kinds() if k.photos for obj in k.photos(db.session, key)]

    def seen_by(viewer) -> bool:
        return any(k.can_view(viewer, obj) for k, obj in owners)

    if seen_by(None):
        return f"public, max-age={ONE_YEAR}, immutable"
    if seen_by(user()):
        return "private, no-store"
    return None
