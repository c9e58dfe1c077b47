"""unit aliases: other names directives use for a unit, one per line (issue 16)

Revision ID: d8d2d8d051e6
Revises: f00963889f87
Create Date: 2026-11-30 01:32:08.823967

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8d2d8d051e6'
down_revision = 'f00963889f87'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aliases', sa.Text(), server_default=sa.text("''"), nullable=False))



def downgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('aliases')

