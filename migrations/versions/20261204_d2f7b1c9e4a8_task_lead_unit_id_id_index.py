"""task (lead_unit_id, id): a lead unit's tasks newest first

The list of one unit's figure of a closed period walks the unit's tasks from the figure's
newest (facts.stored_last_id) instead of reading every task the unit led by the period's
end and sorting them.

Revision ID: d2f7b1c9e4a8
Revises: c6e1a9d3f7b5
Create Date: 2026-12-04 14:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd2f7b1c9e4a8'
down_revision = 'c6e1a9d3f7b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_lead_unit_id_id', ['lead_unit_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_lead_unit_id_id')
