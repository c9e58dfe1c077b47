"""task_unit carries the completion date

``task_unit.completed_on`` is a copy of the task's completion date: with the state and the
effective deadline the row tells every timeliness class of the figures as of today, so a
unit's "done on time" and "done late" filters are read and counted on its rows. On
PostgreSQL the state index carries it (INCLUDE) beside counted and role, and settled.

Revision ID: 0a6d2f9e4c51
Revises: f5b83d0c6e17
Create Date: 2026-11-30 14:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0a6d2f9e4c51'
down_revision = 'f5b83d0c6e17'
branch_labels = None
depends_on = None

INDEX = "ix_task_unit_unit_id_state_deadline_task_id"
COLUMNS = ["unit_id", "state", "deadline", "task_id"]


def upgrade():
    with op.batch_alter_table('task_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_on', sa.Date(), nullable=True))
    op.execute("""
        UPDATE task_unit SET completed_on = (
            SELECT task.completed_on FROM task WHERE task.id = task_unit.task_id)
        WHERE EXISTS (SELECT 1 FROM task WHERE task.id = task_unit.task_id
                      AND task.completed_on IS NOT NULL)
    """)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(INDEX, table_name="task_unit")
        op.create_index(INDEX, "task_unit", COLUMNS,
                        postgresql_include=["counted", "role", "completed_on", "settled"])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(INDEX, table_name="task_unit")
        op.create_index(INDEX, "task_unit", COLUMNS, postgresql_include=["counted", "role"])
    with op.batch_alter_table('task_unit', schema=None) as batch_op:
        batch_op.drop_column('completed_on')
