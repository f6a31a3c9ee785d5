"""The demo city's incident: a storm flooding the centre, declared by Water and Drainage
with Roads and Parks taking part; cases linked, Roads' task done, notes public and
internal, and an alert for the area. Made through the same rules as the API."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.alerts import service as alerts
from backend.auth.models import User
from backend.cases.models import OPEN_STATUSES, Case
from backend.db import utcnow
from backend.departments.models import Category
from backend.incidents import area, service

CENTRE = (31.2304, 121.4737)
LINKED = (("water", ("drain", "water-leak")), ("roads", ("pothole", "pavement")),
          ("parks", ("fallen-tree",)))  # fmt: skip

NOTES = (
    (50, "Pumping station 3 is on reduced power; a generator is on its way.", True),
    (55, "Crews are clearing drains on Nanjing Road and Xizang Road.", False),
)


def _user(session: Session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def _nearest(session: Session, incident, codes: tuple[str, ...]) -> Case | None:
    stmt = (
        select(Case)
        .join(Category, Category.id == Case.category_id)
        .where(Category.code.in_(codes), Case.status.in_(OPEN_STATUSES), Case.hidden.is_(False))
        .order_by(Case.reference)
    )
    inside = [c for c in session.scalars(stmt).unique() if area.contains(incident, c.lat, c.lon)]
    return min(inside, key=lambda c: abs(c.lat - CENTRE[0]) + abs(c.lon - CENTRE[1]), default=None)


def load_demo_incident(session: Session, *, now: datetime | None = None) -> str:
    now = now or utcnow()
    start = now - timedelta(hours=3)
    water_head = _user(session, "water@cityloop.example")
    roads_head = _user(session, "staff@cityloop.example")
    admin = _user(session, "admin@cityloop.example")
    data = {
        "title": "Storm flooding around People's Square",
        "description": "Over 80 mm of rain since noon; drains in the centre are overwhelmed.",
        "severity": "severe",
        "area": {"lat": CENTRE[0], "lon": CENTRE[1], "radius_m": 2500},
        "lead_department": "water",
        "departments": ["roads", "parks"],
        "categories": ["drain", "water-leak", "fallen-tree", "pothole"],
        "notice": "Flooding in the centre: keep away from underpasses. "
        "Report blocked drains and fallen trees here.",
    }
    incident = service.declare(session, water_head, data, now=start)
    for minutes, (_code, codes) in zip((10, 25, 40), LINKED, strict=True):
        case = _nearest(session, incident, codes)
        if case is not None:
            service.link_case(session, water_head, incident, case.id,
                              now=start + timedelta(minutes=minutes))  # fmt: skip
    for minutes, body, internal in NOTES:
        service.add_note(session, water_head, incident, body, internal,
                         now=start + timedelta(minutes=minutes))  # fmt: skip
    alert = {
        "msg_type": "Alert",
        "incident": incident.id,
        "title": "Flooding around People's Square",
        "body": "Water is up to 30 cm deep in places. Keep away from underpasses "
        "and do not drive through standing water.",
        "severity": "severe",
        "expires_at": now + timedelta(hours=21),
    }
    alerts.send_alert(session, admin, alert, now=start + timedelta(minutes=60))
    service.complete_task(session, roads_head, incident, "roads",
                          "Underpass on Xizang Road closed and signed.",
                          now=start + timedelta(minutes=90))  # fmt: skip
    return "1 active incident."
