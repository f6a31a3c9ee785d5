from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from backend.departments.schemas import NamedSchema
from backend.ids import ID_RANGE
from backend.jsonfields import StrictBoolean, StrictFloat
from backend.pagination import PageArgs
from backend.proposals.models import Status

TITLE_MAX = 160
BODY_MAX = 10_000
ANSWER_MAX = 5000
REASON_MAX = 500
STATUSES = [s.value for s in Status]
NEAR = validate.Regexp(
    r"^\s*-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?\s*$", error="Use near=lat,lon in degrees."
)


class TopicRefSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    names = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class TopicSchema(TopicRefSchema):
    position = fields.Integer(required=True)
    active = fields.Boolean(required=True)


CODE = validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,39}$", error="Lower-case letters, digits and -.")


class TopicCreateSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    names = fields.Dict(
        keys=fields.String(validate=validate.OneOf(["en", "zh-CN"])),
        values=fields.String(validate=validate.Length(min=1, max=80)),
        load_default=dict,
    )
    position = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))
    active = StrictBoolean(load_default=True)


class TopicUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=80))
    names = fields.Dict(
        keys=fields.String(validate=validate.OneOf(["en", "zh-CN"])),
        values=fields.String(validate=validate.Length(min=1, max=80)),
    )
    position = fields.Integer(validate=validate.Range(min=0, max=10_000))
    active = StrictBoolean()


class TopicListArgs(Schema):
    include_inactive = fields.Boolean(
        load_default=False, metadata={"description": "Admins only: inactive topics too."}
    )


class ProposalViewerSchema(Schema):
    is_author = fields.Boolean(required=True)
    actions = fields.List(fields.String(), required=True)
    can_vote = fields.Boolean(required=True)


class ProposalAuthorSchema(Schema):
    display_name = fields.String(required=True)


class AnswererSchema(Schema):
    display_name = fields.String(required=True)
    role = fields.String(required=True)


class OfficialAnswerSchema(Schema):
    body = fields.String(required=True)
    answered_at = fields.DateTime(required=True)
    by = fields.Nested(AnswererSchema, allow_none=True)


class ProposalPhotoSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    thumb_url = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)


class ProposalSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    category = fields.Nested(NamedSchema, allow_none=True)
    topic = fields.Nested(TopicRefSchema, allow_none=True)
    author = fields.Nested(ProposalAuthorSchema, allow_none=True)
    supports = fields.Integer(required=True)
    opposes = fields.Integer(required=True)
    my_vote = fields.String(
        allow_none=True, validate=validate.OneOf(["support", "oppose"]), dump_default=None
    )
    comments = fields.Integer(required=True, attribute="comments_count")
    official_answer = fields.Nested(OfficialAnswerSchema, allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    linked_cases = fields.List(fields.Integer(), required=True)
    photos = fields.List(fields.Nested(ProposalPhotoSchema), required=True)
    following = fields.Boolean(dump_default=False)
    hidden = fields.Boolean(required=True)
    hidden_reason = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    published_at = fields.DateTime(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    viewer = fields.Nested(ProposalViewerSchema, metadata={"description": "What you may do."})


live_proposal_schema = ProposalSchema(exclude=("my_vote", "following", "viewer"))


def _both_or_neither(data: dict) -> None:
    if ("lat" in data) != ("lon" in data) or (data.get("lat") is None) != (data.get("lon") is None):
        raise ValidationError("Give both lat and lon, or neither.", "lat")


class ProposalCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    body = fields.String(required=True, validate=validate.Length(min=1, max=BODY_MAX))
    category = fields.String(
        allow_none=True, validate=validate.Length(min=1, max=40), metadata={"description": "code"}
    )
    topic = fields.String(
        allow_none=True, validate=validate.Length(min=1, max=40), metadata={"description": "code"}
    )
    lat = StrictFloat(allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = StrictFloat(allow_none=True, validate=validate.Range(min=-180, max=180))
    draft = StrictBoolean(
        load_default=False,
        metadata={"description": "Keep it as a draft instead of publishing at once."},
    )

    @validates_schema
    def _location(self, data, **_kwargs):
        _both_or_neither(data)


class ProposalCreateFormSchema(Schema):
    """The same proposal as a multipart form, with up to 5 `photos`. Empty fields count as
    absent, as browsers send every input."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    body = fields.String(required=True, validate=validate.Length(min=1, max=BODY_MAX))
    category = fields.String(validate=validate.Length(max=40))
    topic = fields.String(validate=validate.Length(max=40))
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    lon = fields.Float(validate=validate.Range(min=-180, max=180))
    draft = fields.String(load_default="false", validate=validate.OneOf(["true", "false"]))
    photos = fields.List(
        fields.Raw(metadata={"type": "string", "format": "binary"}),
        metadata={"description": "JPEG, PNG, WebP or HEIC; at most 5, 15 MB each."},
    )

    @validates_schema
    def _location(self, data, **_kwargs):
        _both_or_neither(data)

    @post_load
    def _draft(self, data, **_kwargs):
        data["draft"] = data["draft"] == "true"
        return data


class ProposalUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=TITLE_MAX))
    body = fields.String(validate=validate.Length(min=1, max=BODY_MAX))
    category = fields.String(allow_none=True, validate=validate.Length(min=1, max=40))
    topic = fields.String(allow_none=True, validate=validate.Length(min=1, max=40))
    lat = StrictFloat(allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = StrictFloat(allow_none=True, validate=validate.Range(min=-180, max=180))

    @validates_schema
    def _location(self, data, **_kwargs):
        _both_or_neither(data)


class ProposalVoteSchema(Schema):
    value = fields.String(required=True, validate=validate.OneOf(["support", "oppose"]))


class AnswerSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["accepted", "rejected"]))
    body = fields.String(required=True, validate=validate.Length(min=1, max=ANSWER_MAX))


class ReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "decline"]))
    reason = fields.String(
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "Required to decline; the author reads it."},
    )


class ImplementedSchema(Schema):
    case_ids = fields.List(
        fields.Integer(strict=True, validate=ID_RANGE),
        required=True,
        validate=validate.Length(min=1, max=50),
    )


class ProposalListArgs(PageArgs):
    sort = fields.String(load_default="new", validate=validate.OneOf(["new", "supported", "near"]))
    near = fields.String(validate=NEAR, metadata={"description": "lat,lon (needed by sort=near)"})
    radius_m = fields.Integer(validate=validate.Range(min=1, max=100_000))
    status = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": f"Comma list of: {', '.join(STATUSES)}"},
    )
    category = fields.String(validate=validate.Length(max=40))
    topic = fields.String(validate=validate.Length(max=40), metadata={"description": "code"})
    q = fields.String(validate=validate.Length(max=100))
    mine = fields.Boolean(load_default=False, metadata={"description": "Yours, drafts too."})
    following = fields.Boolean(load_default=False)

    @post_load
    def _parse(self, data, **_kwargs):
        if "near" in data:
            lat, lon = (float(part) for part in data["near"].split(","))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValidationError("Latitude or longitude out of range.", "near")
            data["near"] = (lat, lon)
        if data["sort"] == "near" and "near" not in data:
            raise ValidationError("sort=near needs near=lat,lon.", "near")
        if "radius_m" in data and "near" not in data:
            raise ValidationError("radius_m needs near=lat,lon.", "radius_m")
        if "status" in data:
            data["statuses"] = _statuses(data.pop("status"))
        return data


def _statuses(value: str) -> list[str]:
    statuses = [part.strip() for part in value.split(",") if part.strip()]
    unknown = sorted(set(statuses) - set(STATUSES))
    if unknown or not statuses:
        raise ValidationError(f"Unknown status: {', '.join(unknown) or value!r}.", "status")
    return statuses
