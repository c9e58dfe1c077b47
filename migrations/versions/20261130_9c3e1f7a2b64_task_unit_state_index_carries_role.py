"""task_unit state index carries role

On PostgreSQL the index ix_task_unit_unit_id_state_deadline_task_id also carries the role
column (INCLUDE, beside counted): a unit leader's home counts its lead tasks without
officer and those awaiting sign-off from the index alone. SQLite has no INCLUDE: nothing
changes there.

Revision ID: 9c3e1f7a2b64
Revises: 174eb3634d45
Create Date: 2026-11-30 14:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '9c3e1f7a2b64'
down_revision = '174eb3634d45'
branch_labels = None
depends_on = None

INDEX = "ix_task_unit_unit_id_state_deadline_task_id"
COLUMNS = ["unit_id", "state", "deadline", "task_id"]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="task_unit")
    op.create_index(INDEX, "task_unit", COLUMNS, postgresql_include=["counted", "role"])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="task_unit")
    op.create_index(INDEX, "task_unit", COLUMNS, postgresql_include=["counted"])
