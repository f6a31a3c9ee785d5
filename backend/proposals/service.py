"""Proposal rules: writing, publishing, review, voting, official answers, implementation.

The states and who may move a proposal between them are the table in
:mod:`backend.proposals.transitions`; :func:`_take` is the one place that applies a row.
With ``PROPOSAL_REVIEW`` on, the author's publish is ``submit`` (draft -> pending) and a
reviewer then approves (-> published) or declines (-> declined, with a reason).

Functions take a session, plain values and the acting user; they flush but never commit.
Counts change only through atomic ``UPDATE ... SET n = n + delta`` statements, and the move
to ``under_review`` is a conditional UPDATE, so it happens exactly once however many votes
arrive together.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import content
from backend.auth.permissions import Permission, require, require_user
from backend.comments.voting import set_vote
from backend.config import DEFAULTS
from backend.db import utcnow
from backend.departments.models import Category
from backend.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from backend.live.publish import publish, reset_room
from backend.media import uploads
from backend.media.processing import ProcessedImage
from backend.media.storage import Storage
from backend.proposals.models import (
    Proposal,
    ProposalCase,
    ProposalFollower,
    ProposalPhoto,
    ProposalTopic,
    ProposalVote,
    Status,
)
from backend.proposals.queries import (  # noqa: F401  (the domain's public face)
    can_comment,
    can_view,
    decorate,
    followers_of_proposal,
    get_proposal,
    list_proposals,
    load,
    visible,
)
from backend.proposals.schemas import (
    ANSWER_MAX,
    BODY_MAX,
    REASON_MAX,
    TITLE_MAX,
    live_proposal_schema,
)
from backend.proposals.transitions import DECISIONS, TRANSITIONS, vote_refusal
from backend.text import clean_text

DEFAULT_THRESHOLD = DEFAULTS["PROPOSAL_SUPPORT_THRESHOLD"]
DEFAULT_EDIT_WINDOW = timedelta(minutes=30)


# --- publishing live --------------------------------------------------------------------


def publish_update(session: Session, proposal: Proposal, change: str) -> None:
    """Tell ``proposal:<id>`` what changed, once the change commits (never drafts or hidden
    proposals: their room is public)."""
    if proposal.status == Status.DRAFT or proposal.hidden:
        return
    session.flush()
    session.refresh(proposal)
    payload = {
        "proposal_id": proposal.id,
        "change": change,
        "status": proposal.status,
        "proposal": live_proposal_schema.dump(proposal),
    }
    publish(session, f"proposal:{proposal.id}", "proposal.updated", payload)


# --- writing ----------------------------------------------------------------------------


def _category(session: Session, code: str | None) -> Category | None:
    if code is None:
        return None
    category = session.scalar(select(Category).where(Category.code == code))
    if category is None or not category.active:
        raise ValidationFailed("Unknown category.", fields={"category": [f"No category '{code}'."]})
    return category


def _topic(session: Session, code: str | None) -> ProposalTopic | None:
    if code is None:
        return None
    topic = session.scalar(select(ProposalTopic).where(ProposalTopic.code == code))
    if topic is None or not topic.active:
        raise ValidationFailed("Unknown topic.", fields={"topic": [f"No topic '{code}'."]})
    return topic


def _apply(session: Session, proposal: Proposal, data: dict) -> None:
    if "title" in data:
        proposal.title = clean_text(data["title"], "title", max_length=TITLE_MAX)
    if "body" in data:
        proposal.body = clean_text(data["body"], "body", max_length=BODY_MAX, multiline=True)
    if "category" in data:
        proposal.category = _category(session, data["category"])
    if "topic" in data:
        proposal.topic = _topic(session, data["topic"])
    if "lat" in data:
        proposal.lat, proposal.lon = data["lat"], data["lon"]


def _attach_photos(
    session: Session, proposal: Proposal, images: list[ProcessedImage], storage, actor
) -> None:
    """Rows for photos whose files :func:`uploads.prepare_photos` wrote already (or writes now,
    for callers outside a request); files are deleted again if the transaction fails."""
    for image in images:
        large = image.renditions["large"]
        thumb = image.renditions.get("thumb", large)
        proposal.photos.append(
            ProposalPhoto(
                key=uploads.store_file(session, storage, large.data),
                thumb_key=uploads.store_file(session, storage, thumb.data),
                width=large.width,
                height=large.height,
                uploaded_by_id=actor.id,
            )
        )


def create_proposal(
    session: Session,
    actor,
    data: dict,
    *,
    images: list[ProcessedImage] = (),
    storage: Storage | None = None,
    review: bool = False,
) -> Proposal:
    """Write a proposal: published at once (held for review when ``review``) unless
    ``draft``; the author follows it.

    ``images`` were validated and rendered already; ``storage`` receives their renditions.
    """
    require(actor, Permission.REPORT)
    proposal = Proposal(author=actor, status=Status.DRAFT.value)
    _apply(session, proposal, data)
    session.add(proposal)
    if images:
        _attach_photos(session, proposal, list(images), storage, actor)
    session.flush()
    session.add(ProposalFollower(proposal_id=proposal.id, user_id=actor.id))
    if not data.get("draft"):
        _release(session, proposal, actor, review)
    session.flush()
    return decorate(session, [proposal], actor)[0]


def _authored(session: Session, proposal_id: int, actor, *, lock: bool = True) -> Proposal:
    require(actor, Permission.REPORT)
    proposal = visible(session, proposal_id, actor, lock=lock)
    if not proposal.author_id == actor.id:
        raise Forbidden("Only the author may do this.")
    return proposal


def _still_editable(proposal: Proposal, window: timedelta) -> bool:
    """Drafts always; once published, until the first support or for ``window``."""
    if proposal.status == Status.DRAFT:
        return True
    if proposal.status != Status.PUBLISHED:
        return False
    return proposal.first_support_at is None or utcnow() <= proposal.published_at + window


def update_proposal(
    session: Session,
    proposal_id: int,
    actor,
    changes: dict,
    *,
    edit_window: timedelta = DEFAULT_EDIT_WINDOW,
) -> Proposal:
    proposal = _authored(session, proposal_id, actor)
    if proposal.hidden:
        raise Forbidden("A moderator hid this proposal; it cannot be edited.", code="hidden")
    if not _still_editable(proposal, edit_window):
        raise Conflict("This proposal can no longer be edited.", code="not_editable")
    _apply(session, proposal, changes)
    publish_update(session, proposal, "edited")
    return decorate(session, [proposal], actor)[0]


WHO_MAY = {
    "author": "Only the author may do this.",
    "answerer": "Only city staff may do this.",
    "reviewer": "Only moderators and staff may review proposals.",
}


def _take(proposal: Proposal, actor, action: str) -> None:
    """Apply one row of the transition table: 403 for the wrong person, 409 for the wrong
    state, else the new status."""
    transition = TRANSITIONS[action]
    if not transition.who(actor, proposal):
        raise Forbidden(WHO_MAY.get(transition.who_name, "You may not do this."))
    if proposal.status not in transition.sources:
        raise Conflict(f"A {proposal.status} proposal cannot take '{action}'.", code="wrong_status")
    proposal.status = transition.target.value


def _release(session: Session, proposal: Proposal, actor, review: bool) -> None:
    """The author's publish: at once, or into review when the city holds proposals."""
    if review:
        _take(proposal, actor, "submit")
        return
    _take(proposal, actor, "publish")
    proposal.published_at = utcnow()
    publish_update(session, proposal, "published")


