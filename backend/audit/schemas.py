from marshmallow import Schema, fields, validate

from backend.ids import ID_RANGE
from backend.pagination import PageArgs


class AuditEntrySchema(Schema):
    id = fields.Integer(required=True)
    actor_id = fields.Integer(allow_none=True, metadata={"description": "Who (a user id)."})
    action = fields.String(required=True, metadata={"description": "e.g. `category.changed`."})
    target_type = fields.String(required=True)
    target_id = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    created_at = fields.DateTime(required=True)


class AuditQuerySchema(PageArgs):
    target_type = fields.String(validate=validate.Length(max=40))
    target_id = fields.String(validate=validate.Length(max=40))
    actor_id = fields.Integer(validate=ID_RANGE)
