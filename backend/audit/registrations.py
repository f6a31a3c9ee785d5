"""The audit log hears what accounts tell of themselves (auth does not reach up to it)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.audit.service import record
from backend.auth.accounts import account_changed


@account_changed.connect
def _record_account_change(session: Session, *, user, action: str, after=None, actor=None) -> None:
    record(session, (actor or user).id, action, "user", user.id, after=after)
