"""Photo renditions at ``/media/<key>``, served while their case or proposal may be seen.

Keys are content hashes, so a URL never changes meaning. Only renditions are ever stored,
never an original with its metadata. A photo of public content is cacheable for a year; once
moderation hides its case or proposal, only those who may still see that content get it
(uncached), and everyone else a 404, like the content itself.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from sqlalchemy import or_, select

from backend.auth.session import user
from backend.cases.access import can_view_case
from backend.cases.models import Case, CasePhoto
from backend.cases.photos import media_storage
from backend.extensions import db
from backend.media.storage import InvalidKey
from backend.proposals.models import Proposal, ProposalPhoto
from backend.proposals.queries import can_view as can_view_proposal

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
    cases, proposals = _owners(key)

    def seen_by(viewer) -> bool:
        return any(can_view_case(viewer, c) for c in cases) or any(
            can_view_proposal(viewer, p) for p in proposals
        )

    if seen_by(None):
        return f"public, max-age={ONE_YEAR}, immutable"
    if seen_by(user()):
        return "private, no-store"
    return None


def _owners(key: str) -> tuple[list[Case], list[Proposal]]:
    """The cases and proposals that show this rendition (a photo filed twice has two)."""
    cases = db.session.scalars(
        select(Case).join(CasePhoto).where(or_(CasePhoto.key == key, CasePhoto.thumb_key == key))
    ).unique()
    proposals = db.session.scalars(
        select(Proposal)
        .join(ProposalPhoto)
        .where(or_(ProposalPhoto.key == key, ProposalPhoto.thumb_key == key))
    ).unique()
    return list(cases), list(proposals)
