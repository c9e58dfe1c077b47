"""scale: pending-notification index

Revision ID: 3c1f0a9d2b71
Revises: f00963889f87
Create Date: 2026-11-30 01:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3c1f0a9d2b71'
down_revision = 'f00963889f87'
branch_labels = None
depends_on = None

PENDING = "read_at IS NULL AND emailed_at IS NULL"


def upgrade():
    op.create_index("ix_notification_pending", "notification", ["user_id", "id"],
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))


def downgrade():
    op.drop_index("ix_notification_pending", table_name="notification")
