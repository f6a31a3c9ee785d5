from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.alerts.schemas import AlertSchema
from backend.departments.schemas import NamedSchema
from backend.ids import ID_RANGE
from backend.incidents.area import MAX_POINTS, MAX_RADIUS_M, MIN_POINTS, MIN_RADIUS_M
from backend.incidents.models import SEVERITIES
from backend.jsonfields import StrictBoolean, StrictFloat

CODE = validate.Length(min=1, max=40)
STATUSES = ("active", "closed", "all")


class IncidentAreaInSchema(Schema):
    """A circle (``lat``, ``lon``, ``radius_m``) or a GeoJSON Polygon's outer ring
    (``polygon``: ``[[lon, lat], ...]``, first point == last point)."""

    lat = StrictFloat(validate=validate.Range(-90, 90))
    lon = StrictFloat(validate=validate.Range(-180, 180))
    radius_m = fields.Integer(strict=True, validate=validate.Range(MIN_RADIUS_M, MAX_RADIUS_M))
    polygon = fields.List(
        fields.List(StrictFloat(), validate=validate.Length(equal=2)),
        validate=validate.Length(MIN_POINTS, MAX_POINTS),
    )

    @validates_schema
    def _one_shape(self, data, **_):
        circle = [k for k in ("lat", "lon", "radius_m") if k in data]
        if "polygon" in data:
            if circle:
                raise ValidationError("A circle or a polygon, not both.", "polygon")
            return
        missing = {k: ["Required."] for k in ("lat", "lon", "radius_m") if k not in data}
        if missing:
            raise ValidationError(missing)


class IncidentPatchSchema(Schema):
    title = fields.String(validate=validate.Length(1, 160))
    description = fields.String(validate=validate.Length(0, 4000))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    area = fields.Nested(IncidentAreaInSchema)
    departments = fields.List(fields.String(validate=CODE), validate=validate.Length(max=50))
    categories = fields.List(fields.String(validate=CODE), validate=validate.Length(max=100))
    notice = fields.String(validate=validate.Length(0, 500))


class IncidentCreateSchema(IncidentPatchSchema):
    title = fields.String(required=True, validate=validate.Length(1, 160))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    area = fields.Nested(IncidentAreaInSchema, required=True)
    lead_department = fields.String(required=True, validate=CODE)


class IncidentQuerySchema(Schema):
    status = fields.String(load_default="active", validate=validate.OneOf(STATUSES))
    lat = fields.Float(validate=validate.Range(-90, 90), allow_nan=False)
    lon = fields.Float(validate=validate.Range(-180, 180), allow_nan=False)


class IncidentLinkSchema(Schema):
    case_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)


class IncidentTaskDoneSchema(Schema):
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class IncidentNoteSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(1, 4000))
    internal = StrictBoolean(load_default=True)


class IncidentCloseSchema(Schema):
    summary = fields.String(required=True, validate=validate.Length(1, 4000))


# --- output ---------------------------------------------------------------------------------


class IncidentPersonSchema(Schema):
    display_name = fields.String(required=True)
    role = fields.String(required=True)


class IncidentAreaSchema(Schema):
    lat = fields.Float()
    lon = fields.Float()
    radius_m = fields.Integer()
    polygon = fields.List(fields.List(fields.Float()))


class IncidentSummarySchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    severity = fields.String(required=True)
    status = fields.String(required=True)
    area = fields.Nested(IncidentAreaSchema, required=True)
    notice = fields.String(required=True)
    categories = fields.List(fields.String(), required=True)
    lead_department = fields.Nested(NamedSchema, required=True)
    departments = fields.List(fields.Nested(NamedSchema), required=True)
    declared_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    case_count = fields.Integer(required=True)
    open_task_count = fields.Integer(required=True)


class IncidentTaskSchema(Schema):
    department = fields.Nested(NamedSchema, required=True)
    status = fields.String(required=True)
    done_note = fields.String(allow_none=True, required=True)
    done_at = fields.DateTime(allow_none=True, required=True)
    # staff of a participating department and admins only
    done_by = fields.Nested(IncidentPersonSchema, allow_none=True)


class IncidentEventSchema(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True)
    internal = fields.Boolean(required=True)
    body = fields.String(allow_none=True, required=True)
    data = fields.Dict(required=True)
    actor = fields.Nested(IncidentPersonSchema, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class IncidentCaseSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(allow_none=True, required=True)
    status = fields.String(required=True)
    category = fields.Nested(NamedSchema, required=True)
    department = fields.Nested(NamedSchema, allow_none=True, required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class IncidentSchema(IncidentSummarySchema):
    description = fields.String(required=True)
    summary = fields.String(allow_none=True, required=True)
    tasks = fields.List(fields.Nested(IncidentTaskSchema), required=True)
    cases = fields.List(fields.Nested(IncidentCaseSchema), required=True)
    timeline = fields.List(fields.Nested(IncidentEventSchema), required=True)
    alerts = fields.List(fields.Nested(AlertSchema), required=True)
    # staff of a participating department and admins only (omitted for everyone else)
    declared_by = fields.Nested(IncidentPersonSchema, allow_none=True)
    offered_cases = fields.List(fields.Nested(IncidentCaseSchema))


summary_schema = IncidentSummarySchema()
task_schema = IncidentTaskSchema()
event_schema = IncidentEventSchema()
