"""task_unit carries the lead unit

``task_unit.lead_unit_id`` is a copy of the task's lead unit, with an index in the unit's
urgency order per lead unit: a unit's list filtered by lead unit is one range of its rows.

Revision ID: 3e8b5a1f7c92
Revises: 0a6d2f9e4c51
Create Date: 2026-11-30 14:45:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '3e8b5a1f7c92'
down_revision = '0a6d2f9e4c51'
branch_labels = None
depends_on = None

INDEX = "ix_task_unit_unit_id_lead_urgency"


def upgrade():
    with op.batch_alter_table('task_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_unit_id', sa.Integer(), nullable=True))
    op.execute("""
        UPDATE task_unit SET lead_unit_id = (
            SELECT task.lead_unit_id FROM task WHERE task.id = task_unit.task_id)
    """)
    op.create_index(INDEX, "task_unit",
                    ["unit_id", "lead_unit_id", "settled", "deadline", "task_id"],
                    postgresql_include=["state"])


def downgrade():
    op.drop_index(INDEX, table_name="task_unit")
    with op.batch_alter_table('task_unit', schema=None) as batch_op:
        batch_op.drop_column('lead_unit_id')
