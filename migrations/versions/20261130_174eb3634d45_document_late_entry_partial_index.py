"""Document late-entry partial index

A partial index over the documents that can be late entries (Đ7.1a: tracked, not forwarded
or forwarded after the entry deadline): the Office home counts each specialist's along it,
cut at a cap, whatever the number of documents.

Revision ID: 174eb3634d45
Revises: 01458faed803
Create Date: 2026-11-30 13:58:08

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '174eb3634d45'
down_revision = '01458faed803'
branch_labels = None
depends_on = None

ROWS = sa.text("tracked IS true AND (forwarded_on IS NULL OR forwarded_on > entry_due_on)")


def upgrade():
    op.create_index("ix_document_late_entry", "document", ["specialist_id", "entry_due_on"],
                    postgresql_where=ROWS, sqlite_where=ROWS)


def downgrade():
    op.drop_index("ix_document_late_entry", table_name="document")
