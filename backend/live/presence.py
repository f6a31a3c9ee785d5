"""Which sockets belong to which signed-in user, so that signing out can close them.

A socket's identity is fixed when it connects (its session is copied then), so logging
out over HTTP would otherwise leave it listening. Each authenticated socket joins a
private room in its own process; with ``REDIS_URL`` its id is also kept in a Redis set, so
that any process can ask the others (through the Socket.IO message queue) to close it.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_socketio import join_room

from backend.extensions import socketio
from backend.jobs import redis_connection

log = logging.getLogger(__name__)
NAMESPACE = "/"
SET_TTL = 2 * 24 * 3600  # stale ids (a crashed process) expire; reconnects refresh it


def _room(user_id: int) -> str:
    return f"_sockets:user:{user_id}"  # not a registered kind: clients cannot join it


def _key(user_id: int) -> str:
    return f"cityloop:live:sockets:{user_id}"


def _redis():
    url = current_app.config["REDIS_URL"]
    return redis_connection(url) if url else None


def track(user_id: int, sid: str) -> None:
    """Record the current socket ``sid`` as ``user_id``'s (call from a socket handler)."""
    join_room(_room(user_id))
    client = _redis()
    if client is None:
        return
    try:
        client.pipeline().sadd(_key(user_id), sid).expire(_key(user_id), SET_TTL).execute()
    except Exception:  # the socket still works; only a remote sign-out would miss it
        log.warning("could not record socket %s of user %s in Redis", sid, user_id)


def untrack(user_id: int, sid: str) -> None:
    client = _redis()
    if client is None:
        return
    try:
        client.srem(_key(user_id), sid)
    except Exception:
        log.warning("could not forget socket %s of user %s in Redis", sid, user_id)


def _local_sids(user_id: int) -> set[str]:
    server = socketio.server
    if server is None:
        return set()
    return {sid for sid, _ in server.manager.get_participants(NAMESPACE, _room(user_id))}


def sids_of(user_id: int) -> set[str]:
    sids = _local_sids(user_id)
    client = _redis()
    if client is not None:
        sids |= {s.decode() if isinstance(s, bytes) else s for s in client.smembers(_key(user_id))}
    return sids


def disconnect_user(user_id: int) -> int:
    """Close every socket of ``user_id``, in this process and (through Redis) in others.

    Returns how many socket ids were asked to close. Never raises: signing out must work
    even when the live layer is unwell.
    """
    try:
        sids = sids_of(user_id)
        for sid in sids:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        client = _redis()
        if client is not None:
            client.delete(_key(user_id))
    except Exception:
        log.exception("could not disconnect the sockets of user %s", user_id)
        return 0
    return len(sids)
