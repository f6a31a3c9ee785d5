"""Side effects that must wait for the commit: socket emits, push, jobs.

Services call :func:`after_commit` while they work; the callbacks run only once the
outermost transaction has committed, and are dropped if it rolls back. So a client never
hears of a change that did not happen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "cityloop.after_commit"


def after_commit(session: Session, callback: Callable, *args, **kwargs) -> None:
    session.info.setdefault(_KEY, []).append((callback, args, kwargs))


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for callback, args, kwargs in callbacks:
        try:
            callback(*args, **kwargs)
        except Exception:  # one failed side effect must not hide the others
            log.exception("after-commit callback %r failed", callback)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_KEY, None)
