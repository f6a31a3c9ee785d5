"""Open311 on top of the cases domain: services from categories, requests from cases.

An Open311 request *is* a case: filing one goes through :func:`cases.service.create_external_case`
(same validation, event and live publication); reading goes through the public case
visibility (:func:`cases.queries.visible_cases`), so hidden cases never leave. Mapping, as
DESIGN.md fixes it: service_code = category code, service_request_id = case id, ``closed``
for closed, rejected and merged cases, agency_responsible = the lead department's name.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.models import shown_by_name
from backend.cases import service as cases
from backend.cases.models import FINAL_STATUSES, Case, CaseEvent
from backend.cases.queries import visible_cases
from backend.departments.models import Category
from backend.departments.service import category_by_code
from backend.errors import DomainError, NotFound
from backend.ids import id_in_range
from backend.open311.formats import w3c

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-02T00:00:00Z"
MAX_SPAN = timedelta(days=90)
DESCRIPTION_LIMIT = 4000


class Open311Error(Exception):
    """An error the spec answers with its error list (400, 403 or 404)."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def open311_status(case: Case) -> str:
    return "closed" if case.status in FINAL_STATUSES else "open"


# --- services ----------------------------------------------------------------------------------


def _active_categories(session: Session) -> list[Category]:
    stmt = select(Category).where(Category.active.is_(True)).order_by(Category.code)
    return list(session.scalars(stmt))


def services(session: Session) -> list[dict]:
    return [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.description or category.name,
            "metadata": bool(category.attributes),
            "type": "realtime",
            "keywords": category.keywords,
            "group": category.department.name,
        }
        for category in _active_categories(session)
    ]


def service_category(session: Session, code: str) -> Category:
    try:
        return category_by_code(session, code, active_only=True)
    except NotFound:
        raise Open311Error(404, f"No service with service_code '{code}'.") from None


def _attribute(question: dict, position: int) -> dict:
    datatype = question.get("datatype", "string")
    attribute = {
        "variable": True,
        "code": question["code"],
        "datatype": datatype,
        "required": bool(question.get("required")),
        "datatype_description": question.get("datatype_description") or "",
        "order": question.get("order") or position,
        "description": question.get("description") or question["code"],
    }
    if datatype.endswith("valuelist"):
        attribute["values"] = [
            {"key": v["key"], "name": v["name"]} for v in question.get("values") or []
        ]
    return attribute


def service_definition(session: Session, code: str) -> dict:
    category = service_category(session, code)
    attributes = [_attribute(q, i) for i, q in enumerate(category.attributes or [], start=1)]
    attributes.sort(key=lambda a: a["order"])
    return {"service_code": category.code, "attributes": attributes}


# --- tokens ------------------------------------------------------------------------------------


def _tokens(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="open311-token")


def token_for(case: Case, secret: str) -> str:
    """A token that names the case; signed, so no table is needed and none can be guessed."""
    return _tokens(secret).dumps(case.id)


def request_for_token(session: Session, token: str, secret: str) -> dict:
    try:
        case_id = _tokens(secret).loads(token)
    except BadSignature:
        raise Open311Error(404, "No request with this token.") from None
    case = visible_case(session, case_id)
    return {"service_request_id": str(case.id), "token": token}


# --- filing a request --------------------------------------------------------------------------


def create_request(session: Session, client_name: str, form: dict, answers: dict) -> Case:
    """File the request as a case; domain validation errors become the spec's 400."""
    try:
        category = service_category(session, form.get("service_code") or "")
    except Open311Error as exc:
        raise Open311Error(400, f"service_code: {exc.description}") from None
    description = form.get("description") or ""
    if len(description) > DESCRIPTION_LIMIT:
        raise Open311Error(400, f"description: at most {DESCRIPTION_LIMIT} characters.")
    data = {
        "category": category.code,
        "lat": form["lat"],
        "lon": form["long"],
        "address": form.get("address_string"),
        "description": description,
        "answers": answers,
    }
    contact = {
        "name": " ".join(p for p in (form.get("first_name"), form.get("last_name")) if p),
        "email": form.get("email"),
        "phone": form.get("phone"),
    }
    details = {"client": client_name}
    for key in ("media_url", "address_id", "device_id", "account_id"):
        if form.get(key):
            details[key] = form[key]
    try:
        return cases.create_external_case(
            session, data, source="open311", contact=contact, details=details
        )
    except DomainError as exc:
        raise Open311Error(400, _describe(exc)) from None


def _describe(exc: DomainError) -> str:
    """A domain error's message with its field messages, flattened to one line."""
    parts = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}[{key}]" if prefix else str(key), inner)
        elif isinstance(value, list):
            parts.append(f"{prefix}: {' '.join(str(v) for v in value)}")
        else:
            parts.append(f"{prefix}: {value}")

    walk("", exc.fields)
    name_map = {"answers": "attribute", "lon": "long", "address": "address_string"}
    text = "; ".join(parts)
    for ours, theirs in name_map.items():
        text = text.replace(f"{ours}[", f"{theirs}[").replace(f"{ours}:", f"{theirs}:")
    return f"{exc.message} {text}".strip()


# --- reading requests --------------------------------------------------------------------------


def visible_case(session: Session, case_id) -> Case:
    text = str(case_id)
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else None
    case = None
    if id_in_range(number):
        case = session.scalar(visible_cases(None).where(Case.id == number))
    if case is None:
        raise Open311Error(404, f"No request with service_request_id '{case_id}'.")
    return case


