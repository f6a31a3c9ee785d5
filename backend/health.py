"""Liveness and readiness for load balancers."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from backend.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


def _check_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()


@bp.get("/readyz")
def readyz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready", never a 500
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    if current_app.config["REDIS_URL"]:
        try:
            _check_redis(current_app.config["REDIS_URL"])
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    # Without the database nothing works: take this process out of rotation. Without Redis
    # the API still serves (live updates across processes, the job queue and shared rate
    # limits degrade), and every process shares the one Redis: stay in rotation, say so.
    if checks["database"] != "ok":
        return jsonify(status="unavailable", checks=checks), 503
    degraded = any(v != "ok" for v in checks.values())
    return jsonify(status="degraded" if degraded else "ok", checks=checks), 200
