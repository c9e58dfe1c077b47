"""Is this installation well? Database reachable, schema at the newest revision, scheduler alive.

``/healthz`` reports it for the reverse proxy and monitoring. The scheduler process records a
heartbeat row when it starts and touches it every minute (``beat``); it counts as alive while
its newest beat is younger than ``SCHEDULER_STALE_MINUTES``.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import socket

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from ..models import SchedulerHeartbeat, db, utcnow
from ..paths import MIGRATIONS_DIR

# Rows of scheduler processes that stopped this long ago are forgotten at the next start.
HEARTBEAT_KEEP = dt.timedelta(days=7)


@functools.cache
def schema_heads() -> frozenset[str]:
    """The head revision(s) of the migrations this code carries (read once per process)."""
    return frozenset(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def database_revisions() -> frozenset[str]:
    """The revision(s) the database is at (empty for a database never migrated)."""
    with db.engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return frozenset()
        return frozenset(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def register_scheduler() -> int:
    """Record a scheduler process that starts now; return its heartbeat id. Commits."""
    now = utcnow()
    db.session.execute(sa.delete(SchedulerHeartbeat)
                       .where(SchedulerHeartbeat.beat_at < now - HEARTBEAT_KEEP))
    row = SchedulerHeartbeat(host=socket.gethostname()[:255], pid=os.getpid(),
                             started_at=now, beat_at=now)
    db.session.add(row)
    db.session.commit()
    return row.id


def beat(heartbeat_id: int) -> None:
    """The scheduler is alive now. Commits."""
    db.session.execute(sa.update(SchedulerHeartbeat)
                       .where(SchedulerHeartbeat.id == heartbeat_id).values(beat_at=utcnow()))
    db.session.commit()


def health(stale_minutes: int) -> tuple[bool, dict]:
    """Every check, each ``{"ok": bool, ...}``, and whether all passed. Never raises for a
    database that is down: that is what it reports."""
    checks: dict[str, dict] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = {"ok": True}
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        return False, checks
    try:
        current, heads = database_revisions(), schema_heads()
        checks["schema"] = {"ok": current == heads, "current": sorted(current),
                            "head": sorted(heads)}
        last = db.session.scalar(sa.select(sa.func.max(SchedulerHeartbeat.beat_at)))
    except sa.exc.SQLAlchemyError as exc:  # e.g. a database older than the heartbeat table
        db.session.rollback()
        checks.setdefault("schema", {"ok": False, "error": type(exc).__name__})
        checks["scheduler"] = {"ok": False, "last_heartbeat": None}
        return False, checks
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    age = (utcnow() - last).total_seconds() if last else None
    checks["scheduler"] = {
        "ok": age is not None and age < stale_minutes * 60,
        "last_heartbeat": last.isoformat() if last else None,
        "age_seconds": round(age) if age is not None else None,
        "stale_after_minutes": stale_minutes,
    }
    return all(check["ok"] for check in checks.values()), checks
