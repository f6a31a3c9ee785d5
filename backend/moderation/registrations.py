"""The ``moderation`` live room: volunteers and admins."""

from __future__ import annotations

from backend.auth.permissions import Permission, has_permission
from backend.live.rooms import register_room


def _may_moderate(user, _ident) -> bool:
    return has_permission(user, Permission.MODERATE)


register_room("moderation", authorize=_may_moderate)
