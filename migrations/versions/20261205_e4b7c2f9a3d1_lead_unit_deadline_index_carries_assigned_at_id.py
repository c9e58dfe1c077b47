"""task (lead_unit_id, state, effective_deadline, assigned_at, id): a closed overdue window

Replaces (lead_unit_id, state, effective_deadline). A lead unit's tasks past their deadline
on a closed period's end, forwarded by then, up to the figure's newest task, are one index's
condition: an overdue figure counted live (its list narrowed by a filter) no longer
intersects them with every task forwarded before the end (ix_task_assigned_at) or numbered
below its newest (pk_task).

Revision ID: e4b7c2f9a3d1
Revises: c8f1a4d6e2b9
Create Date: 2026-12-05 09:15:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e4b7c2f9a3d1'
down_revision = 'c8f1a4d6e2b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_lead_unit_id_state_effective_deadline')
        batch_op.create_index('ix_task_lead_unit_id_state_effective_deadline_assigned_at_id',
                              ['lead_unit_id', 'state', 'effective_deadline', 'assigned_at',
                               'id'], unique=False)


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_lead_unit_id_state_effective_deadline_assigned_at_id')
        batch_op.create_index('ix_task_lead_unit_id_state_effective_deadline',
                              ['lead_unit_id', 'state', 'effective_deadline'], unique=False)
