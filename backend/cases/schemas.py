"""What goes in and out of the cases API. Who sees what is decided by the schema, not by
``if``s in views: :func:`case_schema_for` picks the public or the staff variant."""

from __future__ import annotations

import json
from datetime import UTC

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from webargs.fields import DelimitedList

from backend.auth.permissions import is_staff
from backend.auth.schemas import UserPublicSchema
from backend.cases.access import is_case_handler
from backend.cases.models import Priority, Status, TaskStatus
from backend.cases.queries import is_overdue
from backend.cases.transitions import ACTIONS
from backend.fastdump import compile_dump
from backend.ids import EVENT_ID_MAX, ID_MAX, ID_RANGE
from backend.pagination import PageArgs
from backend.publiccache import answer_changes_at

STATUSES = [s.value for s in Status]
PRIORITIES = [p.value for p in Priority]
CODE = validate.Length(min=1, max=40)
SORTS = [
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "due_at",
    "-due_at",
    "supporters",
    "-supporters",
    "distance",
    "relevance",
]
LAT = validate.Range(min=-90, max=90)
LON = validate.Range(min=-180, max=180)
MAX_RADIUS_M = 50_000

# What `viewer.can` says beyond the transitions (each transition of the table has a flag too).
OTHER_FLAGS = (
    "reply",  # POST /cases/<id>/comments (a public reply)
    "write_internal",  # the same with "internal" set: a note for the staff handling it
    "request_task",  # POST /cases/<id>/tasks: ask another department to co-handle
    "complete_task",  # POST /cases/<id>/tasks/<task>/done for some task (see complete_tasks)
    "rate",  # POST /cases/<id>/rating
    "flag",  # POST /flags for this case
    "follow",  # POST/DELETE /cases/<id>/follow
    "support",  # POST /cases/<id>/support ("me too"), unless already supporting
)
CAN_FLAGS = (*ACTIONS, *OTHER_FLAGS)


# --- output -----------------------------------------------------------------------------------


class NamedRefSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    names = fields.Dict(keys=fields.String(), values=fields.String())


class PhotoSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    thumb_url = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    kind = fields.String(metadata={"enum": ["report", "after", "verify"]})


class ReporterPublicSchema(Schema):
    id = fields.Integer(metadata={"description": "Absent when the report is anonymous."})
    display_name = fields.String(required=True)


class ReporterStaffSchema(ReporterPublicSchema):
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class RatingSchema(Schema):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(allow_none=True, validate=validate.Length(max=2000))
    created_at = fields.DateTime(dump_only=True)


CanSchema = Schema.from_dict(
    {flag: fields.Boolean(required=True) for flag in CAN_FLAGS}, name="CanSchema"
)
CanSchema.__doc__ = (
    "What the asking user may do now: one flag per transition of the table, and reply, "
    "write_internal, request_task, complete_task, rate, flag, follow, support."
)


class ViewerSchema(Schema):
    """The asking user's relation to the case (answers to that user; never in live
    events, which go to many people)."""

    following = fields.Boolean(required=True)
    supporting = fields.Boolean(required=True)
    reporter = fields.Boolean(required=True)
    actions = fields.List(
        fields.String(), required=True, metadata={"description": "The transitions `can` allows."}
    )
    handler = fields.Boolean(required=True)
    templates = fields.Boolean(
        required=True,
        metadata={"description": "May read the category's response templates."},
    )
    can = fields.Nested(CanSchema, required=True)
    complete_tasks = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "The co-handling tasks (ids) this user may mark done."},
    )


class Computed(fields.Boolean):
    """A boolean worked out by ``rule(obj)`` when dumping (documented as a boolean)."""

    def __init__(self, rule, **kwargs):
        super().__init__(dump_only=True, **kwargs)
        self.rule = rule

    def get_value(self, obj, attr, accessor=None, default=None):
        return self.rule(obj)


OPEN = fields.Boolean(
    attribute="is_open",
    required=True,
    metadata={"description": "Still being worked on: submitted, accepted, assigned, in progress."},
)


def _overdue(case) -> bool:
    """:func:`is_overdue`; an open case not due yet makes its answer change at its due time
    (a kept copy must not outlive it)."""
    overdue = is_overdue(case)
    if not overdue and case.is_open and case.due_at is not None:
        answer_changes_at(case.due_at)
    return overdue


OVERDUE = Computed(
    _overdue,
    required=True,
    metadata={"description": "Open and past its due time (when the answer was made)."},
)


