"""Rendering Open311 answers as XML (the spec's required format) or JSON, and its errors.

Every answer is built as plain data first (lists of dicts); :func:`render` writes it in the
asked format. In XML a list becomes repeated child elements named by :data:`ITEM_NAMES`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from flask import Response

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# In XML, the element each item of a named list is written as.
ITEM_NAMES = {
    "service_requests": "request",
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "photos": "photo",
    "service_request_updates": "request_update",
}


def w3c(moment: datetime | None) -> str | None:
    """A W3C datetime (ISO 8601 subset) in UTC, with its timezone, to the second."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(parent: Element, name: str, value) -> None:
    if isinstance(value, dict):
        element = SubElement(parent, name)
        for key, inner in value.items():
            _fill(element, str(key), inner)
    elif isinstance(value, list):
        element = SubElement(parent, name)
        for item in value:
            _fill(element, ITEM_NAMES.get(name, "item"), item)
    else:
        SubElement(parent, name).text = _text(value)


def to_xml(root: str, data) -> bytes:
    """``data`` under ``<root>``: a list as repeated items, a dict as child elements."""
    element = Element(root)
    if isinstance(data, list):
        for item in data:
            _fill(element, ITEM_NAMES.get(root, "item"), item)
    else:
        for key, value in data.items():
            _fill(element, key, value)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(element, encoding="unicode").encode()
    )


def render(fmt: str, root: str, data, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode() if fmt == "json" else to_xml(root, data)
    return Response(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_error(fmt: str, status: int, description: str, headers=None) -> Response:
    """The spec's error list: ``[{code, description}]`` / ``<errors><error>...``."""
    response = render(fmt, "errors", [{"code": status, "description": description}], status)
    if headers:
        response.headers.extend(headers)
    return response
