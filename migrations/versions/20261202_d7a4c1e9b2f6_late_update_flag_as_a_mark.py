"""late update flag as a mark

The night's "late update" flag moves from task.late_update to a row of notice_mark (mark
``late_update``): flagging a backlog no longer rewrites the wide task rows.

Revision ID: d7a4c1e9b2f6
Revises: c5e8a2f4b7d9
Create Date: 2026-12-02 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7a4c1e9b2f6'
down_revision = 'c5e8a2f4b7d9'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO notice_mark (mark, subject_id, created_at) "
               "SELECT 'late_update', id, CURRENT_TIMESTAMP FROM task WHERE late_update "
               "AND NOT EXISTS (SELECT 1 FROM notice_mark m WHERE m.mark = 'late_update' "
               "AND m.subject_id = task.id)")
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('late_update')


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_update', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE task SET late_update = EXISTS (SELECT 1 FROM notice_mark m "
               "WHERE m.mark = 'late_update' AND m.subject_id = task.id)")
    op.execute("DELETE FROM notice_mark WHERE mark = 'late_update'")
