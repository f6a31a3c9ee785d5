"""Reading proposals: who may see which, the lists, and the viewer's own vote and follow."""

from __future__ import annotations

import math

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from backend.auth.models import shown_by_name
from backend.auth.permissions import Permission, has_permission, is_authenticated, require_user
from backend.departments.models import Category
from backend.errors import NotFound
from backend.geo import sql_box, sql_lon_offset
from backend.ids import id_in_range
from backend.pagination import paginate
from backend.proposals.models import (
    IN_REVIEW_STATUSES,
    PUBLIC_STATUSES,
    Proposal,
    ProposalFollower,
    ProposalTopic,
    ProposalVote,
    Status,
)
from backend.proposals.transitions import reviewer, viewer_of

# --- seeing -----------------------------------------------------------------------------


def _is_author(user, proposal: Proposal) -> bool:
    return is_authenticated(user) and proposal.author_id == user.id


def can_view(user, proposal: Proposal) -> bool:
    """Drafts are their author's; pending and declined ones their author's and reviewers';
    hidden proposals their author's and moderators'."""
    if proposal.status == Status.DRAFT:
        return _is_author(user, proposal)
    if proposal.status in IN_REVIEW_STATUSES and not reviewer(user, proposal):
        return _is_author(user, proposal)
    if proposal.hidden:
        return _is_author(user, proposal) or has_permission(user, Permission.MODERATE)
    return True


def can_comment(user, proposal: Proposal) -> bool:
    return can_view(user, proposal) and proposal.status in PUBLIC_STATUSES and not proposal.hidden


def load(session: Session, proposal_id: int, *, lock: bool = False) -> Proposal:
    """The proposal, whoever may see it (``lock``: hold its row until commit)."""
    if not id_in_range(proposal_id):
        raise NotFound(f"No proposal {proposal_id}.")
    stmt = select(Proposal).where(Proposal.id == proposal_id)
    if lock:
        stmt = stmt.with_for_update(of=Proposal).execution_options(populate_existing=True)
    proposal = session.scalar(stmt)
    if proposal is None:
        raise NotFound(f"No proposal {proposal_id}.")
    return proposal


def visible(session: Session, proposal_id: int, viewer, *, lock: bool = False) -> Proposal:
    """The proposal if ``viewer`` may see it; a 404 otherwise (drafts and hidden ones do
    not leak)."""
    proposal = load(session, proposal_id, lock=lock)
    if not can_view(viewer, proposal):
        raise NotFound(f"No proposal {proposal_id}.")
    return proposal


def decorate(session: Session, proposals: list[Proposal], viewer) -> list[Proposal]:
    """Set ``my_vote``, ``following`` and ``viewer`` (what they may do) for ``viewer`` on
    each proposal (two queries)."""
    votes: dict[int, str] = {}
    followed: set[int] = set()
    ids = [p.id for p in proposals]
    if ids and is_authenticated(viewer):
        votes = dict(
            session.execute(
                select(ProposalVote.proposal_id, ProposalVote.value).where(
                    ProposalVote.user_id == viewer.id, ProposalVote.proposal_id.in_(ids)
                )
            ).all()
        )
        followed = set(
            session.scalars(
                select(ProposalFollower.proposal_id).where(
                    ProposalFollower.user_id == viewer.id, ProposalFollower.proposal_id.in_(ids)
                )
            )
        )
    for proposal in proposals:
        proposal.my_vote = votes.get(proposal.id)
        proposal.following = proposal.id in followed
        proposal.viewer = viewer_of(viewer, proposal)
    return proposals


def get_proposal(session: Session, proposal_id: int, viewer) -> Proposal:
    proposal = visible(session, proposal_id, viewer)
    decorate(session, [proposal], viewer)
    return proposal


def followers_of_proposal(session: Session, proposal_id: int) -> list[int]:
    """Ids of the users following a proposal (for notifications)."""
    return list(
        session.scalars(
            select(ProposalFollower.user_id)
            .where(ProposalFollower.proposal_id == proposal_id)
            .order_by(ProposalFollower.user_id)
        )
    )


# --- listing ----------------------------------------------------------------------------


def _distance_order(lat: float, lon: float):
    """Squared distance on an equirectangular projection: exact enough to sort a city."""
    scale = math.cos(math.radians(lat))
    east = sql_lon_offset(Proposal.lon, lon)
    return (Proposal.lat - lat) * (Proposal.lat - lat) + east * east * (scale * scale)


def _within(lat: float, lon: float, radius_m: int):
    """A bounding box around (lat, lon); the index-friendly cut before sorting."""
    return (sql_box(Proposal.lat, Proposal.lon, lat, lon, radius_m),)


def _filtered(stmt, viewer, args: dict):
    if args.get("mine"):
        require_user(viewer)
        stmt = stmt.where(Proposal.author_id == viewer.id)
    statuses = args.get("statuses") or (list(Status) if args.get("mine") else PUBLIC_STATUSES)
    stmt = stmt.where(Proposal.status.in_([str(s) for s in statuses]))
    if args.get("following"):
        require_user(viewer)
        stmt = stmt.join(
            ProposalFollower,
            (ProposalFollower.proposal_id == Proposal.id) & (ProposalFollower.user_id == viewer.id),
        )
    if args.get("topic"):
        stmt = stmt.join(ProposalTopic, ProposalTopic.id == Proposal.topic_id).where(
            ProposalTopic.code == args["topic"]
        )
    if args.get("category"):
        stmt = stmt.join(Category, Category.id == Proposal.category_id).where(
            Category.code == args["category"]
        )
    if args.get("q"):
        needle = args["q"].lower()
        stmt = stmt.where(
            or_(
                func.lower(Proposal.title).contains(needle, autoescape=True),
                func.lower(Proposal.body).contains(needle, autoescape=True),
            )
        )
    if args.get("radius_m"):
        stmt = stmt.where(*_within(*args["near"], args["radius_m"]))
    return stmt


def _sorted(stmt, args: dict):
    if args["sort"] == "supported":
        return stmt.order_by(Proposal.supports.desc(), Proposal.id.desc())
    if args["sort"] == "near":
        located = case((Proposal.lat.is_(None), 1), else_=0)
        return stmt.order_by(located, _distance_order(*args["near"]), Proposal.id.desc())
    newest = func.coalesce(Proposal.published_at, Proposal.created_at)
    return stmt.order_by(newest.desc(), Proposal.id.desc())


def _listable(viewer):
    """Never hidden ones; drafts only one's own; pending and declined ones one's own, or
    all of them for reviewers (the same rule as :func:`can_view`)."""
    own = Proposal.author_id == viewer.id if is_authenticated(viewer) else False
    held = [Status.DRAFT.value]
    if not reviewer(viewer, None):
        held += [str(s) for s in IN_REVIEW_STATUSES]
    return Proposal.hidden.is_(False), or_(Proposal.status.not_in(held), own)


def list_proposals(session: Session, viewer, args: dict) -> dict:
    """Proposals the viewer may see in lists (:func:`_listable`)."""
    stmt = select(Proposal).where(*_listable(viewer))
    stmt = stmt.options(*shown_by_name(Proposal.author, Proposal.answered_by))
    stmt = _sorted(_filtered(stmt, viewer, args), args)
    result = paginate(session, stmt, args["page"], args["per_page"])
    decorate(session, result["items"], viewer)
    return result
