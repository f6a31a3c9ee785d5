"""Answers to a category's extra questions (Open311 attributes), checked and made canonical."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from backend.errors import ValidationFailed
from backend.text import clean_text


def clean_answers(questions: list[dict], answers: dict) -> dict:
    """Check answers against the category's question definitions (Open311 attributes).

    Unknown codes, missing required answers and values of the wrong type are refused;
    the result holds only answered questions, with values in a canonical form.
    """
    by_code = {q["code"]: q for q in questions}
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    for code in answers:
        if code not in by_code:
            errors[str(code)] = ["This category has no such question."]
    for code, question in by_code.items():
        value = answers.get(code)
        if value is None or value == "" or value == []:
            if question.get("required"):
                errors[code] = ["Answer this question."]
            continue
        try:
            cleaned[code] = _clean_answer(question, value)
        except ValueError as exc:
            errors[code] = [str(exc)]
    if errors:
        raise ValidationFailed("Some answers are invalid.", fields={"answers": errors})
    return cleaned


def _clean_answer(question: dict, value):
    datatype = question.get("datatype", "string")
    keys = [v["key"] for v in question.get("values") or []]
    if datatype in ("string", "text"):
        limit = 500 if datatype == "string" else 5000
        if not isinstance(value, str):
            raise ValueError("Give text.")
        text = clean_text(
            value, "answer", max_length=limit, multiline=datatype == "text", required=False
        )
        if text is None:
            raise ValueError("Give text.")
        return text
    if datatype == "number":
        return _number(value)
    if datatype == "datetime":
        return _datetime(value)
    if datatype == "singlevaluelist":
        if not isinstance(value, str) or value not in keys:
            raise ValueError(f"Choose one of: {', '.join(keys)}.")
        return value
    if datatype == "multivaluelist":
        return _choices(value, keys)
    raise ValueError("This question cannot be answered.")


def _number(value) -> int | float:
    if isinstance(value, bool):
        raise ValueError("Give a number.")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError("Give a number.") from None
    if not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > 1e12:
        raise ValueError("Give a number.")
    return int(value) if float(value).is_integer() else float(value)


def _datetime(value) -> str:
    if not isinstance(value, str):
        raise ValueError("Give a date and time (ISO 8601).")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    except (ValueError, OverflowError):
        raise ValueError("Give a date and time (ISO 8601).") from None


def _choices(value, keys: list[str]) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("Give a list of choices.")
    if not value or any(v not in keys for v in value):
        raise ValueError(f"Choose from: {', '.join(keys)}.")
    return list(dict.fromkeys(value))
