"""the tasks done late, a partial index in id order

The lists' "done late" filter (today's class) read its page by walking the whole task
table in id order: done late is rare next to done on time, and the planner cannot tell
(the completion date compared with the effective deadline). On generated data at 1M tasks
the Office's completed tasks done late (5 of them) took 1.0 s a page. The index holds the
done tasks not on time (statistics.class_clause says the same condition), in id order.

Revision ID: 9d3c5e7a1b24
Revises: 5b62ee6248a7
Create Date: 2026-12-01 07:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9d3c5e7a1b24'
down_revision = '5b62ee6248a7'
branch_labels = None
depends_on = None

# As cddh.models.task.DONE_LATE_ROWS at this revision.
ROWS = sa.text("state IN ('pending_verification', 'completed') "
               "AND (completed_on IS NULL OR completed_on > effective_deadline)")


def upgrade():
    op.create_index("ix_task_done_late_id", "task", ["id"],
                    postgresql_where=ROWS, sqlite_where=ROWS)


def downgrade():
    op.drop_index("ix_task_done_late_id", table_name="task")
