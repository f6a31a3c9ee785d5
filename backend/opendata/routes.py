"""``GET /api/v1/opendata/cases.csv`` and ``.geojson``: public, streamed downloads."""

from __future__ import annotations

from flask import Response, current_app, request, stream_with_context
from flask_smorest import Blueprint

from backend.db import utcnow
from backend.extensions import db
from backend.opendata import service
from backend.opendata.schemas import OpenDataQuerySchema
from backend.replica import mark_request

blp = Blueprint(
    "opendata", __name__, url_prefix="/api/v1/opendata", description="Open data downloads"
)


@blp.before_request
def _reads_replica():
    """Its GETs only read: the replica (DATABASE_READ_URL) may answer them."""
    if request.method == "GET":
        mark_request()


KINDS = {
    "csv": ("text/csv; charset=utf-8", service.csv_chunks),
    "geojson": ("application/geo+json", service.geojson_chunks),
}


def _download(kind: str, args: dict) -> Response:
    content_type, chunks = KINDS[kind]
    base_url = (current_app.config["PUBLIC_URL"] or request.host_url).rstrip("/")
    rows = service.records(db.session, args, base_url)
    response = Response(stream_with_context(chunks(rows)), content_type=content_type)
    filename = f"cityloop-cases-{utcnow().date().isoformat()}.{kind}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _doc(content_type: str, description: str) -> dict:
    return {"responses": {"200": {"description": description, "content": {content_type: {}}}}}


@blp.route("/cases.csv", methods=["GET"])
@blp.arguments(OpenDataQuerySchema, location="query")
@blp.doc(**_doc("text/csv", "Public cases as CSV, one row per case (docs/opendata.md)."))
def cases_csv(args):
    """Public case data as CSV; the list's filters plus created_from / created_to."""
    return _download("csv", args)


@blp.route("/cases.geojson", methods=["GET"])
@blp.arguments(OpenDataQuerySchema, location="query")
@blp.doc(**_doc("application/geo+json", "Public cases as a GeoJSON FeatureCollection."))
def cases_geojson(args):
    """Public case data as GeoJSON Point features, coordinates [lon, lat]."""
    return _download("geojson", args)
