"""Alert rules: who may send, what supersedes what, which alerts are active, who is pushed.

Functions take a session and the acting user, flush but never commit. The live ``alert``
event and the pushes leave only after the commit (:func:`backend.live.publish.publish`,
:func:`backend.notify.service.notify`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.alerts.models import Alert, SavedPlace
from backend.audit import service as audit
from backend.auth.permissions import (
    Permission,
    is_admin,
    is_member,
    is_staff,
    require,
    require_user,
)
from backend.db import utcnow
from backend.departments.models import Department
from backend.departments.service import department_by_code
from backend.errors import Forbidden, NotFound, ValidationFailed
from backend.geo import METRES_PER_DEGREE, distance_m, metres_per_degree_lon, sql_box
from backend.ids import id_in_range
from backend.live.publish import publish

ROOM = "alerts"
CELL_M = 250.0  # a saved place is kept at this precision, never the exact address
MAX_RADIUS_M = 50_000
MAX_LIFETIME = timedelta(days=14)


def snap_to_cell(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the ~250 m grid cell holding (lat, lon)."""
    lat_step = CELL_M / METRES_PER_DEGREE
    row = math.floor(lat / lat_step)
    cell_lat = (row + 0.5) * lat_step
    lon_step = CELL_M / metres_per_degree_lon(cell_lat)
    cell_lon = (math.floor(lon / lon_step) + 0.5) * lon_step
    return round(min(max(cell_lat, -90.0), 90.0), 6), round(((cell_lon + 180) % 360) - 180, 6)


def is_active(alert: Alert, now: datetime) -> bool:
    return alert.msg_type != "Cancel" and alert.superseded_at is None and alert.expires_at > now


def active_alerts(session: Session, now: datetime | None = None) -> list[Alert]:
    now = now or utcnow()
    stmt = (
        select(Alert)
        .where(
            Alert.msg_type != "Cancel",
            Alert.superseded_at.is_(None),
            Alert.expires_at > now,
            Alert.hidden.is_(False),
        )
        .order_by(Alert.sent_at.desc(), Alert.id.desc())
    )
    return list(session.scalars(stmt).unique())


def for_reader(alerts: list[Alert], reader) -> list[Alert]:
    """Show staff who sent each alert (the audit trail); others see no one."""
    for alert in alerts:
        alert._shown_sender = alert.sender if is_staff(reader) else None
    return alerts


def get_alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id) if id_in_range(alert_id) else None
    if alert is None:
        raise NotFound("No such alert.")
    return alert


def _sending_department(session: Session, actor, code: str | None) -> Department | None:
    """Staff send for one of their departments; admins for any, or for the city."""
    if code is None:
        if is_admin(actor):
            return None
        ids = sorted(actor.department_ids)
        if not ids:
            raise Forbidden("Only staff of a department may send alerts.")
        return session.get(Department, ids[0])
    try:
        department = department_by_code(session, code)
    except NotFound:
        raise ValidationFailed("Unknown department.", fields={"department": ["Unknown."]}) from None
    if not is_member(actor, department.id):
        raise Forbidden("You may only send alerts for your own departments.")
    return department


def _superseded(session: Session, actor, data: dict, now: datetime) -> Alert | None:
    msg_type = data["msg_type"]
    ref_id = data.get("references")
    if msg_type == "Alert":
        if ref_id is not None:
            raise ValidationFailed(
                "A new alert references nothing.",
                fields={"references": ["Only with Update or Cancel."]},
            )
        return None
    if ref_id is None:
        raise ValidationFailed(
            f"An {msg_type} names the alert it supersedes.", fields={"references": ["Required."]}
        )
    earlier = session.get(Alert, ref_id)
    if earlier is None or not is_active(earlier, now):
        raise ValidationFailed(
            "Only an active alert can be updated or cancelled.",
            fields={"references": ["Not an active alert."]},
        )
    if not is_admin(actor) and not is_member(actor, earlier.department_id):
        raise Forbidden("Only its department or an admin may supersede this alert.")
    return earlier


@dataclass(frozen=True)
class IncidentLink:
    """What alerts need of the incidents they may be sent for. ``backend.incidents`` (which
    depends on alerts, not the other way round) registers it."""

    find: Callable[[Session, Any, int], Any]  # the incident the actor may send for, or raise
    area: Callable[[Any], dict]  # its default alert circle {lat, lon, radius_m}
    sent: Callable[[Session, Any, Any, Alert], None]  # put the alert on its timeline


_incidents: list[IncidentLink] = []


def register_incidents(link: IncidentLink) -> None:
    _incidents[:] = [link]


