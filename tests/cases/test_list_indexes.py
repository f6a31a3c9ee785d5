"""Each list filter is served by an index on both databases: the SQL a real request sends is
captured and explained. (Latency at 100,000 cases: benchmarks/list_queries.py.)

PostgreSQL prefers a sequential scan of a tiny table, so there the plan is asked for with
``enable_seqscan`` off: the question is whether an index *can* serve the filter. Which index
its cost model then picks depends on the statistics earlier tests left behind (for a filter
as unselective as ``escalated`` on a near-empty table, walking ``ix_cases_created_at`` in
order is as cheap), so there the test asks for *an* index on ``cases``, and SQLite, whose
choice does not move with the data, for the expected one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from backend.extensions import db
from tests.fixtures_cases import CENTRE
from tests.helpers import query_plan

LAT, LON = CENTRE
SINCE = (datetime.now(UTC) - timedelta(hours=6)).isoformat()
# filter -> the index it should use (`q` reads the text index: tests/cases/test_search.py)
FILTERS = {
    "": "ix_cases_created_at",
    "status=submitted,accepted": "ix_cases_status_created_at",
    "category=pothole": "ix_cases_category_id_created_at",
    "department=roads": "ix_cases_department_id_",
    "escalated=true": "ix_cases_escalated",
    f"bbox={LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}": "ix_cases_lat_lon",
    f"near={LAT},{LON}&radius_m=500": "ix_cases_lat_lon",
    "updated_since=" + SINCE.replace("+", "%2B"): "ix_cases_updated_at",
    "mine=true": "ix_cases_reporter_id",
}


@pytest.fixture
def case_queries(app):
    """The statements on ``cases`` that requests send while the fixture is active."""
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM cases" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    yield seen
    event.remove(db.engine, "before_cursor_execute", capture)


# "mine" means nothing to an anonymous visitor.
CASES = [
    pytest.param(query, index, signed_in, id=f"{query[:30]}-{who}")
    for query, index in FILTERS.items()
    for signed_in, who in ((True, "signed-in"), (False, "anonymous"))
    if signed_in or not query.startswith("mine")
]


@pytest.mark.parametrize(("query", "index", "signed_in"), CASES)
def test_each_filter_uses_its_index(
    client, make_case, city, token_for, case_queries, query, index, signed_in
):
    make_case()
    db.session.commit()
    case_queries.clear()
    headers = token_for(city.reporter) if signed_in else {}
    # page 2: a first page that is not full is its own total, and the counts go unasked
    response = client.get(f"/api/v1/cases?{query}&page=2", headers=headers)
    assert response.status_code == 200, response.get_json()
    plans = [(s, query_plan(s, p)) for s, p in case_queries]
    listing = [plan for statement, plan in plans if "count(" not in statement.lower()]
    assert len(listing) < len(plans), "no count was sent"
    expected = "ix_cases_" if db.engine.dialect.name == "postgresql" else index
    assert listing and expected in listing[0], listing
    for _statement, plan in plans:  # the page and its counts
        assert "SCAN cases\n" not in plan + "\n" and "Seq Scan on cases" not in plan, plan
