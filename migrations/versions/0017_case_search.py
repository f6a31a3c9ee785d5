"""case search: the full-text index of cases (PostgreSQL tsvector + GIN, SQLite FTS5),
built beside the cases table while the previous version serves

Revision ID: 0017
Revises: 0018
Create Date: 2026-12-04 09:00:00.000000

Safe on a large table with traffic: ``cases`` is only read. The new table is created in a
short transaction (its foreign key needs a brief lock on cases, given up after
``lock_timeout`` rather than queueing writers behind it: run the migration again then);
the rows are written in batches of ``BATCH`` cases, each its own transaction; the GIN
index is built afterwards with CREATE INDEX CONCURRENTLY; and the cases the running
version filed meanwhile are indexed last. (Those it files between this migration and the
new version's start are indexed by the new version's sweep: backend.cases.search.)

The tokenizer is the application's (backend.cases.search.tokens): the index must split
text exactly as the queries of the version that runs after it do. The SQL is spelled out
here, frozen with the schema this migration creates (backend.cases.search's statements
follow the current schema; a later change to case_search gets its own migration).
"""

from alembic import op
import sqlalchemy as sa

from backend.cases.search import tokens


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0018"
branch_labels = None
depends_on = None

BATCH = 2000
LOCK_TIMEOUT = "SET LOCAL lock_timeout = '10s'"

PG_TABLE = (
    "CREATE TABLE IF NOT EXISTS case_search (case_id INTEGER NOT NULL,"
    " filed BIGINT NOT NULL, document TSVECTOR NOT NULL, CONSTRAINT pk_case_search PRIMARY KEY (case_id),"
    " CONSTRAINT fk_case_search_case_id_cases FOREIGN KEY (case_id)"
    " REFERENCES cases (id) ON DELETE CASCADE)"
)
PG_INDEX = "CREATE INDEX CONCURRENTLY ix_case_search_document ON case_search USING gin (document)"
PG_WRITE = sa.text(
    "INSERT INTO case_search (case_id, filed, document)"
    " SELECT t.id, t.filed, setweight(to_tsvector('english', t.title), 'A')"
    " || setweight(to_tsvector('english', t.description), 'C')"
    " || setweight(to_tsvector('english', t.address), 'B')"
    " || setweight(to_tsvector('english', t.reference), 'A')"
    " FROM unnest(CAST(:id AS integer[]), CAST(:title AS text[]),"
    " CAST(:description AS text[]), CAST(:address AS text[]), CAST(:reference AS text[]),"
    " CAST(:filed AS bigint[])) AS t (id, title, description, address, reference, filed)"
    " ON CONFLICT (case_id) DO UPDATE SET document = EXCLUDED.document, filed = EXCLUDED.filed"
)
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search_fts USING fts5(title, description,"
    " address, reference, filed UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')"
)
SQLITE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS case_search_fts_delete AFTER DELETE ON cases BEGIN"
    " DELETE FROM case_search_fts WHERE rowid = old.id; END"
)
SQLITE_WRITE = sa.text(
    "INSERT INTO case_search_fts (rowid, title, description, address, reference, filed)"
    " VALUES (:id, :title, :description, :address, :reference, :filed)"
)
# seconds since 1970 of the filing, as backend.cases.search.documents writes it
FILED = {
    "postgresql": "CAST(FLOOR(EXTRACT(EPOCH FROM created_at)) AS BIGINT)",
    "sqlite": "CAST(strftime('%s', created_at) AS INTEGER)",
}
SOURCE = "SELECT id, title, description, address, reference, {filed} FROM cases"
MISSING = {
    "postgresql": "NOT EXISTS (SELECT 1 FROM case_search AS s WHERE s.case_id = cases.id)",
    "sqlite": "NOT EXISTS (SELECT 1 FROM case_search_fts AS s WHERE s.rowid = cases.id)",
}


def _document(case_id, title, description, address, reference, filed) -> dict:
    return {
        "filed": int(filed),
        "id": case_id,
        "title": tokens(title),
        "description": tokens(description),
        "address": tokens(address),
        "reference": f"{tokens(reference)} {case_id}",
    }


def _write(connection, rows) -> None:
    documents = [_document(*row) for row in rows]
    if connection.dialect.name == "postgresql":
        columns = ("id", "title", "description", "address", "reference", "filed")
        connection.execute(PG_WRITE, {c: [d[c] for d in documents] for c in columns})
    else:
        ids = ", ".join(str(int(d["id"])) for d in documents)
        connection.execute(sa.text(f"DELETE FROM case_search_fts WHERE rowid IN ({ids})"))
        connection.execute(SQLITE_WRITE, documents)


def backfill(engine, batch: int = BATCH) -> int:
    """Index every case, ``batch`` at a time in id order, one transaction each."""
    source = SOURCE.format(filed=FILED[engine.dialect.name])
    page = sa.text(f"{source} WHERE id > :last ORDER BY id LIMIT :n")
    done, last = 0, 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(page, {"last": last, "n": batch}).all()
            if not rows:
                return done
            _write(connection, rows)
        done, last = done + len(rows), rows[-1][0]


def catch_up(engine, batch: int = BATCH) -> int:
    """Index the cases that have no index row yet (filed by the running version behind the
    backfill's batches)."""
    source = SOURCE.format(filed=FILED[engine.dialect.name])
    page = sa.text(f"{source} WHERE {MISSING[engine.dialect.name]} LIMIT :n")
    done = 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(page, {"n": batch}).all()
            if not rows:
                return done
            _write(connection, rows)
        done += len(rows)


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        op.execute(LOCK_TIMEOUT)
        op.execute(PG_TABLE)
    else:
        op.execute(SQLITE_TABLE)
        op.execute(SQLITE_TRIGGER)
    with op.get_context().autocommit_block():
        if not postgresql:
            # backend.db's begin hook opened the block with BEGIN IMMEDIATE, which would hold
            # SQLite's write lock through the whole backfill: end it, so that each batch
            # takes the lock in turn and the running version's writes get in between.
            op.execute("COMMIT")
        backfill(bind.engine)
        if postgresql:
            # a build that failed half-way leaves an invalid index of this name behind
            op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_case_search_document")
            op.execute(PG_INDEX)
        catch_up(bind.engine)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LOCK_TIMEOUT)
        op.execute("DROP TABLE IF EXISTS case_search")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_search_fts_delete")
        op.execute("DROP TABLE IF EXISTS case_search_fts")
