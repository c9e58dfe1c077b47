"""a unit's rows done late: one partial index in the urgency order

``ix_task_unit_done_late`` holds a unit's rows done late as of today (done, without a
completion date or completed after the effective deadline), keyed as the urgency index.
"Done late" on a unit's list and count (statistics.class_clause on the row) reads these
alone: at 1M generated tasks a unit's count read its 14,876 done rows for 2,060 (2.5 ms;
0.4 ms so), and its page passed the done on time ones.

Revision ID: e7a2c4f9b1d6
Revises: d5f1b7e3a9c2
Create Date: 2026-12-04 10:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a2c4f9b1d6'
down_revision = 'd5f1b7e3a9c2'
branch_labels = None
depends_on = None

# As cddh.models.task.TASK_UNIT_DONE_LATE_ROWS and UNDATED_TASK at this revision.
ROWS = ("state IN ('pending_verification', 'completed') "
        "AND (completed_on IS NULL OR completed_on > deadline)")
UNDATED_TASK = sa.text("(CASE WHEN deadline IS NULL THEN task_id END)")


def upgrade():
    op.create_index("ix_task_unit_done_late", "task_unit",
                    ["unit_id", "settled", "deadline", UNDATED_TASK, "task_id"],
                    postgresql_where=sa.text(ROWS), sqlite_where=sa.text(ROWS),
                    postgresql_include=["state", "counted", "role", "completed_on",
                                        "lead_unit_id"])


def downgrade():
    op.drop_index("ix_task_unit_done_late", table_name="task_unit")
