"""sync points: a random mark for each value of a change-log counter

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    points = op.create_table('sync_points',
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('mark', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['scope_id'], ['sync_scopes.id'], name=op.f('fk_sync_points_scope_id_sync_scopes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('scope_id', 'seq', name=op.f('pk_sync_points'))
    )
    # Where each counter stands now gets a mark; tokens handed out before name none and get
    # 403 valid-sync-token once (the clients sync afresh).
    scopes = op.get_bind().execute(sa.text("SELECT id, seq FROM sync_scopes WHERE seq > 0"))
    rows = [{"scope_id": id_, "seq": seq, "mark": secrets.token_hex(4)} for id_, seq in scopes]
    if rows:
        op.bulk_insert(points, rows)


def downgrade() -> None:
    op.drop_table('sync_points')
