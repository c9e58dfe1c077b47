"""task (id) where a unit holds it: the overdue lists by number walk the open tasks alone

The lists of overdue tasks newest first (the dashboard's "overdue" link, a leader's
escalated group) walked the whole table by number past every newer task, done or not yet
due: at 1M time-ordered tasks 55,000 rows for a leader's first 50 escalated tasks (18 ms),
16,000 along this index (6 ms).

Revision ID: a8c3e5f1d7b2
Revises: f3b8d2a6c1e4
Create Date: 2026-12-04 20:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a8c3e5f1d7b2'
down_revision = 'f3b8d2a6c1e4'
branch_labels = None
depends_on = None

# As cddh.models.task.OPEN_ROWS at this revision.
OPEN_ROWS = "state IN ('assigned', 'in_progress')"


def upgrade():
    op.create_index("ix_task_open_id", "task", ["id"], postgresql_where=sa.text(OPEN_ROWS),
                    sqlite_where=sa.text(OPEN_ROWS))


def downgrade():
    op.drop_index("ix_task_open_id", table_name="task")
