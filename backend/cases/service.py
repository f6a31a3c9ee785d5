"""Case rules: filing a report, the transition engine, and the hooks other domains
(comments, moderation, live, Open311) call. Who may see a case is in :mod:`.access` (and
re-exported here); what each transition does is in :mod:`.effects`.

Functions take a session, plain values and the acting user; they flush, never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.auth.permissions import Permission, is_staff, require, require_user
from backend.cases import cohandling, escalation, filing, photos
from backend.cases.access import (
    can_comment,
    can_view_case,
    case_for,
    get_case,
    is_case_handler,
    is_reporter,
)
from backend.cases.broadcast import publish_event
from backend.cases.effects import EFFECTS, Policy, Step
from backend.cases.history import claim, log_event, record_event
from backend.cases.models import Case, CaseEvent, Priority, Status
from backend.cases.transitions import TRANSITIONS, Transition
from backend.cases.validation import clean_answers
from backend.db import utcnow
from backend.departments import catalogue
from backend.departments.models import Category, Department
from backend.errors import Conflict, Forbidden, ValidationFailed
from backend.media import uploads
from backend.media.processing import ProcessedImage
from backend.media.storage import Storage
from backend.text import clean_text

DEFAULT_POLICY = Policy()
# Photos a transition may carry: the fix ("after"), or a check on the ground ("verify").
PHOTO_KINDS = {"resolve": "after", "confirm": "verify", "reopen": "verify"}
__all__ = [  # the access rules, re-exported for the domains that ask "the cases service"
    "can_comment",
    "can_view_case",
    "case_for",
    "get_case",
    "is_case_handler",
    "is_reporter",
]


# --- filing a report --------------------------------------------------------------------------


def create_case(
    session: Session,
    actor,
    data: dict,
    *,
    images: list[ProcessedImage] = (),
    storage: Storage | None = None,
    now: datetime | None = None,
    source: str = "app",
) -> Case:
    """File a report. ``images`` were validated already (:func:`uploads.process_photos`);
    their renditions are written only once everything else is known to be valid.

    An urgent report is accepted and assigned at once by the system, and every department
    it names gets a co-handling task.
    """
    require(actor, Permission.REPORT)
    now = now or utcnow()
    uploads.check_count(len(images))
    category = _active_category(session, data.get("category"))
    extra_departments = _extra_departments(session, actor, data)
    case = _new_case(actor, category, data, _location(data, images), now)
    case.source = source
    event = filing.write(session, case, details=None, follower_id=actor.id)
    return _submitted(session, case, event, actor, images, storage, now, extra_departments)


def create_external_case(
    session: Session,
    data: dict,
    *,
    source: str,
    contact: dict | None = None,
    details: dict | None = None,
    now: datetime | None = None,
) -> Case:
    """A report a machine client (Open311) files for someone without an account here: the
    same checks, event and live publication as :func:`create_case`, no reporter; the
    ``contact`` (name, email, phone) is kept for the staff handling it, ``details`` go on
    the submit event."""
    now = now or utcnow()
    category = _active_category(session, data.get("category"))
    case = _new_case(None, category, {**data, "priority": None}, _location(data, ()), now)
    case.source = source
    contact = contact or {}
    case.contact_name = clean_text(contact.get("name"), "name", max_length=120, required=False)
    case.contact_email = clean_text(contact.get("email"), "email", max_length=254, required=False)
    case.contact_phone = clean_text(contact.get("phone"), "phone", max_length=40, required=False)
    event = filing.write(session, case, details=details, follower_id=None)
    return _submitted(session, case, event, None, (), None, now, [])


def _submitted(session, case, event, actor, images, storage, now, extra_departments):
    """What follows the INSERTs: photos, the live event, the fast track or the alert."""
    if images:
        _store(session, storage, images, case, kind="report", uploaded_by=actor.id)
    publish_event(session, case, event)
    if case.priority == Priority.URGENT:
        _fast_track(session, case, extra_departments, now)
    else:
        escalation.alert_new(session, case, actor_id=getattr(actor, "id", None))
    return case


def _new_case(actor, category: Category, data: dict, position, now) -> Case:
    """The case as filed, every field cleaned (raises before anything is written); its id
    and reference are given by :func:`filing.write`."""
    description = clean_text(
        data.get("description"), "description", max_length=5000, multiline=True
    )
    department = category.department
    return Case(
        reporter=actor,
        reporter_id=getattr(actor, "id", None),
        category=category,
        category_id=category.id,
        department=department,
        department_id=getattr(department, "id", None),
        status=Status.SUBMITTED,
        priority=data.get("priority") or Priority.NORMAL,
        lat=position[0],
        lon=position[1],
        title=clean_text(data.get("title"), "title", max_length=140, required=False),
        address=clean_text(data.get("address"), "address", max_length=300, required=False),
        description=description,
        answers=clean_answers(category.attributes, data.get("answers") or {}),
        anonymous=bool(data.get("anonymous")),
        created_at=now,
        updated_at=now,
        # known to be empty: loading them after the INSERT would be three more SELECTs
        photos=[],
        tasks=[],
        rating=None,
    )


def _active_category(session: Session, code: str | None) -> Category:
    category = catalogue.category_by_code(session, code or "")  # kept per process
    if category is None or not category.active:
        raise ValidationFailed(
            "Unknown category.", fields={"category": [f"No active category '{code}'."]}
        )
    if category.notice_stops:  # it diverts: an emergency number, another service
        message = category.notice or "This category takes no reports."
        raise ValidationFailed(message, fields={"category": [message]}, code="category_diverts")
    return category


def _extra_departments(session: Session, actor, data: dict) -> list[Department]:
    codes = list(dict.fromkeys(data.get("departments") or []))
    if not codes:
        return []
    if data.get("priority") != Priority.URGENT:
        raise ValidationFailed(
            "Only urgent reports name departments.",
            fields={"departments": ["Only for urgent reports."]},
        )
    if not is_staff(actor):
        raise Forbidden("Only staff can name departments.", code="staff_only")
    return [cohandling.active_department(session, code, "departments") for code in codes]


def _location(data: dict, images: list[ProcessedImage]) -> tuple[float, float]:
    lat, lon = data.get("lat"), data.get("lon")
    if lat is not None and lon is not None:
        return lat, lon
    position = uploads.first_position(images) if lat is None and lon is None else None
    if position is None:
        missing = {
            k: ["Give the location (or a photo with a GPS position)."] for k in ("lat", "lon")
        }
        raise ValidationFailed("Where is the problem?", fields=missing)
    return position


def _store(session, storage, images, case: Case, *, kind: str, uploaded_by, event=None) -> None:
    if storage is None:
        raise ValueError("photos need a storage")
    event_id = event.id if event is not None else None
    photos.store_photos(
        session, storage, images, case, kind=kind, uploaded_by=uploaded_by, event_id=event_id
    )


def _fast_track(session: Session, case: Case, departments: list[Department], now) -> None:
    system_transition(session, case, "accept", now=now)
    system_transition(session, case, "assign", now=now)
    escalation.alert_urgent(session, case, actor_id=case.reporter_id)
    for department in departments:
        if department.id != case.department_id:
            cohandling.request_task(session, case, None, department.code, now=now, system=True)


# --- transitions ------------------------------------------------------------------------------


def transition(
    session: Session,
    case: Case,
    actor,
    data: dict,
    *,
    images: list[ProcessedImage] = (),
    storage: Storage | None = None,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> CaseEvent:
    """Apply ``data["action"]`` for ``actor``: 401/403 by the table's "who", 409 from the
    wrong state or on a concurrent change, 422 when a required field is missing."""
    row = authorize_transition(actor, case, data.get("action"), photo_count=len(images))
    return _apply(session, case, actor, row, data, images, storage, now, policy)


def authorize_transition(actor, case: Case, action, *, photo_count: int = 0) -> Transition:
    """401 when signed out, 422 for an unknown action (or photos on another action than
    resolve), 403 when the table's "who" says no. Routes call it before processing photos."""
    require_user(actor)
    row = _row(action)
    if not row.who(actor, case):
        raise Forbidden(f"You may not {row.action} this case.", code="not_allowed")
    if photo_count and row.action not in PHOTO_KINDS:
        raise ValidationFailed(
            "Only resolving and verifying take photos.", fields={"photos": ["Not here."]}
        )
    return row


