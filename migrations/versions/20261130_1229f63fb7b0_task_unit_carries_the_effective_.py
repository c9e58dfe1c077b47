"""task_unit carries the effective deadline; partial index on pending sign-offs

``task_unit.deadline`` becomes a copy of the task's effective deadline (Điều 148), so a unit's
home groups (overdue, due soon, on time) are counted from the task–unit index alone; and the
index keeps one row per (unit, task), for the strongest reason (lead, cooperating, parent),
with the task's document (a unit's documents are one index range) and whether the figures
count it (a unit's timeliness filters read the row).

Revision ID: 1229f63fb7b0
Revises: fb7c373c426f
Create Date: 2026-11-30 08:12:40.149089

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1229f63fb7b0'
down_revision = 'fb7c373c426f'
branch_labels = None
depends_on = None


def upgrade():
    for weaker, stronger in (("parent", "'lead', 'cooperating'"), ("cooperating", "'lead'")):
        op.execute(f"""
            DELETE FROM task_unit WHERE role = '{weaker}' AND EXISTS (
                SELECT 1 FROM task_unit AS other
                WHERE other.unit_id = task_unit.unit_id AND other.task_id = task_unit.task_id
                  AND other.role IN ({stronger}))
        """)
    with op.batch_alter_table('task_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('counted', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.execute("""
        UPDATE task_unit SET
            deadline = (SELECT task.effective_deadline FROM task
                        WHERE task.id = task_unit.task_id),
            document_id = (SELECT task.document_id FROM task WHERE task.id = task_unit.task_id),
            counted = (SELECT task.assigned_at IS NOT NULL AND task.parent_task_id IS NULL
                       FROM task WHERE task.id = task_unit.task_id)
    """)
    with op.batch_alter_table('task_unit', schema=None) as batch_op:
        batch_op.create_index('ix_task_unit_unit_id_document_id', ['unit_id', 'document_id'],
                              unique=False)
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_lead_unit_id_signoff', ['lead_unit_id'], unique=False, postgresql_where=sa.text('signoff_action IS NOT NULL'), sqlite_where=sa.text('signoff_action IS NOT NULL'))



def downgrade():
    with op.batch_alter_table('task_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_task_unit_unit_id_document_id')
        batch_op.drop_column('counted')
        batch_op.drop_column('document_id')
    op.execute("""
        UPDATE task_unit SET deadline = (
            SELECT task.deadline FROM task WHERE task.id = task_unit.task_id)
    """)
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_lead_unit_id_signoff', postgresql_where=sa.text('signoff_action IS NOT NULL'), sqlite_where=sa.text('signoff_action IS NOT NULL'))

