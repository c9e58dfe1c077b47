"""Cross-cutting records: notifications, settings, the audit log, scheduled job runs."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import IdMixin, db, utcnow
from .user import User


class Notification(IdMixin, db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        sa.Index("ix_notification_user_id_read_at_created_at", "user_id", "read_at", "created_at"),
        # The digest's "pending" (unread, not mailed) rows of a user, and only those.
        sa.Index("ix_notification_pending", "user_id", "id",
                 postgresql_where=sa.text("read_at IS NULL AND emailed_at IS NULL"),
                 sqlite_where=sa.text("read_at IS NULL AND emailed_at IS NULL")),
        # The unread badge on every page: one count over a user's unread rows only.
        sa.Index("ix_notification_unread", "user_id",
                 postgresql_where=sa.text("read_at IS NULL"),
                 sqlite_where=sa.text("read_at IS NULL")),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task.id"), index=True)
    message: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    emailed_at: Mapped[dt.datetime | None]
    # A grouped notice of a night's jobs ("12 tasks became overdue"): no task_id, the number
    # of tasks, and the task list's query string that shows them (cddh.services.duties).
    task_count: Mapped[int | None]
    link: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship()
    task = relationship("Task")


class NoticeMark(db.Model):
    """A reminder already given about one task (or document): the night's jobs group their
    notices per user, so "once per task and deadline" is remembered here, one row per
    subject and mark (``due_soon@2026-03-09``, ``escalated_unit@…``, ``late_entry``)."""

    __tablename__ = "notice_mark"

    mark: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Setting(db.Model):
    """A value a province may change (SLA days, reminder lead times…); defaults live in code."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[dict] = mapped_column(sa.JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditLog(IdMixin, db.Model):
    """Who changed what, when, with before/after values. Append-only: no role edits it."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)

    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    entity: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[str] = mapped_column(sa.String(64))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship()


class JobRun(IdMixin, db.Model):
    """One run of a scheduled job."""

    __tablename__ = "job_run"
    __table_args__ = (sa.Index("ix_job_run_name_started_at", "name", "started_at"),)

    name: Mapped[str] = mapped_column(sa.String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(sa.String(16), default="running")
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str] = mapped_column(sa.Text, default="")


class SchedulerHeartbeat(IdMixin, db.Model):
    """The scheduler process's sign of life, touched every minute; ``/healthz`` reads it."""

    __tablename__ = "scheduler_heartbeat"

    host: Mapped[str] = mapped_column(sa.String(255))
    pid: Mapped[int]
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
