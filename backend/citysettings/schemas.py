from marshmallow import Schema, fields, validate

from backend.jsonfields import StrictBoolean, StrictInteger

# API name: (config key, field). Every field takes null: back to the configured value.
FIELDS = {
    "proposal_review": ("PROPOSAL_REVIEW", StrictBoolean),
    "moderation_flag_threshold": ("MODERATION_FLAG_THRESHOLD", StrictInteger, 1, 100),
    "auto_close_days": ("AUTO_CLOSE_DAYS", StrictInteger, 0, 365),
    "reopen_days": ("REOPEN_DAYS", StrictInteger, 1, 365),
}
DESCRIPTIONS = {
    "proposal_review": "New proposals wait for a moderator or staff member before they are public.",
    "moderation_flag_threshold": "How many people's reports hide content until a moderator "
    "decides.",
    "auto_close_days": "Days after which a resolved case nobody answered closes by itself "
    "(0: never).",
    "reopen_days": "Days after resolving during which the reporter may reopen a case.",
}
KEYS = {name: spec[0] for name, spec in FIELDS.items()}


def _field(spec) -> fields.Field:
    kind, *bounds = spec[1:]
    check = validate.Range(min=bounds[0], max=bounds[1]) if bounds else None
    return kind(allow_none=True, validate=check)


SettingsUpdateSchema = Schema.from_dict(
    {name: _field(spec) for name, spec in FIELDS.items()}, name="SettingsUpdateSchema"
)


class SettingSchema(Schema):
    name = fields.String(required=True)
    value = fields.Raw(required=True, metadata={"description": "What holds now."})
    configured = fields.Raw(required=True, metadata={"description": "The configured value."})
    changed = fields.Boolean(required=True, metadata={"description": "Set by the city here."})
    description = fields.String(required=True)


class SettingsSchema(Schema):
    items = fields.List(fields.Nested(SettingSchema), required=True)
