"""The case state machine: one table that the service, the API and the tests all read.

Each row says which action moves a case from which states to which state, who may do it
(a predicate on the acting user and the case) and which request fields it needs. The
effects beyond the status (due dates, moving supporters ...) live in the service.
"""

from __future__ import annotations

from backend.auth.permissions import Permission, has_permission, is_authenticated, is_member
from backend.cases.models import Status
from backend.statemachine import Transition


def lead_handler(user, case) -> bool:
    """Staff of the case's lead department, or an admin."""
    return is_member(user, case.department_id)


def reporter(user, case) -> bool:
    return is_authenticated(user) and case.reporter_id is not None and case.reporter_id == user.id


def moderator(user, case) -> bool:
    """Volunteers (and admins), who verify fixes on the ground and merge duplicates."""
    return has_permission(user, Permission.MODERATE)


def reporter_or_verifier(user, case) -> bool:
    return reporter(user, case) or moderator(user, case)


def handler_or_moderator(user, case) -> bool:
    return lead_handler(user, case) or moderator(user, case)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("accept", (Status.SUBMITTED,), Status.ACCEPTED, lead_handler),
        Transition(
            "reject",
            (Status.SUBMITTED, Status.ACCEPTED),
            Status.REJECTED,
            lead_handler,
            ("reason",),
        ),
        Transition(
            "merge",
            (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED),
            Status.MERGED,
            handler_or_moderator,
            ("merge_into",),
        ),
        Transition("assign", (Status.ACCEPTED,), Status.ASSIGNED, lead_handler),
        Transition(
            "transfer",  # a misrouted new report too, without accepting it first
            (Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS),
            Status.ASSIGNED,
            lead_handler,
            ("reason", "department"),
        ),
        Transition("start", (Status.ASSIGNED,), Status.IN_PROGRESS, lead_handler),
        Transition("resolve", (Status.IN_PROGRESS,), Status.RESOLVED, lead_handler, ("note",)),
        Transition("confirm", (Status.RESOLVED,), Status.CLOSED, reporter_or_verifier),
        Transition(
            "reopen",
            (Status.RESOLVED, Status.CLOSED),
            Status.ASSIGNED,
            reporter_or_verifier,
            ("reason",),
        ),
        Transition("close", (Status.RESOLVED,), Status.CLOSED, lead_handler),
    )
}

ACTIONS = tuple(TRANSITIONS)


def allowed_actions(user, case) -> list[str]:
    """The actions ``user`` may take on ``case`` in its current state (for the UI)."""
    return [
        t.action for t in TRANSITIONS.values() if case.status in t.sources and t.who(user, case)
    ]
