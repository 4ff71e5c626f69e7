"""calendar server storage

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sync_scopes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_scopes')),
    sa.UniqueConstraint('name', name=op.f('uq_sync_scopes_name'))
    )
    op.create_table('dav_collections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('parent', sa.String(length=512), nullable=False),
    sa.Column('tag', sa.String(length=16), nullable=False),
    sa.Column('props', sa.Text(), nullable=False),
    sa.Column('projection', sa.String(length=16), nullable=True),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_dav_collections_employee_id_employees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scope_id'], ['sync_scopes.id'], name=op.f('fk_dav_collections_scope_id_sync_scopes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dav_collections')),
    sa.UniqueConstraint('path', name=op.f('uq_dav_collections_path'))
    )
    with op.batch_alter_table('dav_collections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dav_collections_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dav_collections_parent'), ['parent'], unique=False)

    op.create_table('sync_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('href', sa.String(length=255), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['scope_id'], ['sync_scopes.id'], name=op.f('fk_sync_changes_scope_id_sync_scopes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_changes')),
    sa.UniqueConstraint('scope_id', 'href', name=op.f('uq_sync_changes_scope_id'))
    )
    with op.batch_alter_table('sync_changes', schema=None) as batch_op:
        batch_op.create_index('ix_sync_changes_scope_seq', ['scope_id', 'seq'], unique=False)

    op.create_table('dav_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('href', sa.String(length=255), nullable=False),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('etag', sa.String(length=80), nullable=False),
    sa.Column('component', sa.String(length=16), nullable=False),
    sa.Column('time_start', sa.BigInteger(), nullable=False),
    sa.Column('time_end', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['dav_collections.id'], name=op.f('fk_dav_items_collection_id_dav_collections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dav_items')),
    sa.UniqueConstraint('collection_id', 'href', name=op.f('uq_dav_items_collection_id'))
    )
    with op.batch_alter_table('dav_items', schema=None) as batch_op:
        batch_op.create_index('ix_dav_items_collection_time', ['collection_id', 'time_start'], unique=False)
        batch_op.create_index('ix_dav_items_collection_uid', ['collection_id', 'uid'], unique=False)

    op.create_table('client_copies',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_client_copies_activity_id_activities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id', name=op.f('pk_client_copies'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uid', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('href', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('all_day', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    _name_existing_activities()
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.alter_column('uid', existing_type=sa.String(length=255), nullable=False)
        batch_op.alter_column('href', existing_type=sa.String(length=255), nullable=False)
        batch_op.create_index(batch_op.f('ix_activities_uid'), ['uid'], unique=False)
        batch_op.create_index('ix_activities_representative_href',
                              ['representative_id', 'href'], unique=False)


def _name_existing_activities() -> None:
    """Activities from before the calendar server get the UID and href they are served as."""
    activities = sa.table("activities", sa.column("id"), sa.column("number"),
                          sa.column("mobile_id"), sa.column("uid"), sa.column("href"))
    connection = op.get_bind()
    rows = connection.execute(sa.select(activities.c.id, activities.c.number,
                                        activities.c.mobile_id)).all()
    for row in rows:
        connection.execute(activities.update().where(activities.c.id == row.id).values(
            uid=f"{_key(row.number, row.mobile_id)}@sales-calendar-bridge",
            href=f"{_key(row.number, row.mobile_id)}.ics"))


def _key(number: str, mobile_id: str | None) -> str:
    """The names' stem as the server named activities when this revision was written (a
    copy: a migration is frozen history and imports no live code)."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", f"mobile-{mobile_id}" if mobile_id else number)



def downgrade() -> None:
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_representative_href')
        batch_op.drop_index(batch_op.f('ix_activities_uid'))
        batch_op.drop_column('all_day')
        batch_op.drop_column('href')
        batch_op.drop_column('uid')

    op.drop_table('client_copies')
    with op.batch_alter_table('dav_items', schema=None) as batch_op:
        batch_op.drop_index('ix_dav_items_collection_uid')
        batch_op.drop_index('ix_dav_items_collection_time')

    op.drop_table('dav_items')
    with op.batch_alter_table('sync_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_changes_scope_seq')

    op.drop_table('sync_changes')
    with op.batch_alter_table('dav_collections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dav_collections_parent'))
        batch_op.drop_index(batch_op.f('ix_dav_collections_employee_id'))

    op.drop_table('dav_collections')
    op.drop_table('sync_scopes')