def publish_proposal(
    session: Session, proposal_id: int, actor, *, review: bool = False
) -> Proposal:
    proposal = _authored(session, proposal_id, actor)
    _release(session, proposal, actor, review)
    return decorate(session, [proposal], actor)[0]


def review_proposal(
    session: Session, proposal_id: int, actor, *, decision: str, reason: str | None = None
) -> Proposal:
    """A moderator or staff member publishes a pending proposal (``approve``) or declines it
    with a reason the author reads (``decline``)."""
    require_user(actor)
    proposal = visible(session, proposal_id, actor, lock=True)
    if decision == "decline":
        if not reason:
            raise ValidationFailed("Say why.", fields={"reason": ["A reason is required."]})
        reason = clean_text(reason, "reason", max_length=REASON_MAX, multiline=True)
    _take(proposal, actor, decision)
    proposal.reviewed_at, proposal.reviewed_by_id = utcnow(), actor.id
    if decision == "approve":
        proposal.published_at = proposal.reviewed_at
        publish_update(session, proposal, "published")
    else:
        proposal.decline_reason = reason
        publish_update(session, proposal, "declined")
    return decorate(session, [proposal], actor)[0]


def withdraw_proposal(session: Session, proposal_id: int, actor) -> Proposal:
    proposal = _authored(session, proposal_id, actor)
    _take(proposal, actor, "withdraw")
    proposal.withdrawn_at = utcnow()
    publish_update(session, proposal, "withdrawn")
    return decorate(session, [proposal], actor)[0]


def answer_proposal(
    session: Session, proposal_id: int, actor, *, decision: str, body: str
) -> Proposal:
    """Staff accept or reject a published proposal with an official answer (required)."""
    require(actor, Permission.ANSWER_PROPOSALS)
    proposal = visible(session, proposal_id, actor, lock=True)
    _take(proposal, actor, DECISIONS[decision])
    proposal.answer_body = clean_text(body, "body", max_length=ANSWER_MAX, multiline=True)
    proposal.answered_at, proposal.answered_by = utcnow(), actor
    publish_update(session, proposal, decision)
    return decorate(session, [proposal], actor)[0]


