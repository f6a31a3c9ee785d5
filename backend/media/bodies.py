"""Request bodies that come as JSON or as multipart forms with photos.

flask-smorest documents one content type per body, so these endpoints parse with their
schemas here and document both variants with :func:`body_doc`.
"""

from __future__ import annotations

from flask import request
from marshmallow import Schema, ValidationError, fields

from backend.errors import ValidationFailed
from backend.media.uploads import MAX_PHOTOS, read_upload

PHOTOS = "photos"


def body_doc(json_schema: type[Schema], form_schema: type[Schema]) -> dict:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": json_schema},
            "multipart/form-data": {"schema": form_schema},
        },
    }


def _messages(exc: ValidationError) -> dict:
    def keys_as_strings(value):
        if isinstance(value, dict):
            return {str(k): keys_as_strings(v) for k, v in value.items()}
        return value

    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return keys_as_strings(messages)


def _load(schema: Schema, data) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed("Some fields are invalid.", fields=_messages(exc)) from None


def _form_values(schema: Schema) -> dict:
    """Form fields as the schema expects them: lists for list fields, and empty values
    treated as absent (browsers send empty inputs)."""
    values: dict = {}
    for key in request.form:
        items = [v for v in request.form.getlist(key) if v != ""]
        if isinstance(schema.fields.get(key), fields.List):
            values[key] = items
        elif items:
            values[key] = items[-1]
    return values


def _uploads() -> list[bytes]:
    unexpected = sorted(set(request.files) - {PHOTOS})
    if unexpected:
        raise ValidationFailed(
            "Unexpected files.", fields={name: ["Send photos as 'photos'."] for name in unexpected}
        )
    files = [f for f in request.files.getlist(PHOTOS) if f.filename or f.content_length]
    if len(files) > MAX_PHOTOS:
        raise ValidationFailed(
            f"At most {MAX_PHOTOS} photos.", fields={PHOTOS: [f"At most {MAX_PHOTOS} photos."]}
        )
    return [read_upload(f.stream) for f in files]


def parse_body(json_schema: type[Schema], form_schema: type[Schema]) -> tuple[dict, list[bytes]]:
    """The loaded body and the raw photo uploads (none for JSON)."""
    if request.mimetype == "multipart/form-data":
        schema = form_schema(exclude=(PHOTOS,))
        return _load(schema, _form_values(schema)), _uploads()
    return _load(json_schema(), request.get_json(silent=True, force=True)), []
