"""What the person asking may do with a case: the ``viewer`` object of case payloads.

Every ``can`` flag asks the very function the service asks before acting (the transition
table, the refusal functions of engagement and co-handling, the comment and flag rules),
so the client never re-derives a permission. A flag says whether the first request would
pass the permission and state checks; request fields (a reason, a valid merge target)
still have to be right. The case is a loaded one or a plain row of the hot reads
(:class:`~backend.cases.models.CaseFacts`): the rules are the same.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.permissions import Permission, is_authenticated, is_staff, may
from backend.cases import cohandling, engagement, templates
from backend.cases.access import can_comment, can_view_case, is_case_handler, is_reporter
from backend.cases.models import CaseFacts, CaseFollower, CaseSupporter
from backend.cases.transitions import ACTIONS, allowed_actions


def completable_tasks(user, case: CaseFacts) -> list[int]:
    """The ids of the case's tasks ``user`` may mark done."""
    if not is_staff(user):  # only staff and admins are members: do not load the tasks
        return []
    return [t.id for t in case.tasks if cohandling.completion_refusal(user, t) is None]


def can(user, case: CaseFacts, tasks: list[int], allowed: list[str]) -> dict[str, bool]:
    """The ``can`` flags; ``allowed``: the case's :func:`allowed_actions` for ``user``."""
    actions = set(allowed)
    posts = may(user, Permission.REPORT)  # what comments and flags require first
    return {
        **{action: action in actions for action in ACTIONS},
        "reply": posts and can_comment(user, case),
        "write_internal": posts and can_view_case(user, case) and is_case_handler(user, case),
        "request_task": cohandling.request_refusal(user, case) is None,
        "complete_task": bool(tasks),
        "rate": engagement.rating_refusal(user, case) is None,
        "flag": posts and can_view_case(user, case),
        "follow": is_authenticated(user),
        "support": engagement.support_refusal(user, case) is None,
    }


def viewer_of(user, case: CaseFacts, *, following: bool, supporting: bool) -> dict:
    tasks = completable_tasks(user, case)
    actions = allowed_actions(user, case)
    return {
        "following": following,
        "supporting": supporting,
        "reporter": is_reporter(user, case),
        "handler": is_case_handler(user, case),
        "templates": templates.uses_templates(user, case.category),
        "actions": actions,
        "can": can(user, case, tasks, actions),
        "complete_tasks": tasks,
    }


def _ids_among(session: Session, model, user, case_ids: list[int]) -> set[int]:
    if not is_authenticated(user) or not case_ids:
        return set()
    stmt = select(model.case_id).where(model.user_id == user.id, model.case_id.in_(case_ids))
    return set(session.scalars(stmt))


def attach_viewers(session: Session, user, cases) -> None:
    """Set ``case.viewer`` on each case (loaded, or a plain row) for ``user``: two queries
    for the lot (following, supporting), whatever their number."""
    cases = list(cases)
    ids = [case.id for case in cases]
    followed = _ids_among(session, CaseFollower, user, ids)
    supported = _ids_among(session, CaseSupporter, user, ids)
    for case in cases:
        case.viewer = viewer_of(
            user, case, following=case.id in followed, supporting=case.id in supported
        )
