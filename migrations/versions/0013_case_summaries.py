"""case summaries: one row per case with what the statistics need, backfilled in batches

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 23:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 5000

# The same rows backend.stats.summary writes live (tests compare the two), spelled in SQL so
# that this migration does not depend on today's models.
ROWS = """
INSERT INTO case_summaries (case_id, created_at, closed_at, due_at, category_id,
    department_id, status, hidden, lat, lon, assigned, transferred, resolved_once, reworked,
    on_time, score, accept_hours, resolve_hours, close_hours)
SELECT c.id, c.created_at, c.closed_at, c.due_at, c.category_id, c.department_id, c.status,
    c.hidden, c.lat, c.lon, COALESCE(l.assigned, 0), COALESCE(l.transferred, 0),
    COALESCE(l.resolved_once, 0),
    CASE WHEN COALESCE(l.resolved_once, 0) = 1 THEN COALESCE(l.reopened, 0) ELSE 0 END,
    CASE WHEN c.status = 'closed' AND (c.due_at IS NULL OR c.closed_at <= c.due_at)
        THEN 1 ELSE 0 END,
    r.score, {accept}, {resolve}, {close}
FROM cases AS c
LEFT OUTER JOIN (
    SELECT case_id,
        MIN(CASE WHEN action = 'accept' THEN created_at END) AS accept_at,
        MIN(CASE WHEN action = 'resolve' THEN created_at END) AS resolve_at,
        MIN(CASE WHEN to_status = 'closed' THEN created_at END) AS close_at,
        MAX(CASE WHEN to_status = 'assigned' THEN 1 ELSE 0 END) AS assigned,
        MAX(CASE WHEN action = 'transfer' THEN 1 ELSE 0 END) AS transferred,
        MAX(CASE WHEN action = 'resolve' THEN 1 ELSE 0 END) AS resolved_once,
        MAX(CASE WHEN action = 'reopen' THEN 1 ELSE 0 END) AS reopened
    FROM case_events
    WHERE case_id > :low AND case_id <= :high
    GROUP BY case_id
) AS l ON l.case_id = c.id
LEFT OUTER JOIN case_ratings AS r ON r.case_id = c.id
WHERE c.id > :low AND c.id <= :high
"""


def _hours(dialect: str, moment: str) -> str:
    if dialect == "postgresql":
        return f"EXTRACT(epoch FROM l.{moment} - c.created_at) / 3600.0"
    return f"(julianday(l.{moment}) - julianday(c.created_at)) * 24.0"


def backfill(bind, batch: int = BATCH) -> int:
    """Fill case_summaries from cases, case_events and case_ratings, ``batch`` cases (by id)
    per statement, so no statement holds the whole event log; answers how many rows."""
    dialect = bind.dialect.name
    rows = sa.text(ROWS.format(**{m: _hours(dialect, f"{m}_at") for m in ("accept", "resolve", "close")}))
    upper = sa.text(
        "SELECT MAX(id) FROM (SELECT id FROM cases WHERE id > :low ORDER BY id LIMIT :n) AS b"
    )
    done, low = 0, -1
    while True:
        high = bind.execute(upper, {"low": low, "n": batch}).scalar()
        if high is None:
            return done
        done += bind.execute(rows, {"low": low, "high": high}).rowcount
        low = high


def upgrade():
    op.create_table(
        "case_summaries",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("transferred", sa.Integer(), nullable=False),
        sa.Column("resolved_once", sa.Integer(), nullable=False),
        sa.Column("reworked", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("accept_hours", sa.Float(), nullable=True),
        sa.Column("resolve_hours", sa.Float(), nullable=True),
        sa.Column("close_hours", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_summaries_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_summaries")),
    )
    backfill(op.get_bind())
    # the indexes after the rows: one sorted build each instead of a million inserts
    with op.batch_alter_table("case_summaries", schema=None) as batch_op:
        batch_op.create_index("ix_case_summaries_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_case_summaries_closed_at", ["closed_at"], unique=False)
        batch_op.create_index(
            "ix_case_summaries_category_id_created_at",
            ["category_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_case_summaries_department_id_created_at",
            ["department_id", "created_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("case_summaries", schema=None) as batch_op:
        batch_op.drop_index("ix_case_summaries_department_id_created_at")
        batch_op.drop_index("ix_case_summaries_category_id_created_at")
        batch_op.drop_index("ix_case_summaries_closed_at")
        batch_op.drop_index("ix_case_summaries_created_at")
    op.drop_table("case_summaries")
