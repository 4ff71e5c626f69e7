"""push subscriptions: WebDAV-Push registrations of calendar clients (a device's Web Push
subscription to one collection's changes, and what was sent to it); server leases (work one
server process does at a time: the push dispatcher)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'push_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration', sa.String(length=32), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('collection_id', sa.Integer(), nullable=False),
        sa.Column('push_resource', sa.String(length=2048), nullable=False),
        sa.Column('public_key', sa.String(length=255), nullable=False),
        sa.Column('auth_secret', sa.String(length=64), nullable=False),
        sa.Column('content_update', sa.Boolean(), nullable=False),
        sa.Column('property_update', sa.Boolean(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('known_token', sa.String(length=512), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], ondelete='CASCADE',
                                name=op.f('fk_push_subscriptions_employee_id_employees')),
        sa.ForeignKeyConstraint(['collection_id'], ['dav_collections.id'], ondelete='CASCADE',
                                name=op.f('fk_push_subscriptions_collection_id_dav_collections')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
        sa.UniqueConstraint('registration', name=op.f('uq_push_subscriptions_registration')),
        sa.UniqueConstraint('collection_id', 'push_resource',
                            name=op.f('uq_push_subscriptions_collection_id')),
    )
    op.create_index(op.f('ix_push_subscriptions_collection_id'), 'push_subscriptions',
                    ['collection_id'])
    op.create_index('ix_push_subscriptions_employee_expires', 'push_subscriptions',
                    ['employee_id', 'expires_at'])
    op.create_table(
        'server_leases',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=128), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_server_leases')),
    )


def downgrade() -> None:
    op.drop_table('server_leases')
    op.drop_table('push_subscriptions')
