"""Accounts and API tokens. A user has one role and belongs to one unit."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import IdMixin, TimestampMixin, db, str_enum, utcnow
from .enums import OFFICE_ROLES, UNIT_ROLES, LeaderPosition, Role
from .unit import Unit


class User(IdMixin, TimestampMixin, UserMixin, db.Model):
    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str] = mapped_column(sa.String(255), default="")
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255), default="")
    role: Mapped[Role] = mapped_column(str_enum(Role), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    # A leader's post and, for a vice-chairman, the sectors directed (one per line).
    position: Mapped[LeaderPosition | None] = mapped_column(str_enum(LeaderPosition))
    sectors: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(sa.String(8), default="")
    last_login_at: Mapped[dt.datetime | None]
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    # Changing this invalidates every session of the user (password reset, deactivation).
    session_token: Mapped[str] = mapped_column(sa.String(64), default="")

    unit: Mapped[Unit] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_office(self) -> bool:
        return self.role in OFFICE_ROLES

    @property
    def is_unit_user(self) -> bool:
        return self.role in UNIT_ROLES

    @property
    def sector_list(self) -> list[str]:
        return [s.strip() for s in (self.sectors or "").replace(";", "\n").splitlines() if s.strip()]

    def __str__(self) -> str:
        return f"{self.full_name or self.username} ({self.username})"


class ApiToken(IdMixin, db.Model):
    """A bearer token for the JSON API; only its hash is stored."""

    __tablename__ = "api_token"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    def __str__(self) -> str:
        return self.name or f"token #{self.id}"
