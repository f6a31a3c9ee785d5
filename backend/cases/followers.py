"""What a case's followers hear of: how it moved, and new public replies on it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cases.broadcast import EVENT
from backend.cases.models import Case, CaseEvent, CaseFollower
from backend.comments.models import Comment
from backend.notify.events import receives
from backend.notify.models import Notification
from backend.notify.service import notify

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
    stmt = select(CaseFollower.user_id).where(CaseFollower.case_id == case_id)
    return list(session.scalars(stmt))


@receives(EVENT)
def on_case_event(session: Session, payload: dict) -> list[Notification]:
    """A public event on a visible case: its followers hear how it moved, or of a new
    public reply (its ``comment`` event is the only live news of it)."""
    event = session.get(CaseEvent, payload["event"]["id"])
    if event is None or event.internal:
        return []
    case = session.get(Case, event.case_id)
    if case.hidden:
        return []
    if event.action == "comment":
        return _on_reply(session, case, event)
    if event.action not in ACTION_TEXT:
        return []
    department = case.department.name if case.department is not None else "a department"
    text = f"{case.label} {ACTION_TEXT[event.action].format(department=department)}"
    return notify(session, _case_followers(session, case.id), kind="case_update",
                  target_type="case", target_id=case.id, text=text, actor_id=event.actor_id,
                  deliver=False)  # fmt: skip


def _on_reply(session: Session, case: Case, event: CaseEvent) -> list[Notification]:
    """A new public reply: the case's followers (moderation tells authors itself when it
    hides their content, with its reason). System comments (no comment row) notify no one."""
    comment = session.get(Comment, event.details.get("comment_id") or 0)
    if comment is None or comment.internal or comment.target_type != "case":
        return []
    return notify(session, _case_followers(session, case.id), kind="case_reply",
                  target_type="case", target_id=case.id, deliver=False,
                  text=f"New reply on {case.label}",
                  actor_id=comment.author_id)  # fmt: skip