REFERENCE_DOC = {
    "description": "A short reference to read over the phone: department prefix, year and "
    "month of filing, sequence (see docs/cases.md). Unique; never changes.",
    "example": "RD-2412-0042",
}


class CasePublicSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True, metadata=REFERENCE_DOC)
    status = fields.String(required=True, metadata={"enum": STATUSES})
    category = fields.Nested(NamedRefSchema, required=True)
    department = fields.Nested(NamedRefSchema, allow_none=True)
    priority = fields.String(required=True, metadata={"enum": PRIORITIES})
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    address = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    description = fields.String(required=True)
    answers = fields.Dict(keys=fields.String())
    due_at = fields.DateTime(allow_none=True)
    open = OPEN
    overdue = OVERDUE
    escalated = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    anonymous = fields.Boolean(required=True)
    reporter = fields.Nested(ReporterPublicSchema, attribute="public_reporter", required=True)
    photos = fields.List(fields.Nested(PhotoSchema), required=True)
    supporters = fields.Integer(attribute="supporters_count", required=True)
    comments = fields.Integer(attribute="comments_count", required=True)
    merged_into = fields.Integer(attribute="merged_into_id", allow_none=True)
    reopen_count = fields.Integer()
    rating = fields.Nested(RatingSchema, allow_none=True)
    hidden = fields.Boolean(
        metadata={
            "description": "Hidden by moderation: only its reporter, staff and volunteers "
            "see it, and they should know why others do not."
        }
    )
    version = fields.Integer(
        required=True, metadata={"description": "Send it back with a transition to detect races."}
    )
    viewer = fields.Nested(ViewerSchema)


class CasePinSchema(Schema):
    """What a map pin needs: where, which status, and a title for its accessible name."""

    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": STATUSES})
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    title = fields.String(allow_none=True)
    category = fields.Nested(NamedRefSchema, required=True)


class AssigneeSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class PersonSchema(AssigneeSchema):
    """Someone a case can be assigned to."""


class CaseStaffSchema(CasePublicSchema):
    """Staff and admins also see the reporter's contact, where the report came from and who
    in the department has it."""

    reporter = fields.Nested(ReporterStaffSchema, attribute="staff_reporter", required=True)
    source = fields.String()
    assignee = fields.Nested(
        AssigneeSchema,
        allow_none=True,
        metadata={"description": "The person in the lead department handling it, or null."},
    )


class CaseColleagueSchema(CaseStaffSchema):
    """Staff of other departments: the staff view without the reporter's contact."""

    reporter = fields.Nested(ReporterPublicSchema, attribute="public_reporter", required=True)


class CaseSchema(CaseStaffSchema):
    """A case as documented. Staff get `source`; the reporter's contact (email, phone) goes
    to admins and the staff of the departments handling the case (lead or co-handling)
    only; everyone else gets the public subset."""


class NearbyCaseSchema(CasePublicSchema):
    distance_m = fields.Float(required=True)


class ActorSchema(UserPublicSchema):
    id = fields.Integer(allow_none=True)
    role = fields.String(allow_none=True)


class EventPublicSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    action = fields.String(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    actor = fields.Nested(ActorSchema, attribute="public_actor", allow_none=True)
    note = fields.String(allow_none=True)
    reason = fields.String(
        attribute="public_reason",
        allow_none=True,
        metadata={"description": "An override's reason only when `details.reason_public`."},
    )
    department = fields.Nested(NamedRefSchema, allow_none=True)
    details = fields.Dict(keys=fields.String())
    internal = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class EventStaffSchema(EventPublicSchema):
    actor = fields.Nested(ActorSchema, allow_none=True)
    reason = fields.String(allow_none=True)


class TaskSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    department = fields.Nested(NamedRefSchema, required=True)
    status = fields.String(required=True, metadata={"enum": [s.value for s in TaskStatus]})
    request_note = fields.String(allow_none=True)
    done_note = fields.String(allow_none=True)
    requested_by = fields.Nested(UserPublicSchema, allow_none=True)
    done_by = fields.Nested(UserPublicSchema, allow_none=True)
    created_at = fields.DateTime(required=True)
    done_at = fields.DateTime(allow_none=True)


class CaseSummarySchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True, metadata=REFERENCE_DOC)
    title = fields.String(allow_none=True)
    status = fields.String(required=True)
    category = fields.Nested(NamedRefSchema, required=True)
    due_at = fields.DateTime(allow_none=True)
    open = OPEN
    overdue = OVERDUE


