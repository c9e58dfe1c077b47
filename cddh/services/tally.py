"""The live figures' running tally (issue 13 §4): the statistics as of today without visiting
every task.

As of today a counted task's class (cddh.services.statistics) depends only on its lead unit,
state, effective deadline and completion date, and whether a window counts it only on its
completion and cancellation dates. ``task_tally`` holds, for each combination of those
columns, how many counted tasks (forwarded, not sub-tasks) have it; the statistics' own
clauses, applied to the tally's columns and weighted by ``n``, give the same figures as over
the tasks (``statistics.tally_windows``; ``tests/test_tally.py`` compares them).

A task is tallied under the smallest key those clauses judge alike (``fold``), so that the
tally grows with the units and the months, not with the tasks: the figures it answers are
as of today, for windows starting where a month window starts (every period's does;
``statistics.tally_answers``). A completion or cancellation date then matters only by its
month window, a done task's deadline only by whether it was met, a returned or cancelled
task's deadline not at all, and an open task's deadline once passed only as passed (today
only moves on: it stays overdue); an open task keeps its exact deadline while it is still
ahead. (With each task's own dates, a million tasks in time order made 180,717 rows.) A row
folded while its deadline was ahead keeps it after it passed; the next change of that task
takes it from the "passed" row instead, and the two rows still sum to the right figures
(``rebuild`` joins them). "Passed" holds from the day it was said on: ``task_tally_day``
keeps the last day keys were folded on, and figures as of an earlier day (a clock set
back) are counted over the tasks (``statistics.tally_answers``). The month
windows follow the cut-off day setting: changing it rebuilds the tally
(``settings.set_setting``).

The session keeps the tally: before a flush it reads the keys of the tasks about to change
from the database, after it the keys they have now, and adds the difference (a few rows per
flush, whatever the number of tasks). Statements that change tasks in bulk past the session
count what they touch before and after (``keys_where``, ``add_change``) or ``rebuild`` it;
``cddh recompute-facts`` rebuilds it too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import Task, TaskState, task_tally, task_tally_day
from . import statistics
from .clock import local_now, local_today, local_tz
from .periods import month_window_start
from .settings import setting_on
from .transaction_memo import per_transaction

KEY = ("lead_unit_id", "state", "effective_deadline", "completed_on", "cancelled_on")
BATCH = 1000  # task ids per statement
DONE = frozenset(state.value for state in statistics.DONE)
NO_DEADLINE_NEEDED = frozenset((TaskState.returned.value, TaskState.cancelled.value))
DAY = dt.timedelta(days=1)
UNIT_OPEN = frozenset(state.value for state in statistics.UNIT_OPEN)
# An open task's deadline once passed (before any today to come: overdue for good).
PASSED = dt.date(1, 1, 1)


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


def cutoff_day(connection) -> int:
    """The cut-off day setting, read on the connection (inside a flush the session cannot
    query)."""
    return int(setting_on(connection, "report_cutoff_day"))


def fold(key: tuple, cutoff: int, today: dt.date) -> tuple:
    """The key a task is tallied under on ``today``: its own, with what no figure the tally
    answers from today on can tell apart made the same (see the module's docstring). A done
    task with a deadline and a completion date keeps the completion's month window ``w``
    and, as its deadline, ``w`` when it was met or the day before ``w`` when not: the
    clauses' "completed on or before the deadline" reads the same of it. A done task without
    a completion date is judged on the day (``statistics.class_clause``) and keeps its
    deadline. An open task's passed deadline is ``PASSED``: before every today to come."""
    unit_id, state, deadline, completed_on, cancelled_on = key
    window = month_window_start(completed_on, cutoff) if completed_on is not None else None
    if state in NO_DEADLINE_NEEDED:
        deadline = None
    elif state in DONE and deadline is not None and window is not None:
        deadline = window if completed_on <= deadline else window - DAY
    elif state in UNIT_OPEN and deadline is not None and deadline < today:
        deadline = PASSED
    if cancelled_on is not None:
        cancelled_on = month_window_start(cancelled_on, cutoff)
    return unit_id, state, deadline, window, cancelled_on


def _keys(connection, where) -> sa.Select:
    cancelled_on = _local_date(connection, Task.cancelled_at).label("cancelled_on")
    return (sa.select(Task.lead_unit_id, sa.cast(Task.state, sa.String(32)).label("state"),
                      Task.effective_deadline, Task.completed_on, cancelled_on,
                      sa.func.count().label("n"))
            .where(counted(), where)
            .group_by(Task.lead_unit_id, Task.state, Task.effective_deadline, Task.completed_on,
                      cancelled_on))


def keys_where(connection, where) -> Counter:
    """How many counted tasks matching ``where`` the database holds now under each (folded)
    key."""
    cutoff, today = cutoff_day(connection), local_today()
    found: Counter = Counter()
    for row in connection.execute(_keys(connection, where)):
        found[fold(tuple(_plain(v) for v in row[:-1]), cutoff, today)] += row[-1]
    return found


def _read(connection, task_ids) -> Counter:
    """The tally keys of these tasks as the database holds them now."""
    found: Counter = Counter()
    ids = sorted(set(task_ids))
    for start in range(0, len(ids), BATCH):
        found.update(keys_where(connection, Task.id.in_(ids[start:start + BATCH])))
    return found


def _plain(value):
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":  # SQLite's date()
        return dt.date.fromisoformat(value)
    return getattr(value, "value", value)


def _match(key):
    return [task_tally.c[name] == value if value is not None else task_tally.c[name].is_(None)
            for name, value in zip(KEY, key, strict=True)]


def folded_on(connection) -> dt.date | None:
    """The last day keys were folded on (``task_tally_day``); None when not recorded."""
    return connection.execute(sa.select(task_tally_day.c.day)).scalar()


def _note_day(connection) -> bool:
    """Record that the tally holds keys folded today. No lock unless the day moves on (an
    UPDATE that matches no row locks none)."""
    today, day = local_today(), task_tally_day.c
    if not connection.execute(sa.update(task_tally_day).where(day.day < today)
                              .values(day=today)).rowcount:
        insert = (postgresql.insert if connection.dialect.name == "postgresql"
                  else sqlite.insert)(task_tally_day)
        connection.execute(insert.values(id=1, day=today).on_conflict_do_nothing())
    return True


def add_change(connection, before: Counter, after: Counter) -> None:
    """Add to the tally what changed between two readings of the same tasks' keys."""
    if _add(connection, before, after):
        _note_day(connection)


def _add(connection, before: Counter, after: Counter) -> bool:
    """``add_change`` without recording the day; whether anything changed."""
    delta = Counter(after)
    delta.subtract(before)
    changed = False
    for key, change in delta.items():
        if not change:
            continue
        changed = True
        row_id = connection.execute(sa.select(task_tally.c.id).where(*_match(key)).limit(1)
                                    ).scalar()
        if row_id is None:
            connection.execute(sa.insert(task_tally).values(
                **dict(zip(KEY, key, strict=True)), n=change))
        else:
            connection.execute(sa.update(task_tally).where(task_tally.c.id == row_id)
                               .values(n=task_tally.c.n + change))
    return changed


def rebuild(connection) -> None:
    """Count every task again (after a bulk load, a migration, a change of rule or of the
    cut-off day). The tasks are grouped by the database and folded here, a group at a
    time."""
    connection.execute(sa.delete(task_tally))
    folded = keys_where(connection, sa.true())
    rows = [{**dict(zip(KEY, key, strict=True)), "n": n} for key, n in folded.items() if n]
    for start in range(0, len(rows), BATCH):
        connection.execute(sa.insert(task_tally), rows[start:start + BATCH])
    _note_day(connection)


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
    if _add(session.connection(), before, after):
        # Once a transaction (and day): the day only moves on.
        per_transaction(("tally_day_noted", local_today()),
                        lambda: _note_day(session.connection()))
