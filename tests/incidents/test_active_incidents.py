"""A filing checks the active incidents' areas the process keeps (backend.incidents.active)
and reads none; a declaration, a change or a close holds at the next filing, in every
process."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from backend import publiccache
from backend.extensions import db
from backend.incidents import active
from backend.live.publish import published
from tests.conftest import _build_app
from tests.helpers import sql_statements
from tests.services import REDIS_URL, require_service

GOOD = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Hole by the kerb"}


@contextmanager
def offers():
    """The ``incident.offered`` events published inside the block."""
    heard = []

    def _heard(_session, *, rooms, event, payload):
        if event == "incident.offered":
            heard.append(payload)

    published.connect(_heard)
    try:
        yield heard
    finally:
        published.disconnect(_heard)


def _file(client, headers):
    """A filing: the incidents' reads it sent and the offers it made."""
    with sql_statements() as sent, offers() as offered:
        response = client.post("/api/v1/cases", json=GOOD, headers=headers)
    assert response.status_code == 201, response.get_json()
    return [s for s in sent if "FROM incidents" in s], offered


def test_with_no_incident_active_a_filing_reads_none(client, crisis):
    _file(client, crisis.h.resident)  # the first learns there is none
    assert _file(client, crisis.h.resident) == ([], [])


def test_a_declared_incident_is_offered_the_next_reports(client, crisis, declare):
    _file(client, crisis.h.resident)
    shown = declare(categories=["pothole"])
    reads, offered = _file(client, crisis.h.resident)
    assert len(reads) == 1 and [o["incident_id"] for o in offered] == [shown["id"]]
    reads, offered = _file(client, crisis.h.resident)
    assert reads == [] and [o["incident_id"] for o in offered] == [shown["id"]]  # kept
    closed = client.post(
        f"/api/v1/incidents/{shown['id']}/close", json={"summary": "Over."}, headers=crisis.h.head
    )
    assert closed.status_code == 200, closed.get_json()
    reads, offered = _file(client, crisis.h.resident)
    assert len(reads) == 1 and offered == []
    assert _file(client, crisis.h.resident) == ([], [])


def test_a_changed_area_holds_at_the_next_filing(client, crisis, declare):
    shown = declare(categories=["pothole"])
    _file(client, crisis.h.resident)
    far = {"area": {"lat": 40.0, "lon": 116.4, "radius_m": 2000}}
    moved = client.patch(f"/api/v1/incidents/{shown['id']}", json=far, headers=crisis.h.head)
    assert moved.status_code == 200, moved.get_json()
    assert _file(client, crisis.h.resident)[1] == []


def test_a_write_past_the_api_holds_too(client, crisis, declare):
    shown = declare(categories=["pothole"])
    _file(client, crisis.h.resident)
    db.session.execute(text("UPDATE incidents SET status = 'closed'"))
    db.session.commit()
    assert _file(client, crisis.h.resident)[1] == []
    db.session.execute(text("UPDATE incidents SET status = 'active'"))
    db.session.commit()
    _reads, offered = _file(client, crisis.h.resident)
    assert [o["incident_id"] for o in offered] == [shown["id"]]


def test_too_many_to_keep_means_each_filing_reads_around_its_point(
    client, crisis, declare, monkeypatch
):
    monkeypatch.setattr(active, "KEPT_AT_MOST", 0)
    shown = declare(categories=["pothole"])
    for _ in range(2):
        reads, offered = _file(client, crisis.h.resident)
        assert "min_lat" in reads[-1] and [o["incident_id"] for o in offered] == [shown["id"]]


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("INSERT INTO case_search (case_id) SELECT 1", False),
        ("UPDATE incidents SET status = 'closed'", True),
        ("WITH c AS (UPDATE incidents SET status = 'closed') SELECT 1", True),
        ("SELECT * FROM incidents", False),
    ],
)
def test_plain_sql_is_taken_for_an_incidents_write_unless_it_names_another_table(statement, writes):
    class Plain:  # what the engine's context says of plain SQL
        isinsert = isupdate = isdelete = False
        compiled = None

    assert active.writes_incidents(statement, Plain()) is writes


# --- processes sharing Redis ------------------------------------------------------------------


@pytest.fixture
def redis_apps(_schema, database_url, tmp_path):
    """Two apps (two processes' worth of kept answers) sharing one Redis."""
    require_service("Redis", REDIS_URL)
    apps = []
    for n in (1, 2):
        application = _build_app(SQLALCHEMY_DATABASE_URI=database_url, DATA_DIR=tmp_path / f"{n}")
        kept = application.extensions[active.EXTENSION]
        kept.version = publiccache.RedisVersion(
            REDIS_URL, on_failure=kept.forget, key=active.VERSION_KEY
        )
        apps.append(application)
    yield apps
    for application in apps:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_incident_declared_in_one_process_is_offered_reports_in_the_other(crisis, redis_apps):
    from tests.fixtures_incidents import incident_body

    one, two = (application.test_client() for application in redis_apps)
    db.session.rollback()  # SQLite: the test's session must not hold the write lock
    with redis_apps[0].app_context():
        _file(one, crisis.h.resident)
        assert _file(one, crisis.h.resident) == ([], [])  # kept: none active
    with redis_apps[1].app_context():
        body = incident_body(categories=["pothole"])
        declared = two.post("/api/v1/incidents", json=body, headers=crisis.h.head)
        assert declared.status_code == 201, declared.get_json()
    time.sleep(publiccache.VERSION_MEMO_SECONDS)  # how long a process trusts its last read
    with redis_apps[0].app_context():
        _reads, offered = _file(one, crisis.h.resident)
    assert [o["incident_id"] for o in offered] == [declared.get_json()["id"]]


def test_redis_down_means_each_filing_reads(app, client, crisis, monkeypatch):
    monkeypatch.setattr(publiccache, "REDIS_RETRY_SECONDS", 0)
    kept = app.extensions[active.EXTENSION]
    down = publiccache.RedisVersion(
        "redis://127.0.0.1:1/0", on_failure=kept.forget, key=active.VERSION_KEY
    )
    monkeypatch.setattr(kept, "version", down)
    for _ in range(2):
        reads, _offered = _file(client, crisis.h.resident)
        assert len(reads) == 1
