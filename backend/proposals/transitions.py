"""The proposal state machine: one table that the service, the payloads and the tests read.

Each row says which action moves a proposal from which states to which state, who may take
it (a predicate on the acting user and the proposal) and which request fields it needs, as
:mod:`backend.cases.transitions` does for cases. ``start_review`` belongs to nobody: the
vote that brings supports to the threshold takes it (a conditional UPDATE in the service).
"""

from __future__ import annotations

from backend.auth.permissions import Permission, has_permission, is_authenticated
from backend.errors import Conflict, DomainError, Forbidden
from backend.proposals.models import OPEN_STATUSES, Status
from backend.statemachine import Transition


def author(user, proposal) -> bool:
    return (
        is_authenticated(user)
        and has_permission(user, Permission.REPORT)
        and proposal.author_id is not None
        and proposal.author_id == user.id
    )


def answerer(user, proposal) -> bool:
    """Staff and admins, who give the city's official answer."""
    return has_permission(user, Permission.ANSWER_PROPOSALS)


def reviewer(user, proposal) -> bool:
    """Moderators (volunteers, admins) and staff, who publish or decline proposals held for
    review before publishing."""
    return has_permission(user, Permission.MODERATE) or answerer(user, proposal)


def nobody(user, proposal) -> bool:
    """Taken by the system (the vote that reaches the support threshold), never asked for."""
    return False


UNDECIDED = (Status.DRAFT, Status.PENDING, Status.PUBLISHED, Status.UNDER_REVIEW)

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        # The author's "publish" is one of these two, as PROPOSAL_REVIEW says.
        Transition("publish", (Status.DRAFT,), Status.PUBLISHED, author),
        Transition("submit", (Status.DRAFT,), Status.PENDING, author),
        Transition("approve", (Status.PENDING,), Status.PUBLISHED, reviewer),
        Transition("decline", (Status.PENDING,), Status.DECLINED, reviewer, ("reason",)),
        Transition("start_review", (Status.PUBLISHED,), Status.UNDER_REVIEW, nobody),
        Transition(
            "accept", (Status.PUBLISHED, Status.UNDER_REVIEW), Status.ACCEPTED, answerer, ("body",)
        ),
        Transition(
            "reject", (Status.PUBLISHED, Status.UNDER_REVIEW), Status.REJECTED, answerer, ("body",)
        ),
        Transition("implement", (Status.ACCEPTED,), Status.IMPLEMENTED, answerer, ("case_ids",)),
        Transition("withdraw", UNDECIDED, Status.WITHDRAWN, author),
    )
}

ACTIONS = tuple(TRANSITIONS)
# The answer's decision names the target state; the table names the action.
DECISIONS = {Status.ACCEPTED.value: "accept", Status.REJECTED.value: "reject"}


def may(user, proposal, action: str) -> bool:
    transition = TRANSITIONS[action]
    return proposal.status in transition.sources and transition.who(user, proposal)


def allowed_actions(user, proposal) -> list[str]:
    """The actions ``user`` may take on ``proposal`` now (for the PWA). ``submit`` is the
    same request as ``publish`` (the city's setting decides which), so only that shows."""
    return [action for action in ACTIONS if action != "submit" and may(user, proposal, action)]


def vote_refusal(user, proposal) -> DomainError | None:
    """Why ``user`` may not support or oppose ``proposal`` now, or None. Signing in and the
    account's standing are checked before (``require(..., Permission.REPORT)``)."""
    if is_authenticated(user) and proposal.author_id == user.id:
        return Forbidden("You cannot vote on your own proposal.", code="own_proposal")
    if proposal.status not in OPEN_STATUSES:
        return Conflict("Voting on this proposal is closed.", code="voting_closed")
    return None


def viewer_of(user, proposal) -> dict:
    """What the person asking may do with the proposal, for its payload."""
    return {
        "is_author": author(user, proposal),
        "actions": allowed_actions(user, proposal),
        "can_vote": has_permission(user, Permission.REPORT)
        and vote_refusal(user, proposal) is None,
    }
