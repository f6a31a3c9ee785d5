"""The room registry: which rooms a client may `subscribe` to, who may, and what it missed.

A room is named ``<kind>`` or ``<kind>:<ident>`` (``case:12``, ``department:roads``,
``moderation``, ``user``). Each kind registers how to read its ident, who may join, the
extra rooms a subscriber also joins (staff on ``case:12`` also get ``case:12:internal``)
and how to replay what a reconnecting client missed. Domains own the rules; this module
only asks them, so a room never grants more than the API does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.auth.permissions import is_authenticated
from backend.errors import Forbidden, NotAuthenticated, NotFound, ValidationFailed

MAX_ROOM_LENGTH = 120
MAX_MISSED = 500  # a longer gap is better served by the HTTP API's paginated lists

Authorize = Callable[[Any, Any], bool]
Missed = Callable[[Any, Any, int], list]
ExtraRooms = Callable[[Any, Any], list[str]]


@dataclass(frozen=True)
class RoomKind:
    kind: str
    authorize: Authorize
    missed: Missed | None = None
    extra_rooms: ExtraRooms | None = None
    ident: Callable[[str], Any] | None = None  # None: the kind takes no ident
    join_requested: bool = True  # False for aliases such as ``user`` -> ``user:<id>``


@dataclass(frozen=True)
class Subscription:
    room: str  # the canonical name the client asked for
    joined: list[str]  # the Socket.IO rooms actually joined
    missed: list


_kinds: dict[str, RoomKind] = {}


def register_room(
    kind: str,
    *,
    authorize: Authorize,
    missed: Missed | None = None,
    extra_rooms: ExtraRooms | None = None,
    ident: Callable[[str], Any] | None = None,
    join_requested: bool = True,
) -> None:
    """Declare a room kind. ``authorize(user, ident)`` may also raise a ``DomainError``
    (e.g. ``NotFound`` for a hidden case) to answer with that code."""
    _kinds[kind] = RoomKind(kind, authorize, missed, extra_rooms, ident, join_requested)


def registered_kinds() -> list[str]:
    return sorted(_kinds)


def positive_int(value: str) -> int:
    """Idents that are database ids: digits only, so ``case:1:internal`` is not a case."""
    if not (value.isascii() and value.isdigit()) or len(value) > 12 or int(value) < 1:
        raise ValueError(value)
    return int(value)


def parse(room: Any) -> tuple[RoomKind, Any, str]:
    """The kind, the parsed ident and the canonical name of a requested room."""
    if not isinstance(room, str) or not room or len(room) > MAX_ROOM_LENGTH:
        raise ValidationFailed("`room` must be a room name.", fields={"room": ["Invalid."]})
    name, _, raw_ident = room.partition(":")
    kind = _kinds.get(name)
    if kind is None or (kind.ident is None) != (raw_ident == ""):
        raise NotFound(f"There is no room '{room}'.")
    if kind.ident is None:
        return kind, None, name
    try:
        ident = kind.ident(raw_ident)
    except (ValueError, TypeError):
        raise NotFound(f"There is no room '{room}'.") from None
    return kind, ident, f"{name}:{ident}"


def _check(kind: RoomKind, user, ident) -> None:
    if kind.authorize(user, ident):
        return
    if not is_authenticated(user):
        raise NotAuthenticated("Sign in to join this room.")
    raise Forbidden("You may not join this room.")


def resolve(user, room: Any, since: int | None) -> Subscription:
    """Check ``user`` may join ``room``; list the rooms to join and what was missed."""
    kind, ident, canonical = parse(room)
    _check(kind, user, ident)
    joined = [canonical] if kind.join_requested else []
    if kind.extra_rooms is not None:
        joined += [r for r in kind.extra_rooms(user, ident) if r not in joined]
    missed = []
    if since is not None and kind.missed is not None:
        missed = kind.missed(user, ident, since)[:MAX_MISSED]
    return Subscription(canonical, joined, missed)
