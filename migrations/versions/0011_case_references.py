"""case references (RD-2412-0042): a unique column, the per-prefix monthly counters, and
a backfill of existing cases in filing order

Revision ID: 0011
Revises: 0010
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

VOWELS = set("AEIOU")


def _prefix(code):
    """A copy of backend.cases.references.prefix_for as it was when this ran."""
    letters = [c for c in (code or "").upper() if "A" <= c <= "Z"]
    if len(letters) < 2:
        return "CL"
    second = next((c for c in letters[1:] if c not in VOWELS), letters[1])
    return letters[0] + second


def _period(created_at):
    if isinstance(created_at, str):  # SQLite: naive UTC text
        created_at = datetime.fromisoformat(created_at)
    if created_at.tzinfo is not None:
        created_at = created_at.astimezone(UTC)
    return created_at.strftime("%y%m")


def upgrade():
    counters = op.create_table(
        "case_reference_counters",
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=4), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "period", name=op.f("pk_case_reference_counters")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=24), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT cases.id, cases.created_at, departments.code, categories.code FROM cases "
            "JOIN categories ON categories.id = cases.category_id "
            "LEFT JOIN departments ON departments.id = cases.department_id "
            "ORDER BY cases.created_at, cases.id"
        )
    ).all()
    last: dict[tuple[str, str], int] = {}
    updates = []
    for case_id, created_at, department_code, category_code in rows:
        key = (_prefix(department_code or category_code), _period(created_at))
        last[key] = last.get(key, 0) + 1
        updates.append({"id": case_id, "reference": f"{key[0]}-{key[1]}-{last[key]:04d}"})
    if updates:
        bind.execute(sa.text("UPDATE cases SET reference = :reference WHERE id = :id"), updates)
        op.bulk_insert(
            counters, [{"prefix": p, "period": m, "last": n} for (p, m), n in last.items()]
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("reference", existing_type=sa.String(length=24), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_cases_reference"), ["reference"])


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cases_reference"), type_="unique")
        batch_op.drop_column("reference")
    op.drop_table("case_reference_counters")
