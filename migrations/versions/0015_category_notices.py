"""category notices: what the report screen says for a category, and whether it only
diverts (an emergency number) instead of taking reports

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no batch): SQLite would otherwise copy the table, which its foreign
    # keys from cases refuse while cases exist.
    op.add_column("categories", sa.Column("notice", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "categories", sa.Column("notices", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
    )
    op.add_column(
        "categories",
        sa.Column("notice_stops", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    for column in ("notice_stops", "notices", "notice"):
        op.drop_column("categories", column)  # SQLite 3.35+ drops a column in place
