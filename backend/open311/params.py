"""Reading Open311 parameters (query strings and form-encoded bodies) into plain values.

Anything malformed is an :class:`Open311Error` 400 naming the parameter, never a 500.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

from werkzeug.datastructures import MultiDict

from backend.open311.service import Open311Error, default_window

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def moment(args: MultiDict, name: str) -> datetime | None:
    """A W3C datetime (a date alone means its midnight, UTC; no offset means UTC)."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            value = datetime.combine(date.fromisoformat(raw), datetime.min.time())
        else:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+", 1))
    except ValueError:
        raise Open311Error(
            400, f"{name}: not a W3C datetime (e.g. 2026-12-01T08:00:00Z)."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _whole(args: MultiDict, name: str, default: int, maximum: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Open311Error(400, f"{name}: a whole number from 1 to {maximum}.")
    return int(raw)


def _csv(args: MultiDict, name: str) -> list[str]:
    return [part.strip() for part in (args.get(name) or "").split(",") if part.strip()]


def request_query(args: MultiDict, now: datetime) -> dict:
    """``GET requests``: service_request_id overrides the rest; else the date window."""
    query = {
        "page": _whole(args, "page", 1, 100_000),
        "page_size": _whole(args, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
        "extensions": (args.get("extensions") or "").lower() == "true",
    }
    ids = _csv(args, "service_request_id")
    if ids:
        if not all(i.isdigit() and len(i) <= 10 for i in ids):
            raise Open311Error(400, "service_request_id: a comma list of request ids.")
        query["ids"] = [int(i) for i in ids]
        return query
    statuses = [s.lower() for s in _csv(args, "status")]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status: open, closed or both (comma list).")
    query["status"] = statuses
    query["service_codes"] = _csv(args, "service_code")
    query["updated_after"] = moment(args, "updated_after")
    query["updated_before"] = moment(args, "updated_before")
    start, end = moment(args, "start_date"), moment(args, "end_date")
    by_update = query["updated_after"] or query["updated_before"]
    if start is not None or end is not None or not by_update:
        query["start"], query["end"] = default_window(now, start, end)
    return query


def attributes(form: MultiDict) -> dict:
    """``attribute[CODE]=v`` and ``attribute[CODE][]=v1&attribute[CODE][]=v2`` as answers."""
    answers: dict = {}
    for key in form:
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        code, many = match.group(1), match.group(2)
        values = [v for v in form.getlist(key) if v != ""]
        if many:
            answers[code] = values
        elif values:
            answers[code] = values[-1]
    return answers


def _coordinate(form: MultiDict, name: str, limit: float) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name}: a decimal number in WGS84.") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise Open311Error(400, f"{name}: between -{limit:g} and {limit:g}.")
    return value


def request_form(form: MultiDict) -> dict:
    """``POST requests``: one location is needed; CityLoop puts every case on the map."""
    data = {key: (form.get(key) or "").strip() or None for key in form if "[" not in key}
    data["lat"] = _coordinate(form, "lat", 90)
    data["long"] = _coordinate(form, "long", 180)
    if not data.get("service_code"):
        raise Open311Error(400, "service_code: required.")
    located = data["lat"] is not None and data["long"] is not None
    if not located:
        if data.get("address_string") or data.get("address_id"):
            raise Open311Error(
                400,
                "lat and long: required here as well, since every case is placed on the map "
                "(address_string is kept as the address).",
            )
        raise Open311Error(
            400, "A location is required: lat and long, address_string or address_id."
        )
    email = data.get("email")
    if email and (len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise Open311Error(400, "email: not an e-mail address.")
    media = data.get("media_url")
    if media and (len(media) > 1000 or not re.match(r"^https?://[^\s]+$", media)):
        raise Open311Error(400, "media_url: an http(s) URL of at most 1000 characters.")
    return data


def updates_query(args: MultiDict, now: datetime) -> dict:
    """``GET servicerequestupdates``: start_date/end_date (90 days at most), paging."""
    start, end = default_window(now, moment(args, "start_date"), moment(args, "end_date"))
    return {
        "start": start,
        "end": end,
        "page": _whole(args, "page", 1, 100_000),
        "page_size": _whole(args, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE),
    }
