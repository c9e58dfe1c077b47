"""task_unit deadline index carries state

On PostgreSQL the index ix_task_unit_unit_id_deadline_task_id also carries the state
column (INCLUDE): a unit's list filtered by a deadline range is counted from the index
alone, one range of the unit's rows in that window. Without it the planner counted through
the urgency index, every row of the unit (4.5 ms at 37,000 rows). SQLite has no INCLUDE:
nothing changes there.

Revision ID: 3c1d7e9a5b20
Revises: 6b9e3de86756
Create Date: 2026-11-30 23:15:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c1d7e9a5b20'
down_revision = '6b9e3de86756'
branch_labels = None
depends_on = None

INDEX = "ix_task_unit_unit_id_deadline_task_id"
COLUMNS = ["unit_id", "deadline", "task_id"]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="task_unit")
    op.create_index(INDEX, "task_unit", COLUMNS, postgresql_include=["state"])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="task_unit")
    op.create_index(INDEX, "task_unit", COLUMNS)
