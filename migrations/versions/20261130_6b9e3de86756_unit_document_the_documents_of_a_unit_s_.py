"""unit_document: the documents of a unit's task_unit rows, with how many rows each holds

A unit's document list counted its documents as count(DISTINCT document_id) over its
task_unit rows: 6 ms for a unit of 37,000 rows at 1M, growing with the unit.
cddh.services.scope now keeps one entry per (unit, document) of its forwarded rows, with how
many rows hold it (an entry whose last row goes is deleted); the count is a range of entries,
one per document. Filled here from the rows.

Revision ID: 6b9e3de86756
Revises: 8436d3d2686f
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b9e3de86756'
down_revision = '8436d3d2686f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_document',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('unit_id', 'document_id', name=op.f('pk_unit_document'))
    )
    op.execute("INSERT INTO unit_document (unit_id, document_id, n) "
               "SELECT unit_id, document_id, count(*) FROM task_unit "
               "WHERE state != 'draft' AND document_id IS NOT NULL "
               "GROUP BY unit_id, document_id")


def downgrade():
    op.drop_table('unit_document')
