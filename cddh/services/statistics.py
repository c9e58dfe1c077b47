"""The one definition of every task figure (docs/figures.md; domain.md "Timeliness",
"Reporting periods"; Đ8.2a, Đ11, Đ15.2, Đ17, Đ20.2).

Every screen, the API, the Excel workbook and the public page read their figures from here,
and every list behind a figure filters with the same clauses, so a figure and the list it
opens always agree.

A task counts from its first forwarding (``assigned_at``; a draft never counts) and counts for
its lead unit; a sub-task (``parent_task_id`` set, delegated to a child unit) never counts. As of a date D it stands in exactly one class:

1. ``cancelled``: cancelled on or before D;
2. ``returned``: it stood returned to the Office at D (with the Office, not the unit: it is
   not the unit's open or overdue task);
3. ``no_deadline``: a task without deadline (done or open; ``no_deadline_done`` says how many
   of them were reported complete on or before D);
4. ``done_on_time`` / ``done_late``: reported complete on or before D (``completed_on`` ≤ D,
   the unit's reported completion date), judged against the deadline; awaiting the Office's
   verification or verified alike;
5. ``open_on_time`` / ``open_overdue``: otherwise open at the unit, deadline ≥ D or < D.

``total`` is the sum of the seven classes. A period [start, end] counts the tasks assigned on
or before its end that were not completed or cancelled before its start; a period that has
not ended is counted as of today ("to date"). As of today the classes read the task's current
state (fast, index-friendly); as of a past date they read the timestamps and the history.
``classify`` is the same rule in Python, for one task.

Everything is counted by the database in grouped queries; nothing loops over tasks.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..models import Task, TaskHistory, TaskState, Timeliness, Unit, db
from .clock import local_today, start_of_local_day

S = TaskState
CANCELLED = "cancelled"
RETURNED = "returned"
NO_DEADLINE_DONE = "no_deadline_done"
AWAITING = "awaiting_verification"
TIMELINESS_COLUMNS = (Timeliness.done_on_time, Timeliness.done_late, Timeliness.open_on_time,
                      Timeliness.open_overdue, Timeliness.no_deadline)
# The classes a counted task falls in, exactly one each; total = their sum.
CLASSES = (*(t.value for t in TIMELINESS_COLUMNS), RETURNED, CANCELLED)
# A statistics row: the total, the classes and the "of which" column.
COLUMNS = ("total", *CLASSES, NO_DEADLINE_DONE)
# Every measure a figure may link to (``measure_clause``).
MEASURES = ("total", *CLASSES, NO_DEADLINE_DONE, AWAITING)
UNIT_OPEN = (S.assigned, S.in_progress)
DONE = (S.pending_verification, S.completed)


def _end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (local), as stored (UTC)."""
    return start_of_local_day(day + dt.timedelta(days=1))


def effective_end(end: dt.date, today: dt.date | None = None) -> dt.date:
    """The date a window is counted as of: its end, or today for a window not yet ended."""
    today = today or local_today()
    return min(end, today)


def is_to_date(end: dt.date, today: dt.date | None = None) -> bool:
    """A window that has not ended is shown "to date" (đến nay)."""
    return end >= (today or local_today())


# --- SQL -------------------------------------------------------------------------------------

def counted_clause(start: dt.date | None, as_of: dt.date):
    """The tasks a figure as of ``as_of`` counts; with ``start``, those of the window
    [start, as_of] (not completed or cancelled before the start)."""
    # A sub-task is never counted: its parent counts once, for its lead unit.
    parts = [Task.assigned_at.is_not(None), Task.assigned_at < _end_of(as_of),
             Task.parent_task_id.is_(None)]
    if start is not None:
        parts += [sa.or_(Task.completed_on.is_(None), Task.completed_on >= start),
                  sa.or_(Task.cancelled_at.is_(None),
                         Task.cancelled_at >= start_of_local_day(start))]
    return sa.and_(*parts)


def returned_as_of(as_of: dt.date, today: dt.date | None = None):
    """True for a task that stood returned to the Office at ``as_of``: as of today its state;
    before, its last state change on or before that day was a return (a task with no
    recorded state change is judged by its current state)."""
    if as_of >= (today or local_today()):
        return Task.state == S.returned
    last_state = (sa.select(TaskHistory.to_state)
                  .where(TaskHistory.task_id == Task.id, TaskHistory.to_state.is_not(None),
                         TaskHistory.at < _end_of(as_of))
                  .order_by(TaskHistory.at.desc(), TaskHistory.id.desc())
                  .limit(1).correlate(Task).scalar_subquery())
    state_now = sa.cast(Task.state, sa.String)
    return sa.func.coalesce(last_state, state_now) == S.returned.value


def _parts(as_of: dt.date, today: dt.date | None):
    """(cancelled, returned, done) at ``as_of`` as SQL conditions that are never NULL."""
    if as_of >= (today or local_today()):
        return Task.state == S.cancelled, Task.state == S.returned, Task.state.in_(DONE)
    cancelled = sa.and_(Task.cancelled_at.is_not(None), Task.cancelled_at < _end_of(as_of))
    done = sa.and_(Task.completed_on.is_not(None), Task.completed_on <= as_of)
    return cancelled, returned_as_of(as_of, today), done


