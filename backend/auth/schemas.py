from marshmallow import Schema, fields, validate

from backend.auth.permissions import Role
from backend.pagination import PageArgs

ROLES = [r.value for r in Role]


class RegisterSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True)
    display_name = fields.String(required=True)


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)


class CsrfSchema(Schema):
    csrf_token = fields.String(required=True)


class MembershipSchema(Schema):
    code = fields.String(attribute="department.code")
    name = fields.String(attribute="department.name")
    is_head = fields.Boolean()


class UserPublicSchema(Schema):
    """What anyone may see of a person."""

    id = fields.Integer()
    display_name = fields.String()
    role = fields.String()


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    phone = fields.String(allow_none=True)
    locale = fields.String()
    blocked = fields.Boolean()
    email_verified = fields.Boolean()
    departments = fields.List(fields.Nested(MembershipSchema), attribute="memberships")
    created_at = fields.DateTime()


class SessionSchema(Schema):
    user = fields.Nested(MeSchema, allow_none=True, required=True)


class ProfileUpdateSchema(Schema):
    display_name = fields.String()
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    locale = fields.String(validate=validate.OneOf(["en", "zh-CN"]))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True)


class AdminUserSchema(MeSchema):
    active = fields.Boolean()
    last_seen_at = fields.DateTime(allow_none=True)


class UserCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True)
    display_name = fields.String(required=True)
    role = fields.String(load_default=Role.RESIDENT.value, validate=validate.OneOf(ROLES))
    departments = fields.List(fields.String(), load_default=list)
    head_of = fields.List(fields.String(), load_default=list)


class UserUpdateSchema(Schema):
    display_name = fields.String()
    role = fields.String(validate=validate.OneOf(ROLES))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    active = fields.Boolean()
    blocked = fields.Boolean()
    departments = fields.List(fields.String())
    head_of = fields.List(fields.String())


class UserQuerySchema(PageArgs):
    q = fields.String(validate=validate.Length(max=100))
    role = fields.String(validate=validate.OneOf(ROLES))


class ApiKeySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    trusted = fields.Boolean(
        metadata={"description": "May post Open311 case updates (servicerequestupdates)."}
    )


class ApiKeyCreatedSchema(ApiKeySchema):
    key = fields.String(required=True, attribute="plaintext")


class ApiKeyCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    trusted = fields.Boolean(load_default=False)


class ApiKeyUpdateSchema(Schema):
    trusted = fields.Boolean(required=True)


class TokenOnlySchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class PasswordResetRequestSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class PasswordResetConfirmSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class EmailChangeSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class PasswordOnlySchema(Schema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class AcceptedSchema(Schema):
    status = fields.String(required=True)


def _rows(what: str):
    return fields.List(fields.Dict(), required=True, metadata={"description": what})


class ExportSchema(Schema):
    """The archive: the profile, then every stored row that names the person (minus
    secrets), each with its ``table`` and the column (``as``) that names them."""

    format = fields.String(required=True)
    exported_at = fields.String(required=True)
    profile = fields.Dict(required=True)
    cases = _rows("Cases reported.")
    photos = _rows("Photos uploaded, with their links.")
    comments = _rows("Comments written.")
    votes = _rows("Votes on comments and proposals, and cases supported.")
    follows = _rows("Cases and proposals followed.")
    notifications = _rows("Notifications received.")
    notification_preferences = _rows("Channel chosen per kind of notification.")
    devices = _rows("Push subscriptions and bearer tokens (without their secrets).")
    other = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Dict()),
        required=True,
        metadata={"description": "Every other table that names the person, by table."},
    )
