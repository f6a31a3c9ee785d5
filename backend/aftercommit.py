"""Side effects that must wait for the commit: socket emits, push, jobs.

Services call :func:`after_commit` while they work; the callbacks run only once the
outermost transaction has committed, and are dropped if it rolls back. So a client never
hears of a change that did not happen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)
_KEY = "cityloop.after_commit"


def after_commit(session: Session | scoped_session, callback: Callable, *args, **kwargs) -> None:
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, even with nothing written, drops the callback
    session.info.setdefault(_KEY, []).append((callback, args, kwargs))


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a SAVEPOINT is released; only the outermost
    # commit makes the change real.
    if session.in_nested_transaction():
        return
    callbacks = session.info.pop(_KEY, [])
    for callback, args, kwargs in callbacks:
        try:
            callback(*args, **kwargs)
        except Exception:  # one failed side effect must not hide the others
            log.exception("after-commit callback %r failed", callback)


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, previous_transaction) -> None:
    # A rolled-back SAVEPOINT leaves the outer transaction (and its callbacks) alive; the
    # callers that use savepoints here re-raise, so the outer rollback drops everything.
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)
