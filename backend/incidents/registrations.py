"""Incidents as moderated content, their live rooms, and new reports offered to them.

- ``incident:<id>``: whoever may read the incident; its staff (participating departments)
  and admins also join ``incident:<id>:internal``. Replay: the timeline after ``since``,
  shaped like ``incident.event``; internal events only for its staff.
- Incidents are official content: flags go to the moderation queue, never hide it by
  themselves, and only admins hide or restore it (``content.Kind.official``).
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backend import content
from backend.alerts.service import IncidentLink, register_incidents
from backend.cases.broadcast import department_frames
from backend.cases.models import Case
from backend.errors import NotFound, ValidationFailed
from backend.extensions import db
from backend.incidents import area, service, views
from backend.incidents.access import (
    can_view,
    get_incident,
    incident_for,
    is_insider,
    require_insider,
)
from backend.incidents.models import Incident, IncidentTask
from backend.incidents.schemas import event_schema
from backend.live.publish import published, reset_room
from backend.live.rooms import MAX_MISSED, positive_int, register_room

EXCERPT = 280
log = logging.getLogger(__name__)


def _describe(incident: Incident, _viewer) -> dict:
    return {
        "title": incident.title,
        "text": (incident.notice or incident.description or "")[:EXCERPT],
        "author": incident.lead_department.name,  # official: the department, not a person
        "created_at": incident.declared_at,
        "on": None,
    }


def _visibility_changed(session: Session, incident: Incident, hidden: bool) -> None:
    """A hidden incident's public room is checked anew: the public leaves at once."""
    if hidden:
        reset_room(session, service.room(incident.id))


content.register(
    "incident",
    model=Incident,
    load=get_incident,
    can_view=can_view,
    on_visibility=_visibility_changed,
    describe=_describe,
    author_column=lambda: Incident.declared_by_id,
    official=True,
    created_attr="declared_at",
    changed_attr="declared_at",
)


# --- live room ------------------------------------------------------------------------------


def _authorize(user, incident_id: int) -> bool:
    incident_for(db.session, incident_id, user)
    return True


def _internal_room(user, incident_id: int) -> list[str]:
    incident = incident_for(db.session, incident_id, user)
    return [service.room(incident_id, internal=True)] if is_insider(user, incident) else []


def _missed(user, incident_id: int, since: int) -> list[dict]:
    incident = incident_for(db.session, incident_id, user)
    events = views.timeline(db.session, incident, internal=is_insider(user, incident), after=since)
    return [
        {"incident_id": incident.id, "event": event_schema.dump(views.event(e))}
        for e in events[:MAX_MISSED]
    ]


register_room(
    "incident",
    authorize=_authorize,
    missed=_missed,
    extra_rooms=_internal_room,
    ident=positive_int,
)


@department_frames.connect
def _tasks_since(session: Session, *, department, after) -> list[tuple]:
    """The department room's ``incident.task`` frames at or after ``after``: one for each
    of its tasks created or done since, as the last of them was (its task as it is now),
    at that change. A frame the client had seen again does no harm: the inbox keeps one
    task per incident and department."""
    changed = func.coalesce(IncidentTask.done_at, IncidentTask.created_at)
    stmt = select(IncidentTask).where(IncidentTask.department_id == department.id)
    if after is not None:
        stmt = stmt.where(changed >= after)
    stmt = stmt.options(selectinload(IncidentTask.incident)).order_by(changed, IncidentTask.id)
    return [
        (task.done_at or task.created_at, service.task_frame(session, task.incident, task))
        for task in session.scalars(stmt.limit(MAX_MISSED))
    ]


# --- new reports ------------------------------------------------------------------------------


@published.connect
def _offer_new_reports(session: Session, *, rooms, event: str, payload: dict) -> None:
    """A report just filed (its public ``submit`` event) inside an active incident's area
    and categories is offered to that incident's staff."""
    if event != "case.event" or payload.get("event", {}).get("action") != "submit":
        return
    # One read (the active incidents whose box holds the point) and no write, so no
    # savepoint: filing stays lean. A fault here is logged and never undoes the report.
    try:
        case = session.get(Case, payload["case_id"])
        if case is not None and not case.hidden:
            service.offer_new_case(session, case)
    except Exception:
        log.exception("offering case %s to incidents failed", payload.get("case_id"))


# --- alerts sent for an incident -----------------------------------------------------------


def _alerting_for(session: Session, actor, incident_id: int) -> Incident:
    """The incident an alert is sent for: its staff and admins may (even once closed, for
    the all-clear)."""
    try:
        incident = incident_for(session, incident_id, actor)
    except NotFound:
        raise ValidationFailed("Unknown incident.", fields={"incident": ["Unknown."]}) from None
    require_insider(actor, incident)
    return incident


register_incidents(
    IncidentLink(find=_alerting_for, area=area.alert_circle, sent=service.alert_sent)
)
