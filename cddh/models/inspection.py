"""Inspection plans, teams, their members, findings and follow-up (Đ12–14)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import IdMixin, TimestampMixin, db, str_enum
from .enums import InspectionKind, InspectionStatus
from .unit import Unit
from .user import User

inspection_finding_task = sa.Table(
    "inspection_finding_task",
    db.metadata,
    sa.Column("finding_id", sa.ForeignKey("inspection_finding.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("task_id", sa.ForeignKey("task.id"), primary_key=True),
)


class InspectionPlan(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "inspection_plan"

    year: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    period: Mapped[str] = mapped_column(sa.String(64), default="")
    content: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[InspectionStatus] = mapped_column(
        str_enum(InspectionStatus), default=InspectionStatus.draft
    )
    decision_number: Mapped[str] = mapped_column(sa.String(64), default="")
    decision_date: Mapped[dt.date | None]
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    approved_at: Mapped[dt.datetime | None]

    def __str__(self) -> str:
        return self.title


class InspectionTeam(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "inspection_team"

    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspection_plan.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    decision_number: Mapped[str] = mapped_column(sa.String(64), default="")
    decision_date: Mapped[dt.date | None]
    kind: Mapped[InspectionKind] = mapped_column(str_enum(InspectionKind))
    # Đ13.2: the ground for an ad hoc inspection.
    ground: Mapped[str] = mapped_column(sa.Text, default="")
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    # Đ13.1 a, b, c.
    covers_task_results: Mapped[bool] = mapped_column(default=True)
    covers_system_updates: Mapped[bool] = mapped_column(default=True)
    covers_reporting: Mapped[bool] = mapped_column(default=True)
    start_on: Mapped[dt.date | None]
    end_on: Mapped[dt.date | None]
    status: Mapped[InspectionStatus] = mapped_column(
        str_enum(InspectionStatus), default=InspectionStatus.draft
    )

    plan: Mapped[InspectionPlan | None] = relationship()
    lead: Mapped[User] = relationship()

    def __str__(self) -> str:
        return self.name


class InspectionMember(IdMixin, db.Model):
    """A team member: a user of the system or a person invited from another body (Đ14.2)."""

    __tablename__ = "inspection_member"
    __table_args__ = (sa.Index("ix_inspection_member_user_id_team_id", "user_id", "team_id"),)

    team_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_team.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    external_name: Mapped[str] = mapped_column(sa.String(120), default="")
    external_organisation: Mapped[str] = mapped_column(sa.String(255), default="")
    position: Mapped[str] = mapped_column(sa.String(120), default="")

    user: Mapped[User | None] = relationship()


class InspectedUnit(IdMixin, db.Model):
    """A unit a team inspects, with the lead's conclusion for it."""

    __tablename__ = "inspected_unit"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "unit_id"),
        sa.Index("ix_inspected_unit_unit_id", "unit_id"),
    )

    team_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_team.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    scheduled_on: Mapped[dt.date | None]
    conclusion: Mapped[str] = mapped_column(sa.Text, default="")
    concluded_at: Mapped[dt.datetime | None]

    team: Mapped[InspectionTeam] = relationship()
    unit: Mapped[Unit] = relationship()


class InspectionDocumentRequest(IdMixin, db.Model):
    """What a team asks an inspected unit to upload, and by when (Đ14.3)."""

    __tablename__ = "inspection_document_request"

    team_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_team.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    what: Mapped[str] = mapped_column(sa.Text)
    due_on: Mapped[dt.date | None]
    fulfilled_at: Mapped[dt.datetime | None]

    team: Mapped[InspectionTeam] = relationship()
    unit: Mapped[Unit] = relationship()

    def __str__(self) -> str:
        return self.what if len(self.what) <= 80 else self.what[:77] + "…"


class InspectionFinding(IdMixin, db.Model):
    __tablename__ = "inspection_finding"

    team_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_team.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    content: Mapped[str] = mapped_column(sa.Text)
    # A shortcoming counts against the unit in the ranking; a positive finding does not.
    is_shortcoming: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime | None]

    tasks = relationship("Task", secondary=inspection_finding_task, order_by="Task.id")
    team: Mapped[InspectionTeam] = relationship()
    unit: Mapped[Unit] = relationship()

    def __str__(self) -> str:
        return self.content if len(self.content) <= 80 else self.content[:77] + "…"


class InspectionRecommendation(IdMixin, db.Model):
    """A recommendation; it may become a follow-up task in the normal lifecycle."""

    __tablename__ = "inspection_recommendation"

    team_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_team.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    content: Mapped[str] = mapped_column(sa.Text)
    follow_up_task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task.id"))

    team: Mapped[InspectionTeam] = relationship()
    unit: Mapped[Unit] = relationship()
    follow_up_task = relationship("Task")

    def __str__(self) -> str:
        return self.content if len(self.content) <= 80 else self.content[:77] + "…"
