"""DATABASE_READ_URL: lists, statistics, exports and Open311 reads select on the replica,
here a second PostgreSQL user with read-only grants on the same database; writes and every
other read stay on the primary."""

from __future__ import annotations

import contextlib
import re

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from backend.cases.models import Case
from backend.config import REPLICA
from backend.extensions import db
from backend.replica import mark_request
from tests.helpers import sql_statements

pytestmark = pytest.mark.postgresql_only
READER = "cityloop_reader"


def _grant_reader(url: str) -> str:
    """The read-only user (created once per cluster) and its URL for this database."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": READER})
        if not exists:
            with contextlib.suppress(ProgrammingError):  # another pass created it meanwhile
                connection.execute(text(f"CREATE ROLE {READER} LOGIN"))
        connection.execute(text(f'GRANT CONNECT ON DATABASE "{name}" TO {READER}'))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {READER}"))
        connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}"))
    admin.dispose()
    return make_url(url).set(username=READER, password=None).render_as_string(False)


@pytest.fixture
def app_overrides(database_url):
    return {"DATABASE_READ_URL": _grant_reader(database_url)}


@pytest.fixture
def statements(app):
    """The SQL each engine ran, by engine: ``{"primary": [...], "replica": [...]}``."""
    with sql_statements() as primary, sql_statements(db.engines[REPLICA]) as replica:
        yield {"primary": primary, "replica": replica}


def _reads_of_cases(sql: list[str]) -> list[str]:
    """SELECTs of the cases or of their statistics' summary rows."""
    table = re.compile(r"FROM (cases|case_summaries)\b")
    return [s for s in sql if s.lstrip().upper().startswith("SELECT") and table.search(s)]


def test_the_replica_user_cannot_write(app):
    with db.engines[REPLICA].connect() as connection, pytest.raises(ProgrammingError):
        connection.execute(text("UPDATE cases SET title = 'x'"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases?per_page=5",
        "/api/v1/cases/pins",
        "/api/v1/stats/overview",
        "/api/v1/stats/departments",
        "/api/v1/opendata/cases.csv",
        "/open311/v2/requests.json",
    ],
)
def test_lists_statistics_and_exports_read_the_replica(client, make_case, statements, path):
    make_case()
    statements["primary"].clear()
    response = client.get(path, buffered=True)  # a streamed export reads as it is sent
    assert response.status_code == 200, response.data[:300]
    assert _reads_of_cases(statements["replica"]), statements
    assert _reads_of_cases(statements["primary"]) == []


def test_statistics_raise_their_sort_memory_where_they_run(client, make_case, statements):
    make_case()
    assert client.get("/api/v1/stats/overview").status_code == 200
    assert any("work_mem" in s for s in statements["replica"])
    assert not any("work_mem" in s for s in statements["primary"])


def test_writes_and_other_reads_stay_on_the_primary(client, city, token_for, make_case, statements):
    body = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "A deep hole"}
    created = client.post("/api/v1/cases", json=body, headers=token_for(city.reporter))
    assert created.status_code == 201
    assert statements["replica"] == []
    one = client.get(f"/api/v1/cases/{created.get_json()['id']}")  # a case's page: fresh
    assert one.status_code == 200
    assert statements["replica"] == []
    listed = client.get("/api/v1/cases", query_string={"per_page": 50}).get_json()
    assert created.get_json()["id"] in {c["id"] for c in listed["items"]}


def test_in_a_marked_request_only_plain_selects_go_to_the_replica(app, make_case, statements):
    case = make_case()
    db.session.commit()
    with app.test_request_context("/api/v1/cases"):
        mark_request()
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1
        db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update()).all()
        db.session.execute(update(Case).where(Case.id == case.id).values(title="Checked"))
        db.session.commit()
    assert any("count(*)" in s for s in statements["replica"])
    assert any("FOR UPDATE" in s for s in statements["primary"])
    assert any(s.startswith("UPDATE cases") for s in statements["primary"])
    assert not any("FOR UPDATE" in s or s.startswith("UPDATE") for s in statements["replica"])
