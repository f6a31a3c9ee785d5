"""Which rooms hear of a case event, and with what payload.

Every event goes to ``case:<id>`` (or, when staff-only, to ``case:<id>:internal`` and
nowhere else; while moderation hides the case, to ``case:<id>:internal`` instead). Events
that change who has to act go to the department rooms too: the lead department on new,
assigned, transferred, reopened and escalated cases, the former lead on a transfer, and a
co-handling department on its task.

A ``comment`` or ``internal_note`` event carries the comment itself (``"comment"``, as
``case.comment`` payloads show it): that one frame is how the room hears of a new reply or
note. Later changes to a comment (edited, deleted, hidden, restored) record no event and
go as ``case.comment``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from blinker import Namespace
from sqlalchemy.orm import Session

from backend.cases.models import Case, CaseEvent
from backend.cases.schemas import PUBLIC_CASE, PUBLIC_EVENT, STAFF_CASE, STAFF_EVENT
from backend.live.publish import publish, reset_room

EVENT = "case.event"
_QUIET = "cityloop.cases.quiet"
LEAD_DEPARTMENT_ACTIONS = frozenset(
    {"submit", "accept", "assign", "transfer", "reopen", "escalate", "cohandle", "task_done"}
)


# What other domains send a department room (incidents: ``incident.task``), for the replay
# after ``since``: each receiver of ``(session, department=, after=)`` answers the frames
# the room heard at or after ``after`` (None: ever) as ``[(moment, payload), ...]``, oldest
# first, at most ``MAX_MISSED``.
department_frames = Namespace().signal("department_frames")


def case_room(case_id: int, *, internal: bool = False) -> str:
    return f"case:{case_id}:internal" if internal else f"case:{case_id}"


def department_room(code: str) -> str:
    return f"department:{code}"


def event_payload(
    case: Case, event: CaseEvent, *, internal: bool = False, comment: dict | None = None
) -> dict:
    """The ``case.event`` payload; the socket replay uses the same shape. ``comment``: the
    live view of the comment a ``comment`` or ``internal_note`` event is about."""
    case_schema, event_schema = (
        (STAFF_CASE, STAFF_EVENT) if internal else (PUBLIC_CASE, PUBLIC_EVENT)
    )
    payload = {
        "case_id": case.id,
        "event": event_schema.dump(event),
        "case": case_schema.dump(case),
    }
    if comment is not None:
        payload["comment"] = comment
    return payload


def department_codes(case: Case, event: CaseEvent) -> list[str]:
    codes: list[str] = []
    if event.action in LEAD_DEPARTMENT_ACTIONS and case.department is not None:
        codes.append(case.department.code)
    if event.department is not None:
        codes.append(event.department.code)
    if event.details.get("from_department"):
        codes.append(event.details["from_department"])
    return list(dict.fromkeys(codes))


@contextmanager
def quietly(session: Session) -> Iterator[None]:
    """Record history without announcing it (loading demo data or an import): no live
    events, so no notifications either."""
    session.info[_QUIET] = True
    try:
        yield
    finally:
        session.info.pop(_QUIET, None)


def publish_event(
    session: Session, case: Case, event: CaseEvent, *, comment: dict | None = None
) -> None:
    """Queue ``case.event`` for every room that should hear of ``event`` (sent after commit);
    ``comment``: the comment it is about, carried in the payload (:func:`event_payload`)."""
    if session.info.get(_QUIET):
        return
    if event.internal or case.hidden:
        # A hidden case says nothing in its public room: people who subscribed before it
        # was hidden may still sit there. Its handlers hear of it in the internal room.
        payload = event_payload(case, event, internal=True, comment=comment)
        publish(session, case_room(case.id, internal=True), EVENT, payload)
    if event.internal:
        return
    rooms = [] if case.hidden else [case_room(case.id)]
    rooms += [department_room(code) for code in department_codes(case, event)]
    publish(session, rooms, EVENT, event_payload(case, event, comment=comment))
    if event.action == "transfer":  # the old lead's staff no longer handle it
        reset_room(session, case_room(case.id), also=(case_room(case.id, internal=True),))


def visibility_changed(session: Session, case: Case, hidden: bool) -> None:
    """A hidden case's room is checked anew: those who may no longer see it leave at once."""
    if hidden:
        reset_room(session, case_room(case.id))
