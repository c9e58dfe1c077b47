"""unit_document carries its document's issue date

Each entry gets a copy of its document's issue date, kept by cddh.services.scope, with an
index on (unit_id, issued_on, document_id): a unit's document list in its default order
(newest first) is one range of it. Ordered by the documents' own index, a unit with 1% of
the documents had a hundred others passed for each of its own (at 1M generated tasks, a
unit with 3,092 of 333,357 documents: 10,420 read for a page of 50).

Revision ID: d5f1b7e3a9c2
Revises: a8c3e6f1d4b2
Create Date: 2026-12-04 06:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd5f1b7e3a9c2'
down_revision = 'a8c3e6f1d4b2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("unit_document", sa.Column("issued_on", sa.Date(), nullable=True))
    # An entry always has its document (its tasks' rows hold it); none without is kept.
    # NOT EXISTS, not NOT IN: PostgreSQL runs the latter as a sub-plan per entry where the
    # documents' ids exceed its memory for hashing (633,425 entries x 333,357 documents).
    op.execute("DELETE FROM unit_document WHERE NOT EXISTS (SELECT 1 FROM document "
               "WHERE document.id = unit_document.document_id)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE unit_document SET issued_on = document.issued_on FROM document "
                   "WHERE document.id = unit_document.document_id")
    else:
        op.execute("UPDATE unit_document SET issued_on = (SELECT document.issued_on "
                   "FROM document WHERE document.id = unit_document.document_id)")
    with op.batch_alter_table("unit_document") as batch:
        batch.alter_column("issued_on", existing_type=sa.Date(), nullable=False)
    op.create_index("ix_unit_document_unit_id_issued_on_document_id", "unit_document",
                    ["unit_id", "issued_on", "document_id"])


def downgrade():
    op.drop_index("ix_unit_document_unit_id_issued_on_document_id", table_name="unit_document")
    with op.batch_alter_table("unit_document") as batch:
        batch.drop_column("issued_on")
