"""task_unit document index carries state

On PostgreSQL the index ix_task_unit_unit_id_document_id also carries the state column
(INCLUDE): a unit user's documents (those of its task_unit rows but drafts) are counted and
listed from the index alone. SQLite has no INCLUDE: nothing changes there.

Revision ID: b7d41c2e9a05
Revises: 9c3e1f7a2b64
Create Date: 2026-11-30 14:05:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a05'
down_revision = '9c3e1f7a2b64'
branch_labels = None
depends_on = None

INDEX = "ix_task_unit_unit_id_document_id"
COLUMNS = ["unit_id", "document_id"]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="task_unit")
    op.create_index(INDEX, "task_unit", COLUMNS, postgresql_include=["state"])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="task_unit")
    op.create_index(INDEX, "task_unit", COLUMNS)
