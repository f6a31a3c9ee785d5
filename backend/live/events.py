"""Socket.IO handlers on the default namespace: connect, subscribe, unsubscribe.

A client authenticates on connect with the session cookie (the PWA) or
``auth: {"token": "<bearer>"}``; without either it connects anonymously and may only
join public rooms. ``subscribe`` answers through its ack, never by raising:
``{"ok": true, "room", "missed": [...]}`` or ``{"ok": false, "error": {"code", "message"}}``.

The socket remembers only the user id; the account is loaded again for every
``subscribe``, so a deactivated account or a changed role takes effect at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import request, session
from flask_login import user_logged_out
from flask_socketio import ConnectionRefusedError, leave_room
from flask_socketio import join_room as _join

from backend.auth import service as auth_service
from backend.auth.models import User
from backend.auth.permissions import is_authenticated
from backend.auth.session import user as http_user
from backend.errors import DomainError, ValidationFailed
from backend.extensions import db, socketio
from backend.ids import EVENT_ID_MAX
from backend.live import presence, rooms
from backend.metrics import SOCKETS

log = logging.getLogger(__name__)

USER_KEY = "live_user_id"
ROOMS_KEY = "live_rooms"
MAX_SUBSCRIPTIONS = 100


def on(event: str) -> Callable[[Callable], Callable]:
    """``@socketio.on(event)`` that also survives later ``init_app`` calls.

    Flask-SocketIO keeps a handler for future servers only when it is registered before
    the first ``init_app``; this module is imported after it (and tests build several
    apps), so the handler is both kept for later servers and bound to the current one.
    """

    def decorator(handler):
        server, socketio.server = socketio.server, None
        try:
            socketio.on(event)(handler)
        finally:
            socketio.server = server
        if server is not None:
            message, wrapped, namespace = socketio.handlers[-1]
            server.on(message, wrapped, namespace=namespace)
        return handler

    return decorator


def _authenticate(auth) -> User | None:
    """The connecting user, None when anonymous; refuses a bad or expired token."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if token is not None:
        account = auth_service.user_for_token(db.session, token) if isinstance(token, str) else None
        if account is None:
            raise ConnectionRefusedError("invalid_token")
        return account
    try:
        account = http_user()  # cookie session, remember cookie or Authorization header
    except DomainError:
        raise ConnectionRefusedError("invalid_token") from None
    return account if is_authenticated(account) and account.active else None


@on("connect")
def on_connect(auth=None) -> None:
    try:
        account = _authenticate(auth)
    except ConnectionRefusedError:
        raise
    except Exception as exc:  # never let a TypeError reach Flask-SocketIO's retry
        log.exception("socket authentication failed")
        raise ConnectionRefusedError("internal_error") from exc
    session[USER_KEY] = account.id if account else None
    session[ROOMS_KEY] = {}
    SOCKETS.inc()
    if account is not None:
        presence.track(account.id, request.sid)


@on("disconnect")
def on_disconnect(reason=None) -> None:
    SOCKETS.dec()
    user_id = session.get(USER_KEY)
    if user_id is not None:
        presence.untrack(user_id, request.sid)


def socket_user() -> User | None:
    """The socket's account, loaded fresh; None when anonymous or no longer active."""
    user_id = session.get(USER_KEY)
    if user_id is None:
        return None
    account = db.session.get(User, user_id)
    return account if account is not None and account.active else None


def _answer(work: Callable[[], dict]) -> dict:
    try:
        return {"ok": True, **work()}
    except DomainError as exc:
        db.session.rollback()
        return {"ok": False, "error": {"code": exc.code, "message": exc.message}}
    except Exception:
        db.session.rollback()
        log.exception("socket event %s failed", request.event.get("message"))
        return {"ok": False, "error": {"code": "internal_error", "message": "Server error."}}


def _arguments(data) -> tuple[object, int | None]:
    if not isinstance(data, dict):
        raise ValidationFailed('Send an object: {"room": ..., "since": ...}.')
    since = data.get("since")
    if since is not None and (
        isinstance(since, bool) or not isinstance(since, int) or not 0 <= since <= EVENT_ID_MAX
    ):
        raise ValidationFailed("`since` must be an event id.", fields={"since": ["Invalid."]})
    return data.get("room"), since


def _subscribe(data) -> dict:
    room, since = _arguments(data)
    subscribed = dict(session.get(ROOMS_KEY) or {})
    if len(subscribed) >= MAX_SUBSCRIPTIONS and room not in subscribed:
        raise ValidationFailed(f"At most {MAX_SUBSCRIPTIONS} rooms per connection.")
    subscription = rooms.resolve(socket_user(), room, since)
    for name in subscription.joined:
        _join(name)
    subscribed[subscription.room] = subscription.joined
    session[ROOMS_KEY] = subscribed
    return {"room": subscription.room, "missed": subscription.missed}


def _unsubscribe(data) -> dict:
    room, _ = _arguments(data)
    subscribed = dict(session.get(ROOMS_KEY) or {})
    _, _, canonical = rooms.parse(room)
    for name in subscribed.pop(canonical, []):
        leave_room(name)
    session[ROOMS_KEY] = subscribed
    return {"room": canonical}


@on("subscribe")
def on_subscribe(data=None) -> dict:
    return _answer(lambda: _subscribe(data))


@on("unsubscribe")
def on_unsubscribe(data=None) -> dict:
    return _answer(lambda: _unsubscribe(data))


def disconnect_user(user_id: int) -> int:
    """Close every socket of ``user_id`` (on sign-out, deactivation, password change)."""
    return presence.disconnect_user(user_id)


@auth_service.sessions_ended.connect
def _on_sessions_ended(user_id: int) -> None:
    """Signed out everywhere (password change, deactivation, deletion): no socket stays."""
    disconnect_user(user_id)


@user_logged_out.connect
def _on_logged_out(_app, user=None, **_extra) -> None:
    """Flask-Login's sign-out signal: the HTTP logout closes that person's sockets too."""
    if is_authenticated(user):
        disconnect_user(user.id)
