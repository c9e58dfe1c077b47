"""period_fact.last_task_id, last_ids: where a closed period's tasks start

On a period's total row, the greatest id of a task forwarded by its end (a task's id is
never later than its forwarding): the list behind a closed period's figure, newest first,
starts at the period's own tasks. Filled here for the periods already stored. On every row,
``last_ids``: the greatest id of a task behind each of its figures, stored by the facts job
from now on (``flask cddh recompute-facts`` fills the periods already stored).

Revision ID: c6e1a9d3f7b5
Revises: b4d8e2f6a1c3
Create Date: 2026-12-04 14:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c6e1a9d3f7b5'
down_revision = 'b4d8e2f6a1c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('period_fact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_task_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_ids', sa.JSON(), nullable=True))
    # A day past the period's end (any time zone's end of its last day comes before it): a
    # bound a little above the exact one is still a bound; the facts job stores the exact.
    if op.get_bind().dialect.name == "postgresql":
        end = "(period_fact.end_on + 2)::timestamp"
    else:
        end = "datetime(period_fact.end_on, '+2 days')"
    op.execute(f"""
        UPDATE period_fact SET last_task_id = coalesce(
            (SELECT max(task.id) FROM task WHERE task.assigned_at < {end}), 0)
        WHERE period_fact.unit_id IS NULL
    """)


def downgrade():
    with op.batch_alter_table('period_fact', schema=None) as batch_op:
        batch_op.drop_column('last_ids')
        batch_op.drop_column('last_task_id')
