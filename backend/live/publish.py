"""Publishing a live event: every domain calls :func:`publish`, nothing emits directly.

The event goes out through Socket.IO only after the transaction commits. Receivers of
the :data:`published` signal (e.g. notifications) run at once, once per event whatever
the number of rooms, inside the same transaction, so what they write commits or rolls
back with the change itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from blinker import Namespace
from sqlalchemy.orm import Session, scoped_session

from backend.aftercommit import after_commit
from backend.extensions import socketio

published = Namespace().signal("published")


def real_session(session: Session | scoped_session) -> Session:
    """The Session behind Flask-SQLAlchemy's ``db.session`` proxy: transaction hooks and
    ``session.info`` belong to the Session itself."""
    return session() if isinstance(session, scoped_session) else session


def _emit(event: str, payload: dict, rooms: tuple[str, ...]) -> None:
    # One emit for all the rooms: the packet is encoded once, and a socket in several of
    # them (a case and its department) gets one frame, not one per room.
    socketio.emit(event, payload, to=list(rooms))


def publish(session: Session, room: str | Iterable[str], event: str, payload: dict) -> None:
    """Send ``event`` with ``payload`` to ``room`` (or to several rooms, each socket in
    them once) once ``session`` commits. Receivers of :data:`published` hear of it once,
    with every room.

    Rooms are named as in the contract: ``case:<id>``, ``department:<code>``,
    ``proposal:<id>``, ``moderation``, ``user:<id>``; staff-only traffic of a case goes
    to ``case:<id>:internal``.
    """
    session = real_session(session)
    rooms = (room,) if isinstance(room, str) else tuple(room)
    if not rooms:
        return
    published.send(session, rooms=rooms, event=event, payload=payload)
    after_commit(session, _emit, event, payload, rooms)


RESET = "room.reset"


def reset_room(session: Session, room: str, *, also: tuple[str, ...] = ()) -> None:
    """Once ``session`` commits, empty the Socket.IO room ``room`` and the rooms ``also``
    joined with it (``case:<id>:internal``) in every process, first telling their members
    (``room.reset``) to subscribe to ``room`` again. Access is then checked anew: whoever
    lost it hears nothing more, the others re-join with ``since`` and miss nothing. Call
    when who may be in a room changes."""
    after_commit(real_session(session), _reset, room, (room, *also))


def _reset(room: str, joined: tuple[str, ...]) -> None:
    for name in joined:
        socketio.emit(RESET, {"room": room}, to=name)
        socketio.close_room(name)
