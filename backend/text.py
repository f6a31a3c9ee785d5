"""What people type: any script, stored verbatim (never interpreted as HTML), but tidy.

One rule for every free-text field: NFC-normalised, line endings unified to ``\\n``, trimmed,
at most ``max_length`` characters; control characters, invisible formatting (bidi overrides
that reorder what readers see, zero-width spaces), lone surrogates and private-use
characters are refused, not silently dropped, so what a person wrote is what everyone
reads. Newlines and tabs are fine where the field is ``multiline``; the zero-width joiner
always is (emoji need it).
"""

from __future__ import annotations

import unicodedata

from backend.errors import ValidationFailed

_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}
_MULTILINE_CONTROLS = {"\n", "\t"}
_ALLOWED_FORMAT = {"\u200d"}


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("Some fields are invalid.", fields={field: [message]})


def clean_text(
    value: str | None,
    field: str,
    *,
    max_length: int,
    multiline: bool = False,
    required: bool = True,
) -> str | None:
    """The cleaned text; ``None`` for empty text where not ``required``.

    Raises :class:`ValidationFailed` naming ``field`` when the text is empty (and required),
    too long, or holds refused characters.
    """
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    if not text:
        if required:
            raise _invalid(field, "Enter some text.")
        return None
    if len(text) > max_length:
        raise _invalid(field, f"Use at most {max_length} characters.")
    allowed = (_MULTILINE_CONTROLS if multiline else set()) | _ALLOWED_FORMAT
    if any(ch not in allowed and unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in text):
        raise _invalid(field, "Remove control or invisible formatting characters.")
    return text
