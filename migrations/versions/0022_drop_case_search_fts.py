"""drop 0017's SQLite search table (``case_search_fts``, keyed by case id), which 0021 kept
for the version before it and no longer wrote

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 03:10:00.000000

SQLite only (PostgreSQL has no such table: this is a no-op there). Upgrading drops the
table (FTS5 drops its shadow tables with it) and its delete trigger: quick, ``cases`` is not
touched. Downgrading builds it again as 0017 made it, and fills it in batches of ``BATCH``
cases, each its own transaction, from what ``cases`` holds now (it was not written since
0021, so an old copy would be stale anyway): the version before 0021 reads it.

The tokenizer is the application's (backend.cases.search.tokens), as in 0017 and 0021; the
SQL is spelled out here, frozen with the schema this migration restores.
"""

from alembic import op
import sqlalchemy as sa

from backend.cases.search import tokens


# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BATCH = 2000
TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search_fts USING fts5(title, description,"
    " address, reference, filed UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')"
)
TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS case_search_fts_delete AFTER DELETE ON cases BEGIN"
    " DELETE FROM case_search_fts WHERE rowid = old.id; END"
)
# whole seconds of the stored text (SQLite would round "...:00.9996" up to the next second)
SOURCE = (
    "SELECT id, title, description, address, reference,"
    " CAST(strftime('%s', substr(created_at, 1, 19)) AS INTEGER) FROM cases"
)
UPPER = sa.text(
    "SELECT MAX(id) FROM (SELECT id FROM cases WHERE id > :low ORDER BY id LIMIT :n) AS b"
)
IN_BATCH = sa.text(f"{SOURCE} WHERE id > :low AND id <= :high")
WRITE = sa.text(
    "INSERT INTO case_search_fts (rowid, title, description, address, reference, filed)"
    " VALUES (:id, :title, :description, :address, :reference, :filed)"
)


def _documents(rows) -> list[dict]:
    return [
        {
            "id": case_id,
            "filed": int(filed),
            "title": tokens(title),
            "description": tokens(description),
            "address": tokens(address),
            "reference": f"{tokens(reference)} {case_id}",
        }
        for case_id, title, description, address, reference, filed in rows
    ]


def backfill(engine, batch: int = BATCH) -> int:
    """Write every case's row, ``batch`` at a time in id order, each batch its own
    transaction. Answers how many."""
    done, low = 0, 0
    while True:
        with engine.begin() as connection:
            high = connection.execute(UPPER, {"low": low, "n": batch}).scalar()
            if high is None:
                return done
            rows = connection.execute(IN_BATCH, {"low": low, "high": high}).all()
            connection.execute(WRITE, _documents(rows))
        done, low = done + len(rows), high


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS case_search_fts_delete")
    op.execute("DROP TABLE IF EXISTS case_search_fts")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute(TABLE)
    op.execute(TRIGGER)
    with op.get_context().autocommit_block():
        # backend.db's begin hook opened the block with BEGIN IMMEDIATE, which would hold
        # SQLite's write lock through the whole backfill: end it (as 0017 and 0021 do).
        op.execute("COMMIT")
        backfill(bind.engine)
