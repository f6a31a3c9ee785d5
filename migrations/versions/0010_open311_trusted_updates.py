"""Open311 updates from trusted API keys

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trusted', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('open311_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_open311_updates_api_key_id_api_keys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_open311_updates_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['case_events.id'], name=op.f('fk_open311_updates_event_id_case_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_updates')),
    sa.UniqueConstraint('api_key_id', 'update_id', name=op.f('uq_open311_updates_api_key_id'))
    )


def downgrade():
    op.drop_table('open311_updates')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('trusted')
