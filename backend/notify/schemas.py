from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.ids import ID_RANGE
from backend.notify.kinds import CHANNELS, KINDS
from backend.pagination import PageArgs, page_of


class TargetSchema(Schema):
    type = fields.String(required=True, attribute="target_type")
    id = fields.String(required=True, attribute="target_id")


class NotificationSchema(Schema):
    """A notification, as listed and as sent live (``notification`` event)."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    target = fields.Function(
        lambda n: TargetSchema().dump(n), required=True, metadata={"type": "object"}
    )
    text = fields.String(required=True, attribute="shown_text")
    url = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class InboxSchema(page_of(NotificationSchema)):
    unread = fields.Integer(required=True)


class InboxQuerySchema(PageArgs):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread ones."})


class MarkReadSchema(Schema):
    ids = fields.List(
        fields.Integer(validate=ID_RANGE),
        validate=validate.Length(min=1, max=500),
    )
    all = fields.Boolean()

    @validates_schema
    def _one_of(self, data, **_kwargs):
        if bool(data.get("ids")) == bool(data.get("all")):
            raise ValidationError("Send either `ids` or `all: true`.", "ids")


class MarkReadResultSchema(Schema):
    updated = fields.Integer(required=True)
    unread = fields.Integer(required=True)


PreferencesSchema = Schema.from_dict(
    {
        name: fields.String(
            validate=validate.OneOf(CHANNELS), metadata={"description": kind.description}
        )
        for name, kind in KINDS.items()
    },
    name="NotificationPreferences",
)


class PushKeySchema(Schema):
    public_key = fields.String(
        required=True,
        metadata={"description": "base64url, for `pushManager.subscribe({applicationServerKey})`"},
    )


class PushKeysSchema(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(min=1, max=128))
    auth = fields.String(required=True, validate=validate.Length(min=1, max=64))


class PushSubscriptionInSchema(Schema):
    """The browser's ``PushSubscription.toJSON()``."""

    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    keys = fields.Nested(PushKeysSchema, required=True)
    expirationTime = fields.Integer(allow_none=True)  # the browser's own name


class PushSubscriptionSchema(Schema):
    id = fields.Integer(required=True)
    endpoint = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class PushEndpointSchema(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=1024))


notification_schema = NotificationSchema()
