"""task (id) and (lead_unit_id, id) where a unit holds it: the overdue lists by number walk
the open tasks alone

The lists of overdue tasks newest first (the dashboard's "overdue" link, a leader's
escalated group) walked the whole table by number past every newer task, done or not yet
due: at 1M time-ordered tasks 55,000 rows for a leader's first 50 escalated tasks (18 ms),
16,000 along this index (6 ms). One unit's overdue tasks (the dashboard's figure of a
unit) walk the unit's open tasks: 397 rows, 0.7 ms (along the unit's tasks of every state,
1,438 and 2.5 ms).

Revision ID: a8c3e5f1d7b2
Revises: f3b8d2a6c1e4
Create Date: 2026-12-04 20:15:00

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


INDEXES = {"ix_task_open_id": ["id"], "ix_task_open_lead_unit_id_id": ["lead_unit_id", "id"]}


def upgrade():
    for name, keys in INDEXES.items():
        op.create_index(name, "task", keys, postgresql_where=sa.text(OPEN_ROWS),
                        sqlite_where=sa.text(OPEN_ROWS))


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="task")
