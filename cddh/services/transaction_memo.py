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


# Keys whose values a flush writing objects of these classes makes stale: (name, classes).
_WRITTEN_BY: list[tuple[str, tuple[type, ...]]] = []


def forget_when_written(name: str, *classes: type) -> None:
    """Forget the values under ``name`` (the key itself, or a tuple starting with it) as
    soon as a flush writes an object of ``classes``."""
    _WRITTEN_BY.append((name, classes))


@event.listens_for(Session, "after_flush")
def _forget_written(session, flush_context) -> None:
    memo = session.info.get(_MEMO)
    if not memo:
        return
    written = (*session.new, *session.dirty, *session.deleted)
    for name, classes in _WRITTEN_BY:
        if any(isinstance(obj, classes) for obj in written):
            for key in [k for k in memo if k == name or (isinstance(k, tuple) and k[:1] == (name,))]:
                del memo[key]
