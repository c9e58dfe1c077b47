"""task (lead_unit_id, id, assigned_at) over the tasks returned at some time

Replaces (lead_unit_id, assigned_at, id) over the same rows. A lead unit's returned figure
of a closed period lists its tasks newest first: in this order its page walks the index
and stops when full, where it read every task of the figure, joined their documents and
sorted them for 50. The count reads the same range as before (the unit, up to the
figure's newest task, the window's end checked in the index).

Revision ID: a9d4e6b2c8f3
Revises: e4b7c2f9a3d1
Create Date: 2026-12-05 12:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a9d4e6b2c8f3'
down_revision = 'e4b7c2f9a3d1'
branch_labels = None
depends_on = None

RETURNED_ROWS = "ever_returned OR state = 'returned'"


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_returned_lead_unit_id_assigned_at_id')
        batch_op.create_index('ix_task_returned_lead_unit_id_id_assigned_at',
                              ['lead_unit_id', 'id', 'assigned_at'], unique=False,
                              postgresql_where=sa.text(RETURNED_ROWS),
                              sqlite_where=sa.text(RETURNED_ROWS))


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_returned_lead_unit_id_id_assigned_at')
        batch_op.create_index('ix_task_returned_lead_unit_id_assigned_at_id',
                              ['lead_unit_id', 'assigned_at', 'id'], unique=False,
                              postgresql_where=sa.text(RETURNED_ROWS),
                              sqlite_where=sa.text(RETURNED_ROWS))
