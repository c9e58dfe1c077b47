"""scale: pending-notification index, task_unit (scope as one index), task(deadline, id),
normalised search text with pg_trgm GIN indexes on PostgreSQL

Revision ID: 3c1f0a9d2b71
Revises: bcf5b62ab375
Create Date: 2026-11-30 01:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3c1f0a9d2b71'
down_revision = 'bcf5b62ab375'
branch_labels = None
depends_on = None

PENDING = "read_at IS NULL AND emailed_at IS NULL"


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    op.create_index("ix_notification_pending", "notification", ["user_id", "id"],
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))
    op.create_index("ix_task_deadline_id", "task", ["deadline", "id"])

    op.create_table(
        "task_unit",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_unit_task_id_task"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_task_unit_unit_id_unit"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id", "task_id", "role", name=op.f("pk_task_unit")),
    )
    op.execute("""
        INSERT INTO task_unit (unit_id, task_id, role, state, deadline)
        SELECT lead_unit_id, id, 'lead', state, deadline FROM task WHERE lead_unit_id IS NOT NULL
        UNION ALL
        SELECT c.unit_id, t.id, 'cooperating', t.state, t.deadline
        FROM task t JOIN task_cooperating_unit c ON c.task_id = t.id
    """)
    op.create_index("ix_task_unit_unit_id_state_deadline_task_id", "task_unit",
                    ["unit_id", "state", "deadline", "task_id"])
    op.create_index("ix_task_unit_unit_id_deadline_task_id", "task_unit",
                    ["unit_id", "deadline", "task_id"])
    op.create_index("ix_task_unit_task_id", "task_unit", ["task_id"])

    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), server_default=sa.text("''"), nullable=False))
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), server_default=sa.text("''"), nullable=False))
    _backfill_search_text(bind, postgresql)
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_task_search_text_trgm", "task", ["search_text"],
                        postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})
        op.create_index("ix_document_search_text_trgm", "document", ["search_text"],
                        postgresql_using="gin",
                        postgresql_ops={"search_text": "gin_trgm_ops"})


def _backfill_search_text(bind, postgresql):
    from cddh.services.search import SQL_FROM, SQL_TO, document_text, normalise

    if postgresql:
        norm = "' ' || lower(translate({}, :f, :t)) || ' '"
        params = {"f": SQL_FROM, "t": SQL_TO}
        bind.execute(sa.text("UPDATE document SET search_text = "
                             + norm.format("number || ' ' || summary")), params)
        bind.execute(sa.text("UPDATE task SET search_text = d.search_text || "
                             + "ltrim(" + norm.format("task.content") + ")"
                             + " FROM document d WHERE d.id = task.document_id"), params)
        return
    # SQLite (small databases): in Python, a thousand rows at a time.
    docs = {}
    for doc_id, number, summary in bind.execute(
            sa.text("SELECT id, number, summary FROM document")).all():
        docs[doc_id] = document_text(number, summary)
        bind.execute(sa.text("UPDATE document SET search_text = :s WHERE id = :i"),
                     {"s": docs[doc_id], "i": doc_id})
    rows = bind.execute(sa.text("SELECT id, document_id, content FROM task")).all()
    for start in range(0, len(rows), 1000):
        bind.execute(sa.text("UPDATE task SET search_text = :s WHERE id = :i"),
                     [{"s": f" {docs.get(d, '').strip()} {normalise(c)} ".replace("  ", " "),
                       "i": i}
                      for i, d, c in rows[start:start + 1000]])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_document_search_text_trgm", table_name="document")
        op.drop_index("ix_task_search_text_trgm", table_name="task")
    with op.batch_alter_table("document") as batch:
        batch.drop_column("search_text")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("search_text")
    op.drop_table("task_unit")
    op.drop_index("ix_task_deadline_id", table_name="task")
    op.drop_index("ix_notification_pending", table_name="notification")