def system_transition(
    session: Session,
    case: Case,
    action: str,
    data: dict | None = None,
    *,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> CaseEvent:
    """A transition by the system (no actor): urgent fast track, SLA auto-close."""
    return _apply(session, case, None, _row(action), data or {}, (), None, now, policy)


def _row(action) -> Transition:
    if action not in TRANSITIONS:
        raise ValidationFailed(
            "Unknown action.", fields={"action": [f"One of: {', '.join(TRANSITIONS)}."]}
        )
    return TRANSITIONS[action]


def _apply(session, case, actor, row, data, images, storage, now, policy) -> CaseEvent:
    if case.status not in row.sources:
        raise Conflict(
            f"'{row.action}' is not possible while the case is {case.status}.",
            code="invalid_transition",
        )
    values = _values(row, data)
    _check_fresh(case, data)
    now = now or utcnow()
    claim(session, case)
    step = Step(session, case, actor, values, now, policy)
    fields = EFFECTS[row.action](step)
    event = log_event(session, case, actor, row.action, now=now, to_status=row.target, **fields)
    if images:
        uploader = getattr(actor, "id", None)
        kind = PHOTO_KINDS[row.action]
        _store(session, storage, images, case, kind=kind, uploaded_by=uploader, event=event)
    publish_event(session, case, event)
    for then in step.after:
        then()
    return event


def _values(row: Transition, data: dict) -> dict:
    values = {
        "note": clean_text(
            data.get("note"), "note", max_length=5000, multiline=True, required=False
        ),
        "reason": clean_text(
            data.get("reason"), "reason", max_length=2000, multiline=True, required=False
        ),
        "department": data.get("department") or None,
        "merge_into": data.get("merge_into"),
        "override_open_tasks": bool(data.get("override_open_tasks")),
        "publish_reason": bool(data.get("publish_reason")),
        "assignee": data.get("assignee"),
    }
    missing = {name: ["This action needs it."] for name in row.requires if values[name] is None}
    if missing:
        raise ValidationFailed(
            f"To {row.action} a case, give {', '.join(missing)}.", fields=missing
        )
    return values


def _check_fresh(case: Case, data: dict) -> None:
    """The client may say which version it saw; acting on a stale view is a 409."""
    stale = (data.get("version") is not None and data["version"] != case.version) or (
        data.get("updated_at") is not None and data["updated_at"] != case.updated_at
    )
    if stale:
        raise Conflict(
            "This case changed since you loaded it. Reload it and try again.", code="stale"
        )


def record_external_note(
    session: Session, case: Case, note: str, *, details: dict, now: datetime | None = None
) -> CaseEvent:
    """A public reply from a trusted machine client (an Open311 back-office update that
    does not move the case): a ``comment`` event by the system, published like any other."""
    text = clean_text(note, "description", max_length=5000, multiline=True)
    if text is None:
        raise ValidationFailed("Say what happened.", fields={"description": ["Required."]})
    return record_event(session, case, None, "comment", now=now, note=text, details=details)


# --- hooks for the comments domain ------------------------------------------------------------


def record_comment_event(
    session: Session,
    case: Case,
    actor,
    *,
    internal: bool,
    comment_id: int | None = None,
    comment: dict | None = None,
    now: datetime | None = None,
) -> CaseEvent:
    """A ``comment`` (public reply) or ``internal_note`` event; the status does not change.

    Published to ``case:<id>`` (internal notes to ``case:<id>:internal`` only), carrying
    ``comment`` (its live view) when given: the one frame the room gets for a new comment.
    """
    details = {"comment_id": comment_id} if comment_id is not None else {}
    action = "internal_note" if internal else "comment"
    event = log_event(session, case, actor, action, now=now, details=details, internal=internal)
    publish_event(session, case, event, comment=comment)
    return event


def adjust_comments_count(session: Session, case: Case, delta: int) -> int:
    """Add ``delta`` to the public comment count, in SQL (safe under concurrency)."""
    case.comments_count = Case.comments_count + delta
    session.flush()
    session.refresh(case, ["comments_count", "updated_at"])
    return case.comments_count