def class_clause(value: str, as_of: dt.date, today: dt.date | None = None):
    """The condition of one class (see the module's docstring) as of ``as_of``, for tasks
    already known to be counted. The clauses of the seven classes exclude each other."""
    cancelled, returned, done = _parts(as_of, today)
    if value == CANCELLED:
        return cancelled
    if value == RETURNED:
        return sa.and_(sa.not_(cancelled), returned)
    held = sa.and_(sa.not_(cancelled), sa.not_(returned))
    if value == Timeliness.no_deadline.value:
        return sa.and_(held, Task.deadline.is_(None))
    if value == NO_DEADLINE_DONE:
        return sa.and_(held, Task.deadline.is_(None), done)
    if value == AWAITING:
        return sa.and_(held, done, Task.state == S.pending_verification)
    dated = sa.and_(held, Task.deadline.is_not(None))
    # A done task with no completion date (loaded outside the workflow) is judged on as_of.
    completed_on = sa.func.coalesce(Task.completed_on, as_of)
    if value == Timeliness.done_on_time.value:
        return sa.and_(dated, done, completed_on <= Task.deadline)
    if value == Timeliness.done_late.value:
        return sa.and_(dated, done, completed_on > Task.deadline)
    if as_of >= (today or local_today()):
        open_ = Task.state.in_(UNIT_OPEN)  # the states left once the others are taken
    else:
        open_ = sa.not_(done)
    if value == Timeliness.open_on_time.value:
        return sa.and_(dated, open_, Task.deadline >= as_of)
    if value == Timeliness.open_overdue.value:
        return sa.and_(dated, open_, Task.deadline < as_of)
    raise ValueError(value)


def class_case(as_of: dt.date, today: dt.date | None = None):
    """A counted task's class as of ``as_of``, as one SQL expression."""
    return sa.case(*[(class_clause(value, as_of, today), value) for value in CLASSES],
                   else_=sa.null())


def measure_clause(measure: str, start: dt.date | None, as_of: dt.date,
                   today: dt.date | None = None):
    """The tasks behind one figure: counted, and in the measure's class (``total``: all)."""
    counted = counted_clause(start, as_of)
    if measure == "total":
        return counted
    return sa.and_(counted, class_clause(measure, as_of, today))


def unit_statistics(start: dt.date | None, end: dt.date, unit_ids=None,
                    today: dt.date | None = None) -> list[dict]:
    """The statistics table of the window [start, end], one row per lead unit, counted as of
    ``effective_end(end)``; ``start`` None counts every task as of that date.

    Each row is a plain dict ``{"unit_id", "total", <the seven classes>, "no_deadline_done"}``,
    in the units' display order. With ``unit_ids`` only those units are counted, and each of
    them has a row even with nothing to count; without it every unit that leads a counted task
    has a row. ``total_row(rows)`` adds them up.
    """
    today = today or local_today()
    as_of = effective_end(end, today)
    counts = [sa.func.count().filter(class_clause(value, as_of, today)).label(value)
              for value in (*CLASSES, NO_DEADLINE_DONE)]
    query = (sa.select(Task.lead_unit_id.label("unit_id"), sa.func.count().label("total"),
                       *counts)
             .where(counted_clause(start, as_of), Task.lead_unit_id.is_not(None))
             .group_by(Task.lead_unit_id))
    wanted = None
    if unit_ids is not None:
        wanted = list(dict.fromkeys(int(i) for i in unit_ids))
        query = query.where(Task.lead_unit_id.in_(wanted))
    found = {row.unit_id: {"unit_id": row.unit_id, **{name: int(getattr(row, name) or 0)
                                                       for name in COLUMNS}}
             for row in db.session.execute(query)}
    unit_order = db.session.scalars(
        sa.select(Unit.id).where(Unit.id.in_(wanted if wanted is not None else list(found)))
        .order_by(Unit.sort_order, Unit.name, Unit.id))
    return [found.get(unit_id) or _zero_row(unit_id) for unit_id in unit_order]


def _zero_row(unit_id: int | None = None) -> dict:
    row = {name: 0 for name in COLUMNS}
    if unit_id is not None:
        row = {"unit_id": unit_id, **row}
    return row


def total_row(rows: list[dict]) -> dict:
    """The sum of the table's rows (without ``unit_id``)."""
    total = _zero_row()
    for row in rows:
        for name in COLUMNS:
            total[name] += row[name]
    return total


# --- rates -----------------------------------------------------------------------------------

def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def completion_rate(row: dict) -> float | None:
    """Done (on time, late, or without deadline) over the tasks the unit held: total minus
    cancelled and returned (issue 14 §4: a completed task without deadline is completed)."""
    done = row["done_on_time"] + row["done_late"] + row.get(NO_DEADLINE_DONE, 0)
    return _rate(done, row["total"] - row[CANCELLED] - row[RETURNED])


def on_time_rate(row: dict) -> float | None:
    """Done on time over the tasks with a deadline that were done."""
    return _rate(row["done_on_time"], row["done_on_time"] + row["done_late"])


def due_count(row: dict) -> int:
    """The tasks with a deadline the unit held (the ranking's denominator)."""
    return (row["done_on_time"] + row["done_late"] + row["open_on_time"]
            + row["open_overdue"])


# --- one task --------------------------------------------------------------------------------

def classify(state, deadline: dt.date | None, completed_on: dt.date | None,
             today: dt.date) -> str | None:
    """One task's class as of today from its current state (None for a draft): the same rule
    as ``class_clause(value, today)``."""
    state = TaskState(state)
    if state == S.draft:
        return None
    if state == S.cancelled:
        return CANCELLED
    if state == S.returned:
        return RETURNED
    if deadline is None:
        return Timeliness.no_deadline.value
    if state in DONE:
        return (Timeliness.done_on_time if (completed_on or today) <= deadline
                else Timeliness.done_late).value
    return (Timeliness.open_on_time if deadline >= today else Timeliness.open_overdue).value
