"""Yearly overrides of the working-day calendar (official swaps the package does not know)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import IdMixin, TimestampMixin, db, str_enum
from .enums import CalendarOverrideKind


class CalendarOverride(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "calendar_override"

    day: Mapped[dt.date] = mapped_column(unique=True)
    kind: Mapped[CalendarOverrideKind] = mapped_column(str_enum(CalendarOverrideKind))
    name: Mapped[str] = mapped_column(sa.String(200))
    legal_basis: Mapped[str] = mapped_column(sa.String(255), default="")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.name}"
