"""unit_document carries its document's number

Each entry gets a copy of its document's number as the document-number filter reads it
(cddh.services.search.number_text: the first characters of the document's stored text),
kept by cddh.services.scope, with an index on (unit_id, document_id, number): a unit's
filter by a document number reads the unit's own entries from that index alone, not every
document holding the text (a text of one or two characters has no trigram: "1" at 1M,
200,482 of 333,357 documents read for the unit holding most, 0.38 s; its entries so, 12 ms).

Revision ID: e8b3f1a7c5d2
Revises: d4a7c9e2b6f8
Create Date: 2026-12-05 02:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e8b3f1a7c5d2'
down_revision = 'd4a7c9e2b6f8'
branch_labels = None
depends_on = None

# As cddh.services.search.number_text at this revision.
NUMBER = "substr(document.search_text, 2, length(document.number))"


def upgrade():
    op.add_column("unit_document", sa.Column("number", sa.String(64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"UPDATE unit_document SET number = {NUMBER} FROM document "
                   "WHERE document.id = unit_document.document_id")
    else:
        op.execute(f"UPDATE unit_document SET number = (SELECT {NUMBER} "
                   "FROM document WHERE document.id = unit_document.document_id)")
    # An entry always has its document (the issue date's revision deleted any without).
    op.execute("UPDATE unit_document SET number = '' WHERE number IS NULL")
    with op.batch_alter_table("unit_document") as batch:
        batch.alter_column("number", existing_type=sa.String(64), nullable=False)
    op.create_index("ix_unit_document_unit_id_document_id_number", "unit_document",
                    ["unit_id", "document_id", "number"])


def downgrade():
    op.drop_index("ix_unit_document_unit_id_document_id_number", table_name="unit_document")
    with op.batch_alter_table("unit_document") as batch:
        batch.drop_column("number")
