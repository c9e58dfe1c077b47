"""task_unit state index carries counted

On PostgreSQL the index ix_task_unit_unit_id_state_deadline_task_id also carries the
counted column (INCLUDE): a unit's timeliness filter counts its rows from the index
alone. SQLite has no INCLUDE: nothing changes there.

Revision ID: 01458faed803
Revises: 5a21899f6fef
Create Date: 2026-11-30 12:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '01458faed803'
down_revision = '5a21899f6fef'
branch_labels = None
depends_on = None

INDEX = "ix_task_unit_unit_id_state_deadline_task_id"
COLUMNS = ["unit_id", "state", "deadline", "task_id"]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="task_unit")
    op.create_index(INDEX, "task_unit", COLUMNS, postgresql_include=["counted"])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="task_unit")
    op.create_index(INDEX, "task_unit", COLUMNS)
