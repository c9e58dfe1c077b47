"""the tasks completed late, a partial index in id order

A closed period's "done late" figure listed its tasks by walking the whole task table in
id order (few tasks are done late; at 1M generated tasks, 5: 850 ms a page). As of a past
date done late means completed after the effective deadline; statistics.class_clause says
so, and this index holds those tasks in id order.

Revision ID: b6e1d3f5a9c2
Revises: 4f8a2c6e0d17
Create Date: 2026-12-01 07:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b6e1d3f5a9c2'
down_revision = '4f8a2c6e0d17'
branch_labels = None
depends_on = None

# As cddh.models.task.COMPLETED_LATE_ROWS at this revision.
ROWS = sa.text("completed_on > effective_deadline")


def upgrade():
    op.create_index("ix_task_completed_late_id", "task", ["id"],
                    postgresql_where=ROWS, sqlite_where=ROWS)


def downgrade():
    op.drop_index("ix_task_completed_late_id", table_name="task")
