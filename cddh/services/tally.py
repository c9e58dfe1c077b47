"""The live figures' running tally (issue 13 §4): the statistics as of today without visiting
every task.

As of today a counted task's class (cddh.services.statistics) depends only on its lead unit,
state, effective deadline and completion date, and whether a window counts it only on its
completion and cancellation dates. ``task_tally`` holds, for each combination of those
columns, how many counted tasks (forwarded, not sub-tasks) have it; the statistics' own
clauses, applied to the tally's columns and weighted by ``n``, give the same figures as over
the tasks (``statistics.tally_windows``; ``tests/test_tally.py`` compares them).

The session keeps the tally: before a flush it reads the keys of the tasks about to change
from the database, after it the keys they have now, and adds the difference (a few rows per
flush, whatever the number of tasks). Statements that change tasks in bulk past the session
recount what they touched (``recount_deadlines``) or ``rebuild`` it; ``cddh recompute-facts``
rebuilds it too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..models import Task, task_tally
from . import statistics
from .clock import local_now, local_tz

KEY = ("lead_unit_id", "state", "effective_deadline", "completed_on", "cancelled_on")
BATCH = 1000  # task ids per statement


def _local_date(connection, column):
    """SQL: the province's date of a stored (UTC) moment, as ``clock.local_date_of``."""
    if connection.dialect.name == "postgresql":
        return sa.cast(sa.func.timezone(local_tz().key, column), sa.Date)
    # SQLite stores naive UTC text; the province keeps one offset all year (no summer time).
    offset = local_now().utcoffset() or dt.timedelta(0)
    return sa.func.date(column, f"{int(offset.total_seconds()):+d} seconds")


def counted():
    """The tasks the tally counts: those the figures count (forwarded, not a sub-task) that
    have a lead unit."""
    return sa.and_(statistics.forwarded_top_level(), Task.lead_unit_id.is_not(None))


def _keys(connection, where) -> sa.Select:
    cancelled_on = _local_date(connection, Task.cancelled_at).label("cancelled_on")
    return (sa.select(Task.lead_unit_id, sa.cast(Task.state, sa.String(32)).label("state"),
                      Task.effective_deadline, Task.completed_on, cancelled_on,
                      sa.func.count().label("n"))
            .where(counted(), where)
            .group_by(Task.lead_unit_id, Task.state, Task.effective_deadline, Task.completed_on,
                      cancelled_on))


def _read(connection, task_ids) -> Counter:
    """The tally keys of these tasks as the database holds them now."""
    found: Counter = Counter()
    ids = sorted(set(task_ids))
    for start in range(0, len(ids), BATCH):
        for row in connection.execute(_keys(connection, Task.id.in_(ids[start:start + BATCH]))):
            found[tuple(_plain(v) for v in row[:-1])] += row[-1]
    return found


def _plain(value):
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":  # SQLite's date()
        return dt.date.fromisoformat(value)
    return getattr(value, "value", value)


def _match(key):
    return [task_tally.c[name] == value if value is not None else task_tally.c[name].is_(None)
            for name, value in zip(KEY, key, strict=True)]


def _apply(connection, delta: Counter) -> None:
    for key, change in delta.items():
        if not change:
            continue
        row_id = connection.execute(sa.select(task_tally.c.id).where(*_match(key)).limit(1)
                                    ).scalar()
        if row_id is None:
            connection.execute(sa.insert(task_tally).values(
                **dict(zip(KEY, key, strict=True)), n=change))
        else:
            connection.execute(sa.update(task_tally).where(task_tally.c.id == row_id)
                               .values(n=task_tally.c.n + change))


def rebuild(connection) -> None:
    """Count every task again (after a bulk load, a migration, a change of rule)."""
    connection.execute(sa.delete(task_tally))
    connection.execute(sa.insert(task_tally).from_select(
        [*KEY, "n"], _keys(connection, sa.true())))


def recount_deadlines(connection, first: dt.date, last: dt.date) -> None:
    """Count again the tasks whose effective deadline lies in [first, last] (after a bulk
    change of effective deadlines within that range, old and new)."""
    within = sa.and_(task_tally.c.effective_deadline >= first,
                     task_tally.c.effective_deadline <= last)
    connection.execute(sa.delete(task_tally).where(within))
    connection.execute(sa.insert(task_tally).from_select([*KEY, "n"], _keys(
        connection, sa.and_(Task.effective_deadline >= first, Task.effective_deadline <= last))))


# --- the session keeps it ------------------------------------------------------------------

@event.listens_for(Session, "before_flush")
def _before(session: Session, flush_context, instances) -> None:
    ids = [obj.id for obj in (*session.dirty, *session.deleted)
           if isinstance(obj, Task) and obj.id is not None]
    session.info["tally_before"] = _read(session.connection(), ids) if ids else Counter()


@event.listens_for(Session, "after_flush")
def _after(session: Session, flush_context) -> None:
    before = session.info.pop("tally_before", None) or Counter()
    ids = [obj.id for obj in (*session.new, *session.dirty) if isinstance(obj, Task)]
    if not (ids or before):
        return
    after = _read(session.connection(), ids) if ids else Counter()
    delta = Counter(after)
    delta.subtract(before)
    _apply(session.connection(), delta)
