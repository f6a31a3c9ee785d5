"""Statistics: the filters and the documented shape of every answer."""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate

from backend.cases.models import Status
from backend.departments.schemas import CODE
from backend.stats.sql import INTERVALS


DAYS = validate.Range(min=date(2000, 1, 1), max=date(2199, 12, 31))


class StatsQuerySchema(Schema):
    from_ = fields.Date(
        data_key="from",
        validate=DAYS,
        metadata={"description": "First day (ISO date, UTC); default 90 days before to."},
    )
    to = fields.Date(
        validate=DAYS,
        metadata={"description": "Last day, included (ISO date, UTC); default today."},
    )
    category = fields.String(validate=CODE, metadata={"description": "A category code."})
    department = fields.String(validate=CODE, metadata={"description": "A department code."})


class TrendQuerySchema(StatsQuerySchema):
    interval = fields.String(load_default="day", validate=validate.OneOf(INTERVALS))


class PercentilesSchema(Schema):
    median = fields.Float(allow_none=True, required=True)
    p90 = fields.Float(allow_none=True, required=True)


class HoursSchema(Schema):
    accept = fields.Nested(PercentilesSchema, required=True)
    resolve = fields.Nested(PercentilesSchema, required=True)
    close = fields.Nested(PercentilesSchema, required=True)


class SatisfactionSchema(Schema):
    mean = fields.Float(allow_none=True, required=True)
    count = fields.Integer(required=True)


class MeasuresSchema(Schema):
    received = fields.Integer(required=True)
    by_status = fields.Dict(
        keys=fields.String(validate=validate.OneOf([s.value for s in Status])),
        values=fields.Integer(),
        required=True,
    )
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    closed = fields.Integer(required=True)
    on_time_closure_rate = fields.Float(allow_none=True, required=True)
    rework_rate = fields.Float(allow_none=True, required=True)
    transfer_rate = fields.Float(allow_none=True, required=True)
    satisfaction = fields.Nested(SatisfactionSchema, required=True)
    hours = fields.Nested(HoursSchema, required=True)


class CodeNameSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class DepartmentMeasuresSchema(MeasuresSchema):
    department = fields.Nested(CodeNameSchema, required=True)


class CategoryMeasuresSchema(MeasuresSchema):
    category = fields.Nested(CodeNameSchema, required=True)


class TrendPointSchema(MeasuresSchema):
    start = fields.Date(required=True, metadata={"description": "First day of the bucket."})


class DepartmentStatsSchema(Schema):
    items = fields.List(fields.Nested(DepartmentMeasuresSchema), required=True)


class CategoryStatsSchema(Schema):
    items = fields.List(fields.Nested(CategoryMeasuresSchema), required=True)


class TrendSchema(Schema):
    interval = fields.String(required=True, validate=validate.OneOf(INTERVALS))
    items = fields.List(fields.Nested(TrendPointSchema), required=True)
