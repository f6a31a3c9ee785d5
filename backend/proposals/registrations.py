"""Proposals as content (commentable, moderated, with photos), their live room, and who
hears of an official answer.

``proposal:<id>`` is for whoever may see the proposal (drafts are their author's, hidden
ones their author's and moderators'), exactly as ``GET /proposals/<id>`` decides.
Proposals keep no event log, so there is nothing to replay: a reconnecting client reloads
the proposal over HTTP.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from backend import content
from backend.auth.personal_data import account_erasing
from backend.extensions import db
from backend.live.rooms import positive_int, register_room
from backend.notify.events import receives
from backend.notify.models import Notification
from backend.notify.service import notify
from backend.proposals import queries, service
from backend.proposals.models import (
    PUBLIC_STATUSES,
    Proposal,
    ProposalPhoto,
    ProposalVote,
    VoteValue,
)

EXCERPT = 280


def _describe(proposal: Proposal, _viewer) -> dict:
    return {
        "title": proposal.title,
        "text": proposal.body[:EXCERPT],
        "author": proposal.author.display_name if proposal.author else None,
        "created_at": proposal.created_at,
        "on": None,
    }


content.register(
    "proposal",
    model=Proposal,
    load=queries.load,
    can_view=queries.can_view,
    on_visibility=service.visibility_changed,
    describe=_describe,
    is_new_content=lambda: Proposal.status.in_([str(s) for s in PUBLIC_STATUSES]),
    author_column=lambda: Proposal.author_id,
    commenting=content.Commenting(
        can_comment=queries.can_comment,
        on_comment=service.on_comment,
        count_changed=service.comments_changed,
    ),
    photos=content.showing_photo(Proposal, ProposalPhoto),
)


def _can_join(user, proposal_id: int) -> bool:
    content.kind("proposal").visible(db.session, proposal_id, user)  # NotFound when not
    return True


register_room("proposal", authorize=_can_join, ident=positive_int)


@receives("proposal.updated")
def _answered(session: Session, payload: dict) -> list[Notification]:
    """An official answer (accepted or rejected): the proposal's followers hear of it."""
    if payload.get("change") not in ("accepted", "rejected"):
        return []
    proposal = session.get(Proposal, payload["proposal_id"])
    text = f"Official answer to “{proposal.title}”: {payload['change']}"
    return notify(session, queries.followers_of_proposal(session, proposal.id),
                  kind="proposal_answer", target_type="proposal", target_id=proposal.id,
                  text=text, actor_id=proposal.answered_by_id, deliver=False)  # fmt: skip


@account_erasing.connect
def _withdraw_votes(session: Session, *, user_id: int) -> None:
    """An erased person's votes go, and the proposals' counts say so."""
    ids = list(
        session.scalars(select(ProposalVote.proposal_id).where(ProposalVote.user_id == user_id))
    )
    if not ids:
        return
    session.execute(delete(ProposalVote).where(ProposalVote.user_id == user_id))

    def counted(value: str):
        mine = ProposalVote.proposal_id == Proposal.id
        return select(func.count()).where(mine, ProposalVote.value == value).scalar_subquery()

    session.execute(
        update(Proposal)
        .where(Proposal.id.in_(ids))
        .values(supports=counted(VoteValue.SUPPORT), opposes=counted(VoteValue.OPPOSE))
        .execution_options(synchronize_session=False)
    )
