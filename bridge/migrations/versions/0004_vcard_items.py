"""stored vCards are marked as such (component VCARD), so they are served as text/vcard

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text(
        "UPDATE dav_items SET component = 'VCARD' "
        "WHERE component = '' AND upper(substr(ltrim(text), 1, 11)) = 'BEGIN:VCARD'"))


def downgrade() -> None:
    op.execute(sa.text("UPDATE dav_items SET component = '' WHERE component = 'VCARD'"))