def _check_cases(session: Session, case_ids: list[int]) -> None:
    try:
        cases = content.kind("case")
    except NotFound:
        raise ValidationFailed(
            "Cases cannot be linked yet.", fields={"case_ids": ["Cases are not available."]}
        ) from None
    missing = []
    for case_id in case_ids:
        try:
            cases.get(session, case_id)
        except DomainError:
            missing.append(case_id)
    if missing:
        raise ValidationFailed(
            "Unknown cases.", fields={"case_ids": [f"No case {i}." for i in missing]}
        )


def mark_implemented(session: Session, proposal_id: int, actor, case_ids: list[int]) -> Proposal:
    """Staff record that an accepted proposal was carried out, by these cases."""
    require(actor, Permission.ANSWER_PROPOSALS)
    proposal = visible(session, proposal_id, actor, lock=True)
    _take(proposal, actor, "implement")
    case_ids = sorted(set(case_ids))
    _check_cases(session, case_ids)
    proposal.links = [ProposalCase(case_id=case_id) for case_id in case_ids]
    proposal.implemented_at = utcnow()
    publish_update(session, proposal, "implemented")
    return decorate(session, [proposal], actor)[0]


# --- voting and following ---------------------------------------------------------------


def _count(session: Session, proposal: Proposal, old: str | None, new: str | None) -> None:
    values = {
        "supports": Proposal.supports + ((new == "support") - (old == "support")),
        "opposes": Proposal.opposes + ((new == "oppose") - (old == "oppose")),
    }
    if new == "support":
        values["first_support_at"] = func.coalesce(Proposal.first_support_at, utcnow())
    session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _start_review_at(session: Session, proposal: Proposal, threshold: int) -> bool:
    """Move a published proposal to review once supports reach ``threshold``; True only for
    the one statement that made the move."""
    transition = TRANSITIONS["start_review"]
    result = session.execute(
        update(Proposal)
        .where(
            Proposal.id == proposal.id,
            Proposal.status.in_([str(s) for s in transition.sources]),
            Proposal.supports >= threshold,
        )
        .values(status=transition.target.value, review_started_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def vote(
    session: Session,
    proposal_id: int,
    actor,
    value: str | None,
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> Proposal:
    """Support, oppose or (``None``) withdraw; one vote per user, changeable while open."""
    require(actor, Permission.REPORT)
    proposal = visible(session, proposal_id, actor, lock=True)
    refusal = vote_refusal(actor, proposal)
    if refusal is not None:
        raise refusal
    key = {"proposal_id": proposal.id, "user_id": actor.id}
    old, new = set_vote(session, ProposalVote, key, value)
    if old != new:
        _count(session, proposal, old, new)
        moved = _start_review_at(session, proposal, threshold)
        publish_update(session, proposal, "under_review" if moved else "votes")
    session.refresh(proposal)
    return decorate(session, [proposal], actor)[0]


def follow(session: Session, proposal_id: int, actor) -> Proposal:
    require_user(actor)
    proposal = visible(session, proposal_id, actor)
    try:
        with session.begin_nested():
            session.add(ProposalFollower(proposal_id=proposal.id, user_id=actor.id))
    except IntegrityError:
        pass  # already following: following again changes nothing
    return decorate(session, [proposal], actor)[0]


def unfollow(session: Session, proposal_id: int, actor) -> Proposal:
    require_user(actor)
    proposal = visible(session, proposal_id, actor)
    session.execute(
        ProposalFollower.__table__.delete().where(
            ProposalFollower.proposal_id == proposal.id, ProposalFollower.user_id == actor.id
        )
    )
    return decorate(session, [proposal], actor)[0]


# --- comments and moderation hooks ------------------------------------------------------


def comments_changed(session: Session, proposal: Proposal, delta: int) -> None:
    """Keep the count exact. The room already hears of the comment itself
    (``proposal.comment``), so no ``proposal.updated`` goes with it: one frame per change."""
    session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(comments_count=Proposal.comments_count + delta)
        .execution_options(synchronize_session=False)
    )
    session.expire(proposal, ["comments_count"])


def on_comment(session: Session, proposal: Proposal, comment, actor) -> None:
    comments_changed(session, proposal, 1)


def visibility_changed(session: Session, proposal: Proposal, hidden: bool) -> None:
    """A restored proposal is announced again; a hidden one says nothing in public, and its
    room is checked anew so that those who may no longer see it leave at once."""
    if not hidden:
        publish_update(session, proposal, "restored")
    else:
        reset_room(session, f"proposal:{proposal.id}")
