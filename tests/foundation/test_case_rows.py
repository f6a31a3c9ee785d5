"""The hot reads' plain rows (``backend.cases.rows``) answer exactly as loaded cases did.

The reference is the ORM path the list and the case page took before the rows: the same
filters and order over ``select(Case)`` with the model's own eager loads, the viewer flags
worked out on the loaded cases, and each case dumped by marshmallow with the schema
:func:`case_schema_for` picks. The answers over HTTP must be the same bytes, for every kind
of viewer, with hidden cases (one the reporter's own, one the other resident's), photos,
ratings, co-handling tasks and assignees, under several filters and orders.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from sqlalchemy import event

from backend.cases import queries, service
from backend.cases.models import Case
from backend.cases.schemas import PIN_DUMP, case_schema_for
from backend.cases.viewer import attach_viewers
from backend.errors import NotFound
from backend.extensions import db
from tests.fixtures_cases import WEST

pytestmark = pytest.mark.usefixtures("uncached")

VIEWERS = ("anonymous", "reporter", "resident", "volunteer", "staff", "water_staff", "admin")
WEST_BOX = (WEST[1] - 0.01, WEST[0] - 0.01, WEST[1] + 0.01, WEST[0] + 0.01)
QUERIES = [
    {},
    {"status": ["submitted", "accepted"], "bbox": WEST_BOX},
    {"sort": "-supporters", "per_page": 3, "page": 2},
    {"sort": "due_at"},
    {"near": (31.2304, 121.4737), "radius_m": 5000},
    {"category": "pothole", "sort": "-updated_at"},
    {"department": ["water", "parks"], "sort": "created_at"},
    {"overdue": False, "sort": "updated_at"},
    {"q": "case"},
    {"q": "case", "sort": "-supporters"},
]
SIGNED_IN_QUERIES = [{"mine": True}, {"following": True}, {"assigned_to_me": True}]


def _viewer(city, who):
    return None if who == "anonymous" else getattr(city, who)


def _orm_page(viewer, args: dict) -> list[Case]:
    """The page's cases as the ORM loaded them (the reference)."""
    db.session.expire_all()
    visible = queries.visible_cases(viewer)
    if (args.get("sort") or queries.default_sort(args)) == "relevance":
        ids, _total, _estimated = queries._page_by_relevance(db.session, viewer, args)
        by_id = {c.id: c for c in db.session.scalars(visible.where(Case.id.in_(ids)))}
        return [by_id[i] for i in ids if i in by_id]
    stmt = queries._ordered(visible.where(*queries.filters(viewer, args)), args)
    offset = (args["page"] - 1) * args["per_page"]
    return list(db.session.scalars(stmt.limit(args["per_page"]).offset(offset)))


def _orm_dump(viewer, cases: list[Case]) -> list[dict]:
    attach_viewers(db.session, viewer, cases)
    return [case_schema_for(viewer, case).dump(case) for case in cases]


def _query_string(args: dict) -> str:
    plain = {
        k: ",".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in args.items()
    }
    return urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in plain.items()})


@pytest.fixture
def hidden_cases(varied_cases):
    """The varied cases, the first four hidden (the reporter's and the resident's among
    them), the resolved ones with an "after" photo."""
    for case in varied_cases[:4]:
        case.hidden = True
    for case in varied_cases:
        if case.status == "resolved":
            case.photos[-1].kind = "after"
    db.session.commit()
    return varied_cases


def test_the_list_answers_as_the_loaded_cases_did(app, client, city, hidden_cases, token_for):
    for who in VIEWERS:  # one seed for all (a parameter each would seed each time)
        _same_lists(app, client, city, token_for, who)


def _same_lists(app, client, city, token_for, who: str) -> None:
    viewer = _viewer(city, who)
    headers = token_for(viewer) if viewer else {}
    for query in QUERIES + (SIGNED_IN_QUERIES if viewer else []):
        args = {"page": 1, "per_page": 100} | query
        response = client.get(f"/api/v1/cases?{_query_string(args)}", headers=headers)
        assert response.status_code == 200, (who, query, response.get_json())
        answered = response.get_json()
        items = _orm_dump(viewer, _orm_page(viewer, args))
        assert items or query in SIGNED_IN_QUERIES, (who, query)
        with app.test_request_context():
            expected = app.json.response({**answered, "items": items}).get_data()
        assert response.get_data() == expected, (who, query)


def test_the_case_page_answers_as_the_loaded_case_did(app, client, city, hidden_cases, token_for):
    """Every case, visible or hidden: the same bytes, or the same 404."""
    for who in VIEWERS:
        _same_pages(app, client, city, token_for, who, [c.id for c in hidden_cases])


def _same_pages(app, client, city, token_for, who: str, case_ids: list[int]) -> None:
    viewer = _viewer(city, who)
    headers = token_for(viewer) if viewer else {}
    for case_id in case_ids:
        response = client.get(f"/api/v1/cases/{case_id}", headers=headers)
        db.session.expire_all()
        try:
            case = service.case_for(db.session, case_id, viewer)
        except NotFound:
            assert response.status_code == 404, (who, case_id)
            continue
        assert response.status_code == 200, (who, case_id)
        with app.test_request_context():
            expected = app.json.response(_orm_dump(viewer, [case])[0]).get_data()
        assert response.get_data() == expected, (who, case_id)


def test_the_case_page_by_reference_is_the_case_page(client, city, hidden_cases, token_for):
    case = hidden_cases[0]
    headers = token_for(city.reporter)
    by_id = client.get(f"/api/v1/cases/{case.id}", headers=headers)
    by_reference = client.get(f"/api/v1/cases/by-ref/{case.reference}", headers=headers)
    assert by_id.status_code == by_reference.status_code == 200
    assert by_id.get_data() == by_reference.get_data()
    assert client.get(f"/api/v1/cases/by-ref/{case.reference}").status_code == 404


PIN_QUERIES = [query for query in QUERIES if "overdue" not in query]


def test_pins_read_as_rows_are_the_pins_of_the_loaded_cases(app, city, hidden_cases):
    """The pins' plain rows (no ORM objects) dump as the loaded cases do, hidden cases
    shown to whom they are shown."""
    for who in VIEWERS:
        _same_pins(city, who)


def _same_pins(city, who: str) -> None:
    viewer = _viewer(city, who)
    for query in PIN_QUERIES:
        args = {"page": 1, "per_page": 100} | query
        rows = queries.page_of_pins(db.session, viewer, args)
        loaded = _orm_page(viewer, args)
        assert rows["items"] and rows["total"] >= len(loaded), (who, query)
        assert all(isinstance(pin, dict) for pin in rows["items"])
        dumped = json.dumps([PIN_DUMP(pin) for pin in rows["items"]])
        assert dumped == json.dumps([PIN_DUMP(case) for case in loaded]), (who, query)


def test_no_case_is_loaded_as_an_orm_object(client, city, hidden_cases, token_for):
    """The list (also by relevance), the case page and the pins build no ORM case."""
    loaded = []

    def count(target, _context):
        loaded.append(target)

    urls = ["/api/v1/cases", "/api/v1/cases?q=case", f"/api/v1/cases/{hidden_cases[5].id}"]
    urls += ["/api/v1/cases/pins", "/api/v1/cases/pins?q=case"]
    event.listen(Case, "load", count)
    try:
        for headers in ({}, token_for(city.staff)):
            for url in urls:
                assert client.get(url, headers=headers).status_code == 200, url
    finally:
        event.remove(Case, "load", count)
    assert loaded == []
