"""Who may see and act on an incident (HTTP, sockets, alerts and moderation ask here)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.auth.permissions import (
    Permission,
    has_permission,
    is_admin,
    is_head_of,
    is_member,
    is_staff,
    require_user,
)
from backend.errors import Conflict, Forbidden, NotFound
from backend.ids import id_in_range
from backend.incidents.models import Incident


def department_ids(incident: Incident) -> set[int]:
    return {task.department_id for task in incident.tasks}


def is_insider(user, incident: Incident) -> bool:
    """Admins and staff of a participating department: they see internal notes, who acted
    and the offered cases, and may link cases, write notes and send alerts for it."""
    if is_admin(user):
        return True
    return is_staff(user) and bool(department_ids(incident) & user.department_ids)


def may_manage(user, incident: Incident) -> bool:
    """Change its fields, add departments, close it: admins and heads of the lead."""
    return is_head_of(user, incident.lead_department_id)


def can_view(user, incident: Incident) -> bool:
    """Incidents are public unless moderation hid them: then its insiders and moderators
    still see it."""
    if not incident.hidden:
        return True
    return is_insider(user, incident) or has_permission(user, Permission.MODERATE)


def get_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id) if id_in_range(incident_id) else None
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def incident_for(session: Session, incident_id: int, user) -> Incident:
    """The incident if ``user`` may see it; a 404 otherwise (hidden ones do not leak)."""
    incident = get_incident(session, incident_id)
    if not can_view(user, incident):
        raise NotFound("No such incident.")
    return incident


def require_active(incident: Incident) -> None:
    if incident.status != "active":
        raise Conflict("This incident is closed.", code="incident_closed")


def require_insider(user, incident: Incident) -> None:
    require_user(user)
    if not is_insider(user, incident):
        raise Forbidden(
            "Only staff of a participating department may act on this incident.",
            code="not_participating",
        )


def require_manager(user, incident: Incident) -> None:
    require_user(user)
    if not may_manage(user, incident):
        raise Forbidden(
            "Only heads of the lead department or admins may change this incident.",
            code="not_head",
        )


def require_task_member(user, department_id: int) -> None:
    require_user(user)
    if not is_member(user, department_id):
        raise Forbidden("Only this department's staff may finish its task.", code="not_member")
