"""Refuse text that no database can store: NUL characters and lone surrogates.

PostgreSQL rejects NUL in text columns (SQLite keeps it), so without this guard the same
request would be a 500 on one database and stored on the other. A JSON ``"\\ud800"``
escape decodes to a lone surrogate, which has no UTF-8 form: both drivers fail to send it.
"""

from __future__ import annotations

from flask import abort, request

from backend.errors import ValidationFailed

NUL = "\x00"
MESSAGE = "Text must not contain NUL characters or unpaired surrogates."


def _unstorable_text(text: str) -> bool:
    if NUL in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _has_bad_text(value) -> bool:
    if isinstance(value, str):
        return _unstorable_text(value)
    if isinstance(value, dict):
        return any(_has_bad_text(k) or _has_bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_bad_text(v) for v in value)
    return False


def _check(values) -> None:
    if isinstance(values, dict):
        bad = {str(k): [MESSAGE] for k, v in values.items() if _has_bad_text(k) or _has_bad_text(v)}
    else:
        bad = {"_body": [MESSAGE]} if _has_bad_text(values) else {}
    if bad:
        raise ValidationFailed(MESSAGE, code="invalid_text", fields=bad)


def refuse_nul_characters() -> None:
    """Before every request: the path, the query, a JSON body and every form value."""
    if NUL in request.path:
        abort(404)
    _check(request.args.to_dict(flat=False))
    if request.is_json:
        _check(request.get_json(silent=True))
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        _check(request.form.to_dict(flat=False))
