"""The open-data export: public cases only, no personal data, streamed from the database.

Rows are read as plain columns through a server-side cursor (``yield_per``, which turns on
``stream_results``), so memory stays flat however many rows there are. Only the columns
DESIGN.md names are selected: no reporter, contact, answers or internal notes can leak.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.cases import queries
from backend.cases.models import Case, CaseRating
from backend.departments.models import Category, Department

COLUMNS = (
    "id", "status", "category", "category_name", "department", "priority", "lat", "lon",
    "address", "title", "description", "created_at", "updated_at", "resolved_at",
    "closed_at", "due_at", "escalated", "supporters", "reopen_count", "rating", "url",
)  # fmt: skip
BATCH = 2000
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_query(args: dict) -> Select:
    """The public cases matching ``args`` (see ``OpenDataQuerySchema``), oldest first."""
    stmt = (
        select(
            Case.id,
            Case.status,
            Category.code,
            Category.name,
            Department.code,
            Case.priority,
            Case.lat,
            Case.lon,
            Case.address,
            Case.title,
            Case.description,
            Case.created_at,
            Case.updated_at,
            Case.resolved_at,
            Case.closed_at,
            Case.due_at,
            Case.escalated,
            Case.supporters_count,
            Case.reopen_count,
            CaseRating.score,
        )
        .select_from(Case)
        .join(Category, Category.id == Case.category_id)
        .outerjoin(Department, Department.id == Case.department_id)
        .outerjoin(CaseRating, CaseRating.case_id == Case.id)
        .where(Case.hidden.is_(False), *queries.filters(None, args))
    )
    if args.get("created_from"):
        stmt = stmt.where(Case.created_at >= datetime.combine(args["created_from"], time(), UTC))
    if args.get("created_to"):
        next_day = datetime.combine(args["created_to"], time(), UTC) + timedelta(days=1)
        stmt = stmt.where(Case.created_at < next_day)
    return stmt.order_by(Case.created_at, Case.id)


def _iso(value):
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def records(session: Session, args: dict, base_url: str) -> Iterator[dict]:
    stmt = export_query(args).execution_options(yield_per=BATCH)
    for row in session.execute(stmt):
        values = list(row)
        for index in (11, 12, 13, 14, 15):
            values[index] = _iso(values[index])
        record = dict(zip(COLUMNS, [*values, f"{base_url}/cases/{row[0]}"], strict=True))
        yield record


def neutralise(value) -> str:
    """A cell as text, with a leading quote where a spreadsheet would see a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_chunks(rows: Iterator[dict]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for count, record in enumerate(rows, start=1):
        writer.writerow([neutralise(record[c]) for c in COLUMNS])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def geojson_chunks(rows: Iterator[dict]) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    separator = ""
    parts: list[str] = []
    for record in rows:
        properties = {k: v for k, v in record.items() if k not in ("lat", "lon")}
        feature = {
            "type": "Feature",
            "id": record["id"],
            "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
            "properties": properties,
        }
        parts.append(separator + json.dumps(feature, ensure_ascii=False))
        separator = ","
        if len(parts) >= 500:
            yield "".join(parts)
            parts = []
    yield "".join(parts) + "]}"
