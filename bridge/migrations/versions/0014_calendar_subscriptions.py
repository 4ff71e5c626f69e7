"""calendar subscriptions: a representative's secret address of their appointments as one
iCalendar file (only its hash is kept)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'calendar_subscriptions',
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('include_tasks', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], ondelete='CASCADE',
                                name=op.f('fk_calendar_subscriptions_employee_id_employees')),
        sa.PrimaryKeyConstraint('employee_id', name=op.f('pk_calendar_subscriptions')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_calendar_subscriptions_secret_hash')),
    )


def downgrade() -> None:
    op.drop_table('calendar_subscriptions')
