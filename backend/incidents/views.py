"""What each reader sees of an incident: the summary (lists, live frames), the full view,
its tasks, linked and offered cases and the timeline. Built as plain dicts that the
schemas in :mod:`backend.incidents.schemas` dump."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.alerts.models import Alert
from backend.alerts.service import for_reader
from backend.cases.access import can_view_case
from backend.cases.models import Case, Status
from backend.departments.models import Category
from backend.incidents import area
from backend.incidents.access import is_insider
from backend.incidents.models import Incident, IncidentCase, IncidentEvent, IncidentTask

MAX_OFFERED = 200
NOT_OFFERED = (Status.CLOSED, Status.REJECTED, Status.MERGED)


def named(entry) -> dict | None:
    return None if entry is None else {"code": entry.code, "name": entry.name}


def person(user) -> dict | None:
    return None if user is None else {"display_name": user.display_name, "role": user.role}


def _case_counts(session: Session, ids: list[int]) -> dict[int, int]:
    stmt = (
        select(IncidentCase.incident_id, func.count())
        .join(Case, Case.id == IncidentCase.case_id)
        .where(IncidentCase.incident_id.in_(ids), Case.hidden.is_(False))
        .group_by(IncidentCase.incident_id)
    )
    return dict(session.execute(stmt).all())


def summaries(session: Session, incidents: list[Incident]) -> list[dict]:
    counts = _case_counts(session, [i.id for i in incidents]) if incidents else {}
    return [_summary(i, counts.get(i.id, 0)) for i in incidents]


def summary(session: Session, incident: Incident) -> dict:
    return summaries(session, [incident])[0]


def _summary(incident: Incident, case_count: int) -> dict:
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "area": area.as_json(incident),
        "notice": incident.notice,
        "categories": list(incident.categories),
        "lead_department": named(incident.lead_department),
        "departments": [named(t.department) for t in incident.tasks],
        "declared_at": incident.declared_at,
        "closed_at": incident.closed_at,
        "case_count": case_count,
        "open_task_count": sum(1 for t in incident.tasks if t.status == "open"),
    }


def task(task: IncidentTask, *, staff: bool) -> dict:
    shown = {
        "department": named(task.department),
        "status": task.status,
        "done_note": task.done_note,
        "done_at": task.done_at,
    }
    if staff:
        shown["done_by"] = person(task.done_by)
    return shown


def event(event: IncidentEvent) -> dict:
    return {
        "id": event.id,
        "type": event.type,
        "internal": event.internal,
        "body": event.body,
        "data": event.data,
        "actor": person(event.actor),
        "created_at": event.created_at,
    }


def case(case: Case) -> dict:
    return {
        "id": case.id,
        "reference": case.reference,
        "title": case.title,
        "status": case.status,
        "category": named(case.category),
        "department": named(case.department),
        "lat": case.lat,
        "lon": case.lon,
    }


def timeline(session: Session, incident: Incident, *, internal: bool, after: int = 0) -> list:
    stmt = (
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident.id, IncidentEvent.id > after)
        .order_by(IncidentEvent.id)
    )
    if not internal:
        stmt = stmt.where(IncidentEvent.internal.is_(False))
    return list(session.scalars(stmt).unique())


def linked_cases(session: Session, incident: Incident, viewer) -> list[Case]:
    stmt = (
        select(Case)
        .join(IncidentCase, IncidentCase.case_id == Case.id)
        .where(IncidentCase.incident_id == incident.id)
        .order_by(IncidentCase.linked_at, Case.id)
    )
    return [c for c in session.scalars(stmt).unique() if can_view_case(viewer, c)]


def offered_cases(session: Session, incident: Incident) -> list[Case]:
    """Reports filed since the declaration, inside the area, in its categories, in no
    incident yet, not hidden and still open."""
    if not incident.categories:
        return []
    stmt = (
        select(Case)
        .join(Category, Category.id == Case.category_id)
        .outerjoin(IncidentCase, IncidentCase.case_id == Case.id)
        .where(
            IncidentCase.id.is_(None),
            Case.created_at >= incident.declared_at,
            Case.hidden.is_(False),
            Case.status.notin_(NOT_OFFERED),
            Category.code.in_(incident.categories),
            Case.lat.between(incident.min_lat, incident.max_lat),
            Case.lon.between(incident.min_lon, incident.max_lon),
        )
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(MAX_OFFERED * 4)
    )
    inside = [c for c in session.scalars(stmt).unique() if area.contains(incident, c.lat, c.lon)]
    return inside[:MAX_OFFERED]


def _alerts(session: Session, incident: Incident, viewer) -> list[Alert]:
    stmt = select(Alert).where(Alert.incident_id == incident.id)
    stmt = stmt.order_by(Alert.sent_at.desc(), Alert.id.desc())
    return for_reader([a for a in session.scalars(stmt).unique() if not a.hidden], viewer)


def full(session: Session, incident: Incident, viewer) -> dict:
    """The incident as ``viewer`` may see it (``GET /api/v1/incidents/<id>``)."""
    insider = is_insider(viewer, incident)
    shown = summary(session, incident) | {
        "description": incident.description,
        "summary": incident.summary,
        "tasks": [task(t, staff=insider) for t in incident.tasks],
        "cases": [case(c) for c in linked_cases(session, incident, viewer)],
        "timeline": [event(e) for e in timeline(session, incident, internal=insider)],
        "alerts": _alerts(session, incident, viewer),
    }
    if insider:
        shown["declared_by"] = person(incident.declared_by)
        shown["offered_cases"] = [case(c) for c in offered_cases(session, incident)]
    return shown
