"""Units (đơn vị) and their kinds. Kinds are data, so a two-tier province needs no code change."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import IdMixin, TimestampMixin, db, str_enum
from .enums import UnitCategory


class UnitKind(IdMixin, db.Model):
    """A kind of unit a province uses (sở, UBND huyện, UBND xã, phường…)."""

    __tablename__ = "unit_kind"

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120), default="")
    # What the rules need to know about the kind: Office, Office division, department,
    # district-level or commune-level local government ("district"), or other.
    category: Mapped[UnitCategory] = mapped_column(str_enum(UnitCategory))
    # Đ9.2c: a unit of this kind sends its officers' completion reports and proposed returns
    # to its leader for sign-off before they reach the Office (cddh.services.signoff).
    signoff_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __str__(self) -> str:
        return self.name


class Unit(IdMixin, TimestampMixin, db.Model):
    """An agency: the Office, its divisions, departments, districts, other organisations."""

    __tablename__ = "unit"

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    short_name: Mapped[str] = mapped_column(sa.String(80), default="")
    kind_id: Mapped[int] = mapped_column(sa.ForeignKey("unit_kind.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(255), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # Other names directives use for the unit, one per line ("Sở KH&ĐT", "STNMT"): the
    # directive reader (services/directives) matches them; admins keep them on the Units screen.
    aliases: Mapped[str] = mapped_column(sa.Text, default="", server_default=sa.text("''"))

    kind: Mapped[UnitKind] = relationship(lazy="joined")
    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id")

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in (self.aliases or "").splitlines() if line.strip()]

    @property
    def category(self) -> UnitCategory:
        return self.kind.category

    def __str__(self) -> str:
        return self.name
