"""Staff alerting: the escalation ladder, urgent and new cases, co-handling requests.

Rung 1 (at the deadline, from the SLA sweep): the lead department's heads. Rung 2 (the
case still not moved ``Category.admin_escalation_hours`` later): the admins. "Moved" means
anyone acted on it since the first rung (an event with an actor: a start, a note, a
transfer...). Each rung happens once per escalation; a new lead or a fix clears
``escalated`` and so the ladder.
Notifications go through :func:`backend.notify.service.notify`, per each person's
preferences for ``case_escalated``, ``case_urgent``, ``case_new`` (off unless chosen) and
``case_cohandle``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from backend.auth.models import Membership, User
from backend.auth.permissions import Role
from backend.cases.history import claim, record_event
from backend.cases.models import WORKING_STATUSES, Case, CaseEvent
from backend.departments.models import Category

BATCH = 500


def heads_of(session: Session, department_id: int | None) -> list[int]:
    stmt = select(Membership.user_id).where(
        Membership.department_id == department_id, Membership.is_head.is_(True)
    )
    return list(session.scalars(stmt))


def members_query(department_id: int | None) -> Select:
    """The ids of a department's staff, as a SELECT a notification reads in its own."""
    return select(Membership.user_id).where(Membership.department_id == department_id)


def members_of(session: Session, department_id: int | None) -> list[int]:
    return list(session.scalars(members_query(department_id)))


def admins(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(User.role == Role.ADMIN.value)))


def alert_heads(session: Session, case: Case, now: datetime) -> int:
    """Rung 1, called as the sweep escalates ``case``: its department's heads hear of it."""
    from backend.notify.service import notify

    case.escalated_at = now
    case.admins_alerted = False
    sent = notify(session, heads_of(session, case.department_id), kind="case_escalated",
                  target_type="case", target_id=case.id,
                  text=f"{case.label} is past its deadline")  # fmt: skip
    return len(sent)


def due_for_admins(now: datetime):
    """Escalated cases whose heads were alerted and that nobody acted on since, oldest
    first (the category's interval is checked per case by :func:`admins_due`)."""
    acted_on = exists().where(
        CaseEvent.case_id == Case.id,
        CaseEvent.created_at > Case.escalated_at,
        CaseEvent.actor_id.is_not(None),
    )
    return (
        select(Case)
        .join(Category, Category.id == Case.category_id)
        .where(
            Case.status.in_(WORKING_STATUSES),
            Case.escalated.is_(True),
            Case.admins_alerted.is_(False),
            Case.escalated_at.is_not(None),
            Case.escalated_at <= now - timedelta(hours=1),
            ~acted_on,
        )
        .order_by(Case.escalated_at, Case.id)
        .limit(BATCH)
    )


def admins_due(case: Case, now: datetime) -> bool:
    return case.escalated_at + timedelta(hours=case.category.admin_escalation_hours) <= now


def alert_admins(session: Session, case: Case, now: datetime) -> None:
    """Rung 2: the admins, and a staff-only event on the case (shown on the desk)."""
    from backend.notify.service import notify

    claim(session, case)
    case.admins_alerted = True
    sent = notify(session, admins(session), kind="case_escalated", target_type="case",
                  target_id=case.id,
                  text=f"{case.label} is still not moved after its escalation")  # fmt: skip
    hours = case.category.admin_escalation_hours
    record_event(session, case, None, "escalate_admins", now=now, internal=True,
                 note=f"Not moved {hours} h after the heads were alerted: admins alerted",
                 details={"rung": "admins", "notified": len(sent)})  # fmt: skip


def alert_urgent(session: Session, case: Case, actor_id: int | None = None) -> int:
    """An urgent case for a department: its staff hear of it (``case_urgent``)."""
    from backend.notify.service import notify

    sent = notify(session, members_of(session, case.department_id), kind="case_urgent",
                  target_type="case", target_id=case.id, actor_id=actor_id,
                  text=f"Urgent: {case.label}")  # fmt: skip
    return len(sent)


def alert_new(session: Session, case: Case, actor_id: int | None = None) -> int:
    """A new (not urgent) case for a department: its staff who turned ``case_new`` on."""
    from backend.notify.service import notify

    sent = notify(session, members_query(case.department_id), kind="case_new",
                  target_type="case", target_id=case.id, actor_id=actor_id,
                  text=f"New case: {case.label}")  # fmt: skip
    return len(sent)


def alert_cohandling(session: Session, case: Case, department, actor_id: int | None) -> int:
    """A co-handling request: the staff of the department asked to help."""
    from backend.notify.service import notify

    sent = notify(session, members_of(session, department.id), kind="case_cohandle",
                  target_type="case", target_id=case.id, actor_id=actor_id,
                  text=f"{department.name} is asked to help with {case.label}")  # fmt: skip
    return len(sent)
