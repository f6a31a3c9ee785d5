"""Public statistics of the evaluation stage: thin adapters over :mod:`backend.stats.service`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, request
from flask_smorest import Blueprint

from backend.db import utcnow
from backend.departments.service import category_by_code, department_by_code
from backend.errors import NotFound, ValidationFailed
from backend.extensions import db
from backend.replica import mark_request
from backend.stats import expectations as expectation_service
from backend.stats import hotspots as hotspot_service
from backend.stats import recurring, service
from backend.stats.grid import Grid
from backend.stats.schemas import (
    CategoriesSchema,
    DepartmentsSchema,
    ExpectationQuerySchema,
    ExpectationsSchema,
    HotspotsQuerySchema,
    HotspotsSchema,
    OverviewSchema,
    RecurringListSchema,
    RecurringQuerySchema,
    StatsQuerySchema,
    TrendQuerySchema,
    TrendSchema,
)

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="Statistics (public)")


@blp.before_request
def _reads_replica():
    """Its GETs only read: the replica (DATABASE_READ_URL) may answer them."""
    if request.method == "GET":
        mark_request()


DEFAULT_DAYS = 90


@blp.route("/stats/overview", methods=["GET"])
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, OverviewSchema)
def overview(args):
    """The city's figures for a period (default: the last 90 days)."""
    period, days = _period(args)
    return {"period": days, **service.overview(db.session, period, utcnow())}


@blp.route("/stats/departments", methods=["GET"])
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, DepartmentsSchema)
def departments(args):
    """The same figures per lead department, ranked by on-time closure."""
    period, days = _period(args)
    return {"period": days, "items": service.departments(db.session, period, utcnow())}


@blp.route("/stats/categories", methods=["GET"])
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, CategoriesSchema)
def categories(args):
    """The same figures per category, most received first."""
    period, days = _period(args)
    return {"period": days, "items": service.categories(db.session, period, utcnow())}


@blp.route("/stats/trend", methods=["GET"])
@blp.arguments(TrendQuerySchema, location="query")
@blp.response(200, TrendSchema)
def trend(args):
    """The same figures per day, ISO week or month of the period (empty buckets too)."""
    period, days = _period(args)
    interval = args["interval"]
    items = service.trend(db.session, period, utcnow(), interval)
    return {"period": days, "interval": interval, "items": items}


@blp.route("/stats/hotspots", methods=["GET"])
@blp.arguments(HotspotsQuerySchema, location="query")
@blp.response(200, HotspotsSchema)
def hotspots(args):
    """Cases created in the period per grid cell (GeoJSON polygons), busiest first."""
    period, days = _period(args)
    grid = Grid(args["cell_m"], _ref_lat())
    answer = hotspot_service.hotspots(db.session, period, grid, args.get("status"))
    return {**answer, "period": days}


@blp.route("/stats/recurring", methods=["GET"])
@blp.arguments(RecurringQuerySchema, location="query")
@blp.response(200, RecurringListSchema)
def recurring_problems(args):
    """Recurring problems: cells where one category keeps being reported, with the cases."""
    items = recurring.listing(db.session, _ref_lat(), active_only=args["active"])
    return {"items": items}


@blp.route("/stats/expectations", methods=["GET"])
@blp.arguments(ExpectationQuerySchema, location="query")
@blp.response(200, ExpectationsSchema)
def expectations(args):
    """The usual time to resolve each category (last 90 days): median and 80th percentile."""
    category_id = _id_of(category_by_code, args.get("category"), "category")
    return {"items": expectation_service.expectations(db.session, utcnow(), category_id)}


def _ref_lat() -> float:
    return recurring.ref_lat(current_app.config)


def _period(args: dict) -> tuple[service.Period, dict]:
    last = args.get("to") or utcnow().date()
    first = args.get("from_") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValidationFailed(
            "`from` is after `to`.", fields={"from": ["Must not be after `to`."]}
        )
    period = service.Period(
        start=_midnight(first),
        end=_midnight(last + timedelta(days=1)),
        category_id=_id_of(category_by_code, args.get("category"), "category"),
        department_id=_id_of(department_by_code, args.get("department"), "department"),
    )
    return period, {"from": first, "to": last}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _id_of(find_by_code, code: str | None, field: str) -> int | None:
    """The id behind a filter's code; an unknown code is a bad filter (422), not a 404."""
    if code is None:
        return None
    try:
        return find_by_code(db.session, code).id
    except NotFound:
        raise ValidationFailed(f"No {field} '{code}'.", fields={field: ["Unknown code."]}) from None