class TaskWithCaseSchema(TaskSchema):
    case = fields.Nested(CaseSummarySchema, required=True)


class FollowStateSchema(Schema):
    following = fields.Boolean(required=True)


class SupportStateSchema(Schema):
    supporting = fields.Boolean(required=True)
    supporters = fields.Integer(required=True)


class TemplateSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class TemplateUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=120))
    body = fields.String(validate=validate.Length(min=1, max=5000))


PUBLIC_CASE = CasePublicSchema()
STAFF_CASE = CaseStaffSchema()
COLLEAGUE_CASE = CaseColleagueSchema()
PUBLIC_EVENT = EventPublicSchema()
STAFF_EVENT = EventStaffSchema()


def case_schema_for(user, case) -> Schema:
    """The one place that decides how much of a case a user sees: the reporter's contact
    only for those handling it (least privilege), the staff view for other staff."""
    if not is_staff(user):
        return PUBLIC_CASE
    return STAFF_CASE if is_case_handler(user, case) else COLLEAGUE_CASE


# The hot reads (the list, the case page): each schema compiled to one function giving what
# its dump gives.
FAST_DUMPS = {schema: compile_dump(schema) for schema in (PUBLIC_CASE, STAFF_CASE, COLLEAGUE_CASE)}
PIN_DUMP = compile_dump(CasePinSchema())


def dump_cases(user, cases) -> list[dict]:
    """Each case as :func:`case_schema_for` says, without marshmallow's per-field work."""
    return [FAST_DUMPS[case_schema_for(user, case)](case) for case in cases]


def event_schema_for(user, *, handler: bool) -> Schema:
    return STAFF_EVENT if handler or is_staff(user) else PUBLIC_EVENT


# --- input ------------------------------------------------------------------------------------


class JsonObject(fields.Dict):
    """A JSON object, or (in multipart forms) a string holding one."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValidationError("Give a JSON object.") from None
        if not isinstance(value, dict):
            raise ValidationError("Give a JSON object.")
        return super()._deserialize(value, attr, data, **kwargs)


class WholeNumber(fields.Integer):
    """An integer: a JSON number without a fraction, or (in forms) a string of digits."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        return super()._deserialize(value, attr, data, **kwargs)


class CaseCreateSchema(Schema):
    category = fields.String(required=True, validate=CODE)
    lat = fields.Float(required=True, validate=LAT)
    lon = fields.Float(required=True, validate=LON)
    description = fields.String(required=True, validate=validate.Length(max=5000))
    title = fields.String(allow_none=True, validate=validate.Length(max=140))
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    priority = fields.String(
        load_default=Priority.NORMAL.value, validate=validate.OneOf(PRIORITIES)
    )
    anonymous = fields.Boolean(load_default=False)
    answers = JsonObject(
        keys=fields.String(), values=fields.Raw(allow_none=True), load_default=dict
    )
    departments = fields.List(
        fields.String(validate=CODE),
        load_default=list,
        validate=validate.Length(max=10),
        metadata={"description": "Urgent reports by staff: more departments to involve."},
    )


class CaseCreateFormSchema(CaseCreateSchema):
    """The multipart variant: lat/lon may come from the first photo's GPS position."""

    lat = fields.Float(load_default=None, validate=LAT)
    lon = fields.Float(load_default=None, validate=LON)
    answers = JsonObject(
        keys=fields.String(),
        values=fields.Raw(allow_none=True),
        load_default=dict,
        metadata={"type": "string", "description": "A JSON object, as text."},
    )
    photos = fields.List(Upload(), metadata={"description": "Up to 5 JPEG/PNG/WebP/HEIC files."})


class TransitionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    note = fields.String(allow_none=True, validate=validate.Length(max=5000))
    reason = fields.String(allow_none=True, validate=validate.Length(max=2000))
    department = fields.String(allow_none=True, validate=CODE)
    merge_into = WholeNumber(allow_none=True, validate=ID_RANGE)
    override_open_tasks = fields.Boolean(load_default=False)
    publish_reason = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Resolving over open tasks: show the override's reason to the "
            "public too (by default it stays with the staff)."
        },
    )
    assignee = WholeNumber(
        allow_none=True,
        validate=ID_RANGE,
        metadata={"description": "assign, transfer: a user id, active staff of the department."},
    )
    version = WholeNumber(
        validate=validate.Range(min=0, max=ID_MAX),
        metadata={"description": "The case version the client saw."},
    )
    updated_at = fields.AwareDateTime(
        default_timezone=UTC, metadata={"description": "The updated_at the client saw."}
    )


