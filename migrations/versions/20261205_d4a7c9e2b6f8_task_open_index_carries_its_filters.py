"""ix_task_open_id carries what the lists of open tasks by number ask of each task

A leader's escalated group walks the open tasks newest first past those not yet escalated
(16,387 at 1M), each read from the table for its deadlines and its directing leader (5.0
ms); carried by the index, the page's ids are read from it alone (1.4-1.7 ms). PostgreSQL
only (SQLite's index has no INCLUDE: it stays as it is).

Revision ID: d4a7c9e2b6f8
Revises: c2e6a8d4f1b5
Create Date: 2026-12-05 00:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4a7c9e2b6f8'
down_revision = 'c2e6a8d4f1b5'
branch_labels = None
depends_on = None

# As cddh.models.task.OPEN_ROWS and OPEN_ID_INCLUDE at this revision.
OPEN_ROWS = "state IN ('assigned', 'in_progress')"
INCLUDE = ["deadline", "effective_deadline", "directing_leader_id", "assigned_at",
           "parent_task_id"]


def _rebuild(include):
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_task_open_id", table_name="task")
    op.create_index("ix_task_open_id", "task", ["id"], postgresql_where=sa.text(OPEN_ROWS),
                    postgresql_include=include)


def upgrade():
    _rebuild(INCLUDE)


def downgrade():
    _rebuild([])
