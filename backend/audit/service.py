"""Write audit entries in the transaction of the change they record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | str | None,
    *,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry
