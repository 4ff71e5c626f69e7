"""staged uploads: the cockpit's uploaded export files wait for their confirmation in the
database (any server process can import them), not in a server's local folder

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'staged_uploads',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('ready', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('preview', sa.Text(), nullable=True),
        sa.Column('outcomes', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_staged_uploads')),
    )
    op.create_index(op.f('ix_staged_uploads_created_at'), 'staged_uploads', ['created_at'])
    op.create_table(
        'staged_upload_parts',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['token'], ['staged_uploads.token'], ondelete='CASCADE',
                                name=op.f('fk_staged_upload_parts_token_staged_uploads')),
        sa.PrimaryKeyConstraint('token', 'seq', name=op.f('pk_staged_upload_parts')),
    )


def downgrade() -> None:
    op.drop_table('staged_upload_parts')
    op.drop_table('staged_uploads')
