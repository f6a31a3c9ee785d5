"""One vote per user per thing, exact under concurrency, for any vote model.

Used for comment votes and proposal votes. The vote row is keyed by (thing, user), so the
database refuses a second row; the caller adjusts denormalised counters with one atomic
``UPDATE ... SET n = n + delta`` from the (old, new) pair returned here, never by reading
a count and writing it back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def _locked(session: Session, model: type, key: dict[str, Any]):
    """The user's vote row, locked until commit (``FOR UPDATE``; SQLite locks the database)."""
    stmt = (
        select(model).filter_by(**key).with_for_update().execution_options(populate_existing=True)
    )
    return session.scalar(stmt)


def _inserted(session: Session, model: type, key: dict[str, Any], value: Any) -> bool:
    """Insert a first vote; False when a concurrent request of the same user got in first."""
    try:
        with session.begin_nested():
            session.add(model(**key, value=value))
    except IntegrityError:
        return False
    return True


def set_vote(session: Session, model: type, key: dict[str, Any], value: Any) -> tuple[Any, Any]:
    """Make the user's vote ``value`` (``None`` withdraws it); return ``(old, new)``.

    ``old == new`` means nothing changed (a repeated request), so counters stay as they are.
    """
    vote = _locked(session, model, key)
    if vote is None:
        if value is None:
            return None, None
        if _inserted(session, model, key, value):
            return None, value
        vote = _locked(session, model, key)  # the concurrent insert has committed by now
        if vote is None:  # ... and was withdrawn again before we could read it
            return set_vote(session, model, key, value)
    old = vote.value
    if old == value:
        return old, old
    if value is None:
        session.delete(vote)
    else:
        vote.value = value
    session.flush()
    return old, value
