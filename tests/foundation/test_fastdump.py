"""A compiled dump gives exactly what the schema's own dump gives: field type by field type,
for what it leaves to marshmallow, and for real cases as every kind of person sees them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, post_dump

from backend.cases import queries
from backend.cases.schemas import (
    COLLEAGUE_CASE,
    FAST_DUMPS,
    PIN_DUMP,
    PUBLIC_CASE,
    STAFF_CASE,
    CasePinSchema,
    case_schema_for,
    dump_cases,
)
from backend.cases.viewer import attach_viewers
from backend.extensions import db
from backend.fastdump import compile_dump


def _exact(a, b) -> bool:
    """Equal as JSON, types included (1 and 1.0, True and 1 differ)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


class Inner(Schema):
    code = fields.String(required=True)
    n = fields.Integer()


class Computed(fields.Boolean):
    def get_value(self, obj, attr, accessor=None, default=None):
        return obj.flag_source > 0


class Everything(Schema):
    text = fields.String()
    data = fields.String()  # bytes
    number = fields.Integer()
    ratio = fields.Float()
    as_text = fields.Integer(as_string=True)
    yes = fields.Boolean()
    when = fields.DateTime()
    naive = fields.NaiveDateTime()
    rfc = fields.DateTime(format="rfc")
    plain = fields.Dict()
    names = fields.Dict(keys=fields.String(), values=fields.String())
    tags = fields.List(fields.String())
    children = fields.List(fields.Nested(Inner))
    many = fields.Nested(Inner, many=True)
    many_schema = fields.Nested(Inner(many=True))
    only = fields.Nested(Inner(only=("code",)))
    child = fields.Nested(Inner, allow_none=True)
    renamed = fields.String(attribute="source_name", data_key="renamedKey")
    dotted = fields.String(attribute="child.code")
    defaulted = fields.String(dump_default="none given")
    computed = Computed()
    method = fields.Method("shout")
    raw = fields.Raw()
    absent = fields.String()

    def shout(self, obj):
        return (obj.text or "").upper()


def _thing(**changes):
    inner = SimpleNamespace(code="x", n=3)
    values = {
        "text": "Pothole",
        "data": "路灯".encode(),
        "number": 7,
        "ratio": 2,  # an int given to a Float field
        "as_text": 5,
        "yes": 1,
        "when": datetime(2026, 12, 3, 6, 30, 1, 123456, tzinfo=UTC),
        "naive": datetime(2026, 12, 3, 6, 30),
        "rfc": datetime(2026, 12, 3, 6, 30, tzinfo=UTC),
        "plain": {"a": 1, "b": None},
        "names": {"en": "Pothole", "zh": None},
        "tags": ["a", None, 3],
        "children": [inner, {"code": "from a dict"}],
        "many": [inner],
        "many_schema": [inner, inner],
        "only": inner,
        "child": inner,
        "source_name": "renamed",
        "flag_source": 2,
        "raw": {"any": ["thing"]},
    }
    return SimpleNamespace(**(values | changes))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"child": None, "tags": None, "when": None, "names": None, "text": None},
        {"children": [], "plain": {}, "flag_source": 0, "yes": 0},
    ],
)
def test_every_field_type_dumps_as_marshmallow_dumps_it(changes):
    schema = Everything()
    thing = _thing(**changes)
    assert _exact(compile_dump(schema)(thing), schema.dump(thing))


def test_a_dict_is_read_by_key_and_missing_keys_are_left_out():
    schema = Inner()
    assert compile_dump(schema)({"code": "c"}) == schema.dump({"code": "c"}) == {"code": "c"}


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow():
    class Hooked(Inner):
        @post_dump
        def tag(self, data, **kwargs):
            return {**data, "tagged": True}

    schema = Hooked()
    assert compile_dump(schema)({"code": "c"}) == {"code": "c", "tagged": True}


# --- real cases ------------------------------------------------------------------------------


# Who sees which schema on the varied cases (roads and water staff lead some, not others).
SCHEMAS_SEEN = {
    "anonymous": {PUBLIC_CASE},
    "reporter": {PUBLIC_CASE},
    "resident": {PUBLIC_CASE},
    "staff": {STAFF_CASE, COLLEAGUE_CASE},
    "water_staff": {STAFF_CASE, COLLEAGUE_CASE},
    "admin": {STAFF_CASE},
}


@pytest.mark.parametrize("who", list(SCHEMAS_SEEN))
def test_the_case_list_dumps_as_the_schemas_do(app, city, varied_cases, who):
    """The list's rows (``backend.cases.rows``; that they answer as loaded cases did is
    ``test_case_rows.py``'s)."""
    viewer = getattr(city, who) if who != "anonymous" else None
    db.session.expire_all()  # loaded afresh, as a request loads them
    page = queries.page_of_cases(db.session, viewer, {"page": 1, "per_page": 100})
    attach_viewers(db.session, viewer, page["items"])
    assert len(page["items"]) == len(varied_cases)
    assert {case_schema_for(viewer, case) for case in page["items"]} == SCHEMAS_SEEN[who]
    expected = [case_schema_for(viewer, case).dump(case) for case in page["items"]]
    assert _exact(dump_cases(viewer, page["items"]), expected)


def test_pins_dump_as_their_schema_does(app, city, varied_cases):
    page = queries.page_of_pins(db.session, None, {"page": 1, "per_page": 100})
    schema = CasePinSchema()
    assert _exact([PIN_DUMP(c) for c in page["items"]], schema.dump(page["items"], many=True))


def test_every_case_schema_is_compiled():
    assert set(FAST_DUMPS) == {PUBLIC_CASE, STAFF_CASE, COLLEAGUE_CASE}
