"""the done late tasks' two partial indexes carry their class's columns and the filters'

``ix_task_done_late_id`` and ``ix_task_done_late_state_id`` (PostgreSQL) carry what "done
late" as of today says of a task and what the list's lead unit, deadline and priority
filters say: counted and paged from the index alone. At 1M generated tasks the Office's
"done late" due from June looked up each of the 53,511 done late tasks for its deadline:
100-140 ms where the table lies in id order, 35-55 ms in deadline order (11-37 and 11-20
ms so). SQLite's indexes carry nothing: nothing changes there.

Revision ID: c9e5a1d7f3b8
Revises: b4d8f2a6c9e3
Create Date: 2026-12-02 22:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c9e5a1d7f3b8'
down_revision = 'b4d8f2a6c9e3'
branch_labels = None
depends_on = None

# As cddh.models.task.DONE_LATE_ROWS and DONE_LATE_INCLUDE at this revision.
DONE_LATE_ROWS = ("state IN ('pending_verification', 'completed') "
                  "AND (completed_on IS NULL OR completed_on > effective_deadline)")
INCLUDE = ["state", "assigned_at", "parent_task_id", "deadline", "effective_deadline",
           "completed_on", "lead_unit_id", "priority"]
INDEXES = {"ix_task_done_late_id": ["id"], "ix_task_done_late_state_id": ["state", "id"]}


def _build(include: list) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, keys in INDEXES.items():
        op.drop_index(name, table_name="task")
        # A key column is not carried again (DONE_LATE_STATE_INCLUDE).
        op.create_index(name, "task", keys, postgresql_where=sa.text(DONE_LATE_ROWS),
                        postgresql_include=[c for c in include if c not in keys])


def upgrade():
    _build(INCLUDE)


def downgrade():
    _build([])
