"""overdue mark in its own table

The daily job's overdue mark moves from task.overdue_since to task_overdue (one narrow row
per overdue task): marking a backlog no longer rewrites the wide task rows.

Revision ID: 5a21899f6fef
Revises: a2e946bbe262
Create Date: 2026-11-30 11:18:48.574552

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5a21899f6fef'
down_revision = 'a2e946bbe262'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'task_overdue',
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('since', sa.Date(), nullable=False),
        sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_overdue_task_id_task'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('task_id', name=op.f('pk_task_overdue')))
    op.execute("INSERT INTO task_overdue (task_id, since, marked_at) "
               "SELECT id, overdue_since, CURRENT_TIMESTAMP FROM task "
               "WHERE overdue_since IS NOT NULL")
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('overdue_since')


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_since', sa.DATE(), nullable=True))
    op.execute("UPDATE task SET overdue_since = (SELECT since FROM task_overdue "
               "WHERE task_overdue.task_id = task.id)")
    op.drop_table('task_overdue')
