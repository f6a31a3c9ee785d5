"""HTTP adapters for alerts (JSON, CAP 1.2, Atom) and the resident's saved place."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_smorest import Blueprint

from backend import content
from backend.alerts import cap, service
from backend.alerts.schemas import (
    AlertCreateSchema,
    AlertSchema,
    PlaceInSchema,
    PlaceSchema,
)
from backend.auth.session import user
from backend.db import utcnow
from backend.extensions import db
from backend.pagination import page_of, single_page
from backend.ratelimit import limited

blp = Blueprint("alerts", __name__, url_prefix="/api/v1", description="Emergency alerts")


def _base_url() -> str:
    return current_app.config["PUBLIC_URL"] or request.host_url


def _xml(body: bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _xml_doc(mimetype: str) -> dict:
    content = {mimetype: {"schema": {"type": "string"}}}
    return {"responses": {"200": {"description": "OK", "content": content}}}


@blp.route("/alerts", methods=["GET"])
@blp.response(200, page_of(AlertSchema))
def list_alerts():
    """The active alerts (not expired, cancelled nor superseded), newest first; staff also
    see who sent each."""
    return single_page(service.for_reader(service.active_alerts(db.session), user()))


@blp.route("/alerts", methods=["POST"])
@limited("posting")
@blp.arguments(AlertCreateSchema)
@blp.response(201, AlertSchema)
def send_alert(data):
    """Send an alert to an area (staff of a department, admins). `msg_type` Update or Cancel
    with `references` supersedes an earlier alert."""
    acting = user()
    alert = service.send_alert(db.session, acting, data)
    db.session.commit()
    return service.for_reader([alert], acting)[0]


@blp.route("/alerts/feed.atom", methods=["GET"])
@blp.doc(**_xml_doc(cap.ATOM_TYPE))
def alerts_feed():
    """An Atom feed of the active alerts, each linking to its CAP message."""
    now = utcnow()
    body = cap.atom_feed(service.active_alerts(db.session, now), _base_url(), now)
    return _xml(body, cap.ATOM_TYPE)


@blp.route("/alerts/<int:alert_id>.cap", methods=["GET"])
@blp.doc(**_xml_doc(cap.CAP_TYPE))
def alert_cap(alert_id):
    """One alert as a CAP 1.2 message (expired and superseded ones too)."""
    alert = content.kind("alert").visible(db.session, alert_id, user())
    return _xml(cap.cap_document(alert, _base_url()), cap.CAP_TYPE)


@blp.route("/me/place", methods=["GET"])
@blp.response(200, PlaceSchema)
def get_place():
    """Your saved place (the 250 m cell), if you opted in."""
    return service.get_place(db.session, user())


@blp.route("/me/place", methods=["PUT"])
@blp.arguments(PlaceInSchema)
@blp.response(200, PlaceSchema)
def save_place(data):
    """Opt in to alerts for a place: only its 250 m grid cell is stored."""
    place = service.save_place(db.session, user(), data["lat"], data["lon"])
    db.session.commit()
    return place


@blp.route("/me/place", methods=["DELETE"])
@blp.response(204)
def forget_place():
    """Forget your saved place (and stop area alerts)."""
    service.forget_place(db.session, user())
    db.session.commit()
