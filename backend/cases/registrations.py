"""Cases as content (commentable, moderated, with photos) and their live rooms.

- ``case:<id>``: whoever may see the case; its handlers (staff of its departments and
  admins) also join ``case:<id>:internal``. Replay: the case's events after ``since``,
  oldest first, shaped like ``case.event``; internal ones only for its handlers.
- ``department:<code>``: the department's staff and admins. Replay: the events that were
  sent to that department's room after ``since``.

Public replies count towards ``case.comments_count``; internal notes are written and read
by the staff handling the case (``is_case_handler``) and go to ``case:<id>:internal``.
"""

from __future__ import annotations

from flask import g
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from backend import content
from backend.auth.models import shown_by_name
from backend.auth.permissions import is_member
from backend.auth.personal_data import account_erasing
from backend.cases import followers, search, service  # noqa: F401  (followers: receivers)
from backend.cases.access import (
    CaseAccess,
    can_view_case,
    case_access,
    get_case,
    is_case_handler,
    shows_person,
)
from backend.cases.broadcast import (
    department_codes,
    department_frames,
    event_payload,
    visibility_changed,
)
from backend.cases.models import ANONYMOUS, Case, CaseEvent, CasePhoto, CaseSupporter
from backend.cases.queries import events_of
from backend.cases.sla import beat
from backend.comments.models import Comment
from backend.comments.service import live_comment
from backend.departments.models import Department
from backend.errors import NotFound
from backend.extensions import db
from backend.live.rooms import MAX_MISSED, positive_int, register_room

EXCERPT = 280


def _describe(case: Case, viewer) -> dict:
    reporter = shows_person(case, case.reporter, viewer)
    return {
        "title": case.title,
        "text": (case.description or "")[:EXCERPT],
        "author": content.display_name(reporter) or ANONYMOUS,  # no account: filed anonymously
        "created_at": case.created_at,
        "on": None,
    }


def _can_comment(user, case: Case) -> bool:
    return can_view_case(user, case) and not case.hidden


def _on_comment(session: Session, case: Case, comment, actor) -> None:
    """Count it, then record its event: the event (with the new count) carries the comment,
    the one frame its room gets (``announces_new``)."""
    if not comment.internal:
        service.adjust_comments_count(session, case, 1)
    service.record_comment_event(
        session,
        case,
        actor,
        internal=comment.internal,
        comment_id=comment.id,
        comment=live_comment(comment, target=case),
    )


content.register(
    "case",
    model=Case,
    load=get_case,
    can_view=can_view_case,
    access=case_access,
    shows_person=shows_person,
    on_visibility=visibility_changed,
    describe=_describe,
    is_new_content=lambda: Case.id.isnot(None),
    author_column=lambda: Case.reporter_id,
    commenting=content.Commenting(
        can_comment=_can_comment,
        can_write_internal=is_case_handler,
        on_comment=_on_comment,
        count_changed=service.adjust_comments_count,
        announces_new=True,
    ),
    photos=content.showing_photo(Case, CasePhoto),
)


# --- live rooms ---------------------------------------------------------------------------


def _case_access(user, case_id: int) -> CaseAccess:
    """What the access rules read of the case, if ``user`` may see it (else NotFound):
    one light query per socket event, shared by authorize, extra_rooms and missed."""
    loaded = g.setdefault("live_cases", {})
    key = (case_id, getattr(user, "id", None))
    if key not in loaded:
        loaded[key] = content.kind("case").visible(db.session, case_id, user, light=True)
    return loaded[key]


def _authorize_case(user, case_id: int) -> bool:
    _case_access(user, case_id)
    return True


def _internal_room(user, case_id: int) -> list[str]:
    access = _case_access(user, case_id)
    return [f"case:{case_id}:internal"] if is_case_handler(user, access) else []


def _missed_case(user, case_id: int, since: int) -> list[dict]:
    """What ``GET /cases/<id>/events?after=<since>`` lists, shaped like ``case.event``
    (a comment's event with the comment, while it is still shown). The whole case is
    loaded only when something was missed."""
    access = _case_access(user, case_id)
    stmt = events_of(access, after=since, internal=is_case_handler(user, access))
    events = list(db.session.scalars(stmt.limit(MAX_MISSED)))
    if not events:
        return []
    case = get_case(db.session, case_id)
    comments = _live_comments(case, events)
    return [
        event_payload(case, e, internal=e.internal, comment=comments.get(_comment_id(e)))
        for e in events
    ]


def _comment_id(event: CaseEvent) -> int | None:
    if event.action not in ("comment", "internal_note"):
        return None
    return event.details.get("comment_id")


def _live_comments(case: Case, events: list[CaseEvent]) -> dict[int, dict]:
    """The live view of the comments these events are about, those still shown (not since
    deleted or hidden: their later ``case.comment`` would have taken them away)."""
    ids = {i for i in map(_comment_id, events) if i is not None}
    if not ids:
        return {}
    stmt = select(Comment).where(Comment.id.in_(ids)).options(*shown_by_name(Comment.author))
    return {c.id: live_comment(c, target=case) for c in db.session.scalars(stmt) if c.visible}


def _department(code: str) -> Department:
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(f"No department {code}.")
    return department


def _authorize_department(user, code: str) -> bool:
    return is_member(user, _department(code).id)


def _missed_department(user, code: str, since: int) -> list[dict]:
    """What the room sent after ``since`` (an event id), oldest first: the public case
    events that :func:`department_codes` routes to ``code``, and other domains' frames
    (``department_frames``) since that event was recorded."""
    department = _department(code)
    events = _department_events(department, since)
    frames = [(event.created_at, event_payload(event.case, event)) for event in events]
    after = db.session.scalar(
        select(CaseEvent.created_at).where(CaseEvent.id <= since).order_by(CaseEvent.id.desc())
    )
    for _receiver, more in department_frames.send(db.session, department=department, after=after):
        frames += more
    frames.sort(key=lambda frame: frame[0])  # stable: equal moments keep their order
    return [payload for _moment, payload in frames[:MAX_MISSED]]


def _department_events(department: Department, since: int) -> list[CaseEvent]:
    """Public events after ``since`` that :func:`department_codes` routes to it."""
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
        if department.code in department_codes(event.case, event):
            missed.append(event)
            if len(missed) == MAX_MISSED:
                break
    return missed


def _department_code(value: str) -> str:
    if not value or len(value) > 40:
        raise ValueError(value)
    return value


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


@account_erasing.connect
def _anonymise_reports(session: Session, *, user_id: int) -> None:
    """The city keeps an erased person's cases, filed anonymously and without a contact."""
    session.execute(
        update(Case)
        .where(Case.reporter_id == user_id)
        .values(anonymous=True, **dict.fromkeys(Case.CONTACT_COLUMNS))
        .execution_options(synchronize_session=False)
    )


@account_erasing.connect
def _withdraw_support(session: Session, *, user_id: int) -> None:
    """An erased person's "me too"s go, and the cases' counts say so."""
    cases = session.scalars(select(CaseSupporter.case_id).where(CaseSupporter.user_id == user_id))
    ids = list(cases)
    if not ids:
        return
    session.execute(delete(CaseSupporter).where(CaseSupporter.user_id == user_id))
    counted = select(func.count()).where(CaseSupporter.case_id == Case.id).scalar_subquery()
    session.execute(
        update(Case)
        .where(Case.id.in_(ids))
        .values(supporters_count=counted)
        .execution_options(synchronize_session=False)
    )


@beat.connect
def _index_for_search(app, now=None) -> None:
    """On the periodic sweep's beat: cases filed past the ORM get their search index rows."""
    search.catch_up(app, now)
