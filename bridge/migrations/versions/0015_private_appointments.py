"""private appointments: an activity only its representative sees the text of; a calendar
subscription its representative shares with others

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # (a column with a constant default: added in place on SQLite too, no table copied)
    op.add_column('activities', sa.Column('private', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.add_column('calendar_subscriptions', sa.Column('shared', sa.Boolean(), nullable=False,
                                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('calendar_subscriptions') as batch:
        batch.drop_column('shared')
    with op.batch_alter_table('activities') as batch:
        batch.drop_column('private')
