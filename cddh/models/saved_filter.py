"""A user's saved list filters: a name and the list's query string (issue 12 §3)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import IdMixin, db, utcnow
from .user import User


class SavedFilter(IdMixin, db.Model):
    """Only its owner reads or deletes it (policy.row_scope); names are unique per user."""

    __tablename__ = "saved_filter"
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uq_saved_filter_user_id_name"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    # The task list's query string, as the list read it (``flt0_5=3&search=…``).
    query: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    def __str__(self) -> str:
        return self.name
