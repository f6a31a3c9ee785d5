"""Reads that may go to a read replica (``DATABASE_READ_URL``).

An endpoint marked :func:`reads_replica` (lists, statistics, exports, Open311 reads) sends
its plain SELECTs to the replica's engine; its writes (a token's last use, say), its
``SELECT ... FOR UPDATE`` and everything in other requests, jobs and sockets stay on the
primary. A replica may lag behind the primary by a moment: only reads that can show a
slightly older city are marked. Without ``DATABASE_READ_URL`` the mark changes nothing.
"""

from __future__ import annotations

import functools

from flask import g, has_app_context, has_request_context
from flask_sqlalchemy.session import Session
from sqlalchemy import literal, select
from sqlalchemy.sql import Select

from backend.config import REPLICA

_FLAG = "cityloop_reads_replica"


def mark_request() -> None:
    """This request's SELECTs may be answered by the replica (a blueprint's reads)."""
    g.setdefault(_FLAG, True)


def reads_replica(view):
    """Mark a view whose SELECTs may be answered by the replica."""

    @functools.wraps(view)
    def marked(*args, **kwargs):
        mark_request()
        return view(*args, **kwargs)

    return marked


def read_bind(session):
    """The engine this request's plain SELECTs go to (for a ``SET LOCAL`` before them)."""
    return session.get_bind(clause=select(literal(1)))


def _wants_replica(clause) -> bool:
    return (
        isinstance(clause, Select)
        and clause._for_update_arg is None
        and has_request_context()
        and g.get(_FLAG, False)
    )


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, choosing the replica for a marked request's SELECTs."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and not self._flushing and _wants_replica(clause):
            engine = self._db.engines.get(REPLICA) if has_app_context() else None
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
