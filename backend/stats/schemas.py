"""Query arguments and answers of the statistics API."""

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.cases.schemas import NamedRefSchema
from backend.departments.schemas import CODE
from backend.stats.service import INTERVALS

MAX_DAYS = 366 * 5
DAYS = validate.Range(min=date(2000, 1, 1), max=date(2199, 12, 31))  # no date overflows


class StatsQuerySchema(Schema):
    from_ = fields.Date(
        data_key="from",
        validate=DAYS,
        metadata={"description": "First day (UTC), inclusive; default 89 days before `to`."},
    )
    to = fields.Date(
        validate=DAYS, metadata={"description": "Last day (UTC), inclusive; default today."}
    )
    category = fields.String(validate=CODE)
    department = fields.String(validate=CODE)

    @validates_schema
    def _period(self, data, **kwargs):
        start, end = data.get("from_"), data.get("to")
        if start and end and start > end:
            raise ValidationError("Must not be after `to`.", "from")
        if start and end and (end - start).days >= MAX_DAYS:
            raise ValidationError(f"A period spans at most {MAX_DAYS} days.", "from")


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


RATE = {"description": "A fraction from 0 to 1; null when nothing is counted."}


class FiguresSchema(Schema):
    received = fields.Integer(required=True, metadata={"description": "Created in the period."})
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    closed = fields.Integer(required=True, metadata={"description": "Closed in the period."})
    on_time_closure_rate = fields.Float(allow_none=True, required=True, metadata=RATE)
    rework_rate = fields.Float(allow_none=True, required=True, metadata=RATE)
    transfer_rate = fields.Float(allow_none=True, required=True, metadata=RATE)
    satisfaction = fields.Nested(SatisfactionSchema, required=True)
    hours = fields.Nested(HoursSchema, required=True)


class OverviewSchema(FiguresSchema):
    period = fields.Dict(keys=fields.String(), values=fields.Date(), required=True)


class DepartmentFiguresSchema(FiguresSchema):
    department = fields.Nested(NamedRefSchema, required=True)


class DepartmentsSchema(Schema):
    period = fields.Dict(keys=fields.String(), values=fields.Date(), required=True)
    items = fields.List(fields.Nested(DepartmentFiguresSchema), required=True)


class TrendQuerySchema(StatsQuerySchema):
    interval = fields.String(
        load_default="day",
        validate=validate.OneOf(INTERVALS),
        metadata={"description": "day, week (ISO, from Monday) or month."},
    )


class CategoryFiguresSchema(FiguresSchema):
    category = fields.Nested(NamedRefSchema, required=True)


class CategoriesSchema(Schema):
    period = fields.Dict(keys=fields.String(), values=fields.Date(), required=True)
    items = fields.List(fields.Nested(CategoryFiguresSchema), required=True)


class TrendPointSchema(FiguresSchema):
    start = fields.Date(required=True, metadata={"description": "First day of the bucket."})


class TrendSchema(Schema):
    period = fields.Dict(keys=fields.String(), values=fields.Date(), required=True)
    interval = fields.String(required=True, validate=validate.OneOf(INTERVALS))
    items = fields.List(fields.Nested(TrendPointSchema), required=True)
