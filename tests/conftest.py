"""Fixtures: a real database (SQLite file, or PostgreSQL with CITYLOOP_TEST_DB=postgresql),
a fresh app per test, and factories for users, departments and categories."""

from __future__ import annotations

import contextvars
import itertools
import shutil
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from backend import create_app, publiccache
from backend.auth import service as auth_service
from backend.auth.permissions import OPERATOR
from backend.config import TestingConfig
from backend.departments import service as department_service
from backend.extensions import db, limiter
from tests.helpers import PASSWORD
from tests.services import POSTGRES_URL, TEST_DB, require_service

_counter = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    """Tests about one database only: scripts/test deselects them in the other pass; a bare
    pytest run says why it leaves them out."""
    other = "postgresql_only" if TEST_DB != "postgresql" else "sqlite_only"
    skip = pytest.mark.skip(reason=f"{other}: not for CITYLOOP_TEST_DB={TEST_DB}")
    for item in items:
        if item.get_closest_marker(other):
            item.add_marker(skip)


# Each domain's factories live in tests/fixtures_<domain>.py and are loaded here.
pytest_plugins = sorted(
    f"tests.{path.stem}" for path in Path(__file__).parent.glob("fixtures_*.py")
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DB == "postgresql":
        require_service("PostgreSQL", POSTGRES_URL.replace("+psycopg", ""))
        return POSTGRES_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the tables once per run (migrations are checked in tests/test_migrations.py)."""
    app = create_app(
        TestingConfig(),
        SQLALCHEMY_DATABASE_URI=database_url,
        DATA_DIR=tmp_path_factory.mktemp("bootstrap"),
    )
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        db.engine.dispose()


def _empty_tables() -> None:
    # DELETE, children first, also on PostgreSQL: a test leaves a few rows, and TRUNCATE's new
    # files for every table cost ten times more (about 0.4 s a test against 0.04 s).
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to build a dedicated app with other settings."""
    return {}


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as a real server would.

    Without this, requests would share the test's app context: its ``g`` (and so the
    signed-in user) and its database session, hiding bugs. The test's own transaction
    is rolled back first so it neither blocks the request nor reads stale rows after it.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.rollback()
        return contextvars.Context().run(super().open, *args, **kwargs)


def _build_app(**settings):
    application = create_app(TestingConfig(), **settings)
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture(scope="session")
def _shared_app(_schema, database_url, tmp_path_factory):
    return _build_app(
        SQLALCHEMY_DATABASE_URI=database_url, DATA_DIR=tmp_path_factory.mktemp("data")
    )


@pytest.fixture
def app(_shared_app, app_overrides, database_url, tmp_path):
    """The shared app (building one costs ~0.2 s), or a dedicated one when overridden."""
    application = _shared_app
    if app_overrides:
        settings = {"SQLALCHEMY_DATABASE_URI": database_url, "DATA_DIR": tmp_path / "data"}
        application = _build_app(**(settings | app_overrides))
    with application.app_context():
        limiter.reset()
        yield application
        db.session.remove()
        _empty_tables()
        shutil.rmtree(application.config["DATA_DIR"] / "media", ignore_errors=True)
        if application is not _shared_app:
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def uncached(app, monkeypatch):
    """Anonymous reads answered from the database every time (no public cache): for tests
    that count what answering sends."""
    monkeypatch.delitem(app.extensions, publiccache.EXTENSION, raising=False)


@pytest.fixture
def make_user(app):
    def factory(role: str = "resident", *, departments=(), head_of=(), **fields):
        n = next(_counter)
        user = auth_service.create_user(
            db.session,
            email=fields.pop("email", f"user{n}@example.org"),
            password=fields.pop("password", PASSWORD),
            display_name=fields.pop("display_name", f"User {n}"),
            role=role,
            departments=list(departments),
            head_of=list(head_of),
        )
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_department(app):
    def factory(code: str | None = None, **fields):
        code = code or f"dept{next(_counter)}"
        department = department_service.create_department(
            db.session, OPERATOR, {"code": code, "name": fields.pop("name", code.title()), **fields}
        )
        db.session.commit()
        return department

    return factory


@pytest.fixture
def make_category(app, make_department):
    def factory(code: str | None = None, *, department=None, **fields):
        department = department or make_department()
        data = {
            "code": code or f"cat{next(_counter)}",
            "name": fields.pop("name", "Pothole"),
            "department": department.code,
            "sla_hours": fields.pop("sla_hours", 48),
            "attributes": fields.pop("attributes", []),
            **fields,
        }
        category = department_service.create_category(db.session, OPERATOR, data)
        db.session.commit()
        return category

    return factory


@pytest.fixture
def token_for(app):
    """A bearer header for a user, issued the way `POST /auth/token` does."""

    def factory(user) -> dict:
        raw = auth_service.issue_token(db.session, user, ttl_days=1)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return factory


@pytest.fixture
def as_role(make_user, token_for):
    """Headers for a fresh user of a role ("anonymous" gives no headers)."""

    def factory(role: str, **kwargs) -> dict:
        if role == "anonymous":
            return {}
        return token_for(make_user(role, **kwargs))

    return factory


@pytest.fixture
def csrf(client):
    """Fetch a CSRF token for the test client's cookie session."""

    def fetch() -> dict:
        return {"X-CSRFToken": client.get("/api/v1/auth/csrf").get_json()["csrf_token"]}

    return fetch
