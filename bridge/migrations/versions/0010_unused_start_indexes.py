"""drop the two indexes of activities' start that no query uses

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Calendars and the cockpit select by ``coalesce(start_at, end_at)`` (the calendar index
    of 0007, the cockpit's of 0009); nothing filters or sorts by ``start_at`` alone. Every
    imported or written activity paid for both indexes."""
    with op.batch_alter_table('activities') as batch_op:
        batch_op.drop_index('ix_activities_start')
        batch_op.drop_index('ix_activities_representative_start')


def downgrade() -> None:
    with op.batch_alter_table('activities') as batch_op:
        batch_op.create_index('ix_activities_representative_start',
                              ['representative_id', 'start_at'], unique=False)
        batch_op.create_index('ix_activities_start', ['start_at'], unique=False)
