"""a unit's rows by urgency and by state: the undated ones split by task in the index

``ix_task_unit_unit_id_state_deadline_task_id``, ``ix_task_unit_unit_id_urgency`` and
``ix_task_unit_unit_id_lead_urgency`` get the undated row's task (NULL for a dated row)
after the deadline, as ``ix_task_unit_unit_id_deadline_task_id`` did (7c2e4a9d1f36); the
urgency order says it too (cddh.services.scope.row_urgency_order). A unit's rows of one
state read by deadline were sorted as one group where undated: its 3,719 assigned tasks,
all undated, 48 ms a page at 1M generated tasks, 1 ms so.

Revision ID: a3d9f6c2e8b1
Revises: f1c8d2e5a7b3
Create Date: 2026-12-02 01:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a3d9f6c2e8b1'
down_revision = 'f1c8d2e5a7b3'
branch_labels = None
depends_on = None

# As cddh.models.task.UNDATED_TASK at this revision.
UNDATED_TASK = sa.text("(CASE WHEN deadline IS NULL THEN task_id END)")

# name: (keys before the undated row's task, the columns riding along on PostgreSQL)
INDEXES = {
    "ix_task_unit_unit_id_state_deadline_task_id": (
        ["unit_id", "state", "deadline"], ["counted", "role", "completed_on", "settled"]),
    "ix_task_unit_unit_id_urgency": (["unit_id", "settled", "deadline"], ["state"]),
    "ix_task_unit_unit_id_lead_urgency": (
        ["unit_id", "lead_unit_id", "settled", "deadline"], ["state"]),
}


def upgrade():
    for name, (keys, include) in INDEXES.items():
        op.drop_index(name, table_name="task_unit")
        op.create_index(name, "task_unit", [*keys, UNDATED_TASK, "task_id"],
                        postgresql_include=include)


def downgrade():
    for name, (keys, include) in INDEXES.items():
        op.drop_index(name, table_name="task_unit")
        op.create_index(name, "task_unit", [*keys, "task_id"], postgresql_include=include)
