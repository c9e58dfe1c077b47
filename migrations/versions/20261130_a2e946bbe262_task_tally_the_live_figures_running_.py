"""task_tally: the live figures' running tally

How many counted tasks (forwarded, not sub-tasks, with a lead unit) share each (lead unit,
state, effective deadline, completion date, local cancellation date): the figures as of today
are summed from it (cddh.services.tally), filled here from the tasks.

Revision ID: a2e946bbe262
Revises: 1229f63fb7b0
Create Date: 2026-11-30 08:23:06.884336

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2e946bbe262'
down_revision = '1229f63fb7b0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('effective_deadline', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('cancelled_on', sa.Date(), nullable=True),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_tally'))
    )
    with op.batch_alter_table('task_tally', schema=None) as batch_op:
        batch_op.create_index('ix_task_tally_key', ['lead_unit_id', 'state', 'effective_deadline', 'completed_on', 'cancelled_on'], unique=False)

    # The province's date of the cancellation (Asia/Ho_Chi_Minh, UTC+7 all year).
    if op.get_bind().dialect.name == "postgresql":
        cancelled_on = "CAST(timezone('Asia/Ho_Chi_Minh', cancelled_at) AS DATE)"
    else:
        cancelled_on = "date(cancelled_at, '+25200 seconds')"
    op.execute(f"""
        INSERT INTO task_tally (lead_unit_id, state, effective_deadline, completed_on,
                                cancelled_on, n)
        SELECT lead_unit_id, state, effective_deadline, completed_on, {cancelled_on}, count(*)
        FROM task
        WHERE assigned_at IS NOT NULL AND parent_task_id IS NULL AND lead_unit_id IS NOT NULL
        GROUP BY lead_unit_id, state, effective_deadline, completed_on, {cancelled_on}
    """)


def downgrade():
    with op.batch_alter_table('task_tally', schema=None) as batch_op:
        batch_op.drop_index('ix_task_tally_key')

    op.drop_table('task_tally')
