"""sign-in security: device passwords, a session version per employee (ending their cockpit
sessions at once), and the audit trail

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('employees', sa.Column('session_version', sa.Integer(), nullable=False,
                                         server_default=sa.text('0')))
    op.create_table(
        'device_passwords',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('read_only', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_from', sa.String(length=64), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], ondelete='CASCADE',
                                name=op.f('fk_device_passwords_employee_id_employees')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_device_passwords')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_device_passwords_secret_hash')),
    )
    op.create_index(op.f('ix_device_passwords_employee_id'), 'device_passwords',
                    ['employee_id'])
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('login', sa.String(length=64), nullable=True),
        sa.Column('actor', sa.String(length=64), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('detail', sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    )
    for column in ('at', 'kind', 'login'):
        op.create_index(op.f(f'ix_audit_events_{column}'), 'audit_events', [column])


def downgrade() -> None:
    op.drop_table('audit_events')
    op.drop_table('device_passwords')
    with op.batch_alter_table('employees') as batch:
        batch.drop_column('session_version')
