"""The append-only event log of a case, and the claim that keeps transitions race-free."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.cases.broadcast import publish_event
from backend.cases.models import Case, CaseEvent
from backend.db import utcnow
from backend.errors import Conflict

_CURRENT = object()


def log_event(
    session: Session,
    case: Case,
    actor,
    action: str,
    *,
    now: datetime | None = None,
    to_status: str | None = None,
    from_status: str | object | None = _CURRENT,
    note: str | None = None,
    reason: str | None = None,
    department=None,
    details: dict | None = None,
    internal: bool = False,
) -> CaseEvent:
    """Write one event row and apply its status to the case, in the same flush.

    ``to_status`` defaults to the current status (an event that changes nothing, such as a
    comment or an escalation). Nothing else may set ``case.status``.
    """
    now = now or utcnow()
    previous = case.status if from_status is _CURRENT else from_status
    event = CaseEvent(
        case=case,
        action=action,
        from_status=previous,
        to_status=to_status or case.status,
        actor_id=getattr(actor, "id", None),
        actor=actor,
        note=note,
        reason=reason,
        department=department,
        details=details or {},
        internal=internal,
        created_at=now,
    )
    case.status = event.to_status
    case.updated_at = now
    session.add(event)
    session.flush()
    return event


def record_event(session: Session, case: Case, actor, action: str, **fields) -> CaseEvent:
    """:func:`log_event`, then publish it to the rooms that should hear of it."""
    event = log_event(session, case, actor, action, **fields)
    publish_event(session, case, event)
    return event


def claim(session: Session, case: Case) -> None:
    """Bump the case's version, but only if nobody else did since it was read.

    On PostgreSQL the UPDATE also locks the row until commit: a concurrent transition waits,
    then finds the version changed and gets a 409 instead of writing a second event.
    """
    expected = case.version
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == expected)
        .values(version=expected + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(
            "Someone else changed this case just now. Reload it and try again.", code="stale"
        )
    set_committed_value(case, "version", expected + 1)
