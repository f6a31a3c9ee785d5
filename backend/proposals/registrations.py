"""Proposals as comment targets and as moderated content."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.comments.targets import register_target
from backend.moderation.registry import register_moderated
from backend.proposals import queries, service
from backend.proposals.models import PUBLIC_STATUSES, Proposal

EXCERPT = 280


def _describe(proposal: Proposal) -> dict:
    return {
        "title": proposal.title,
        "text": proposal.body[:EXCERPT],
        "author": proposal.author.display_name if proposal.author else None,
        "created_at": proposal.created_at,
        "on": None,
    }


def _can_see(_session: Session, user, proposal: Proposal) -> bool:
    return queries.can_view(user, proposal)


register_target(
    "proposal",
    load=queries.load,
    can_view=queries.can_view,
    can_comment=queries.can_comment,
    on_comment=service.on_comment,
    count_changed=service.comments_changed,
)

register_moderated(
    "proposal",
    model=Proposal,
    can_see=_can_see,
    author_id=lambda proposal: proposal.author_id,
    describe=_describe,
    is_new_content=lambda: Proposal.status.in_([str(s) for s in PUBLIC_STATUSES]),
    author_column=lambda: Proposal.author_id,
    on_visibility=service.visibility_changed,
)
