"""task_history (task_id, at, id) carrying to_state: a task's state as of a day, index-only

Replaces (task_id, at). A closed period's figures ask each task's last state change before
the period's end (statistics.returned_as_of: the latest entry with a new state, ties by
number): with the number and, on PostgreSQL, the new state in the index, the first entry of
one backward index-only range. By (task_id, at) each probe read the task's entries from the
table and sorted them: one unit's 872 tasks done on time in a closed quarter at 1M, 15.7 ms,
4.2 ms so.

Revision ID: c2e6a8d4f1b5
Revises: b9d4f6a2c8e3
Create Date: 2026-12-04 20:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c2e6a8d4f1b5'
down_revision = 'b9d4f6a2c8e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_task_history_task_id_at_id", "task_history", ["task_id", "at", "id"],
                    postgresql_include=["to_state"])
    op.drop_index("ix_task_history_task_id_at", table_name="task_history")


def downgrade():
    op.create_index("ix_task_history_task_id_at", "task_history", ["task_id", "at"])
    op.drop_index("ix_task_history_task_id_at_id", table_name="task_history")
