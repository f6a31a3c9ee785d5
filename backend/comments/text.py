"""User-written text: any script, stored verbatim (never interpreted as HTML), but tidy.

Clients render it as text; the API neither escapes nor strips markup, so what a person
wrote is what everyone reads back.
"""

from __future__ import annotations

import unicodedata

from backend.errors import ValidationFailed

_ALLOWED_CONTROLS = {"\n", "\t"}
# Controls, invisible formatting (bidi overrides that reorder what readers see, zero-width
# spaces), lone surrogates and private use; the zero-width joiner stays: emoji need it.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}
_ALLOWED_FORMAT = {"\u200d"}


def clean_text(value: str, field: str, *, max_length: int, multiline: bool = True) -> str:
    """NFC-normalised, line endings unified, trimmed; 1..``max_length`` characters.

    Raises :class:`ValidationFailed` naming ``field`` when the text is empty, too long, or
    holds control characters (newlines and tabs are fine where ``multiline``).
    """
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").strip()
    allowed = (_ALLOWED_CONTROLS if multiline else set()) | _ALLOWED_FORMAT
    if not text:
        raise ValidationFailed("Some fields are invalid.", fields={field: ["Write something."]})
    if len(text) > max_length:
        raise ValidationFailed(
            "Some fields are invalid.", fields={field: [f"Use at most {max_length} characters."]}
        )
    if any(ch not in allowed and unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in text):
        raise ValidationFailed(
            "Some fields are invalid.",
            fields={field: ["Remove control or invisible formatting characters."]},
        )
    return text
