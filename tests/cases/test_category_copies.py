"""A filing reads its category from the process's copy (backend.departments.catalogue), and
any change to a category or a department holds at the next filing, in every process."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text, update

from backend import publiccache
from backend.departments import catalogue
from backend.departments.models import Category
from backend.extensions import db
from tests.conftest import _build_app
from tests.helpers import sql_statements
from tests.services import REDIS_URL, require_service

GOOD = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Hole by the kerb"}


def _file(client, headers, **changes):
    with sql_statements() as sent:
        response = client.post("/api/v1/cases", json={**GOOD, **changes}, headers=headers)
    reads = [s for s in sent if "FROM categories" in s]
    return response, reads


def test_a_second_filing_reads_no_category(client, city, token_for):
    headers = token_for(city.reporter)
    first, reads = _file(client, headers)
    assert first.status_code == 201 and len(reads) == 1
    second, reads = _file(client, headers)
    assert second.status_code == 201 and reads == []
    assert second.get_json()["category"] == first.get_json()["category"]


def test_filings_leave_the_copies_alone(app, client, city, token_for):
    """Case writes (the PostgreSQL search index's plain INSERT among them) are not
    catalogue writes."""
    version = app.extensions[catalogue.EXTENSION].version
    headers = token_for(city.reporter)
    assert _file(client, headers)[0].status_code == 201
    before = version.current()
    assert _file(client, headers)[0].status_code == 201
    assert version.current() == before


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("INSERT INTO case_search (case_id) SELECT 1", False),
        ("update categories set active = false", True),
        ('DELETE FROM "departments" WHERE id = 1', True),
        ("UPDATE public.categories SET active = false", True),  # qualified: can't tell
        ("WITH c AS (UPDATE categories SET active = false) SELECT 1", True),
        ("UPDATE cases SET title = 'x'; UPDATE categories SET name = 'y'", True),
        ("SELECT * FROM categories", False),
    ],
)
def test_plain_sql_is_taken_for_a_catalogue_write_unless_it_names_another_table(statement, writes):
    class Plain:  # what the engine's context says of plain SQL
        isinsert = isupdate = isdelete = False
        compiled = None

    assert catalogue.writes_catalogue(statement, Plain()) is writes


def test_an_admins_change_of_the_category_holds_at_the_next_filing(client, city, token_for):
    headers = token_for(city.reporter)
    assert _file(client, headers)[0].status_code == 201
    moved = {"department": "water", "sla_hours": 5}
    patched = client.patch("/api/v1/categories/pothole", json=moved, headers=token_for(city.admin))
    assert patched.status_code == 200, patched.get_json()
    response, reads = _file(client, headers)
    assert response.status_code == 201 and len(reads) == 1
    assert response.get_json()["department"]["code"] == "water"
    assert response.get_json()["reference"].startswith("WT-")
    closed = {"active": False}
    client.patch("/api/v1/categories/pothole", json=closed, headers=token_for(city.admin))
    assert _file(client, headers)[0].status_code == 422


def test_a_department_renamed_shows_in_the_next_filing(client, city, token_for):
    headers = token_for(city.reporter)
    assert _file(client, headers)[0].status_code == 201
    renamed = {"name": "Streets and Roads"}
    patched = client.patch("/api/v1/departments/roads", json=renamed, headers=token_for(city.admin))
    assert patched.status_code == 200, patched.get_json()
    response, _reads = _file(client, headers)
    assert response.get_json()["department"]["name"] == "Streets and Roads"


@pytest.mark.parametrize("how", ["bulk update", "plain sql"])
def test_a_write_past_the_api_holds_too(client, city, token_for, how):
    headers = token_for(city.reporter)
    assert _file(client, headers)[0].status_code == 201
    if how == "bulk update":
        db.session.execute(update(Category).values(active=False))
    else:
        db.session.execute(text("UPDATE categories SET active = false"))
    db.session.commit()
    assert _file(client, headers)[0].status_code == 422


def test_a_rolled_back_change_keeps_the_copy(client, city, token_for):
    headers = token_for(city.reporter)
    assert _file(client, headers)[0].status_code == 201
    db.session.execute(update(Category).values(active=False))
    db.session.rollback()
    response, reads = _file(client, headers)
    assert response.status_code == 201 and reads == []


def test_no_copies_without_the_bound(_schema, database_url, tmp_path):
    application = _build_app(
        SQLALCHEMY_DATABASE_URI=database_url, DATA_DIR=tmp_path, PUBLIC_CACHE_SECONDS=0
    )
    assert catalogue.EXTENSION not in application.extensions


# --- processes sharing Redis ------------------------------------------------------------------


@pytest.fixture
def redis_apps(_schema, database_url, tmp_path):
    """Two apps (two processes' worth of copies) sharing one Redis."""
    require_service("Redis", REDIS_URL)
    apps = []
    for n in (1, 2):
        application = _build_app(SQLALCHEMY_DATABASE_URI=database_url, DATA_DIR=tmp_path / f"{n}")
        kept = application.extensions[catalogue.EXTENSION]
        kept.version = publiccache.RedisVersion(
            REDIS_URL, on_failure=kept.copies.clear, key=catalogue.VERSION_KEY
        )
        apps.append(application)
    yield apps
    for application in apps:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_change_in_one_process_holds_in_the_other(city, token_for, redis_apps):
    one, two = (application.test_client() for application in redis_apps)
    reporter, admin = token_for(city.reporter), token_for(city.admin)
    db.session.rollback()  # SQLite: the test's session must not hold the write lock
    with redis_apps[0].app_context():
        assert _file(one, reporter)[0].status_code == 201
        assert _file(one, reporter)[1] == []  # kept
    with redis_apps[1].app_context():
        closed = two.patch("/api/v1/categories/pothole", json={"active": False}, headers=admin)
        assert closed.status_code == 200, closed.get_json()
    time.sleep(publiccache.VERSION_MEMO_SECONDS)  # how long a process trusts its last read
    with redis_apps[0].app_context():
        assert _file(one, reporter)[0].status_code == 422


def test_redis_down_means_each_filing_reads_the_row(app, client, city, token_for, monkeypatch):
    monkeypatch.setattr(publiccache, "REDIS_RETRY_SECONDS", 0)
    kept = app.extensions[catalogue.EXTENSION]
    down = publiccache.RedisVersion(
        "redis://127.0.0.1:1/0", on_failure=kept.copies.clear, key=catalogue.VERSION_KEY
    )
    monkeypatch.setattr(kept, "version", down)
    headers = token_for(city.reporter)
    for _ in range(2):
        response, reads = _file(client, headers)
        assert response.status_code == 201 and len(reads) == 1
