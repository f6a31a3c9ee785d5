"""HTTP adapters for incidents: declare, read, change, link cases, tasks, notes, close."""

from __future__ import annotations

from flask_smorest import Blueprint

from backend.auth.session import user
from backend.extensions import db
from backend.incidents import service, views
from backend.incidents.access import incident_for
from backend.incidents.schemas import (
    IncidentCloseSchema,
    IncidentCreateSchema,
    IncidentEventSchema,
    IncidentLinkSchema,
    IncidentNoteSchema,
    IncidentPatchSchema,
    IncidentQuerySchema,
    IncidentSchema,
    IncidentSummarySchema,
    IncidentTaskDoneSchema,
    IncidentTaskSchema,
)
from backend.pagination import page_of, single_page
from backend.ratelimit import limited

blp = Blueprint("incidents", __name__, url_prefix="/api/v1", description="Incidents")


def _shown(incident) -> dict:
    return views.full(db.session, incident, user())


def _visible(incident_id: int):
    return incident_for(db.session, incident_id, user())


@blp.route("/incidents", methods=["GET"])
@blp.arguments(IncidentQuerySchema, location="query")
@blp.response(200, page_of(IncidentSummarySchema))
def list_incidents(args):
    """Incidents (default the active ones), newest first; ``lat`` and ``lon``: only those
    whose area holds the point (the report screen's emergency mode)."""
    found = service.list_incidents(db.session, user(), **args)
    return single_page(views.summaries(db.session, found))


@blp.route("/incidents", methods=["POST"])
@limited("posting")
@blp.arguments(IncidentCreateSchema)
@blp.response(201, IncidentSchema)
def declare_incident(data):
    """Declare an incident (admins; heads of the lead department). Each participating
    department gets a task and its staff are notified."""
    incident = service.declare(db.session, user(), data)
    db.session.commit()
    return _shown(incident)


@blp.route("/incidents/<int:incident_id>", methods=["GET"])
@blp.response(200, IncidentSchema)
def get_incident_view(incident_id):
    """One incident: its tasks, linked cases, timeline and alerts. Internal notes, who
    declared it and the offered cases only for its staff and admins."""
    return _shown(_visible(incident_id))


@blp.route("/incidents/<int:incident_id>", methods=["PATCH"])
@blp.arguments(IncidentPatchSchema)
@blp.response(200, IncidentSchema)
def update_incident(data, incident_id):
    """Change an active incident (admins; heads of the lead department); ``departments``
    only adds."""
    incident = service.update(db.session, user(), _visible(incident_id), data)
    db.session.commit()
    return _shown(incident)


@blp.route("/incidents/<int:incident_id>/cases", methods=["POST"])
@blp.arguments(IncidentLinkSchema)
@blp.response(201, IncidentEventSchema)
def link_case(data, incident_id):
    """Link a case (staff of a participating department, admins); a case is in at most
    one incident. Answers with the timeline's ``link`` event."""
    event = service.link_case(db.session, user(), _visible(incident_id), data["case_id"])
    db.session.commit()
    return views.event(event)


@blp.route("/incidents/<int:incident_id>/cases/<int:case_id>", methods=["DELETE"])
@blp.response(204)
def unlink_case(incident_id, case_id):
    """Unlink a case (staff of a participating department, admins)."""
    service.unlink_case(db.session, user(), _visible(incident_id), case_id)
    db.session.commit()


@blp.route("/incidents/<int:incident_id>/tasks/<code>/done", methods=["POST"])
@blp.arguments(IncidentTaskDoneSchema)
@blp.response(200, IncidentTaskSchema)
def complete_task(data, incident_id, code):
    """Mark a department's task done (its staff, admins)."""
    task = service.complete_task(db.session, user(), _visible(incident_id), code,
                                 data.get("note"))  # fmt: skip
    db.session.commit()
    return views.task(task, staff=True)


@blp.route("/incidents/<int:incident_id>/notes", methods=["POST"])
@blp.arguments(IncidentNoteSchema)
@blp.response(201, IncidentEventSchema)
def add_note(data, incident_id):
    """A note on the timeline (staff of a participating department, admins); internal
    (staff only) unless ``internal: false``."""
    incident = _visible(incident_id)
    event = service.add_note(db.session, user(), incident, data["body"], data["internal"])
    db.session.commit()
    return views.event(event)


@blp.route("/incidents/<int:incident_id>/close", methods=["POST"])
@blp.arguments(IncidentCloseSchema)
@blp.response(200, IncidentSchema)
def close_incident(data, incident_id):
    """Close with a summary (admins; heads of the lead department)."""
    incident = service.close(db.session, user(), _visible(incident_id), data["summary"])
    db.session.commit()
    return _shown(incident)
