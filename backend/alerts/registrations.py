"""The ``alerts`` live room: public; a reconnecting client gets the active alerts sent
after ``since`` (an alert id). Alerts are official content: flaggable, never hidden by
flags alone, hidden and restored by admins only (``content.Kind.official``)."""

from __future__ import annotations

from backend import content
from backend.alerts import service
from backend.alerts.models import Alert
from backend.alerts.schemas import alert_schema
from backend.auth.permissions import Permission, has_permission, is_staff
from backend.extensions import db
from backend.live.rooms import register_room

EXCERPT = 280


def _missed(_user, _ident, since: int) -> list:
    alerts = [a for a in reversed(service.active_alerts(db.session)) if a.id > since]
    return alert_schema.dump(alerts, many=True)


def _can_view(user, alert: Alert) -> bool:
    return not alert.hidden or is_staff(user) or has_permission(user, Permission.MODERATE)


def _describe(alert: Alert, _viewer) -> dict:
    return {
        "title": alert.title,
        "text": alert.body[:EXCERPT],
        "author": alert.department.name if alert.department else None,
        "created_at": alert.sent_at,
        "on": None,
    }


register_room(service.ROOM, authorize=lambda _user, _ident: True, missed=_missed)
content.register(
    "alert",
    model=Alert,
    load=service.get_alert,
    can_view=_can_view,
    describe=_describe,
    author_column=lambda: Alert.sender_id,
    official=True,
    created_attr="sent_at",
    changed_attr="sent_at",
)
