"""Open311 GeoReport v2 over HTTP at ``/open311/v2/``: parse, call the service, commit,
render in the format the path's suffix asks for (``.xml`` or ``.json``)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from backend.auth import service as auth_service
from backend.auth.models import hash_secret
from backend.conditional import conditional
from backend.db import utcnow
from backend.errors import DomainError
from backend.extensions import db
from backend.idempotency import idempotent
from backend.open311 import params, service, updates
from backend.open311.formats import render, render_error
from backend.ratelimit import creations
from backend.replica import mark_request

log = logging.getLogger(__name__)
bp = Blueprint("open311", __name__, url_prefix="/open311/v2")


@bp.before_request
def _reads_replica():
    """Its GETs only read: the replica (DATABASE_READ_URL) may answer them."""
    if request.method == "GET":
        mark_request()


FMT = "<any(xml, json):fmt>"
# The spec answers with 400, 403 and 404; other failures keep their own HTTP status.
STATUS_MAP = {401: 403, 422: 400}


def _base_url() -> str:
    return (current_app.config["PUBLIC_URL"] or request.host_url).rstrip("/")


def _format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("xml", "json"):
        return fmt
    return "json" if request.path.endswith(".json") else "xml"


@bp.before_request
def _check_jurisdiction():
    expected = current_app.config["OPEN311_JURISDICTION_ID"]
    given = request.values.get("jurisdiction_id")
    if expected and given and given != expected:
        raise service.Open311Error(404, f"No jurisdiction '{given}' here; this is '{expected}'.")


@bp.errorhandler(service.Open311Error)
def _open311_error(exc: service.Open311Error):
    return render_error(_format(), exc.status, exc.description)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    return render_error(_format(), STATUS_MAP.get(exc.status, exc.status), exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    status = exc.code or 500
    headers = (
        {"Retry-After": str(getattr(exc, "retry_after", None) or 60)} if status == 429 else None
    )
    description = exc.description or "Error."
    return render_error(_format(), STATUS_MAP.get(status, status), description, headers)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    log.exception("unhandled Open311 error")
    return render_error(_format(), 500, "Something went wrong on our side.")


@bp.route(f"/discovery.{FMT}")
def discovery(fmt):
    base = _base_url()
    data = {
        "changeset": service.CHANGESET,
        "contact": f"{current_app.config['CITY_NAME']}: {base}/",
        "key_service": f"API keys for POST are issued by the city's administrators ({base}/).",
        "endpoints": [
            {
                "specification": service.SPECIFICATION,
                "url": f"{base}/open311/v2",
                "changeset": service.CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", data)


@bp.route(f"/services.{FMT}")
def list_services(fmt):
    return render(fmt, "services", service.services(db.session))


@bp.route(f"/services/<code>.{FMT}")
def service_definition(code, fmt):
    return render(fmt, "service_definition", service.service_definition(db.session, code))


@bp.route(f"/requests.{FMT}")
@conditional
def list_requests(fmt):
    query = params.request_query(request.args, utcnow())
    found = service.find_requests(db.session, query)
    items = service.request_dicts(
        db.session, found, base_url=_base_url(), extensions=query["extensions"]
    )
    return render(fmt, "service_requests", items)


@bp.route(f"/requests/<request_id>.{FMT}")
def get_request(request_id, fmt):
    case = service.visible_case(db.session, request_id)
    extensions = (request.args.get("extensions") or "").lower() == "true"
    items = service.request_dicts(db.session, [case], base_url=_base_url(), extensions=extensions)
    return render(fmt, "service_requests", items)


@bp.route(f"/tokens/<token>.{FMT}")
def get_token(token, fmt):
    found = service.request_for_token(db.session, token, current_app.config["SECRET_KEY"])
    return render(fmt, "service_requests", [found])


@bp.route(f"/servicerequestupdates.{FMT}")
def request_updates(fmt):
    """FixMyStreet's extension: what happened to the requests, as updates."""
    query = params.updates_query(request.args, utcnow())
    updates = service.request_updates(db.session, query, base_url=_base_url())
    return render(fmt, "service_request_updates", updates)


# --- POST requests: an API key, its own rate limit, idempotency -----------------------------


def _raw_key() -> str:
    return (request.form.get("api_key") or request.args.get("api_key") or "").strip()


def _client_scope() -> str:
    """Rate limits and idempotency keys are per API key (hashed: never the key itself)."""
    return "apikey:" + hash_secret(_raw_key())[:24]


def _client():
    raw = _raw_key()
    if not raw:
        raise service.Open311Error(403, "api_key: required to post.")
    key = auth_service.verify_api_key(db.session, raw)
    if key is None:
        raise service.Open311Error(403, "api_key: invalid or revoked.")
    return key


@idempotent(scope=_client_scope)
def _file_request(client_name: str):
    form = params.request_form(request.form)
    case = service.create_request(db.session, client_name, form, params.attributes(request.form))
    db.session.commit()
    token = service.token_for(case, current_app.config["SECRET_KEY"])
    return jsonify([{"service_request_id": str(case.id), "token": token, "service_notice": ""}])


@bp.route(f"/requests.{FMT}", methods=["POST"])
@creations("OPEN311_POST_LIMIT", key_func=_client_scope)
def post_request(fmt):
    client = _client()
    g.open311_client = client.name
    answer = _file_request(client.name)
    response = render(fmt, "service_requests", answer.get_json(), answer.status_code)
    if answer.headers.get("Idempotent-Replayed"):
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.route(f"/servicerequestupdates.{FMT}", methods=["POST"])
@creations("OPEN311_POST_LIMIT", key_func=_client_scope)
def post_request_update(fmt):
    """FixMyStreet's extension: a trusted back-office posts what happened to a request."""
    client = _client()
    event = updates.post_update(db.session, client, request.form)
    db.session.commit()
    return render(fmt, "service_request_updates", [{"update_id": str(event.id)}])


@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest):
    raise service.Open311Error(404, f"No such Open311 resource: /open311/v2/{rest}")
