"""Public statistics: thin adapters over :mod:`backend.stats.service`."""

from __future__ import annotations

from flask_smorest import Blueprint

from backend.db import utcnow
from backend.extensions import db
from backend.stats import service
from backend.stats.schemas import (
    CategoryStatsSchema,
    DepartmentStatsSchema,
    MeasuresSchema,
    StatsQuerySchema,
    TrendQuerySchema,
    TrendSchema,
)

blp = Blueprint(
    "stats", __name__, url_prefix="/api/v1/stats", description="The evaluation stage (public)"
)


def _period(args: dict):
    now = utcnow()
    args = {("from" if k == "from_" else k): v for k, v in args.items()}
    return service.period_from(db.session, args, today=now.date()), now


@blp.route("/overview", methods=["GET"])
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, MeasuresSchema)
def overview(args):
    """The city's figures for a period (default the last 90 days)."""
    return service.overview(db.session, *_period(args))


@blp.route("/departments", methods=["GET"])
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, DepartmentStatsSchema)
def departments(args):
    """The same figures per lead department, best on-time closure first."""
    return service.departments(db.session, *_period(args))


@blp.route("/categories", methods=["GET"])
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, CategoryStatsSchema)
def categories(args):
    """The same figures per category, most received first."""
    return service.categories(db.session, *_period(args))


@blp.route("/trend", methods=["GET"])
@blp.arguments(TrendQuerySchema, location="query")
@blp.response(200, TrendSchema)
def trend(args):
    """The same figures per day, ISO week or month of the period."""
    interval = args.pop("interval")
    return service.trend(db.session, *_period(args), interval)
