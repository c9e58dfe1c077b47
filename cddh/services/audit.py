"""The audit log: every insert, update and deactivation of a business row, written by one
session listener so no door can forget it.

The listener runs in ``after_flush``, when the pre-flush history is still readable, and
writes with a Core insert on the flush's own connection: the log commits or rolls back
together with the change it describes.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import enum

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..models import (
    AuditLog,
    JobRun,
    LoginFailure,
    NoticeMark,
    Notification,
    TaskHistory,
    TaskOverdue,
    UserSession,
    utcnow,
)

# Rows that are themselves records of events, or too chatty to audit (logins are audited as
# "login" entries; a session row holds the key of a live login; an overdue mark is the daily
# job's, recorded on the task's timeline, and goes with the deadline change that clears it;
# so are the jobs' other marks: a reminder given, a task's "late update" flag, recorded on
# its timeline and cleared by the unit's update).
NOT_AUDITED = (AuditLog, TaskHistory, TaskOverdue, NoticeMark, Notification, JobRun,
               UserSession, LoginFailure)
SECRET_FIELDS = frozenset({"password_hash", "token_hash"})
# Bookkeeping columns whose change alone is not worth an audit row.
NOISE_FIELDS = frozenset({"updated_at", "last_login_at", "last_used_at", "version",
                          "search_text"})
# Columns derived from others (cddh.services.search): never in an audit row.
DERIVED_FIELDS = frozenset({"search_text"})

_actor_override: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "cddh_audit_actor", default=None
)


class acting_as:
    """Attribute changes made outside a request (CLI, jobs) to a user id, or to nobody."""

    def __init__(self, user_id: int | None):
        self.user_id = user_id

    def __enter__(self):
        self._token = _actor_override.set(self.user_id)
        return self

    def __exit__(self, *exc):
        _actor_override.reset(self._token)


def _current_actor_id() -> int | None:
    override = _actor_override.get()
    if override is not None:
        return override
    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return current_user.id
    return None


def _json(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_json(v) for v in value]
    return value


def _related_ids(values) -> list:
    return sorted(getattr(v, "id", None) for v in values if v is not None)


def _snapshot(obj, deleted: bool = False) -> dict:
    state = inspect(obj)
    mapper = state.mapper
    # A deleted row is gone by now: what was never loaded (a deferred column) cannot be.
    unloaded = state.unloaded if deleted else ()
    data = {}
    for attr in mapper.column_attrs:
        if attr.key in DERIVED_FIELDS or attr.key in unloaded:
            continue
        value = getattr(obj, attr.key)
        data[attr.key] = "***" if attr.key in SECRET_FIELDS and value else _json(value)
    for rel in mapper.relationships:
        if rel.secondary is not None:
            data[rel.key] = _related_ids(getattr(obj, rel.key))
    return data


def _diff(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if not hist.has_changes() or attr.key in NOISE_FIELDS:
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if attr.key in SECRET_FIELDS:
            old, new = "***", "*** (changed)"
        before[attr.key], after[attr.key] = _json(old), _json(new)
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue
        hist = state.attrs[rel.key].history
        if not hist.has_changes():
            continue
        current = _related_ids(getattr(obj, rel.key))
        added = {getattr(v, "id", None) for v in hist.added}
        removed = _related_ids(hist.deleted)
        before[rel.key] = sorted((set(current) - added) | set(removed))
        after[rel.key] = current
    return before, after


def _entity(obj) -> str:
    return obj.__table__.name


def _pk(obj) -> str:
    # In after_flush a new row has its primary key but not yet its identity key.
    values = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(v) for v in values if v is not None)


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, flush_context) -> None:
    rows = []
    actor_id = _current_actor_id()
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, NOT_AUDITED) or not hasattr(obj, "__table__"):
            continue
        rows.append(dict(at=now, actor_id=actor_id, action="create", entity=_entity(obj),
                         entity_id=_pk(obj), before=None, after=_snapshot(obj)))
    for obj in session.dirty:
        if isinstance(obj, NOT_AUDITED) or not hasattr(obj, "__table__"):
            continue
        if not session.is_modified(obj, include_collections=True):
            continue
        before, after = _diff(obj)
        if not after:
            continue
        action = "update"
        if before.get("active") is True and after.get("active") is False:
            action = "deactivate"
        elif before.get("active") is False and after.get("active") is True:
            action = "reactivate"
        rows.append(dict(at=now, actor_id=actor_id, action=action, entity=_entity(obj),
                         entity_id=_pk(obj), before=before, after=after))
    for obj in session.deleted:
        if isinstance(obj, NOT_AUDITED) or not hasattr(obj, "__table__"):
            continue
        rows.append(dict(at=now, actor_id=actor_id, action="delete", entity=_entity(obj),
                         entity_id=_pk(obj), before=_snapshot(obj, deleted=True), after=None))
    if rows:
        session.connection().execute(sa.insert(AuditLog.__table__), rows)


def record(session: Session, action: str, entity: str, entity_id, *, before=None, after=None,
           actor_id: int | None = None) -> None:
    """Write an audit entry for an event that is not a row change (a login, an export)."""
    session.add(AuditLog(action=action, entity=entity, entity_id=str(entity_id),
                         before=before, after=after,
                         actor_id=actor_id if actor_id is not None else _current_actor_id()))
