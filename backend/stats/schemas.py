"""Query arguments and answers of the statistics API."""

from marshmallow import Schema, ValidationError, fields, validates_schema

from backend.cases.schemas import NamedRefSchema
from backend.departments.schemas import CODE

MAX_DAYS = 366 * 5


class StatsQuerySchema(Schema):
    from_ = fields.Date(data_key="from", metadata={"description": "First day (UTC), inclusive."})
    to = fields.Date(metadata={"description": "Last day (UTC), inclusive; default today."})
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
