"""Values kept for one database transaction (in the session's ``info``), forgotten when it
commits or rolls back: what the transaction read once and may read again (the settings it
found unset, the calendar's overrides), never older than the data it was read from."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..models import db

_MEMO = "cddh_transaction_memo"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_all(session) -> None:
    session.info.pop(_MEMO, None)


def per_transaction(key: Hashable, build: Callable[[], object]):
    """``build()`` once in the current transaction under ``key``."""
    memo = db.session.info.setdefault(_MEMO, {})
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = build()
        return value


def forget(key: Hashable, session: Session | None = None) -> None:
    """Drop ``key`` before the transaction ends (what it was read from was written)."""
    (session if session is not None else db.session).info.get(_MEMO, {}).pop(key, None)
