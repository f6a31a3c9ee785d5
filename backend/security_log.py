"""Security events on the ``cityloop.security`` logger: failed sign-ins and refused
permissions, with the user id only (no e-mail, name or address). Admin changes to roles,
keys and departments are in the audit log (backend/audit)."""

from __future__ import annotations

import logging

from flask import g, has_request_context, request

log = logging.getLogger("cityloop.security")


def _acting_user_id():
    account = g.get("_login_user") if has_request_context() else None
    return getattr(account, "id", None)


def event(name: str, *, user_id=None, **details) -> None:
    """Log one security event; ``details`` must hold no personal data."""
    fields = {"user": user_id if user_id is not None else _acting_user_id(), **details}
    if has_request_context():
        fields.setdefault("path", request.path)
    log.warning("%s %s", name, " ".join(f"{k}={v}" for k, v in fields.items()))
