"""Incident rules: declaring, changing, linking cases, tasks, notes, closing.

Functions take a session and the acting user, flush but never commit. Every change records
its timeline event in the same transaction; live frames and notifications leave only after
the commit (:func:`backend.live.publish.publish`, :func:`backend.notify.service.notify`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from backend.audit import service as audit
from backend.auth.permissions import Permission, is_head_of, require
from backend.cases.access import case_for
from backend.cases.cohandling import active_department
from backend.cases.escalation import members_of
from backend.db import utcnow
from backend.departments.models import Category, Department
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.incidents import active, area, views
from backend.incidents.access import (
    can_view,
    require_active,
    require_insider,
    require_manager,
    require_task_member,
)
from backend.incidents.models import Incident, IncidentCase, IncidentEvent, IncidentTask
from backend.live.publish import publish
from backend.text import clean_text

MAX_TEXT = 4000
FIELDS = ("title", "description", "severity", "notice", "area", "categories")


def room(incident_id: int, *, internal: bool = False) -> str:
    return f"incident:{incident_id}:internal" if internal else f"incident:{incident_id}"


# --- events and frames ----------------------------------------------------------------------


def record_event(
    session: Session,
    incident: Incident,
    actor,
    type_: str,
    *,
    internal: bool = False,
    body: str | None = None,
    data: dict | None = None,
    now: datetime | None = None,
) -> IncidentEvent:
    """Append to the timeline and tell its room (internal events: the internal room only)."""
    from backend.incidents.schemas import event_schema

    event = IncidentEvent(
        incident_id=incident.id,
        type=type_,
        actor_id=getattr(actor, "id", None),
        internal=internal,
        body=body,
        data=data or {},
        created_at=now or utcnow(),
    )
    session.add(event)
    session.flush()
    session.refresh(event, ["actor"])
    payload = {"incident_id": incident.id, "event": event_schema.dump(views.event(event))}
    publish(session, room(incident.id, internal=internal or incident.hidden), "incident.event",
            payload)  # fmt: skip
    return event


def announce(session: Session, incident: Incident) -> None:
    """``incident.updated`` after a change of its fields, tasks or status."""
    from backend.incidents.schemas import summary_schema

    session.flush()
    payload = {"incident": summary_schema.dump(views.summary(session, incident))}
    publish(session, room(incident.id, internal=incident.hidden), "incident.updated", payload)


def task_frame(session: Session, incident: Incident, task: IncidentTask) -> dict:
    """The ``incident.task`` payload (live, and in the department room's replay)."""
    from backend.incidents.schemas import summary_schema, task_schema

    return {
        "incident": summary_schema.dump(views.summary(session, incident)),
        "task": task_schema.dump(views.task(task, staff=True)),
    }


def _announce_task(session: Session, incident: Incident, task: IncidentTask) -> None:
    payload = task_frame(session, incident, task)
    publish(session, f"department:{task.department.code}", "incident.task", payload)


def _tell_staff(session: Session, incident: Incident, department: Department, actor) -> None:
    from backend.notify.service import notify

    notify(session, members_of(session, department.id), kind="incident",
           target_type="incident", target_id=incident.id, text=f"Incident: {incident.title}",
           actor_id=getattr(actor, "id", None))  # fmt: skip


# --- input ------------------------------------------------------------------------------------


def _texts(data: dict) -> dict:
    cleaned = {}
    if "title" in data:
        cleaned["title"] = clean_text(data["title"], "title", max_length=160)
    if "description" in data:
        cleaned["description"] = (
            clean_text(data["description"], "description", max_length=MAX_TEXT,
                       multiline=True, required=False) or ""
        )  # fmt: skip
    if "notice" in data:
        cleaned["notice"] = (
            clean_text(data["notice"], "notice", max_length=500, multiline=True, required=False)
            or ""
        )
    return cleaned


def _categories(session: Session, codes: list[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    if not codes:
        return []
    found = set(
        session.scalars(select(Category.code).where(Category.code.in_(codes), Category.active))
    )
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed(
            "Unknown category.", fields={"categories": [f"No active category '{unknown[0]}'."]}
        )
    return codes


def _departments(session: Session, codes: list[str]) -> list[Department]:
    return [active_department(session, c, "departments") for c in dict.fromkeys(codes)]


def _values(session: Session, data: dict) -> dict:
    """The columns for the declare (or update) fields present in ``data``."""
    values = _texts(data)
    if "severity" in data:
        values["severity"] = data["severity"]
    if "categories" in data:
        values["categories"] = _categories(session, data["categories"])
    if "area" in data:
        values |= area.normalize(data["area"])
    return values


def _add_task(session: Session, incident: Incident, department: Department, now) -> IncidentTask:
    task = IncidentTask(department=department, created_at=now)
    incident.tasks.append(task)
    return task


# --- reading ------------------------------------------------------------------------------


def list_incidents(
    session: Session, viewer, *, status: str = "active", lat=None, lon=None
) -> list[Incident]:
    """The incidents ``viewer`` may see, newest first; with a point, only those whose area
    holds it (the bounding box in SQL, then the exact shape)."""
    if (lat is None) != (lon is None):
        raise ValidationFailed("Give both lat and lon.", fields={"lat": ["With lon."]})
    stmt = select(Incident).options(selectinload(Incident.tasks))
    if status != "all":
        stmt = stmt.where(Incident.status == status)
    if lat is not None:
        stmt = stmt.where(
            Incident.min_lat <= lat, Incident.max_lat >= lat,
            Incident.min_lon <= lon, Incident.max_lon >= lon,
        )  # fmt: skip
    stmt = stmt.order_by(Incident.declared_at.desc(), Incident.id.desc()).limit(500)
    found = [i for i in session.scalars(stmt).unique() if can_view(viewer, i)]
    if lat is not None:
        found = [i for i in found if area.contains(i, lat, lon)]
    return found


# --- changes --------------------------------------------------------------------------------


def declare(session: Session, actor, data: dict, *, now: datetime | None = None) -> Incident:
    """Admins (any lead) and department heads (a department they head) declare an
    incident; every participating department gets a task and its staff are told."""
    require(actor, Permission.HANDLE_CASES)
    now = now or utcnow()
    lead = active_department(session, data["lead_department"], "lead_department")
    if not is_head_of(actor, lead.id):
        raise Forbidden("Only heads of the lead department or admins declare incidents.",
                        code="not_head")  # fmt: skip
    values = {"description": "", "notice": "", "categories": [], **_values(session, data)}
    incident = Incident(
        **values, status="active", lead_department=lead, declared_by_id=actor.id, declared_at=now
    )
    session.add(incident)
    departments = [lead, *[d for d in _departments(session, data.get("departments", []))
                           if d.id != lead.id]]  # fmt: skip
    tasks = [_add_task(session, incident, d, now) for d in departments]
    session.flush()
    audit.record(session, actor.id, "incident.declare", "incident", incident.id,
                 after={"severity": incident.severity, "lead": lead.code,
                        "departments": [d.code for d in departments]})  # fmt: skip
    record_event(session, incident, actor, "declare", now=now, body=incident.title,
                 data={"lead_department": lead.code,
                       "departments": [d.code for d in departments]})  # fmt: skip
    for task in tasks:
        _announce_task(session, incident, task)
        _tell_staff(session, incident, task.department, actor)
    announce(session, incident)
    return incident


def _changed(incident: Incident, values: dict) -> list[str]:
    changed = []
    for name in FIELDS:
        keys = ("lat", "lon", "radius_m", "polygon") if name == "area" else (name,)
        if any(k in values and values[k] != getattr(incident, k) for k in keys):
            changed.append(name)
    return changed


def update(session: Session, actor, incident: Incident, data: dict, *, now=None) -> Incident:
    """Change any declared field but the lead; ``departments`` only adds."""
    require_manager(actor, incident)
    require_active(incident)
    now = now or utcnow()
    values = _values(session, data)
    changed = _changed(incident, values)
    before = {name: _audit_value(incident, name) for name in changed}
    for key, value in values.items():
        setattr(incident, key, value)
    present = {t.department_id for t in incident.tasks}
    joining = [d for d in _departments(session, data.get("departments", []))
               if d.id not in present]  # fmt: skip
    tasks = [_add_task(session, incident, d, now) for d in joining]
    session.flush()
    if not changed and not joining:
        return incident
    if changed:
        after = {name: _audit_value(incident, name) for name in changed}
        audit.record(session, actor.id, "incident.update", "incident", incident.id,
                     before=before, after=after)  # fmt: skip
        record_event(session, incident, actor, "update", now=now, data={"fields": changed})
    for task in tasks:
        record_event(session, incident, actor, "join", now=now,
                     data={"department": task.department.code})  # fmt: skip
        _announce_task(session, incident, task)
        _tell_staff(session, incident, task.department, actor)
    announce(session, incident)
    return incident


def _audit_value(incident: Incident, name: str):
    return area.as_json(incident) if name == "area" else getattr(incident, name)


def link_case(session: Session, actor, incident: Incident, case_id: int, *, now=None):
    require_insider(actor, incident)
    require_active(incident)
    case = case_for(session, case_id, actor)
    if session.scalar(select(IncidentCase.id).where(IncidentCase.case_id == case.id)):
        raise Conflict("This case is already in an incident.", code="already_linked")
    now = now or utcnow()
    try:
        with session.begin_nested():
            session.add(IncidentCase(incident_id=incident.id, case_id=case.id,
                                     linked_by_id=actor.id, linked_at=now))  # fmt: skip
    except IntegrityError:
        raise Conflict("This case is already in an incident.", code="already_linked") from None
    event = record_event(session, incident, actor, "link", now=now,
                         data={"case_id": case.id, "reference": case.reference})  # fmt: skip
    announce(session, incident)
    return event


def unlink_case(session: Session, actor, incident: Incident, case_id: int, *, now=None):
    require_insider(actor, incident)
    require_active(incident)
    stmt = select(IncidentCase).where(
        IncidentCase.incident_id == incident.id, IncidentCase.case_id == case_id
    )
    link = session.scalar(stmt)
    if link is None:
        raise NotFound("This case is not linked to this incident.")
    case = case_for(session, case_id, actor)
    session.delete(link)
    session.flush()
    record_event(session, incident, actor, "unlink", now=now,
                 data={"case_id": case.id, "reference": case.reference})  # fmt: skip
    announce(session, incident)


def complete_task(session: Session, actor, incident: Incident, code: str, note, *, now=None):
    """Staff of the task's department (or an admin) mark it done."""
    task = next((t for t in incident.tasks if t.department.code == code), None)
    if task is None:
        raise NotFound(f"No task for '{code}' on this incident.")
    require_task_member(actor, task.department_id)
    require_active(incident)
    if task.status == "done":
        raise Conflict("This task is done already.", code="task_done")
    now = now or utcnow()
    task.status, task.done_by_id, task.done_at = "done", actor.id, now
    task.done_note = clean_text(note, "note", max_length=2000, multiline=True, required=False)
    session.flush()
    session.refresh(task, ["done_by"])
    record_event(session, incident, actor, "task_done", now=now, body=task.done_note,
                 data={"department": code})  # fmt: skip
    _announce_task(session, incident, task)
    announce(session, incident)
    return task


def add_note(session: Session, actor, incident: Incident, body: str, internal: bool, *, now=None):
    require_insider(actor, incident)
    require_active(incident)
    text = clean_text(body, "body", max_length=MAX_TEXT, multiline=True)
    return record_event(session, incident, actor, "note", internal=internal, body=text, now=now)


def close(session: Session, actor, incident: Incident, summary: str, *, now=None) -> Incident:
    require_manager(actor, incident)
    require_active(incident)
    now = now or utcnow()
    incident.summary = clean_text(summary, "summary", max_length=MAX_TEXT, multiline=True)
    incident.status, incident.closed_at, incident.closed_by_id = "closed", now, actor.id
    session.flush()
    audit.record(session, actor.id, "incident.close", "incident", incident.id,
                 after={"status": "closed"})  # fmt: skip
    record_event(session, incident, actor, "close", now=now, body=incident.summary)
    announce(session, incident)
    return incident


# --- alerts and new reports --------------------------------------------------------------------


def alert_sent(session: Session, actor, incident: Incident, alert) -> None:
    """An alert was sent for ``incident``: on its public timeline."""
    record_event(session, incident, actor, "alert", body=alert.title,
                 data={"alert_id": alert.id, "msg_type": alert.msg_type})  # fmt: skip


def offer_new_case(session: Session, case) -> None:
    """A new report inside an active incident's area and categories: its staff hear of it."""
    code = case.category.code if case.category is not None else None
    incidents = active.areas(session)  # kept per process: most of the time, no read
    if incidents is None:
        incidents = session.execute(select(*active.AREA).where(
            Incident.status == "active",
            Incident.min_lat <= case.lat, Incident.max_lat >= case.lat,
            Incident.min_lon <= case.lon, Incident.max_lon >= case.lon,
        ))  # fmt: skip
    for incident in incidents:
        if code in incident.categories and area.contains(incident, case.lat, case.lon):
            shown = {k: v for k, v in views.case(case).items()
                     if k in ("id", "reference", "title", "lat", "lon")}  # fmt: skip
            shown["category"] = code
            publish(session, room(incident.id, internal=True), "incident.offered",
                    {"incident_id": incident.id, "case": shown})  # fmt: skip