def find_requests(session: Session, query: dict) -> list[Case]:
    """Cases for ``GET requests`` (``query`` parsed by :func:`params.request_query`)."""
    stmt = visible_cases(None)
    if query.get("ids") is not None:
        stmt = stmt.where(Case.id.in_(query["ids"]))
    else:
        if query.get("service_codes"):
            codes = select(Category.id).where(Category.code.in_(query["service_codes"]))
            stmt = stmt.where(Case.category_id.in_(codes))
        if query.get("start") is not None:
            stmt = stmt.where(Case.created_at >= query["start"])
        if query.get("end") is not None:
            stmt = stmt.where(Case.created_at <= query["end"])
        if query.get("updated_after") is not None:
            stmt = stmt.where(Case.updated_at > query["updated_after"])
        if query.get("updated_before") is not None:
            stmt = stmt.where(Case.updated_at < query["updated_before"])
        if query.get("status"):
            final = Case.status.in_(FINAL_STATUSES)
            wanted = set(query["status"])
            if wanted == {"open"}:
                stmt = stmt.where(~final)
            elif wanted == {"closed"}:
                stmt = stmt.where(final)
    size = query["page_size"]
    stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc())
    stmt = stmt.limit(size).offset((query["page"] - 1) * size)
    return list(session.scalars(stmt))


def _public_events(session: Session, case_ids: list[int]) -> dict[int, list[CaseEvent]]:
    """The public events of these cases, oldest first, in one query."""
    by_case: dict[int, list[CaseEvent]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return by_case
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.internal.is_(False))
        .order_by(CaseEvent.id)
        .options(*shown_by_name(CaseEvent.actor))
    )
    for event in session.scalars(stmt):
        by_case[event.case_id].append(event)
    return by_case


def _event_text(event: CaseEvent) -> str | None:
    return event.note or event.reason


def _media_url(case: Case, events: list[CaseEvent], base_url: str) -> str | None:
    if case.photos:
        return base_url + case.photos[0].url
    submitted = next((e for e in events if e.action == "submit"), None)
    return (submitted.details or {}).get("media_url") if submitted else None


def request_dicts(
    session: Session, found: list[Case], *, base_url: str, extensions: bool = False
) -> list[dict]:
    events = _public_events(session, [case.id for case in found])
    return [_request(case, events[case.id], base_url, extensions) for case in found]


def _request(case: Case, events: list[CaseEvent], base_url: str, extensions: bool) -> dict:
    noted = [e for e in events if _event_text(e)]
    submitted = next((e for e in events if e.action == "submit"), None)
    item = {
        "service_request_id": str(case.id),
        "status": open311_status(case),
        "status_notes": _event_text(noted[-1]) if noted else None,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": case.department.name if case.department else None,
        "service_notice": None,
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.due_at),
        "address": case.address,
        "address_id": (submitted.details or {}).get("address_id") if submitted else None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": _media_url(case, events, base_url),
    }
    if extensions:
        item["extended_attributes"] = {
            "status": case.status,
            "title": case.title,
            "priority": case.priority,
            "escalated": case.escalated,
            "supporters": case.supporters_count,
            "notes": [
                {"created_at": w3c(e.created_at), "action": e.action, "text": _event_text(e)}
                for e in noted
            ],
            "photos": [base_url + photo.url for photo in case.photos],
            "attributes": dict(case.answers or {}),
        }
    return item


def default_window(now: datetime, start, end) -> tuple[datetime, datetime]:
    """The spec's date range: the last 90 days by default, never wider than 90 days."""
    if end is None:
        end = start + MAX_SPAN if start is not None else now
    if start is None:
        start = end - MAX_SPAN
    if start > end:
        raise Open311Error(400, "start_date must be before end_date.")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date and end_date may span at most 90 days.")
    return start, end


# --- FixMyStreet's servicerequestupdates extension (read) ---------------------------------------

# FixMyStreet's extended states (wiki: Open311 FMS - Complete Spec).
FMS_STATUS = {
    "submitted": "OPEN",
    "accepted": "INVESTIGATING",
    "assigned": "ACTION_SCHEDULED",
    "in_progress": "IN_PROGRESS",
    "resolved": "FIXED",
    "closed": "CLOSED",
    "rejected": "NO_FURTHER_ACTION",
    "merged": "DUPLICATE",
}


def request_updates(session: Session, query: dict, *, base_url: str) -> list[dict]:
    """The public events of visible cases in the window, oldest first, as FMS updates."""
    visible = visible_cases(None).with_only_columns(Case.id).order_by(None)
    stmt = (
        select(CaseEvent)
        .where(
            CaseEvent.internal.is_(False),
            CaseEvent.case_id.in_(visible),
            CaseEvent.created_at >= query["start"],
            CaseEvent.created_at <= query["end"],
        )
        .order_by(CaseEvent.id)
        .limit(query["page_size"])
        .offset((query["page"] - 1) * query["page_size"])
    )
    updates = []
    for event in session.scalars(stmt):
        photo = next((p for p in event.case.photos if p.event_id == event.id), None)
        updates.append(
            {
                "update_id": str(event.id),
                "service_request_id": str(event.case_id),
                "status": FMS_STATUS.get(event.to_status, "OPEN"),
                "updated_datetime": w3c(event.created_at),
                "description": _event_text(event) or "",
                "media_url": base_url + photo.url if photo else None,
            }
        )
    return updates
