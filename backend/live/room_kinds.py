"""The rooms of the contract, each asking its domain the same questions the API asks.

- ``user``: one's own ``user:<id>`` room (notifications); replay = unread ones since.
- ``moderation``: volunteers and admins.
- ``case:<id>``, ``department:<code>``, ``proposal:<id>``: see :mod:`backend.live.case_rooms`
  and :mod:`backend.live.proposal_rooms`, registered when those domains are installed.
- ``alerts``: public, see :mod:`backend.live.alert_rooms`.
"""

from __future__ import annotations

import importlib
import importlib.util

from backend.auth.permissions import Permission, has_permission, is_authenticated
from backend.extensions import db
from backend.live.rooms import register_room


def _user_rooms(user, _ident) -> list[str]:
    return [f"user:{user.id}"]


def _missed_notifications(user, _ident, since: int) -> list:
    from backend.notify import service
    from backend.notify.schemas import notification_schema

    return notification_schema.dump(service.missed(db.session, user, since), many=True)


def _can_moderate(user, _ident) -> bool:
    return has_permission(user, Permission.MODERATE)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def register_all() -> None:
    register_room(
        "user",
        authorize=lambda user, _ident: is_authenticated(user),
        missed=_missed_notifications,
        extra_rooms=_user_rooms,
        join_requested=False,
    )
    register_room("moderation", authorize=_can_moderate)
    domains = (("cases", "case_rooms"), ("proposals", "proposal_rooms"), ("alerts", "alert_rooms"))
    for domain, module in domains:
        if _installed(f"backend.{domain}.service"):
            importlib.import_module(f"backend.live.{module}").register()
