"""task (lead_unit_id, completed_on, state, assigned_at): a closed window in one index

Replaces (lead_unit_id, completed_on, state). A lead unit's tasks in a closed period's
window (forwarded before its end, not done before its start) are then found by this index
alone: a figure's list narrowed by a filter, counted live, no longer intersects the unit's
ranges with every task forwarded before the end (ix_task_assigned_at).

Revision ID: b5e2d8f4a1c7
Revises: a7d3e5c1b9f4
Create Date: 2026-12-05 08:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5e2d8f4a1c7'
down_revision = 'a7d3e5c1b9f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_lead_unit_id_completed_on_state')
        batch_op.create_index('ix_task_lead_unit_id_completed_on_state_assigned_at',
                              ['lead_unit_id', 'completed_on', 'state', 'assigned_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_lead_unit_id_completed_on_state_assigned_at')
        batch_op.create_index('ix_task_lead_unit_id_completed_on_state',
                              ['lead_unit_id', 'completed_on', 'state'], unique=False)
