"""Refuse input that no database can store: NUL characters in text.

PostgreSQL rejects NUL in text columns (SQLite keeps it), so without this guard the
same request would be a 500 on one database and stored on the other.
"""

from __future__ import annotations

from flask import abort, request

from backend.errors import ValidationFailed

NUL = "\x00"


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _check(values) -> None:
    message = "Text must not contain NUL characters."
    if isinstance(values, dict):
        bad = {str(k): [message] for k, v in values.items() if _has_nul(k) or _has_nul(v)}
    else:
        bad = {"_body": [message]} if _has_nul(values) else {}
    if bad:
        raise ValidationFailed(message, code="invalid_text", fields=bad)


def refuse_nul_characters() -> None:
    if NUL in request.path:
        abort(404)
    _check(request.args.to_dict())
    if request.is_json:
        _check(request.get_json(silent=True))
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        _check(request.form.to_dict())
