"""The ``alerts`` live room: public; a reconnecting client gets the active alerts sent
after ``since`` (an alert id)."""

from __future__ import annotations

from backend.alerts import service
from backend.alerts.schemas import alert_schema
from backend.extensions import db
from backend.live.rooms import register_room


def _missed(_user, _ident, since: int) -> list:
    alerts = [a for a in reversed(service.active_alerts(db.session)) if a.id > since]
    return alert_schema.dump(alerts, many=True)


register_room(service.ROOM, authorize=lambda _user, _ident: True, missed=_missed)
