"""task_unit carries the priority

``task_unit.priority`` is a copy of the task's priority, with a partial index of each
unit's urgent and flash rows: a unit's list filtered by priority reads it on the row, and
counts those rows from their index. Told through the task's partial index of its urgent
and flash tasks, a province's one task in ten urgent made each such list hash 110,000 ids
at 1M.

Revision ID: c5e8a1f3b7d9
Revises: b3e7f9a2d4c6
Create Date: 2026-12-05 16:15:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c5e8a1f3b7d9'
down_revision = 'b3e7f9a2d4c6'
branch_labels = None
depends_on = None

INDEX = "ix_task_unit_special"


def upgrade():
    # Added and dropped in place (not a batch, which on SQLite would copy the table and
    # cannot read back its indexes on expressions).
    op.add_column('task_unit', sa.Column('priority', sa.String(16), nullable=False,
                                         server_default='normal'))
    # Only the rows of the tasks that are not "normal" change.
    op.execute("""
        UPDATE task_unit SET priority = (
            SELECT task.priority FROM task WHERE task.id = task_unit.task_id)
        WHERE task_unit.task_id IN (SELECT id FROM task WHERE priority <> 'normal')
    """)
    op.create_index(INDEX, "task_unit", ["unit_id", "task_id"],
                    postgresql_include=["priority", "state", "role"],
                    postgresql_where=sa.text("priority <> 'normal'"),
                    sqlite_where=sa.text("priority <> 'normal'"))
    if op.get_bind().dialect.name == "postgresql":
        # The new column's statistics: without them the planner takes "normal" for a rare
        # value (a unit's list filtered by "normal" at 1M: 406 ms until analysed, 13.5 so).
        op.execute("ANALYZE task_unit")


def downgrade():
    op.drop_index(INDEX, table_name="task_unit")
    op.drop_column('task_unit', 'priority')
