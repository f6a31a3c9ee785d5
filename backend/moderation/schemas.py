from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.ids import ID_RANGE
from backend.moderation.models import Action, FlagStatus, Reason
from backend.pagination import PageArgs

TARGET_TYPES = ["case", "proposal", "comment", "incident", "alert"]
REASONS = [r.value for r in Reason]
TEXT_MAX = 1000
REASON_MAX = 500


class FlagCreateSchema(Schema):
    target_type = fields.String(required=True, validate=validate.OneOf(TARGET_TYPES))
    target_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    reason = fields.String(required=True, validate=validate.OneOf(REASONS))
    text = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX))


class FlagSchema(Schema):
    id = fields.Integer(required=True)
    target_type = fields.String(required=True)
    target_id = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(REASONS))
    text = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in FlagStatus]))
    created_at = fields.DateTime(required=True)


class ItemRefSchema(Schema):
    target_type = fields.String(required=True, validate=validate.OneOf(TARGET_TYPES))
    target_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)


class ActionSchema(Schema):
    action = fields.String(
        required=True, validate=validate.OneOf([Action.HIDE, Action.RESTORE, Action.DISMISS])
    )
    items = fields.List(
        fields.Nested(ItemRefSchema), required=True, validate=validate.Length(min=1, max=100)
    )
    reason = fields.String(
        allow_none=True,
        validate=validate.Length(max=REASON_MAX),
        metadata={"description": "Why; required to hide. Shown in the public log."},
    )

    @validates_schema
    def _reason_to_hide(self, data, **_kwargs):
        if data.get("action") == Action.HIDE and not (data.get("reason") or "").strip():
            raise ValidationError("Say why it is hidden.", "reason")


class ContextSchema(Schema):
    """What moderators need to judge an item without opening it."""

    title = fields.String(allow_none=True)
    text = fields.String(allow_none=True)
    author = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    on = fields.Nested(ItemRefSchema, allow_none=True, metadata={"description": "For comments."})


class FlagSummarySchema(Schema):
    count = fields.Integer(required=True)
    reasons = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    texts = fields.List(fields.String(), required=True)


class QueueItemSchema(Schema):
    target_type = fields.String(required=True)
    target_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["flagged", "new", "hidden"]))
    since = fields.DateTime(required=True)
    hidden = fields.Boolean(required=True)
    hidden_reason = fields.String(allow_none=True)
    flags = fields.Nested(FlagSummarySchema, required=True)
    context = fields.Nested(ContextSchema, required=True)


class ItemStateSchema(Schema):
    target_type = fields.String(required=True)
    target_id = fields.Integer(required=True)
    hidden = fields.Boolean(required=True)
    hidden_reason = fields.String(allow_none=True)
    pending_flags = fields.Integer(required=True)
    reviewed = fields.Boolean(
        required=True,
        metadata={"description": "A moderator decided on it: no longer new content."},
    )


class ActionResultSchema(Schema):
    action = fields.String(required=True)
    items = fields.List(fields.Nested(ItemStateSchema), required=True)


class QueueArgs(PageArgs):
    kind = fields.String(
        load_default="all",
        validate=validate.OneOf(["all", "flagged", "new", "hidden"]),
        metadata={"description": "all = flagged and new content; hidden = to restore."},
    )
    target_type = fields.String(validate=validate.OneOf(TARGET_TYPES))


class LogEntrySchema(Schema):
    """A public record: what was done to which item, when and why; never by whom."""

    id = fields.Integer(required=True)
    target_type = fields.String(required=True)
    target_id = fields.Integer(required=True)
    action = fields.String(required=True, validate=validate.OneOf([a.value for a in Action]))
    reason = fields.String(allow_none=True)
    flags = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class LogArgs(PageArgs):
    target_type = fields.String(validate=validate.OneOf(TARGET_TYPES))
    target_id = fields.Integer(validate=ID_RANGE)
