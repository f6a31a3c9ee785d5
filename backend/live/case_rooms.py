"""``case:<id>`` and ``department:<code>``, asking backend.cases what the API asks.

- ``case:<id>``: whoever may see the case; its handlers (staff of its departments and
  admins) also join ``case:<id>:internal``. Replay: the case's events after ``since``,
  oldest first, shaped like ``case.event``; internal ones only for its handlers.
- ``department:<code>``: the department's staff and admins. Replay: the events that were
  sent to that department's room after ``since``.
"""

from __future__ import annotations

from flask import g
from sqlalchemy import or_, select

from backend.auth.permissions import is_member
from backend.errors import NotFound
from backend.extensions import db
from backend.live.rooms import MAX_MISSED, positive_int, register_room


def _visible_case(user, case_id: int):
    """The case if ``user`` may see it (else NotFound), loaded once per socket event:
    authorize, extra_rooms and missed all ask for it."""
    from backend.cases import service

    loaded = g.setdefault("live_cases", {})
    key = (case_id, getattr(user, "id", None))
    if key not in loaded:
        loaded[key] = service.case_for(db.session, case_id, user)
    return loaded[key]


def _handles(user, case) -> bool:
    from backend.cases import service

    return service.is_case_handler(user, case)


def _authorize_case(user, case_id: int) -> bool:
    _visible_case(user, case_id)
    return True


def _internal_room(user, case_id: int) -> list[str]:
    case = _visible_case(user, case_id)
    return [f"case:{case_id}:internal"] if _handles(user, case) else []


def _missed_case(user, case_id: int, since: int) -> list[dict]:
    """What ``GET /cases/<id>/events?after=<since>`` lists, shaped like ``case.event``."""
    from backend.cases.broadcast import event_payload
    from backend.cases.queries import events_of

    case = _visible_case(user, case_id)
    stmt = events_of(case, after=since, internal=_handles(user, case)).limit(MAX_MISSED)
    return [event_payload(case, e, internal=e.internal) for e in db.session.scalars(stmt)]


def _department(code: str):
    from backend.departments.models import Department

    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(f"No department {code}.")
    return department


def _authorize_department(user, code: str) -> bool:
    return is_member(user, _department(code).id)


def _missed_department(user, code: str, since: int) -> list[dict]:
    """Public events after ``since`` that :func:`department_codes` routes to ``code``."""
    from backend.cases.broadcast import department_codes, event_payload
    from backend.cases.models import Case, CaseEvent

    department = _department(code)
    stmt = (
        select(CaseEvent)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            CaseEvent.id > since,
            CaseEvent.internal.is_(False),
            or_(
                Case.department_id == department.id,
                CaseEvent.department_id == department.id,
                CaseEvent.action == "transfer",
            ),
        )
        .order_by(CaseEvent.id)
    )
    missed = []
    for event in db.session.scalars(stmt):
        if code in department_codes(event.case, event):
            missed.append(event_payload(event.case, event))
            if len(missed) == MAX_MISSED:
                break
    return missed


def _department_code(value: str) -> str:
    if not value or len(value) > 40:
        raise ValueError(value)
    return value


def register() -> None:
    register_room(
        "case",
        authorize=_authorize_case,
        missed=_missed_case,
        extra_rooms=_internal_room,
        ident=positive_int,
    )
    register_room(
        "department",
        authorize=_authorize_department,
        missed=_missed_department,
        ident=_department_code,
    )
