"""task (lead_unit_id, completed_on, state): a lead unit's tasks done in a window

Replaces (lead_unit_id, completed_on). A unit's figure of tasks done as of today (the
running period's, from the ranking) asks for the tasks completed since the window's start
or done without a completion date: with the state in the index, the second part is one
range of the few such tasks instead of every open task of the unit (which have no
completion date either) intersected with every done task of the table.

Revision ID: f3b8d2a6c1e4
Revises: d2f7b1c9e4a8
Create Date: 2026-12-04 18:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f3b8d2a6c1e4'
down_revision = 'd2f7b1c9e4a8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_lead_unit_id_completed_on')
        batch_op.create_index('ix_task_lead_unit_id_completed_on_state',
                              ['lead_unit_id', 'completed_on', 'state'], unique=False)


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_lead_unit_id_completed_on_state')
        batch_op.create_index('ix_task_lead_unit_id_completed_on',
                              ['lead_unit_id', 'completed_on'], unique=False)
