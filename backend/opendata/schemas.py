from __future__ import annotations

from marshmallow import ValidationError, fields, validates_schema

from backend.cases.schemas import CaseQuerySchema


class OpenDataQuerySchema(CaseQuerySchema):
    """The public list's filters (nothing about the asking user), plus creation dates."""

    class Meta:
        exclude = ("page", "per_page", "mine", "following", "assigned_to_me", "sort")

    created_from = fields.Date(metadata={"description": "ISO date: created on or after (UTC)."})
    created_to = fields.Date(metadata={"description": "ISO date: created on or before (UTC)."})

    @validates_schema
    def _dates(self, data, **_kwargs):
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            raise ValidationError("created_from must not be after created_to.", "created_from")
