"""Period reports (Đ15.2, Đ17) and unit self-inspection reports (Đ16.1–2)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import IdMixin, TimestampMixin, db, str_enum, utcnow
from .enums import PeriodKind, ReportStatus


class PeriodReport(IdMixin, TimestampMixin, db.Model):
    """The Office's report for a period; figures are frozen in ``data`` when issued.

    ``kind`` is empty for an ad-hoc report (Đ15.2 "đột xuất"): its window is any
    ``start_on``–``end_on`` and ``number`` counts the ad-hoc reports of the year.
    """

    __tablename__ = "period_report"
    __table_args__ = (sa.UniqueConstraint("kind", "year", "number", "version"),)

    kind: Mapped[PeriodKind | None] = mapped_column(str_enum(PeriodKind))
    year: Mapped[int]
    number: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    start_on: Mapped[dt.date]
    end_on: Mapped[dt.date]
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus), default=ReportStatus.draft)
    # Deferred: an issued report's overdue list may be megabytes; screens and the public pages
    # read ``PeriodReportFigures`` instead, and only the workbook loads this.
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict, deferred=True)
    issued_at: Mapped[dt.datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    published_at: Mapped[dt.datetime | None]
    # The report's own due date (setting ``report_due_working_days`` after the cut-off).
    due_on: Mapped[dt.date | None]
    # The narrative sections beside the figures (Đ15.2–3).
    assessment: Mapped[str] = mapped_column(sa.Text, default="", server_default=sa.text("''"))
    causes: Mapped[str] = mapped_column(sa.Text, default="", server_default=sa.text("''"))
    difficulties: Mapped[str] = mapped_column(sa.Text, default="", server_default=sa.text("''"))
    recommendations: Mapped[str] = mapped_column(sa.Text, default="", server_default=sa.text("''"))
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    approved_at: Mapped[dt.datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    approved_by = relationship("User", foreign_keys=[approved_by_id])


class PeriodReportEvent(IdMixin, db.Model):
    """One step in a period report's life: who, when, from which state to which, comment."""

    __tablename__ = "period_report_event"
    __table_args__ = (sa.Index("ix_period_report_event_report_id", "report_id"),)

    report_id: Mapped[int] = mapped_column(sa.ForeignKey("period_report.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    from_status: Mapped[str | None] = mapped_column(sa.String(32))
    to_status: Mapped[str | None] = mapped_column(sa.String(32))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    actor = relationship("User")


class SelfInspectionReport(IdMixin, TimestampMixin, db.Model):
    """A unit's periodic self-assessment, submitted by its leader (Đ16.1–2)."""

    __tablename__ = "self_inspection_report"
    __table_args__ = (sa.UniqueConstraint("unit_id", "kind", "year", "number"),)

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind))
    year: Mapped[int]
    number: Mapped[int]
    assessment: Mapped[str] = mapped_column(sa.Text, default="")
    shortcomings: Mapped[str] = mapped_column(sa.Text, default="")
    difficulties: Mapped[str] = mapped_column(sa.Text, default="")
    proposals: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    submitted_at: Mapped[dt.datetime | None]

    unit = relationship("Unit")
    submitted_by = relationship("User")
