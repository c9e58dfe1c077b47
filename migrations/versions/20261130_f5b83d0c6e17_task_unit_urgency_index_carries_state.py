"""task_unit urgency index carries state

On PostgreSQL the index ix_task_unit_unit_id_urgency also carries the state column
(INCLUDE): a unit's list in its urgency order leaves out the drafts from the index alone,
and a filter joining the unit's rows to another unit's (the lead unit) reads both from
their indexes. SQLite has no INCLUDE: nothing changes there.

Revision ID: f5b83d0c6e17
Revises: e2a9c47d1f38
Create Date: 2026-11-30 14:13:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f5b83d0c6e17'
down_revision = 'e2a9c47d1f38'
branch_labels = None
depends_on = None

INDEX = "ix_task_unit_unit_id_urgency"
COLUMNS = ["unit_id", "settled", "deadline", "task_id"]


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
