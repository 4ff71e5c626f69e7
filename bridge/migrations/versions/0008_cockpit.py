"""what the web cockpit needs: shared failed-login counts, the session key, lost values

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'login_failures',
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_login_failures')),
    )
    op.create_table(
        'server_keys',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_server_keys')),
    )
    op.create_table(
        'lost_values',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('representative_id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=True),
        sa.Column('href', sa.String(length=255), nullable=False),
        sa.Column('field', sa.String(length=32), nullable=False),
        sa.Column('client_value', sa.Text(), nullable=False),
        sa.Column('hq_value', sa.Text(), nullable=True),
        sa.Column('reason', sa.Enum('text priority hq', 'read-only', 'outside window',
                                    name='lostreason', native_enum=False, length=32),
                  nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_by', sa.String(length=64), nullable=True),
        sa.Column('resolution', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], ondelete='CASCADE',
                                name=op.f('fk_lost_values_activity_id_activities')),
        sa.ForeignKeyConstraint(['representative_id'], ['employees.id'], ondelete='CASCADE',
                                name=op.f('fk_lost_values_representative_id_employees')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lost_values')),
    )
    op.create_index(op.f('ix_lost_values_activity_id'), 'lost_values', ['activity_id'])
    op.create_index('ix_lost_values_open', 'lost_values', ['representative_id', 'resolved_at'])


def downgrade() -> None:
    op.drop_table('lost_values')
    op.drop_table('server_keys')
    op.drop_table('login_failures')
