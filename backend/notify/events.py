"""Who is notified of what, decided from the live events other domains publish.

Receivers of :data:`backend.live.publish.published` run inside the publisher's
transaction, so a notification commits or rolls back with the change that caused it. Each
works in a savepoint: a fault here is logged and never undoes the city's own change.
Payloads name no user ids (they go to public rooms), so actors and authors are read back
from the rows the publisher has just flushed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.live.publish import published
from backend.notify.models import Notification
from backend.notify.service import deliver_later, notify

log = logging.getLogger(__name__)

ACTION_TEXT = {
    "accept": "was accepted",
    "reject": "was rejected",
    "assign": "was assigned to {department}",
    "start": "is being worked on",
    "resolve": "was resolved",
    "confirm": "was confirmed fixed and closed",
    "close": "was closed",
    "reopen": "was reopened",
    "transfer": "moved to {department}",
    "merge": "was merged into another case",
    "escalate": "is overdue",
}


def _case_followers(session: Session, case_id: int) -> list[int]:
    from backend.cases.models import CaseFollower

    stmt = select(CaseFollower.user_id).where(CaseFollower.case_id == case_id)
    return list(session.scalars(stmt))


def on_case_event(session: Session, room: str, payload: dict) -> list[Notification]:
    """A public event on a case: its followers hear how it moved."""
    from backend.cases.models import Case, CaseEvent

    if room != f"case:{payload.get('case_id')}":
        return []  # the same event also goes to department rooms: notify once
    event = session.get(CaseEvent, payload["event"]["id"])
    if event is None or event.internal or event.action not in ACTION_TEXT:
        return []
    case = session.get(Case, event.case_id)
    department = case.department.name if case.department is not None else "a department"
    text = f"{case.label} {ACTION_TEXT[event.action].format(department=department)}"
    return notify(session, _case_followers(session, case.id), kind="case_update",
                  target_type="case", target_id=case.id, text=text, actor_id=event.actor_id,
                  deliver=False)  # fmt: skip


def _comment(session: Session, payload: dict):
    from backend.comments.models import Comment

    comment = payload.get("comment") or {}
    return session.get(Comment, comment["id"]) if "id" in comment else None


def on_case_comment(session: Session, room: str, payload: dict) -> list[Notification]:
    """A new public reply on a case: its followers (moderation tells authors itself when
    it hides their content, with its reason)."""
    from backend.cases.models import Case

    comment = _comment(session, payload) if payload.get("change") == "created" else None
    if comment is None or comment.internal or room != f"case:{comment.target_id}":
        return []
    case = session.get(Case, comment.target_id)
    return notify(session, _case_followers(session, case.id), kind="case_reply",
                  target_type="case", target_id=case.id, deliver=False,
                  text=f"New reply on {case.label}",
                  actor_id=comment.author_id)  # fmt: skip


def on_proposal_updated(session: Session, room: str, payload: dict) -> list[Notification]:
    """An official answer (accepted or rejected): the proposal's followers."""
    from backend.proposals.models import Proposal
    from backend.proposals.service import followers_of_proposal

    if payload.get("change") not in ("accepted", "rejected"):
        return []
    proposal = session.get(Proposal, payload["proposal_id"])
    text = f"Official answer to “{proposal.title}”: {payload['change']}"
    return notify(session, followers_of_proposal(session, proposal.id), kind="proposal_answer",
                  target_type="proposal", target_id=proposal.id, text=text,
                  actor_id=proposal.answered_by_id, deliver=False)  # fmt: skip


RECEIVERS: dict[str, Callable[[Session, str, dict], list[Notification]]] = {
    "case.event": on_case_event,
    "case.comment": on_case_comment,
    "proposal.updated": on_proposal_updated,
}


@published.connect
def _on_published(session: Session, *, room: str, event: str, payload: dict) -> None:
    receiver = RECEIVERS.get(event)
    if receiver is None:
        return
    try:
        with session.begin_nested():
            created = receiver(session, room, payload)
    except Exception:
        log.exception("notifications for %s in %s failed", event, room)
        return
    for notification in created:
        deliver_later(session, notification)
