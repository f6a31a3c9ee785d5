"""Refuse text that no database can store (NUL characters, lone surrogates), and JSON nested
deeper than any request of ours needs (it would exhaust the recursion of every later step).

PostgreSQL rejects NUL in text columns (SQLite keeps it), so without this guard the same
request would be a 500 on one database and stored on the other. A JSON ``"\\ud800"``
escape decodes to a lone surrogate, which has no UTF-8 form: both drivers fail to send it.
"""

from __future__ import annotations

from flask import abort, request

from backend.errors import DomainError, ValidationFailed

NUL = "\x00"
MESSAGE = "Text must not contain NUL characters or unpaired surrogates."
MAX_JSON_DEPTH = 20  # the deepest body we accept (Open311 attributes, answers) nests 3 levels


def _too_deep(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether containers nest more than ``limit`` levels; iterative, so any depth is safe."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if not isinstance(item, dict | list):
            continue
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)
    return False


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


def _json_body():
    """The request's JSON, refused when it nests deeper than we (or the decoder) can go."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body, too_deep = None, True
    else:
        too_deep = _too_deep(body)
    if too_deep:
        raise DomainError(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
    return body


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
        body = _json_body()
        _check(body)
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        _check(request.form.to_dict(flat=False))
