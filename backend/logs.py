"""Logging: a request id on every request, and JSON lines (``LOG_FORMAT=json``).

The id comes from a well-formed ``X-Request-Id`` (nginx sets one) or is made here; it is
echoed in the response's ``X-Request-Id``, in every error body and in every log line
written while the request runs, so an error a resident reports leads to its log lines.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

_WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_request_log = logging.getLogger("cityloop.request")
_EXTRAS = ("method", "path", "status", "duration_ms", "remote_addr")


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def assign_request_id() -> None:
    g.request_id = request_id_from(request.headers.get("X-Request-Id", ""))


def request_id_from(given: str) -> str:
    """The id of a request that came with ``X-Request-Id: given`` (or none: ``""``)."""
    return given if _WELL_FORMED.match(given) else uuid.uuid4().hex


def log_request(method: str, path: str, status: int, elapsed_ms: float, remote_addr) -> None:
    """The one line each answered request writes: the path only (query strings and bodies
    may carry tokens or personal data)."""
    if not _request_log.isEnabledFor(logging.INFO):
        return
    fields = {"method": method, "path": path, "status": status}
    _request_log.info(
        "%s %s %s %.1fms",
        method,
        path,
        status,
        elapsed_ms,
        extra=fields | {"duration_ms": round(elapsed_ms, 1), "remote_addr": remote_addr},
    )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key in _EXTRAS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """A root handler in the configured format, unless something (pytest, gunicorn
    --log-config) installed one already."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
