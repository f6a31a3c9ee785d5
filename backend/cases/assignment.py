"""Who in the lead department handles a case: its assignee ("assigned to me").

The department is the case's lead; the assignee is one of its active staff, chosen by the
department's staff (or an admin) when assigning, transferring or later. Person assignments
are internal events (``assign_person``): residents see the department, not the clerk.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.models import Membership, User
from backend.auth.permissions import is_staff, require_user
from backend.cases.history import record_event
from backend.cases.models import Case, Status
from backend.cases.transitions import lead_handler
from backend.db import utcnow
from backend.errors import Conflict, Forbidden, ValidationFailed

ASSIGNABLE = (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)
EVENT = "assign_person"


def department_people(session: Session, department_id: int) -> list[User]:
    """The active staff (and admins) who belong to the department, by name."""
    stmt = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.department_id == department_id, User.active.is_(True))
        .order_by(User.display_name, User.id)
    )
    return [person for person in session.scalars(stmt) if is_staff(person)]


def check_assignee(session: Session, department_id: int | None, user_id) -> User:
    """The user ``user_id`` if they are active staff of the department, else a 422."""
    person = session.get(User, user_id) if isinstance(user_id, int) and user_id > 0 else None
    member = (
        person is not None
        and person.active
        and is_staff(person)
        and department_id in person.department_ids
    )
    if not member:
        raise ValidationFailed(
            "Assign the case to active staff of its department.",
            fields={"assignee": ["Not active staff of the handling department."]},
        )
    return person


def set_assignee(
    session: Session, case: Case, actor, person: User | None, *, now: datetime | None = None
) -> None:
    """Record ``person`` (already checked) as the assignee, with an internal event."""
    if person is None and case.assignee_id is None:
        return
    if person is not None and person.id == case.assignee_id:
        return
    case.assignee = person
    details = {"assignee": _ref(person)}
    record_event(session, case, actor, EVENT, now=now, details=details, internal=True)


def assign_person(session: Session, case: Case, actor, user_id: int | None) -> Case:
    """Staff of the lead department (or an admin) give the case to one of its people, or
    back to the department as a whole (``None``)."""
    require_user(actor)
    if not lead_handler(actor, case):
        raise Forbidden("Only the handling department assigns its cases.", code="not_allowed")
    if case.status not in ASSIGNABLE:
        raise Conflict(f"A {case.status} case cannot be assigned.", code="invalid_state")
    person = None if user_id is None else check_assignee(session, case.department_id, user_id)
    now = utcnow()
    set_assignee(session, case, actor, person, now=now)
    session.flush()
    return case


def take_on(session: Session, case: Case, actor, now: datetime) -> None:
    """Starting work on an unassigned case makes the person starting it its assignee."""
    if case.assignee_id is None and case.department_id in getattr(actor, "department_ids", ()):
        set_assignee(session, case, actor, actor, now=now)


def _ref(person: User | None) -> dict | None:
    return None if person is None else {"id": person.id, "display_name": person.display_name}
