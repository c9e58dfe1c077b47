"""task.ever_returned: whether the task's history holds a return to the Office

A task's class as of a past day asks its history whether it stood returned then
(statistics.returned_as_of). Only a task returned at some time can have: the flag says so
without the history, so a closed period's figure counted live (a figure's list narrowed by
a filter) reads the history of those tasks alone, and a lead unit's returned figure reads
them from their own index. Filled from the history here.

Revision ID: c8f1a4d6e2b9
Revises: b5e2d8f4a1c7
Create Date: 2026-12-05 08:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c8f1a4d6e2b9'
down_revision = 'b5e2d8f4a1c7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ever_returned', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE task SET ever_returned = true WHERE id IN "
               "(SELECT task_id FROM task_history WHERE to_state = 'returned')")
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_returned_lead_unit_id_assigned_at_id',
                              ['lead_unit_id', 'assigned_at', 'id'],
                              unique=False,
                              postgresql_where=sa.text("ever_returned OR state = 'returned'"),
                              sqlite_where=sa.text("ever_returned OR state = 'returned'"))


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_returned_lead_unit_id_assigned_at_id')
        batch_op.drop_column('ever_returned')
