"""incidents: emergencies across departments, their tasks, linked cases and timeline;
alerts sent for an incident, alerts.hidden

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 13:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _user(table, column):
    return sa.Column(column, sa.Integer(), nullable=True), _fk(table, column, "users", "SET NULL")


def upgrade():
    _create_incidents()
    _create_children()
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_incident_id_incidents"),
            "incidents",
            ["incident_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_alerts_incident_id"), ["incident_id"], unique=False)


def _create_incidents():
    declared, declared_fk = _user("incidents", "declared_by_id")
    closed, closed_fk = _user("incidents", "closed_by_id")
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("radius_m", sa.Integer(), nullable=True),
        sa.Column("polygon", sa.JSON(), nullable=True),
        sa.Column("min_lat", sa.Double(), nullable=False),
        sa.Column("max_lat", sa.Double(), nullable=False),
        sa.Column("min_lon", sa.Double(), nullable=False),
        sa.Column("max_lon", sa.Double(), nullable=False),
        sa.Column("notice", sa.String(length=500), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("lead_department_id", sa.Integer(), nullable=False),
        declared,
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        closed,
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        _fk("incidents", "lead_department_id", "departments", "RESTRICT"),
        declared_fk,
        closed_fk,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("ix_incidents_status", "incidents", ["status"], unique=False)


def _create_children():
    done_by, done_by_fk = _user("incident_tasks", "done_by_id")
    op.create_table(
        "incident_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done_note", sa.Text(), nullable=True),
        done_by,
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("incident_tasks", "incident_id", "incidents", "CASCADE"),
        _fk("incident_tasks", "department_id", "departments", "RESTRICT"),
        done_by_fk,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_tasks")),
        sa.UniqueConstraint(
            "incident_id", "department_id", name=op.f("uq_incident_tasks_incident_id")
        ),
    )
    linked_by, linked_by_fk = _user("incident_cases", "linked_by_id")
    op.create_table(
        "incident_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        linked_by,
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        _fk("incident_cases", "incident_id", "incidents", "CASCADE"),
        _fk("incident_cases", "case_id", "cases", "CASCADE"),
        linked_by_fk,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_incident_cases_case_id")),
    )
    op.create_index(
        op.f("ix_incident_cases_incident_id"), "incident_cases", ["incident_id"], unique=False
    )
    actor, actor_fk = _user("incident_events", "actor_id")
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        actor,
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("incident_events", "incident_id", "incidents", "CASCADE"),
        actor_fk,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
    )
    op.create_index(
        "ix_incident_events_incident_id_id",
        "incident_events",
        ["incident_id", "id"],
        unique=False,
    )


def downgrade():
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_incident_id"))
        batch_op.drop_constraint(batch_op.f("fk_alerts_incident_id_incidents"), type_="foreignkey")
        batch_op.drop_column("hidden")
        batch_op.drop_column("incident_id")
    for table in ("incident_events", "incident_cases", "incident_tasks", "incidents"):
        op.drop_table(table)
