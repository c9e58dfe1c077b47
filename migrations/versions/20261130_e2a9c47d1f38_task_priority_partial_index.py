"""task priority partial index

A partial index over the urgent and flash tasks (priority other than normal), in id order:
the task list's priority filter finds them without reading the normal ones.

Revision ID: e2a9c47d1f38
Revises: b7d41c2e9a05
Create Date: 2026-11-30 14:05:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e2a9c47d1f38'
down_revision = 'b7d41c2e9a05'
branch_labels = None
depends_on = None

ROWS = sa.text("priority <> 'normal'")


def upgrade():
    op.create_index("ix_task_priority_id", "task", ["priority", "id"],
                    postgresql_where=ROWS, sqlite_where=ROWS)


def downgrade():
    op.drop_index("ix_task_priority_id", table_name="task")
