"""``proposal:<id>``: public, for whoever may see the proposal (drafts are their author's,
hidden ones their author's and moderators'), exactly as ``GET /proposals/<id>`` decides."""

from __future__ import annotations

from backend.extensions import db
from backend.live.rooms import positive_int, register_room


def _can_view(user, proposal_id: int) -> bool:
    from backend.proposals import service

    service.get_proposal(db.session, proposal_id, user)  # NotFound when not visible
    return True


def register() -> None:
    # Proposals keep no event log, so there is nothing to replay: a reconnecting client
    # reloads the proposal over HTTP.
    register_room("proposal", authorize=_can_view, ident=positive_int)
