"""PostgreSQL goes away and comes back: requests fail cleanly (503 in the error shape)
while it is gone, nothing half-written stays behind, and the app recovers without a
restart (the pool pre-pings and reconnects)."""

from urllib.parse import urlparse

import psycopg
import pytest
from sqlalchemy import func, select

from backend.cases.models import Case, CaseEvent
from backend.extensions import db
from tests.helpers import error_of
from tests.operations.faults import Relay
from tests.services import POSTGRES_URL

pytestmark = [pytest.mark.postgres, pytest.mark.postgresql_only]

CASE = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Hole"}


@pytest.fixture
def relay(database_url):
    parsed = urlparse(database_url)
    relay = Relay(parsed.hostname, parsed.port or 5432)
    yield relay
    relay.down()


@pytest.fixture
def app_overrides(relay, database_url):
    parsed = urlparse(database_url)
    through = database_url.replace(parsed.netloc.rsplit("@", 1)[-1], f"127.0.0.1:{relay.port}")
    return {"SQLALCHEMY_DATABASE_URI": through, "DATABASE_POOL_TIMEOUT": 2}


def _counts(database_url) -> tuple[int, int]:
    """Rows as the database itself has them (not through the relay)."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM case_events").fetchone()[0]
    return cases, events


def test_a_lost_database_answers_503_and_the_app_recovers(
    app, client, city, token_for, relay, database_url
):
    headers = token_for(city.reporter)
    assert client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 201

    relay.down()
    for response in (
        client.post("/api/v1/cases", json=CASE, headers=headers),
        client.get("/api/v1/cases"),
    ):
        assert response.status_code == 503, response.get_data(as_text=True)
        assert error_of(response)["code"] == "database_unavailable"
        assert error_of(response)["request_id"] == response.headers["X-Request-Id"]
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"].startswith("error")

    relay.up()
    assert client.get("/readyz").status_code == 200
    assert client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 201
    assert _counts(database_url) == (2, 2)  # one submit event per case, nothing half-done


def test_terminated_connections_are_replaced_without_an_error(
    app, client, city, token_for, database_url
):
    """What a PostgreSQL restart does to pooled connections: pre-ping finds them dead."""
    headers = token_for(city.reporter)
    assert client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 201
    with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert killed >= 1
    assert client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 201
    assert client.get("/api/v1/cases").status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == 2


def test_postgresql_connections_carry_a_statement_timeout(app):
    assert db.session.scalar(select(func.current_setting("statement_timeout"))) == "30s"
    assert db.engine.pool.size() == app.config["DATABASE_POOL_SIZE"]
