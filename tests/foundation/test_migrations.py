"""`flask db upgrade` on an empty database builds exactly the models' schema."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from backend import config, create_app
from backend.cases.search import not_search_table
from backend.extensions import db
from tests.services import POSTGRES_URL, TEST_DB


@pytest.fixture
def empty_database_url(tmp_path):
    if TEST_DB != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"cityloop_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def fresh_app(empty_database_url, tmp_path):
    application = create_app(
        config.TestingConfig(), SQLALCHEMY_DATABASE_URI=empty_database_url, DATA_DIR=tmp_path
    )
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


# The case-insensitive e-mail index is an expression index Alembic cannot reflect; it is
# checked by behaviour in test_case_insensitive_email_index_exists_after_upgrade.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning"),
    pytest.mark.filterwarnings("ignore:.*expression-based index:sqlalchemy.exc.SAWarning"),
]


def _schema_diff():
    with db.engine.connect() as connection:
        opts = {"compare_type": True, "include_name": not_search_table}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, db.metadata)


def test_upgrade_builds_exactly_the_models(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _schema_diff() == []


def test_case_insensitive_email_index_exists_after_upgrade(fresh_app):
    fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    insert = text(
        "INSERT INTO users (email, display_name, password_hash, role, locale, blocked, active,"
        " created_at, updated_at) VALUES (:e, 'n', 'h', 'resident', 'en', false, true,"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    with db.engine.begin() as connection:
        connection.execute(insert, {"e": "Same@Example.org"})
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(insert, {"e": "same@example.ORG"})


def test_downgrade_to_base_and_up_again(fresh_app):
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert _schema_diff() == []


def test_case_references_are_backfilled_in_filing_order(fresh_app):
    """0009 gives the cases already there references per department and month."""
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0008"]).exit_code == 0
    with db.engine.begin() as connection:
        for dep_id, code in ((1, "roads"), (2, "water")):
            _insert_department_and_category(connection, dep_id, code, f"c{code}")
        filed = [  # (id, department, filed): out of id order on purpose
            (300000000, 1, "2024-12-20 10:00:00"),
            (200000000, 1, "2024-12-01 10:00:00"),
            (100000000, 2, "2024-12-05 10:00:00"),
            (400000000, 1, "2025-01-01 10:00:00"),
        ]
        for case_id, dep_id, created in filed:
            connection.execute(
                text(
                    "INSERT INTO cases (id, category_id, department_id, status, priority, lat,"
                    " lon, description, answers, anonymous, escalated, supporters_count,"
                    " comments_count, reopen_count, hidden, version, source, created_at,"
                    " updated_at) VALUES (:id, :dep, :dep, 'submitted', 'normal', 31.2, 121.4,"
                    " 'x', '{}', false, false, 0, 0, 0, false, 1, 'app', :at, :at)"
                ),
                {"id": case_id, "dep": dep_id, "at": created},
            )
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with db.engine.connect() as connection:
        refs = dict(connection.execute(text("SELECT id, reference FROM cases")).all())
        counters = set(connection.execute(text("SELECT * FROM case_reference_counters")).all())
    assert refs == {
        200000000: "RD-2412-0001",
        300000000: "RD-2412-0002",
        100000000: "WT-2412-0001",
        400000000: "RD-2501-0001",
    }
    assert counters == {("RD", "2412", 2), ("WT", "2412", 1), ("RD", "2501", 1)}


def _insert_department_and_category(connection, row_id: int, department: str, category: str):
    """Rows of the tables as every migration since 0001 has them (no ORM: the models are
    ahead of the schema under test)."""
    now = "CURRENT_TIMESTAMP"
    connection.execute(
        text(
            "INSERT INTO departments (id, code, name, names, active, created_at,"
            f" updated_at) VALUES (:id, :code, :code, '{{}}', true, {now}, {now})"
        ),
        {"id": row_id, "code": department},
    )
    connection.execute(
        text(
            "INSERT INTO categories (id, code, name, names, description, department_id,"
            " sla_hours, active, attributes, keywords, created_at, updated_at) VALUES"
            f" (:id, :code, :code, '{{}}', '', :id, 48, true, '[]', '', {now}, {now})"
        ),
        {"id": row_id, "code": category},
    )


def _insert_case(connection, case_id: int, description: str, reference: str) -> None:
    now = "CURRENT_TIMESTAMP"
    connection.execute(
        text(
            "INSERT INTO cases (id, reference, category_id, department_id, status, priority,"
            " lat, lon, description, answers, anonymous, escalated, admins_alerted,"
            " supporters_count, comments_count, reopen_count, hidden, version, source,"
            f" created_at, updated_at) VALUES (:id, :ref, 1, 1, 'submitted', 'normal', 31.2,"
            f" 121.4, :d, '{{}}', false, false, false, 0, 0, 0, false, 1, 'app', {now}, {now})"
        ),
        {"id": case_id, "ref": reference, "d": description},
    )


def _matches(q: str) -> set[int]:
    from backend.cases import search

    with db.engine.connect() as connection:
        hits = search.hits(q, connection.dialect.name)
        return set(connection.scalars(select(hits.c.case_id)))


def test_case_search_is_backfilled_and_goes_on_downgrade(fresh_app):
    """0017 indexes the cases already there, in batches; downgrading drops the index."""
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0018"]).exit_code == 0
    with db.engine.begin() as connection:
        _insert_department_and_category(connection, 1, "roads", "pothole")
        _insert_case(connection, 100000001, "Potholes all along the road", "RD-2412-0001")
        _insert_case(connection, 100000002, "学校门口的路灯不亮", "RD-2412-0002")
        for n in range(3, 2503):  # more than one batch
            _insert_case(connection, 100000000 + n, f"case {n}", f"RD-2412-{n:04d}")
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert _matches("pothole") == {100000001}
    assert _matches("路灯") == {100000002}
    assert _matches("rd 2412 2") == {100000002}
    assert len(_matches("case")) == 2500
    assert runner.invoke(args=["db", "downgrade", "0018"]).exit_code == 0
    names = set(inspect(db.engine).get_table_names())
    assert not names & {"case_search", "case_search_fts", "case_search_newest"}, names
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert _matches("路灯") == {100000002}


TRICKY = [
    "Wi-Fi_box  at No.12/B, e-mail x@y.org: https://a.b/c?d=1 -- 3.5m DEEP!!",
    "snake_case and CamelCase, tabs\tand\nnewlines, 'quotes' \"double\" (brackets)",
    "",
    "   ",
    "Café au lait near the 学校",  # not ASCII: the Python path
    "naïve ﬁne Straße",
]


def test_case_search_backfill_writes_what_the_app_writes(fresh_app):
    """0017 tokenizes ASCII text in SQL on PostgreSQL, the rest in Python: either way each
    index row is the one the application writes for that case."""
    from backend.cases import search

    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0018"]).exit_code == 0
    with db.engine.begin() as connection:
        _insert_department_and_category(connection, 1, "roads", "pothole")
        for n, description in enumerate(TRICKY, start=1):
            _insert_case(connection, 100000000 + n, description, f"RD-2412-{n:04d}")
        connection.execute(text("UPDATE cases SET title = 'Lamp_Post #7', address = NULL"))
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with db.engine.begin() as connection:
        migrated = search.indexed_text(connection)
        search.reindex(connection, migrated)
        assert search.indexed_text(connection) == migrated
    assert len(migrated) == len(TRICKY)
    assert _matches("wi fi box") == {100000001}
    assert _matches("snake_case") == {100000002}


def _ranked(q: str) -> list[int]:
    from backend.cases import search

    ranked = search.relevant_page(db.session, q, [], None, 20, 0)[0]
    db.session.rollback()  # SQLite: the session's transaction holds the write lock
    return ranked


def test_case_search_tiers_are_built_and_go_on_downgrade(fresh_app):
    """0021: PostgreSQL's tier and newest-first indexes; SQLite's table keyed by filing time
    and id, backfilled in batches with the keys the application writes; downgrading drops
    them (on SQLite after rebuilding 0017's table, which the version before reads)."""
    from backend.cases import search

    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0018"]).exit_code == 0  # before 0017
    with db.engine.begin() as connection:
        _insert_department_and_category(connection, 1, "roads", "pothole")
        for n in range(1, 2503):  # more than one batch
            _insert_case(connection, 100000000 + n, f"case {n} pothole", f"RD-2412-{n:04d}")
        connection.execute(text("UPDATE cases SET title = 'Pothole' WHERE id = 100000007"))
        connection.execute(text("UPDATE cases SET address = 'Pothole Lane' WHERE id = 100000005"))
    assert runner.invoke(args=["db", "upgrade", "0020"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert len(_matches("pothole")) == 2502
    assert _ranked("pothole")[:3] == [100000007, 100000005, 100002502]  # then by id: one second
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        indexes = {index["name"] for index in inspect(db.engine).get_indexes("case_search")}
        assert {"ix_case_search_head", "ix_case_search_near", "ix_case_search_newest"} <= indexes
    else:
        with db.engine.begin() as connection:
            migrated = search.indexed_text(connection)
            search.reindex(connection, migrated)  # the app's keys: it replaces, never adds
            assert search.indexed_text(connection) == migrated
            count = text("SELECT count(*) FROM case_search_newest")
            assert connection.execute(count).scalar() == 2502
            triggers = text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            names = set(connection.scalars(triggers))
            assert {"case_search_newest_delete", "case_search_newest_refiled"} <= names
    assert runner.invoke(args=["db", "downgrade", "0020"]).exit_code == 0
    if postgresql:
        indexes = {index["name"] for index in inspect(db.engine).get_indexes("case_search")}
        assert not indexes & {"ix_case_search_head", "ix_case_search_near"}, indexes
    else:
        assert "case_search_newest" not in set(inspect(db.engine).get_table_names())
        with db.engine.connect() as connection:
            old = "SELECT count(*) FROM case_search_fts WHERE case_search_fts MATCH 'pothol'"
            assert connection.execute(text(old)).scalar() == 2502
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert _ranked("pothole")[0] == 100000007


def _sqlite_names(kind: str) -> set[str]:
    with db.engine.connect() as connection:
        found = text("SELECT name FROM sqlite_master WHERE type = :kind")
        return set(connection.scalars(found, {"kind": kind}))


def test_0017s_search_table_goes_and_comes_back_on_downgrade(fresh_app):
    """0022 drops SQLite's table of 0017 (keyed by case id) and its trigger; downgrading
    builds it again, filled from the cases, for the version before 0021 (which reads it)."""
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0018"]).exit_code == 0
    with db.engine.begin() as connection:
        _insert_department_and_category(connection, 1, "roads", "pothole")
        for n in range(1, 2503):  # more than one batch
            _insert_case(connection, 100000000 + n, f"case {n} pothole", f"RD-2412-{n:04d}")
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert len(_matches("pothole")) == 2502  # the search reads 0021's index
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        assert not {n for n in _sqlite_names("table") if n.startswith("case_search_fts")}
        assert "case_search_fts_delete" not in _sqlite_names("trigger")
    else:
        assert "case_search" in set(inspect(db.engine).get_table_names())
    assert runner.invoke(args=["db", "downgrade", "0021"]).exit_code == 0
    if sqlite:
        assert "case_search_fts_delete" in _sqlite_names("trigger")
        old = "SELECT count(*) FROM case_search_fts WHERE case_search_fts MATCH 'pothol'"
        with db.engine.begin() as connection:
            assert connection.execute(text(old)).scalar() == 2502
            connection.execute(text("DELETE FROM cases WHERE id = 100000001"))
            assert connection.execute(text(old)).scalar() == 2501  # the trigger is back
    assert runner.invoke(args=["db", "downgrade", "0020"]).exit_code == 0  # 0021's, after it
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert len(_matches("pothole")) == 2502 - sqlite
