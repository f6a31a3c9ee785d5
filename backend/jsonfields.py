"""JSON body fields that take only the JSON type they document.

marshmallow's defaults accept "12" for a number and "yes" for a boolean; for request bodies
that hides client bugs and lets wrongly typed data through, so CityLoop's bodies refuse it.
"""

from __future__ import annotations

import math

from marshmallow import ValidationError, fields


class StrictBoolean(fields.Boolean):
    """JSON true/false only: "yes", 1 and "on" are refused rather than guessed at."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Use true or false.")
        return value


class StrictFloat(fields.Float):
    """A JSON number (not a string, not a boolean), finite."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Use a number.")
        if not math.isfinite(value):
            raise ValidationError("Use a finite number.")
        return float(value)


class StrictInteger(fields.Integer):
    """A JSON whole number: not a string, not a boolean, not 2.5."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Use a whole number.")
        return super()._deserialize(value, attr, data, **kwargs)
