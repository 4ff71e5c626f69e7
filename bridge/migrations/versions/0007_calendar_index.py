"""an index for what a representative's calendar selects

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f('ix_activities_calendar'), 'activities',
                    ['representative_id', 'kind', 'origin', 'deleted_at', 'start_at', 'end_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_activities_calendar'), table_name='activities')
