"""Every administrative change is written to the audit log as it is flushed, whatever
code path made it (API, CLI, console): one listener instead of a call in every service.

Only the columns below are recorded: a city's settings in full, and of people only what an
administrator decides (role, status, departments), never their e-mail, name or phone, so
the log can outlive an erased account.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import g, has_request_context
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.db import utcnow

ALL = None
# table: (what an entry calls one row, the columns recorded or ALL)
AUDITED: dict[str, tuple[str, frozenset[str] | None]] = {
    "departments": ("department", ALL),
    "categories": ("category", ALL),
    "response_templates": ("response_template", ALL),
    "users": ("user", frozenset({"role", "active", "blocked"})),
    "memberships": ("membership", frozenset({"user_id", "department_id", "is_head"})),
    "api_keys": ("api_key", frozenset({"name", "prefix", "revoked_at"})),
    "city_settings": ("setting", ALL),
}
IGNORED = frozenset({"created_at", "updated_at"})


def _plain(value):
    return value.isoformat() if isinstance(value, datetime | date) else value


def _columns(obj) -> list[str]:
    wanted = AUDITED[obj.__table__.name][1]
    names = [c.key for c in inspect(obj).mapper.column_attrs]
    return [n for n in names if n not in IGNORED and (wanted is None or n in wanted)]


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for name in _columns(obj):
        history = state.attrs[name].history
        if history.has_changes():
            before[name] = _plain(history.deleted[0]) if history.deleted else None
            after[name] = _plain(history.added[0]) if history.added else None
    return before, after


def _snapshot(obj) -> dict:
    return {name: _plain(getattr(obj, name)) for name in _columns(obj)}


def _actor_id() -> int | None:
    """The signed-in user of the request, if already loaded (never a query mid-flush)."""
    if not has_request_context():
        return None
    acting = g.get("_login_user")
    identity = (
        inspect(acting).identity
        if acting is not None and hasattr(acting, "_sa_instance_state")
        else None
    )
    return identity[0] if identity else None


def _target_id(obj) -> str:
    identity = inspect(obj).identity or ()
    return "/".join(str(part) for part in identity)


@event.listens_for(Session, "after_flush")
def _record(session: Session, _context) -> None:
    rows = []
    for kind, objects in (
        ("created", session.new),
        ("changed", session.dirty),
        ("deleted", session.deleted),
    ):
        for obj in objects:
            table = getattr(obj, "__table__", None)
            if table is None or table.name not in AUDITED:
                continue
            if kind == "changed":
                before, after = _changes(obj)
                if not after and not before:
                    continue
            elif kind == "created":
                before, after = None, _snapshot(obj)
            else:
                before, after = _snapshot(obj), None
            rows.append(
                {
                    "actor_id": _actor_id(),
                    "action": f"{AUDITED[table.name][0]}.{kind}",
                    "target_type": table.name,
                    "target_id": _target_id(obj)[:40],
                    "before": before,
                    "after": after,
                    "created_at": utcnow(),
                }
            )
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)
