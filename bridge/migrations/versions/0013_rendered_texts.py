"""the rendered texts' tables named for what they hold (kept_* → rendered_*), their rows copied

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (("activities", "activity_id"), ("customers", "customer_id"))
"""(the HQ table, the key column) of each rendered-text table."""


def upgrade() -> None:
    for table, key in TABLES:
        _move(f"kept_{table}", f"rendered_{table}", table, key)


def downgrade() -> None:
    for table, key in TABLES:
        _move(f"rendered_{table}", f"kept_{table}", table, key)


def _move(old: str, new: str, table: str, key: str) -> None:
    """A new table with its constraints named for it (a rename would keep the old names on
    PostgreSQL), the old one's rows copied into it, the old one dropped."""
    op.create_table(
        new,
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint([key], [f'{table}.id'], ondelete='CASCADE',
                                name=op.f(f'fk_{new}_{key}_{table}')),
        sa.PrimaryKeyConstraint(key, name=op.f(f'pk_{new}')),
    )
    op.execute(f"INSERT INTO {new} ({key}, revision, text) SELECT {key}, revision, text FROM {old}")
    op.drop_table(old)