def _for_incident(session: Session, actor, data: dict, earlier: Alert | None):
    """The incident the alert is sent for (``incident``, or the superseded alert's)."""
    incident_id = data.get("incident", getattr(earlier, "incident_id", None))
    if incident_id is None or not _incidents:
        return None
    return _incidents[0].find(session, actor, incident_id)


def _fields(data: dict, earlier: Alert | None, now: datetime, incident=None) -> dict:
    """The alert's content; an update or cancel keeps what it does not restate; a new one
    for an incident covers the incident's area unless it names its own."""
    keep = ("title", "body", "severity", "expires_at")
    values = {k: data.get(k, getattr(earlier, k, None)) for k in keep}
    area = data.get("area")
    if area is None and earlier is not None:
        area = {"lat": earlier.lat, "lon": earlier.lon, "radius_m": earlier.radius_m}
    elif area is None and incident is not None:
        area = _incidents[0].area(incident)
    missing = [k for k, v in (*values.items(), ("area", area)) if v is None]
    if missing:
        raise ValidationFailed("Missing fields.", fields={k: ["Required."] for k in missing})
    if data["msg_type"] == "Cancel":
        values["expires_at"] = max(earlier.expires_at, now + timedelta(minutes=1))
    if not now < values["expires_at"] <= now + MAX_LIFETIME:
        raise ValidationFailed(
            "An alert expires in the future, within 14 days.",
            fields={"expires_at": ["Out of range."]},
        )
    return values | {"lat": area["lat"], "lon": area["lon"], "radius_m": area["radius_m"]}


def send_alert(session: Session, actor, data: dict, *, now: datetime | None = None) -> Alert:
    """Send an alert (or an update or cancel of an earlier one) and tell the area."""
    from backend.alerts.schemas import alert_schema

    require(actor, Permission.HANDLE_CASES)
    now = now or utcnow()
    department = _sending_department(session, actor, data.get("department"))
    earlier = _superseded(session, actor, data, now)
    incident = _for_incident(session, actor, data, earlier)
    alert = Alert(
        msg_type=data["msg_type"],
        references=earlier,
        sent_at=now,
        sender_id=actor.id,
        department=department if earlier is None else earlier.department,
        incident_id=getattr(incident, "id", None),
        **_fields(data, earlier, now, incident),
    )
    if earlier is not None:
        earlier.superseded_at = now
    session.add(alert)
    session.flush()
    audit.record(session, actor.id, f"alert.{alert.msg_type.lower()}", "alert", alert.id,
                 after={"references": alert.references_id, "severity": alert.severity,
                        "department_id": alert.department_id})  # fmt: skip
    publish(session, ROOM, "alert", alert_schema.dump(alert))
    if incident is not None:
        _incidents[0].sent(session, actor, incident, alert)
    _push_to_residents(session, alert, actor)
    return alert


def residents_inside(session: Session, lat: float, lon: float, radius_m: float) -> list[int]:
    """Users whose saved place lies in the circle: a box on the table, then the circle."""
    rows = session.execute(
        select(SavedPlace.user_id, SavedPlace.lat, SavedPlace.lon).where(
            sql_box(SavedPlace.lat, SavedPlace.lon, lat, lon, radius_m)
        )
    ).all()
    return [uid for uid, plat, plon in rows if distance_m(lat, lon, plat, plon) <= radius_m]


def _push_to_residents(session: Session, alert: Alert, actor) -> None:
    from backend.notify.service import notify

    prefix = {"Alert": "Alert", "Update": "Updated alert", "Cancel": "Alert cancelled"}
    recipients = residents_inside(session, alert.lat, alert.lon, alert.radius_m)
    notify(session, recipients, kind="area_alert", target_type="alert", target_id=alert.id,
           text=f"{prefix[alert.msg_type]}: {alert.title}", actor_id=actor.id)  # fmt: skip


def get_place(session: Session, user) -> SavedPlace:
    place = session.get(SavedPlace, require_user(user).id)
    if place is None:
        raise NotFound("No saved place.")
    return place


def save_place(session: Session, user, lat: float, lon: float) -> SavedPlace:
    """Opt in (or move): only the 250 m cell is stored."""
    user = require_user(user)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed("Out of range.", fields={"lat": ["Degrees."], "lon": ["Degrees."]})
    cell_lat, cell_lon = snap_to_cell(lat, lon)
    place = session.get(SavedPlace, user.id) or SavedPlace(user_id=user.id)
    place.lat, place.lon = cell_lat, cell_lon
    session.add(place)
    session.flush()
    return place


def forget_place(session: Session, user) -> None:
    session.delete(get_place(session, user))
    session.flush()
