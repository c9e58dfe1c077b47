"""task_unit_count: a unit's task_unit rows counted by state

A unit's list counted its whole scope as an index range of its task_unit rows: 6 ms for a unit
of 37,000 tasks at 1M, growing with the unit. cddh.services.scope now keeps, with the rows,
how many each unit holds in each state; the count reads a handful of rows. Filled here from
the rows.

Revision ID: 8436d3d2686f
Revises: 3f3890b3f3c1
Create Date: 2026-11-30 19:11:34.508447

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8436d3d2686f'
down_revision = '3f3890b3f3c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_unit_count',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('unit_id', 'state', name=op.f('pk_task_unit_count'))
    )
    op.execute("INSERT INTO task_unit_count (unit_id, state, n) "
               "SELECT unit_id, state, count(*) FROM task_unit GROUP BY unit_id, state")


def downgrade():
    op.drop_table('task_unit_count')
