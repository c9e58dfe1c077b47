"""Accounts and API tokens. A user has one role and belongs to one unit."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
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
    # An admin-issued (temporary) password: every page leads to "change my password" first.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    unit: Mapped[Unit] = relationship(lazy="joined")

    # The login this request runs under (set by the session loader; not a column).
    current_session = None  # a UserSession

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the signed cookie: the key of the server-side session."""
        return self.current_session.key if self.current_session is not None else ""

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


def _default_expiry() -> dt.datetime:
    return utcnow() + dt.timedelta(hours=current_app.config["SESSION_HOURS"])


class UserSession(IdMixin, db.Model):
    """One login. The signed cookie carries its ``key``; each request finds it here, so a
    logout, a password change or a deactivation ends it on the server, and it ends at
    ``expires_at`` however active the user is."""

    __tablename__ = "user_session"
    __table_args__ = (sa.Index("ix_user_session_user_id_expires_at", "user_id", "expires_at"),)

    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(default=_default_expiry)
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")
    address: Mapped[str] = mapped_column(sa.String(64), default="")
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    def is_live(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now

    def __str__(self) -> str:
        return f"{self.user_agent[:60] or '?'} ({self.address or '?'})"


class LoginFailure(IdMixin, db.Model):
    """A failed login, kept for the throttling window only: by submitted username (known or
    not) and client address. In the database so that every web worker sees the same counts."""

    __tablename__ = "login_failure"
    __table_args__ = (
        sa.Index("ix_login_failure_username_at", "username", "at"),
        sa.Index("ix_login_failure_address_at", "address", "at"),
    )

    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(sa.String(64))
    address: Mapped[str] = mapped_column(sa.String(64))


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
