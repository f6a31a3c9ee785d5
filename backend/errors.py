"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}``.

Domain code raises :class:`DomainError` subclasses; HTTP errors, validation errors and
anything unexpected are turned into the same JSON by the handlers registered here.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from marshmallow import Schema, fields
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from backend import security_log
from backend.logs import current_request_id

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class DomainError(Exception):
    """An expected failure of a domain rule, with its HTTP status and a stable code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class NotAuthenticated(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    request_id = fields.String(metadata={"description": "Also in X-Request-Id and the logs."})
    fields = fields.Dict()


class ErrorSchema(Schema):
    """The documented shape of every error response."""

    error = fields.Nested(ErrorBodySchema, required=True)


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    request_id = current_request_id()
    if request_id:
        body["error"]["request_id"] = request_id
    response = jsonify(body)
    response.status_code = status
    if headers:
        response.headers.extend(headers)
    return response


def _string_keys(messages):
    """marshmallow keys list items by index (ints); JSON wants strings."""
    if isinstance(messages, dict):
        return {str(key): _string_keys(value) for key, value in messages.items()}
    return messages


def _webargs_fields(exc: HTTPException) -> dict | None:
    """webargs/flask-smorest attach marshmallow messages as ``{location: {field: [...]}}``."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not isinstance(messages, dict):
        return None
    flat: dict = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            flat.update(location_messages)
    return _string_keys(flat or messages)


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    code = HTTP_CODES.get(status, "error")
    fields = _webargs_fields(exc) if status in (400, 422) else None
    if fields is not None and status == 400:
        status, code = 422, "validation_error"
    message = exc.description or code.replace("_", " ")
    if fields and status == 422:
        message = "Some fields are invalid."
    headers = None
    if status == 429:
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry or 60)}
    elif status == 405 and exc.get_response().headers.get("Allow"):
        headers = {"Allow": exc.get_response().headers["Allow"]}
    return error_response(status, code, message, fields, headers)


def handle_csrf_error(exc: HTTPException):
    security_log.event("csrf_refused")
    return error_response(403, "csrf_failed", exc.description or "The CSRF token is invalid.")


def handle_domain_error(exc: DomainError):
    if exc.status == 403:
        security_log.event("permission_refused", code=exc.code)
    return error_response(exc.status, exc.code, exc.message, exc.fields)


def handle_database_unavailable(exc: Exception):
    """Lost or refused database connections, pool exhaustion, statement timeouts: the
    request fails cleanly and the next one reconnects (the pool pre-pings)."""
    from backend.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is reset on teardown anyway
        log.debug("rollback after a database failure failed", exc_info=True)
    log.warning("database unavailable: %s", type(exc).__name__)
    return error_response(
        503,
        "database_unavailable",
        "The database is unavailable; try again shortly.",
        headers={"Retry-After": "5"},
    )


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    log.exception("unhandled error")
    return error_response(500, "internal_error", "Something went wrong on our side.")


def register_error_handlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    for exc_class in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(exc_class, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
