"""case summaries: covering indexes, so that the statistics read a period's figures from
the index alone (index-only scans), and the departments' in department order

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-04 19:00:00.000000

On PostgreSQL the new indexes are built with CREATE INDEX CONCURRENTLY (the running version
keeps writing summary rows meanwhile), then the ones they replace are dropped.
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

RECEIVED = (
    "hidden, status, category_id, due_at, assigned, transferred, resolved_once, reworked,"
    " accept_hours, resolve_hours, close_hours"
)
NEW = {
    "ix_case_summaries_received": f"created_at, {RECEIVED}, department_id, lat, lon",
    "ix_case_summaries_department_received": f"department_id, created_at, {RECEIVED}",
    "ix_case_summaries_closed": "closed_at, status, hidden, department_id, category_id, on_time, score",
}
OLD = {
    "ix_case_summaries_created_at": "created_at",
    "ix_case_summaries_closed_at": "closed_at",
    "ix_case_summaries_department_id_created_at": "department_id, created_at",
}


def _swap(create: dict, drop: dict) -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name, columns in create.items():
            op.execute(f"CREATE INDEX {name} ON case_summaries ({columns})")
        for name in drop:
            op.execute(f"DROP INDEX {name}")
        return
    with op.get_context().autocommit_block():
        for name, columns in create.items():
            # a build that failed half-way leaves an invalid index of this name behind
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.execute(f"CREATE INDEX CONCURRENTLY {name} ON case_summaries ({columns})")
        for name in drop:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def upgrade():
    _swap(NEW, OLD)


def downgrade():
    _swap(OLD, NEW)
