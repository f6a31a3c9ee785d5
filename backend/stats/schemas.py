"""Query arguments and answers of the statistics API."""

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from webargs.fields import DelimitedList

from backend.cases.models import Status
from backend.cases.schemas import NamedRefSchema
from backend.departments.schemas import CODE
from backend.stats.grid import DEFAULT_CELL_M
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


class HotspotsQuerySchema(StatsQuerySchema):
    cell_m = fields.Integer(
        load_default=DEFAULT_CELL_M,
        validate=validate.Range(min=50, max=1000),
        metadata={"description": "Cell side in metres (the unit grid is 100 m)."},
    )
    status = DelimitedList(
        fields.String(validate=validate.OneOf([s.value for s in Status])),
        validate=validate.Length(min=1),
        metadata={"description": "A status, or a comma list of them; default all."},
    )


class PolygonSchema(Schema):
    type = fields.String(required=True, validate=validate.Equal("Polygon"))
    coordinates = fields.List(
        fields.List(fields.List(fields.Float())),
        required=True,
        metadata={"description": "[lon, lat]"},
    )


class CellPropertiesSchema(Schema):
    cell = fields.String(required=True)
    count = fields.Integer(required=True)
    categories = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class CellFeatureSchema(Schema):
    type = fields.String(required=True, validate=validate.Equal("Feature"))
    id = fields.String(required=True)
    geometry = fields.Nested(PolygonSchema, required=True)
    properties = fields.Nested(CellPropertiesSchema, required=True)


class HotspotsSchema(Schema):
    type = fields.String(required=True, validate=validate.Equal("FeatureCollection"))
    cell_m = fields.Integer(required=True)
    period = fields.Dict(keys=fields.String(), values=fields.Date(), required=True)
    features = fields.List(fields.Nested(CellFeatureSchema), required=True)


class RecurringQuerySchema(Schema):
    active = fields.Boolean(
        load_default=True, metadata={"description": "Only the running episodes (default)."}
    )


class CaseLinkSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)


class RecurringProblemSchema(Schema):
    id = fields.Integer(required=True)
    category = fields.Nested(NamedRefSchema, required=True)
    department = fields.Nested(NamedRefSchema, allow_none=True, required=True)
    cell_m = fields.Integer(required=True)
    cell = fields.String(required=True)
    area = fields.Nested(PolygonSchema, required=True)
    case_count = fields.Integer(required=True)
    threshold = fields.Integer(required=True)
    days = fields.Integer(required=True)
    raised_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(allow_none=True, required=True)
    cases = fields.List(fields.Nested(CaseLinkSchema), required=True)


class RecurringListSchema(Schema):
    items = fields.List(fields.Nested(RecurringProblemSchema), required=True)


class ExpectationQuerySchema(Schema):
    category = fields.String(validate=CODE, metadata={"description": "A category code."})


class ResolveHoursSchema(Schema):
    median = fields.Float(allow_none=True, required=True)
    p80 = fields.Float(
        allow_none=True, required=True, metadata={"description": "80% were resolved by then."}
    )


class ExpectationSchema(Schema):
    category = fields.Nested(NamedRefSchema, required=True)
    days = fields.Integer(required=True, metadata={"description": "The window looked at."})
    count = fields.Integer(required=True, metadata={"description": "Cases resolved in it."})
    resolve_hours = fields.Nested(
        ResolveHoursSchema,
        required=True,
        metadata={"description": "Hours from filing to the first fix; null with too few cases."},
    )


class ExpectationsSchema(Schema):
    items = fields.List(fields.Nested(ExpectationSchema), required=True)
