"""Reading cases: the filtered list, duplicates nearby, and a case's events.

Distances use an equirectangular approximation in plain arithmetic, so the same SQL runs
on SQLite (no trigonometry there) and PostgreSQL, and a bounding box on ``(lat, lon)``
narrows the rows first through the composite index. Within the city-sized radii allowed
the error is far below a GPS fix's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from backend.auth.models import shown_by_name
from backend.auth.permissions import (
    Permission,
    has_permission,
    is_authenticated,
    is_staff,
    require_user,
)
from backend.cases import references, rows, search, totals
from backend.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseFollower
from backend.db import utcnow
from backend.departments.models import Category, Department
from backend.geo import METRES_PER_DEGREE, metres_per_degree_lon, sql_box, sql_lon_offset
from backend.publiccache import answer_changes_at

DEFAULT_RADIUS_M = 1000
NEARBY_LIMIT = 5

_SORTS = {
    "created_at": (Case.created_at.asc(), Case.id.asc()),
    "-created_at": (Case.created_at.desc(), Case.id.desc()),
    "updated_at": (Case.updated_at.asc(), Case.id.asc()),
    "-updated_at": (Case.updated_at.desc(), Case.id.desc()),
    "due_at": (Case.due_at.is_(None), Case.due_at.asc(), Case.id.asc()),
    "-due_at": (Case.due_at.is_(None), Case.due_at.desc(), Case.id.desc()),
    "supporters": (Case.supporters_count.asc(), Case.id.asc()),
    "-supporters": (Case.supporters_count.desc(), Case.id.desc()),
}


def sees_hidden(viewer) -> bool:
    return is_staff(viewer) or has_permission(viewer, Permission.MODERATE)


def _hidden_from(viewer) -> ColumnElement:
    """The cases ``viewer`` may not see: hidden ones, except their own."""
    hidden = Case.hidden == True  # noqa: E712  (matches the index on SQLite and PostgreSQL)
    if is_authenticated(viewer):
        return and_(hidden, or_(Case.reporter_id.is_(None), Case.reporter_id != viewer.id))
    return hidden


def visible_cases(viewer) -> Select:
    """Every case ``viewer`` may see: hidden ones only for their reporter, staff and
    volunteers."""
    # Reporters' memberships are never shown: do not load them with every page.
    return _visible_to(viewer, select(Case).options(*shown_by_name(Case.reporter)))


def _visible_to(viewer, stmt: Select) -> Select:
    return stmt if sees_hidden(viewer) else stmt.where(~_hidden_from(viewer))


def count_cases(session: Session, viewer, args: dict) -> int:
    """How many cases a list request matches, exactly and fast: the filters alone are
    answered from their (covering) indexes, and the few hidden matches are counted through
    the index on ``hidden`` and subtracted, instead of reading every matching row to check
    it. (SQLite's list total; PostgreSQL's stops past 1,000: :func:`list_total`.)"""
    conditions = filters(viewer, args)
    total = session.scalar(select(func.count()).select_from(Case).where(*conditions))
    if sees_hidden(viewer) or not total:
        return total or 0
    hidden = select(func.count()).select_from(Case).where(*conditions, _hidden_from(viewer))
    return total - (session.scalar(hidden) or 0)


def list_total(session: Session, viewer, args: dict) -> tuple[int, bool]:
    """The total of a list request (no text search by relevance) and whether it is an
    estimate: on PostgreSQL the cases ``viewer`` may see counted up to
    ``totals.EXACT_UP_TO`` (the filters' matches from their indexes, stopping past it,
    less the few hidden ones, counted through the index on ``hidden`` as
    :func:`count_cases` does), past that the planner's estimate of the filters' matches;
    on SQLite exactly (:func:`count_cases`)."""
    if session.get_bind().dialect.name != "postgresql":
        return count_cases(session, viewer, args), False
    conditions = filters(viewer, args)
    matches = select(Case.id).where(*conditions)
    if sees_hidden(viewer):
        return totals.total(session, matches)
    return totals.total(session, matches, matches.where(_hidden_from(viewer)))


def page_of_cases(session: Session, viewer, args: dict) -> dict:
    """The list envelope for ``GET /cases``: the page's cases as plain rows
    (:func:`rows.read_cases`), not ORM objects."""

    def read(stmt: Select) -> list:
        return rows.read_cases(session, viewer, stmt)

    return _page(session, viewer, args, rows.case_select(viewer), read)


# A pin: where, which status, a title and the category (``CasePinSchema``); the statement
# built once.
_PINS = select(
    *(Case.id, Case.status, Case.lat, Case.lon, Case.title),
    *(Category.code, Category.name, rows.as_text(Category.names)),
).join_from(Case, Category, Case.category_id == Category.id, isouter=True)


def page_of_pins(session: Session, viewer, args: dict) -> dict:
    """``GET /cases/pins``: the same filters, order and paging as the list, each pin a plain
    dict of what it shows (``PIN_DUMP`` reads dicts), selected with its category's names in
    one statement: no ORM objects."""

    def read(stmt: Select) -> list:
        texts = rows.JsonTexts()
        return [_pin(*row, texts) for row in session.execute(stmt)]

    return _page(session, viewer, args, _PINS, read)


def _page(
    session: Session, viewer, args: dict, stmt: Select, read: Callable[[Select], list]
) -> dict:
    """The envelope of a page of ``stmt`` (cases, with what each item shows) that a list
    request asks for: ``read(stmt)`` turns the page's statement into its items (each with
    an ``id``)."""
    page, per_page = args["page"], args["per_page"]
    stmt = _visible_to(viewer, stmt)
    if (args.get("sort") or default_sort(args)) == "relevance":
        ids, total, estimated = _page_by_relevance(session, viewer, args)
        found = read(stmt.where(Case.id.in_(ids))) if ids else []
        by_id = {_id_of(item): item for item in found}
        items = [by_id[i] for i in ids if i in by_id]
    else:
        stmt = _ordered(stmt.where(*filters(viewer, args)), args)
        items = read(stmt.limit(per_page).offset((page - 1) * per_page))
        if page == 1 and len(items) < per_page:  # the page holds every match
            total, estimated = len(items), False
        else:
            total, estimated = list_total(session, viewer, args)
    envelope = {"items": items, "total": total, "page": page, "per_page": per_page}
    return {**envelope, "total_estimated": estimated}


def _id_of(item) -> int:
    return item["id"] if isinstance(item, dict) else item.id


def _page_by_relevance(session: Session, viewer, args: dict) -> tuple[list[int], int, bool]:
    """The ids of the page of matches of ``q`` by relevance, the total and whether it is an
    estimate, from the text index (``search.relevant_page``)."""
    page, per_page = args["page"], args["per_page"]
    hidden = None if sees_hidden(viewer) else select(Case.id).where(_hidden_from(viewer))
    conditions = filters(viewer, args, text=False)
    offset = (page - 1) * per_page
    found = search.relevant_page(session, args["q"], conditions, hidden, per_page, offset)
    return ([], 0, False) if found is None else found


def _pin(case_id, status, lat, lon, title, code, name, names, texts: rows.JsonTexts) -> dict:
    pin = {"id": case_id, "status": status, "lat": lat, "lon": lon, "title": title}
    pin["category"] = {"code": code, "name": name, "names": texts.decode(names)}
    return pin


def _code_filter(column, model, code: str) -> ColumnElement:
    return column == select(model.id).where(model.code == code).scalar_subquery()


def distance_squared(lat: float, lon: float) -> ColumnElement:
    """Squared metres from (lat, lon) to each case, as arithmetic SQL."""
    kx = metres_per_degree_lon(lat)
    dx = sql_lon_offset(Case.lon, lon) * kx
    dy = (Case.lat - lat) * METRES_PER_DEGREE
    return dx * dx + dy * dy


def within(lat: float, lon: float, radius_m: float) -> ColumnElement:
    """Cases within ``radius_m`` of (lat, lon): a box on the index, then the exact circle."""
    return and_(
        sql_box(Case.lat, Case.lon, lat, lon, radius_m),
        distance_squared(lat, lon) <= radius_m * radius_m,
    )


def id_by_reference(session: Session, typed: str) -> int | None:
    """The id of the case with this reference (as typed: any case, spaces, short number)."""
    reference = references.normalise(typed)
    if reference is None:
        return None
    return session.scalar(select(Case.id).where(Case.reference == reference))


def _viewer_filters(viewer, args: dict) -> list[ColumnElement]:
    conditions = []
    if args.get("mine") or args.get("following") or args.get("assigned_to_me"):
        require_user(viewer)
    if args.get("assigned_to_me"):
        conditions.append(Case.assignee_id == viewer.id)
    if args.get("mine"):
        conditions.append(Case.reporter_id == viewer.id)
    if args.get("following"):
        followed = select(CaseFollower.case_id).where(CaseFollower.user_id == viewer.id)
        conditions.append(Case.id.in_(followed))
    return conditions


def overdue_condition(now, table=Case) -> ColumnElement:
    """When a case is overdue: still open and past its due time (in SQL; the same rule as
    :func:`is_overdue`). ``table`` is anything with the case's ``status`` and ``due_at``
    (the statistics' per-case summary rows)."""
    return and_(table.status.in_(OPEN_STATUSES), table.due_at < now)


def at_risk_condition(now, within: timedelta) -> ColumnElement:
    """When a case is at risk: still open, not overdue yet, and due within ``within``."""
    return and_(overdue_condition(now + within), Case.due_at >= now)


def at_risk_window() -> timedelta:
    return timedelta(hours=current_app.config["AT_RISK_HOURS"])


def is_overdue(case: Case, now=None) -> bool:
    """:func:`overdue_condition` for one loaded case: what payloads say as ``overdue``."""
    now = now or utcnow()
    return case.is_open and case.due_at is not None and case.due_at < now


def _overdue(overdue: bool) -> ColumnElement:
    now = utcnow()
    answer_changes_at(now)  # which cases match changes with the clock: keep no copy
    if overdue:
        return overdue_condition(now)
    # spelled out: NOT(... due_at < now) would drop the cases without a due time (NULL)
    return or_(Case.status.not_in(OPEN_STATUSES), Case.due_at.is_(None), Case.due_at >= now)


def filters(viewer, args: dict, *, text: bool = True) -> list[ColumnElement]:
    """The WHERE conditions of a list request (see ``CaseQuerySchema``); ``text``: with
    the text search's (a list by relevance joins the matches instead)."""
    conditions = _viewer_filters(viewer, args)
    if args.get("status"):
        conditions.append(Case.status.in_(args["status"]))
    if args.get("category"):
        conditions.append(_code_filter(Case.category_id, Category, args["category"]))
    if args.get("department"):
        codes = select(Department.id).where(Department.code.in_(args["department"]))
        conditions.append(Case.department_id.in_(codes))
    if "overdue" in args:
        conditions.append(_overdue(args["overdue"]))
    if args.get("at_risk"):
        now = utcnow()
        answer_changes_at(now)
        conditions.append(at_risk_condition(now, at_risk_window()))
    if args.get("priority"):
        conditions.append(Case.priority == args["priority"])
    if "escalated" in args:
        conditions.append(Case.escalated.is_(args["escalated"]))
    if args.get("updated_since"):
        conditions.append(Case.updated_at >= args["updated_since"])
    if args.get("bbox"):
        min_lon, min_lat, max_lon, max_lat = args["bbox"]
        conditions.append(Case.lat.between(min_lat, max_lat))
        conditions.append(Case.lon.between(min_lon, max_lon))
    if args.get("near"):
        lat, lon = args["near"]
        conditions.append(within(lat, lon, args.get("radius_m") or DEFAULT_RADIUS_M))
    if text and args.get("q"):
        conditions.append(search.condition(args["q"]))
    return conditions


def default_sort(args: dict) -> str:
    """Best match first for a text search; nearest first around a point; most recently
    changed first when syncing changes (so the ``updated_at`` index serves both the filter
    and the order); else newest."""
    if args.get("q"):
        return "relevance"
    if args.get("near"):
        return "distance"
    return "-updated_at" if args.get("updated_since") else "-created_at"


def _ordered(stmt: Select, args: dict) -> Select:
    sort = args.get("sort") or default_sort(args)
    if sort == "distance":
        return stmt.order_by(distance_squared(*args["near"]), Case.id)
    return stmt.order_by(*_SORTS[sort])


def nearby(
    session: Session, viewer, *, category: str, lat: float, lon: float, radius_m: int
) -> list[Case]:
    """Open cases of the category near a point, nearest first, for "me too" before filing.

    Each case gets a ``distance_m`` attribute.
    """
    distance = distance_squared(lat, lon)
    stmt = (
        visible_cases(viewer)
        .add_columns(distance)
        .where(
            Case.status.in_(OPEN_STATUSES),
            _code_filter(Case.category_id, Category, category),
            within(lat, lon, radius_m),
        )
        .order_by(distance, Case.id)
        .limit(NEARBY_LIMIT)
    )
    cases = []
    for case, squared in session.execute(stmt):
        case.distance_m = round(math.sqrt(max(squared, 0.0)), 1)
        cases.append(case)
    return cases


def events_of(case: Case, *, after: int = 0, internal: bool = False) -> Select:
    """The case's events after ``after``, oldest first; internal ones only if asked."""
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.id > after)
    stmt = stmt.options(*shown_by_name(CaseEvent.actor))
    if not internal:
        stmt = stmt.where(CaseEvent.internal.is_(False))
    return stmt.order_by(CaseEvent.id)
