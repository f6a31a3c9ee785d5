from marshmallow import Schema, ValidationError, fields, validate, validates

from backend.jsonfields import StrictBoolean

CODE = validate.Regexp(
    r"^[a-z0-9][a-z0-9_-]{0,39}$", error="Use 1-40 lowercase letters, digits, - or _."
)
RECURRING_COUNT = validate.Range(min=2, max=1000)
RECURRING_DAYS = validate.Range(min=1, max=365)
RECURRING = {
    "description": "A recurring problem: recurring_count cases in one 100 m cell within "
    "recurring_days days; null for the defaults (5 in 30 days)."
}
NOTICE = validate.Length(max=1000)
NOTICE_DOC = {"description": "What the report screen says when the category is chosen."}
STOPS_DOC = {
    "description": "The category only diverts (an emergency: call a number now) and takes "
    "no reports; POST /cases answers 422 with the notice."
}
DATATYPES = ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]


class NamedSchema(Schema):
    """A department or category as other answers name it: its code and its name in the
    asker's language."""

    code = fields.String(required=True)
    name = fields.String(required=True)


class DepartmentSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    names = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    contact_email = fields.Email(allow_none=True)
    contact_phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    active = fields.Boolean(dump_only=True)


class DepartmentUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    names = fields.Dict(keys=fields.String(), values=fields.String())
    contact_email = fields.Email(allow_none=True)
    contact_phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    active = fields.Boolean()


class AttributeValueSchema(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=60))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))


class AttributeSchema(Schema):
    """One extra question of a category, shaped like an Open311 attribute."""

    code = fields.String(required=True, validate=CODE)
    datatype = fields.String(required=True, validate=validate.OneOf(DATATYPES))
    required = fields.Boolean(load_default=False)
    description = fields.String(required=True, validate=validate.Length(min=1, max=300))
    order = fields.Integer(load_default=0)
    values = fields.List(fields.Nested(AttributeValueSchema), load_default=list)


def _check_attributes(attributes: list[dict]) -> None:
    """Runs on what loaded, even when some questions failed their own fields: any key may
    be missing here."""
    codes = [a["code"] for a in attributes if "code" in a]
    if len(codes) != len(set(codes)):
        raise ValidationError("Question codes must be unique.")
    for attribute in attributes:
        if str(attribute.get("datatype")).endswith("valuelist") and not attribute.get("values"):
            name = attribute.get("code", "A question")
            raise ValidationError(f"{name}: a list question needs values.")


ESCALATION_HOURS = validate.Range(min=1, max=24 * 30)


class CategorySchema(Schema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    names = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    department = fields.Method(
        "_department_code", deserialize="_load_code", required=True, metadata={"type": "string"}
    )
    sla_hours = fields.Integer(required=True, validate=validate.Range(min=1, max=24 * 365))
    # The escalation ladder's second rung: admins hear of an overdue case still not moved
    # this many hours after its department's heads were alerted.
    admin_escalation_hours = fields.Integer(load_default=24, validate=ESCALATION_HOURS)
    attributes = fields.List(fields.Nested(AttributeSchema), load_default=list)
    keywords = fields.String(load_default="", validate=validate.Length(max=255))
    recurring_count = fields.Integer(allow_none=True, validate=RECURRING_COUNT, metadata=RECURRING)
    recurring_days = fields.Integer(allow_none=True, validate=RECURRING_DAYS, metadata=RECURRING)
    notice = fields.String(load_default="", validate=NOTICE, metadata=NOTICE_DOC)
    notices = fields.Dict(keys=fields.String(), values=fields.String(validate=NOTICE),
                          load_default=dict)  # fmt: skip
    notice_stops = StrictBoolean(load_default=False, metadata=STOPS_DOC)
    active = fields.Boolean(dump_only=True)

    def _department_code(self, category) -> str:
        return category.department.code

    def _load_code(self, value):
        if not isinstance(value, str) or not value:
            raise ValidationError("Give a department code.")
        return value

    @validates("attributes")
    def _attributes(self, value, **_kwargs):
        _check_attributes(value)


class CategoryUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    names = fields.Dict(keys=fields.String(), values=fields.String())
    description = fields.String(validate=validate.Length(max=2000))
    department = fields.String(validate=validate.Length(min=1, max=40))
    sla_hours = fields.Integer(validate=validate.Range(min=1, max=24 * 365))
    admin_escalation_hours = fields.Integer(validate=ESCALATION_HOURS)
    attributes = fields.List(fields.Nested(AttributeSchema))
    keywords = fields.String(validate=validate.Length(max=255))
    recurring_count = fields.Integer(allow_none=True, validate=RECURRING_COUNT, metadata=RECURRING)
    recurring_days = fields.Integer(allow_none=True, validate=RECURRING_DAYS, metadata=RECURRING)
    notice = fields.String(validate=NOTICE, metadata=NOTICE_DOC)
    notices = fields.Dict(keys=fields.String(), values=fields.String(validate=NOTICE))
    notice_stops = StrictBoolean(metadata=STOPS_DOC)
    active = fields.Boolean()

    @validates("attributes")
    def _attributes(self, value, **_kwargs):
        _check_attributes(value)


class ListQuerySchema(Schema):
    include_inactive = fields.Boolean(load_default=False)
