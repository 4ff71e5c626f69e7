"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('activity_definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.Enum('appointment', 'task', name='kind', native_enum=False, length=16), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('description_template', sa.Text(), nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_definitions')),
    sa.UniqueConstraint('code', name=op.f('uq_activity_definitions_code'))
    )
    op.create_table('employees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('sales_representative', sa.Boolean(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['employees.id'], name=op.f('fk_employees_manager_id_employees'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employees')),
    sa.UniqueConstraint('login', name=op.f('uq_employees_login'))
    )
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employees_manager_id'), ['manager_id'], unique=False)

    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=1024), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clock', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('delayed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    op.create_table('number_sequences',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('next_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_number_sequences'))
    )
    op.create_table('sales_channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_channels')),
    sa.UniqueConstraint('name', name=op.f('uq_sales_channels_name'))
    )
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('sales_channel_id', sa.Integer(), nullable=True),
    sa.Column('street', sa.String(length=255), nullable=True),
    sa.Column('postal_code', sa.String(length=32), nullable=True),
    sa.Column('city', sa.String(length=128), nullable=True),
    sa.Column('country', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sales_channel_id'], ['sales_channels.id'], name=op.f('fk_customers_sales_channel_id_sales_channels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('number', name=op.f('uq_customers_number'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_sales_channel_id'), ['sales_channel_id'], unique=False)

    op.create_table('employee_channels',
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['sales_channels.id'], name=op.f('fk_employee_channels_channel_id_sales_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_employee_channels_employee_id_employees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('employee_id', 'channel_id', name=op.f('pk_employee_channels'))
    )
    op.create_table('run_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('record', sa.String(length=255), nullable=True),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], name=op.f('fk_run_messages_run_id_import_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_messages'))
    )
    with op.batch_alter_table('run_messages', schema=None) as batch_op:
        batch_op.create_index('ix_run_messages_run', ['run_id', 'id'], unique=False)

    op.create_table('sync_settings',
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('calendar_start', sa.String(length=32), nullable=False),
    sa.Column('calendar_end', sa.String(length=32), nullable=False),
    sa.Column('task_start', sa.String(length=32), nullable=False),
    sa.Column('task_end', sa.String(length=32), nullable=False),
    sa.Column('transfer_tasks', sa.Boolean(), nullable=False),
    sa.Column('transfer_appointments', sa.Boolean(), nullable=False),
    sa.Column('text_priority', sa.Enum('hq', 'client', name='textpriority', native_enum=False, length=16), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_sync_settings_employee_id_employees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('employee_id', name=op.f('pk_sync_settings'))
    )
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.Enum('appointment', 'task', name='kind', native_enum=False, length=16), nullable=False),
    sa.Column('origin', sa.Enum('mobile', 'hq', 'client', name='origin', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('Planned', 'Delayed', 'Completed', 'Completed unprocessed', name='status', native_enum=False, length=32), nullable=False),
    sa.Column('mobile_status', sa.String(length=64), nullable=True),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('start_offset', sa.Integer(), nullable=True),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_offset', sa.Integer(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('mobile_description', sa.Text(), nullable=True),
    sa.Column('status_note', sa.Text(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('customer_address', sa.String(length=512), nullable=True),
    sa.Column('representative_id', sa.Integer(), nullable=False),
    sa.Column('sales_channel_id', sa.Integer(), nullable=True),
    sa.Column('definition_id', sa.Integer(), nullable=True),
    sa.Column('completed_on', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=64), nullable=True),
    sa.Column('mobile_id', sa.String(length=64), nullable=True),
    sa.Column('mobile_modified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mobile_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_activities_customer_id_customers')),
    sa.ForeignKeyConstraint(['definition_id'], ['activity_definitions.id'], name=op.f('fk_activities_definition_id_activity_definitions')),
    sa.ForeignKeyConstraint(['representative_id'], ['employees.id'], name=op.f('fk_activities_representative_id_employees')),
    sa.ForeignKeyConstraint(['sales_channel_id'], ['sales_channels.id'], name=op.f('fk_activities_sales_channel_id_sales_channels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    sa.UniqueConstraint('mobile_id', name=op.f('uq_activities_mobile_id')),
    sa.UniqueConstraint('number', name=op.f('uq_activities_number'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_activities_representative_start', ['representative_id', 'start_at'], unique=False)
        batch_op.create_index('ix_activities_start', ['start_at'], unique=False)
        batch_op.create_index('ix_activities_status_end', ['status', 'end_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_status_end')
        batch_op.drop_index('ix_activities_start')
        batch_op.drop_index('ix_activities_representative_start')
        batch_op.drop_index(batch_op.f('ix_activities_customer_id'))

    op.drop_table('activities')
    op.drop_table('sync_settings')
    with op.batch_alter_table('run_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_run_messages_run')

    op.drop_table('run_messages')
    op.drop_table('employee_channels')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_sales_channel_id'))

    op.drop_table('customers')
    op.drop_table('sales_channels')
    op.drop_table('number_sequences')
    op.drop_table('import_runs')
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employees_manager_id'))

    op.drop_table('employees')
    op.drop_table('activity_definitions')