class TransitionFormSchema(TransitionSchema):
    photos = fields.List(
        Upload(),
        metadata={"description": '"After" photos (resolve), or "verify" photos (confirm, reopen).'},
    )


class Coordinates(fields.String):
    """``"a,b,..."``: a fixed number of finite decimal numbers."""

    def __init__(self, count: int, **kwargs):
        self.count = count
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        parts = text.split(",")
        try:
            numbers = tuple(float(p) for p in parts)
        except ValueError:
            numbers = ()
        if len(numbers) != self.count or not all(map(_finite, numbers)):
            raise ValidationError(f"Give {self.count} comma-separated numbers.")
        return numbers


def _finite(number: float) -> bool:
    return number == number and abs(number) != float("inf")


def _check_lat_lon(lat: float, lon: float, field: str) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError("Latitude or longitude out of range.", field)


class CaseQuerySchema(PageArgs):
    status = DelimitedList(
        fields.String(validate=validate.OneOf(STATUSES)), validate=validate.Length(min=1)
    )
    category = fields.String(validate=CODE)
    department = DelimitedList(
        fields.String(validate=CODE),
        validate=validate.Length(max=20),
        metadata={"description": "A department code, or a comma list of them."},
    )
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    overdue = fields.Boolean(
        metadata={"description": "true: open cases past their due time; false: the others."}
    )
    at_risk = fields.Boolean(
        metadata={
            "description": "true: open cases not overdue yet but due within "
            "CITYLOOP_AT_RISK_HOURS (the dashboard's at-risk list)."
        }
    )
    assigned_to_me = fields.Boolean(
        metadata={"description": "Cases whose assignee is the asking staff member."}
    )
    bbox = Coordinates(4, metadata={"description": "min_lon,min_lat,max_lon,max_lat"})
    near = Coordinates(2, metadata={"description": "lat,lon"})
    radius_m = fields.Integer(validate=validate.Range(min=1, max=MAX_RADIUS_M))
    mine = fields.Boolean()
    following = fields.Boolean()
    escalated = fields.Boolean()
    updated_since = fields.AwareDateTime(default_timezone=UTC)
    q = fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={
            "description": "Words (English stemmed, the last also as a prefix; Chinese of two "
            "or more characters, or one as a prefix) in the title, description or address, "
            "all of them; a case id or reference. Sorts by relevance unless sort is given."
        },
    )
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={"description": "distance needs near, relevance needs q."},
    )

    @validates_schema
    def _geography(self, data, **_kwargs):
        if "bbox" in data:
            min_lon, min_lat, max_lon, max_lat = data["bbox"]
            _check_lat_lon(min_lat, min_lon, "bbox")
            _check_lat_lon(max_lat, max_lon, "bbox")
            if min_lon > max_lon or min_lat > max_lat:
                raise ValidationError("Give min_lon,min_lat,max_lon,max_lat.", "bbox")
        if "near" in data:
            _check_lat_lon(*data["near"], "near")
        if "radius_m" in data and "near" not in data:
            raise ValidationError("radius_m needs near.", "radius_m")
        if data.get("sort") == "distance" and "near" not in data:
            raise ValidationError("Sorting by distance needs near.", "sort")
        if data.get("sort") == "relevance" and "q" not in data:
            raise ValidationError("Sorting by relevance needs q.", "sort")


class NearbyQuerySchema(Schema):
    category = fields.String(required=True, validate=CODE)
    lat = fields.Float(required=True, validate=LAT)
    lon = fields.Float(required=True, validate=LON)
    radius_m = fields.Integer(load_default=250, validate=validate.Range(min=1, max=5000))


class EventQuerySchema(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=EVENT_ID_MAX))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class AssigneeUpdateSchema(Schema):
    assignee = WholeNumber(
        required=True,
        allow_none=True,
        validate=ID_RANGE,
        metadata={"description": "A user id (active staff of the lead department), or null."},
    )


class TaskCreateSchema(Schema):
    department = fields.String(required=True, validate=CODE)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class TaskDoneSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(max=2000))


class TaskQuerySchema(PageArgs):
    department = fields.String(required=True, validate=CODE)
    status = fields.String(
        load_default=TaskStatus.OPEN.value, validate=validate.OneOf([s.value for s in TaskStatus])
    )
