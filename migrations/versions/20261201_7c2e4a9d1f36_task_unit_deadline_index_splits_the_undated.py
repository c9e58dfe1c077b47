"""a unit's rows by deadline: the undated ones split by task in the index

``ix_task_unit_unit_id_deadline_task_id`` gets a second key, the task of an undated row
(NULL for a dated one): the rows keep their (deadline, task) order, and a unit's list by
deadline says it (cddh.services.scope.by_row_deadline), so its undated rows are no longer
one group read whole to be sorted by the task's deadline. A unit leader's 3,719 undated
open tasks at 1M generated tasks, going down: 38 ms a page, 1.7 ms so.

Revision ID: 7c2e4a9d1f36
Revises: b6e1d3f5a9c2
Create Date: 2026-12-01 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c2e4a9d1f36'
down_revision = 'b6e1d3f5a9c2'
branch_labels = None
depends_on = None

NAME = "ix_task_unit_unit_id_deadline_task_id"
# As cddh.models.task.UNDATED_TASK at this revision.
UNDATED_TASK = sa.text("(CASE WHEN deadline IS NULL THEN task_id END)")


def upgrade():
    op.drop_index(NAME, table_name="task_unit")
    op.create_index(NAME, "task_unit", ["unit_id", "deadline", UNDATED_TASK, "task_id"],
                    postgresql_include=["state"])


def downgrade():
    op.drop_index(NAME, table_name="task_unit")
    op.create_index(NAME, "task_unit", ["unit_id", "deadline", "task_id"],
                    postgresql_include=["state"])
