from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.alerts.models import MSG_TYPES, SEVERITIES
from backend.alerts.service import MAX_RADIUS_M
from backend.departments.schemas import NamedSchema
from backend.ids import ID_RANGE
from backend.jsonfields import StrictFloat


class AreaSchema(Schema):
    lat = StrictFloat(required=True, validate=validate.Range(-90, 90))
    lon = StrictFloat(required=True, validate=validate.Range(-180, 180))
    radius_m = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_RADIUS_M))


class AlertCreateSchema(Schema):
    """A new alert; an ``Update`` or ``Cancel`` names the one it supersedes in
    ``references`` and keeps whatever it does not restate."""

    msg_type = fields.String(load_default="Alert", validate=validate.OneOf(MSG_TYPES))
    references = fields.Integer(strict=True, validate=ID_RANGE)
    title = fields.String(validate=validate.Length(1, 160))
    body = fields.String(validate=validate.Length(1, 5000))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    area = fields.Nested(AreaSchema)
    expires_at = fields.AwareDateTime(format="iso", default_timezone=None)
    department = fields.String(validate=validate.Length(1, 40))
    # Sent for an incident: on its timeline; the area defaults to the incident's.
    incident = fields.Integer(strict=True, validate=ID_RANGE)

    @validates_schema
    def _new_alert_complete(self, data, **_):
        if data.get("msg_type", "Alert") != "Alert":
            return
        needed = ("title", "body", "severity", "expires_at")
        needed += () if "incident" in data else ("area",)
        missing = [k for k in needed if k not in data]
        if missing:
            raise ValidationError({k: ["Required."] for k in missing})


class SenderSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class AlertSchema(Schema):
    id = fields.Integer(required=True)
    msg_type = fields.String(required=True)
    references = fields.Function(lambda a: a.references_id, allow_none=True, required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    severity = fields.String(required=True)
    area = fields.Function(
        lambda a: {"lat": a.lat, "lon": a.lon, "radius_m": a.radius_m}, required=True
    )
    sent_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    department = fields.Nested(NamedSchema, allow_none=True, required=True)
    cap_url = fields.Function(lambda a: f"/api/v1/alerts/{a.id}.cap", required=True)
    incident = fields.Integer(attribute="incident_id", allow_none=True, required=True)
    # Who sent it (the audit trail): staff only, null for everyone else and in live events.
    sent_by = fields.Nested(SenderSchema, attribute="shown_sender", allow_none=True, required=True)


class PlaceInSchema(Schema):
    lat = StrictFloat(required=True, validate=validate.Range(-90, 90))
    lon = StrictFloat(required=True, validate=validate.Range(-180, 180))


class PlaceSchema(Schema):
    """Only the grid cell's centre is ever stored or shown."""

    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    precision_m = fields.Constant(250, required=True)
    updated_at = fields.DateTime(required=True)


alert_schema = AlertSchema()
