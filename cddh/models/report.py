"""Period reports (Đ15.2, Đ17) and unit self-inspection reports (Đ16.1–2)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import IdMixin, TimestampMixin, db, str_enum
from .enums import PeriodKind, ReportStatus


class PeriodReport(IdMixin, TimestampMixin, db.Model):
    """The Office's report for a period; figures are frozen in ``data`` when issued."""

    __tablename__ = "period_report"
    __table_args__ = (sa.UniqueConstraint("kind", "year", "number", "version"),)

    kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind))
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
