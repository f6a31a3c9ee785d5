"""Incidents as moderated content, their live rooms, and new reports offered to them.

- ``incident:<id>``: whoever may read the incident; its staff (participating departments)
  and admins also join ``incident:<id>:internal``. Replay: the timeline after ``since``,
  shaped like ``incident.event``; internal events only for its staff.
- Incidents are official content: flags go to the moderation queue, never hide it by
  themselves, and only admins hide or restore it (``content.Kind.official``).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from backend import content
from backend.alerts.service import IncidentLink, register_incidents
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
from backend.incidents.models import Incident
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


# --- new reports ------------------------------------------------------------------------------


@published.connect
def _offer_new_reports(session: Session, *, rooms, event: str, payload: dict) -> None:
    """A report just filed (its public ``submit`` event) inside an active incident's area
    and categories is offered to that incident's staff."""
    if event != "case.event" or payload.get("event", {}).get("action") != "submit":
        return
    try:  # as notifications do: a fault here never undoes the report itself
        with session.begin_nested():
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
