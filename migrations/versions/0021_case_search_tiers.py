"""case search by tier, newest first: on PostgreSQL a GIN index for each relevance tier and
one on (filed, case_id); on SQLite an FTS5 table whose rowid sorts by filing time

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 23:00:00.000000

Safe on a large table with traffic; ``cases`` is only read. PostgreSQL: the three indexes
on ``case_search`` are built with CREATE INDEX CONCURRENTLY (a build that failed half-way
leaves an invalid index of its name: it is dropped first, so running the migration again
finishes it). SQLite: the new table ``case_search_newest`` (rowid = ``filed * 2**31 + id``:
FTS5 walks its matches newest first without reading any content) and its triggers (a
deleted case's row goes; a corrected filing time moves it) are created in a short
transaction; the rows are written in batches of ``BATCH`` cases,
each its own transaction, so the running version's writes get in between; the cases it
filed meanwhile are indexed last, in one pass (those it files after that, the new
version's sweep indexes: backend.cases.search.catch_up). The table of 0017
(``case_search_fts``, keyed by case id) stays for the version before this one while it
still serves; a later migration drops it. Downgrading rebuilds it in batches (the cases
filed or edited since the upgrade are only in the new table) and drops the new one.

The tokenizer is the application's (backend.cases.search.tokens), as in 0017; the SQL is
spelled out here, frozen with the schema this migration creates.
"""


from alembic import op
import sqlalchemy as sa

from backend.cases.search import tokens


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

BATCH = 2000
SHIFT = 2**31  # case ids are 32-bit
PG_INDEXES = {
    "ix_case_search_head": "USING gin (ts_filter(document, '{a}'))",
    "ix_case_search_near": "USING gin (ts_filter(document, '{a,b}'))",
    "ix_case_search_newest": "(filed DESC, case_id DESC)",
}
# whole seconds of the stored text (SQLite would round "...:00.9996" up to the next second)
KEY = (
    f"CAST(strftime('%s', substr({{table}}.created_at, 1, 19)) AS INTEGER) * {SHIFT}"
    " + {table}.id"
)
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search_newest USING fts5(title, description,"
    " address, reference, tokenize = 'porter unicode61 remove_diacritics 2')"
)
COLUMNS = "title, description, address, reference"
SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS case_search_newest_delete AFTER DELETE ON cases BEGIN"
    f" DELETE FROM case_search_newest WHERE rowid = {KEY.format(table='old')}; END",
    # a filing time corrected by hand moves the row to its new key
    "CREATE TRIGGER IF NOT EXISTS case_search_newest_refiled AFTER UPDATE OF created_at"
    f" ON cases WHEN {KEY.format(table='old')} IS NOT {KEY.format(table='new')} BEGIN"
    f" INSERT INTO case_search_newest (rowid, {COLUMNS}) SELECT {KEY.format(table='new')},"
    f" {COLUMNS} FROM case_search_newest WHERE rowid = {KEY.format(table='old')};"
    f" DELETE FROM case_search_newest WHERE rowid = {KEY.format(table='old')}; END",
)
SOURCE = (
    "SELECT id, title, description, address, reference,"
    " CAST(strftime('%s', substr(created_at, 1, 19)) AS INTEGER) FROM cases"
)
UPPER = sa.text(
    "SELECT MAX(id) FROM (SELECT id FROM cases WHERE id > :low ORDER BY id LIMIT :n) AS b"
)
IN_BATCH = sa.text(f"{SOURCE} WHERE id > :low AND id <= :high")
MISSING = sa.text(
    f"{SOURCE} WHERE NOT EXISTS (SELECT 1 FROM case_search_newest AS s"
    f" WHERE s.rowid = {KEY.format(table='cases')}) LIMIT :n"
)
NEW_WRITE = sa.text(
    "INSERT OR REPLACE INTO case_search_newest (rowid, title, description, address, reference)"
    " VALUES (:key, :title, :description, :address, :reference)"
)
OLD_WRITE = sa.text(
    "INSERT INTO case_search_fts (rowid, title, description, address, reference, filed)"
    " VALUES (:id, :title, :description, :address, :reference, :filed)"
)


def _documents(rows) -> list[dict]:
    return [
        {
            "id": case_id,
            "key": int(filed) * SHIFT + case_id,
            "filed": int(filed),
            "title": tokens(title),
            "description": tokens(description),
            "address": tokens(address),
            "reference": f"{tokens(reference)} {case_id}",
        }
        for case_id, title, description, address, reference, filed in rows
    ]


def _write_new(connection, rows) -> None:
    if rows:
        connection.execute(NEW_WRITE, _documents(rows))


def _write_old(connection, rows) -> None:
    if rows:
        ids = ", ".join(str(int(row[0])) for row in rows)
        connection.execute(sa.text(f"DELETE FROM case_search_fts WHERE rowid IN ({ids})"))
        connection.execute(OLD_WRITE, _documents(rows))


def backfill(engine, write, batch: int = BATCH) -> int:
    """Write every case's row with ``write``, ``batch`` at a time in id order, each batch
    its own transaction. Answers how many."""
    done, low = 0, 0
    while True:
        with engine.begin() as connection:
            high = connection.execute(UPPER, {"low": low, "n": batch}).scalar()
            if high is None:
                return done
            rows = connection.execute(IN_BATCH, {"low": low, "high": high}).all()
            write(connection, rows)
        done, low = done + len(rows), high


def catch_up(engine, batch: int = BATCH) -> int:
    """Index the cases with no row in the new table (filed by the running version behind
    the backfill's batches): one pass, ending at a batch that is not full."""
    done = 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(MISSING, {"n": batch}).all()
            _write_new(connection, rows)
        done += len(rows)
        if len(rows) < batch:
            return done


def _pg_indexes(build: bool) -> None:
    with op.get_context().autocommit_block():
        for name, definition in PG_INDEXES.items():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            if build:
                op.execute(f"CREATE INDEX CONCURRENTLY {name} ON case_search {definition}")
        if build:
            op.execute("ANALYZE case_search")  # the planner's figures for the new expressions


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _pg_indexes(build=True)
        return
    op.execute(SQLITE_TABLE)
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)
    with op.get_context().autocommit_block():
        # backend.db's begin hook opened the block with BEGIN IMMEDIATE, which would hold
        # SQLite's write lock through the whole backfill: end it (as 0017 does).
        op.execute("COMMIT")
        backfill(bind.engine, _write_new)
        catch_up(bind.engine)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _pg_indexes(build=False)
        return
    with op.get_context().autocommit_block():
        op.execute("COMMIT")
        backfill(bind.engine, _write_old)
    op.execute("DROP TRIGGER IF EXISTS case_search_newest_delete")
    op.execute("DROP TRIGGER IF EXISTS case_search_newest_refiled")
    op.execute("DROP TABLE IF EXISTS case_search_newest")
