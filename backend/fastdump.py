"""Dumping a marshmallow schema without marshmallow's per-field work, for the hot list paths.

:func:`compile_dump` turns a schema into one plain function, once: for each field an
attribute read and a conversion picked for its type. The schema stays the one description of
the answer (the OpenAPI is generated from it, and it decides who sees what); the compiled
function gives exactly what ``schema.dump(obj)`` gives, which
``tests/foundation/test_fastdump.py`` checks field type by field type and on real cases.

Only what the fast path understands is compiled: fields of the plain types below, read from
an attribute or a key, and nested schemas without hooks. Anything else (a field subclass
with its own reading, a default, a dotted attribute, a ``pre_dump``/``post_dump`` hook) goes
through marshmallow for that field or that schema, so it is never wrong, only slower.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from marshmallow import Schema, fields, missing, utils

Dump = Callable[[Any], dict]


def _datetime(field: fields.DateTime):
    if (field.format or field.DEFAULT_FORMAT) not in ("iso", "iso8601"):
        return None
    return datetime.isoformat


def _same(value):
    return value


def _item(field: fields.Field | None):
    """The conversion of a key, value or list item (None stays None, as in marshmallow)."""
    if field is None:
        return _same
    convert = _convert(field)
    if convert is None:
        return None
    exact = _EXACT.get(type(field), _Never)
    return lambda value: value if value is None or type(value) is exact else convert(value)


def _mapping(field: fields.Dict):
    if field.key_field is None and field.value_field is None:
        return dict
    keys, values = _item(field.key_field), _item(field.value_field)
    if keys is None or values is None:
        return None
    return lambda value: {keys(k): values(v) for k, v in value.items()}


def _list(field: fields.List):
    inner = _item(field.inner)
    return None if inner is None else lambda value: [inner(v) for v in value]


def _nested(field: fields.Nested):
    dump = compile_dump(field.schema)
    if field.many or field.schema.many:
        return lambda value: [dump(v) for v in value]
    return dump


# Exact types only: a subclass may serialise its own way (it then goes through marshmallow).
_CONVERTERS: dict[type, Callable[[Any], Callable | None]] = {
    fields.String: lambda field: utils.ensure_text_type,
    fields.Integer: lambda field: None if field.as_string else int,
    fields.Float: lambda field: None if field.as_string else float,
    fields.Boolean: lambda field: _same,  # marshmallow 4 dumps booleans as they are
    fields.DateTime: _datetime,
    fields.Dict: _mapping,
    fields.List: _list,
    fields.Nested: _nested,
}


class _Never:
    """A type no value has: its field's values always go through their conversion."""


# The type whose values a field's conversion gives back unchanged (``str(s)`` is ``s``): the
# dump skips the call for them.
_EXACT: dict[type, type] = {
    fields.String: str,
    fields.Integer: int,
    fields.Float: float,
    fields.Boolean: bool,
}


def _convert(field: fields.Field) -> Callable[[Any], Any] | None:
    """A value -> output function for ``field``'s non-None values, or None if only
    marshmallow knows how."""
    make = _CONVERTERS.get(type(field))
    return make(field) if make is not None else None


def _reads_plainly(field: fields.Field, attr: str) -> bool:
    own_reading = type(field).get_value is not fields.Field.get_value
    return not own_reading and "." not in attr and field.dump_default is missing


def _step(schema: Schema, name: str, field: fields.Field) -> tuple:
    """``(key, attr, exact, convert)``: the output key, the attribute read, the type passed
    as it is and the conversion of other non-None values; ``attr`` None when marshmallow
    serialises the field (``convert`` then takes the object)."""
    attr = field.attribute or name
    key = field.data_key or name
    convert = _convert(field)
    if convert is None or not _reads_plainly(field, attr):

        def serialize(obj):
            return field.serialize(name, obj, accessor=schema.get_attribute)

        return key, None, _Never, serialize
    return key, attr, _EXACT.get(type(field), _Never), convert


def _dumps_plainly(schema: Schema) -> bool:
    """No dump hooks, and attributes read the usual way."""
    hooks = any(schema._hooks.get(hook) for hook in ("pre_dump", "post_dump"))
    return not hooks and type(schema).get_attribute is Schema.get_attribute


def compile_dump(schema: Schema) -> Dump:
    """A function giving what ``schema.dump(obj)`` gives (for one object)."""
    if not _dumps_plainly(schema):
        return schema.dump
    steps = [_step(schema, name, field) for name, field in schema.dump_fields.items()]

    # One loop with the checks inline: a function call per field cost more than the fields.
    def dump(obj) -> dict:
        get = obj.get if isinstance(obj, dict) else partial(getattr, obj)
        out = {}
        for key, attr, exact, convert in steps:
            if attr is None:
                value = convert(obj)
            else:
                value = get(attr, missing)
                if value is not None and value is not missing and type(value) is not exact:
                    value = convert(value)
            if value is not missing:
                out[key] = value
        return out

    return dump
