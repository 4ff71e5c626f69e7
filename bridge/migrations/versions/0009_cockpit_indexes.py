"""indexes for the cockpit's table on a large HQ

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Newest (or oldest) first, one team's month, sorted by customer name: each first page is
    read off an index instead of sorting every activity."""
    op.create_index('ix_activities_sort_when', 'activities',
                    [sa.text('coalesce(start_at, end_at, created_at)'), 'id'])
    op.create_index('ix_activities_representative_when', 'activities',
                    ['representative_id', sa.text('coalesce(start_at, end_at)')])
    op.create_index('ix_customers_name', 'customers', ['name', 'id'])
    if op.get_bind().dialect.name == 'postgresql':
        _trigram_indexes()


SEARCH_TEXT = "(number || ' ' || name || ' ' || description)"
"""What the cockpit's free text is looked for in (``bridge.hq.cockpit.SEARCH_TEXT``)."""


def _trigram_indexes() -> None:
    """Free text in number, name and description is found through a trigram index
    (PostgreSQL's pg_trgm, a "trusted" extension the database's owner may create). Where it
    cannot be had, the search still works, reading every activity."""
    bind = op.get_bind()
    if not bind.scalar(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")):
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
    except sa.exc.DBAPIError:
        return
    op.execute(f'CREATE INDEX ix_activities_search_trgm ON activities '
               f'USING gin ({SEARCH_TEXT} gin_trgm_ops)')


def downgrade() -> None:
    op.execute('DROP INDEX IF EXISTS ix_activities_search_trgm')
    op.drop_index('ix_customers_name', table_name='customers')
    op.drop_index('ix_activities_representative_when', table_name='activities')
    op.drop_index('ix_activities_sort_when', table_name='activities')
