"""what the calendar server serves of HQ activities and customers, rendered once per change

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Rows changed before this are rendered on read until they change again."""
    op.create_table(
        'kept_activities',
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], ondelete='CASCADE',
                                name=op.f('fk_kept_activities_activity_id_activities')),
        sa.PrimaryKeyConstraint('activity_id', name=op.f('pk_kept_activities')),
    )
    op.create_table(
        'kept_customers',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE',
                                name=op.f('fk_kept_customers_customer_id_customers')),
        sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_kept_customers')),
    )


def downgrade() -> None:
    op.drop_table('kept_customers')
    op.drop_table('kept_activities')
