"""A plain list's total (no text search): exact up to ``totals.EXACT_UP_TO`` matches, then
on PostgreSQL the planner's estimate, flagged ``total_estimated`` (docs/cases.md, "Lists
and indexes"); SQLite always counts exactly. Hidden cases stay out of the exact count of
those who may not see them."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update

from backend.cases import totals
from backend.cases.models import Case
from backend.extensions import db
from tests.helpers import sql_statements

pytestmark = pytest.mark.usefixtures("uncached")

PATHS = ("/api/v1/cases", "/api/v1/cases/pins")
LIMIT = totals.EXACT_UP_TO


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def copies(make_case):
    """``copies(n, **columns)``: ``n`` more cases like one filed the usual way, inserted in
    one Core statement (no search index rows: these tests ask no ``q``); answers their ids."""
    template = make_case()
    table = Case.__table__
    row = dict(db.session.execute(select(table).where(table.c.id == template.id)).one()._mapping)
    row.pop("id")
    made = [0]

    def factory(n: int, **columns) -> list[int]:
        start = made[0]
        made[0] += n
        ids = [start + i + 1 for i in range(n)]  # below any id the service draws (ID_MIN)
        rows = [{**row, **columns, "id": i, "reference": f"T-{i}"} for i in ids]
        db.session.execute(insert(table), rows)
        db.session.commit()
        return ids

    factory.template = template
    return factory


def _hide(ids: list[int]) -> None:
    db.session.execute(update(Case).where(Case.id.in_(ids)).values(hidden=True))
    db.session.commit()


def _total(client, path: str, headers=None, **query) -> tuple[int, bool]:
    query = {"per_page": 5, **query}
    body = client.get(path, query_string=query, headers=headers).get_json()
    assert len(body["items"]) == min(query["per_page"], body["total"])
    return body["total"], body["total_estimated"]


@pytest.mark.parametrize("path", PATHS)
def test_exact_up_to_the_threshold_then_estimated_on_postgresql(client, city, copies, path):
    copies(LIMIT - 1)  # with the template: LIMIT cases
    assert _total(client, path) == (LIMIT, False)
    copies(1)
    if _postgresql():
        total, estimated = _total(client, path)
        assert estimated is True and total >= LIMIT + 1  # counted LIMIT + 1, then planned
    else:
        assert _total(client, path) == (LIMIT + 1, False)  # SQLite counts all
    # a filter matching few: counted exactly, however many cases there are
    copies(3, status="accepted")
    assert _total(client, path, status="accepted") == (3, False)
    assert _total(client, path, status="accepted", per_page=2)[0] == 3  # not from the page


@pytest.mark.parametrize("path", PATHS)
def test_hidden_cases_stay_out_of_the_exact_count(client, city, copies, token_for, path):
    ids = copies(LIMIT + 1)  # with the template: LIMIT + 2 cases
    _hide(ids[:2])  # LIMIT the public may see
    staff = token_for(city.staff)
    for headers in (None, token_for(city.resident)):
        assert _total(client, path, headers) == (LIMIT, False)
    if _postgresql():  # staff see the hidden ones too: past the threshold
        total, estimated = _total(client, path, staff)
        assert estimated is True and total >= LIMIT + 1
    else:
        assert _total(client, path, staff) == (LIMIT + 2, False)
    _hide(ids[2:3])  # a third: the estimate's statement would still hold it, the count not
    assert _total(client, path) == (LIMIT - 1, False)


def test_a_first_page_that_is_not_full_is_the_total_without_a_count(client, copies):
    copies(2)
    with sql_statements() as sent:
        body = client.get("/api/v1/cases").get_json()
    assert (body["total"], body["total_estimated"], len(body["items"])) == (3, False, 3)
    assert not [s for s in sent if "count(" in s.lower()], sent
    with sql_statements() as sent:
        body = client.get("/api/v1/cases", query_string={"per_page": 2, "page": 2}).get_json()
    assert (body["total"], len(body["items"])) == (3, 1)  # a later page still counts
    assert [s for s in sent if "count(" in s.lower()]


@pytest.mark.postgresql_only  # SQLite counts exactly
def test_the_estimate_comes_from_the_planner(client, copies, monkeypatch):
    """Past the threshold the total is the planner's guess, never below what was counted."""
    copies(4)
    monkeypatch.setattr(totals, "EXACT_UP_TO", 2)
    seen = []
    real = totals.estimate

    def spy(session, stmt, counted):
        seen.append(counted)
        return real(session, stmt, counted)

    monkeypatch.setattr(totals, "estimate", spy)
    total, estimated = _total(client, "/api/v1/cases", per_page=2)
    assert estimated is True and total >= 3 and seen == [3]
