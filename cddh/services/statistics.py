"""The standard statistics table of a period (Đ15.2, Đ17; domain.md "Reporting periods").

Which tasks count, as of the period's end date: those assigned (first forwarded) on or before
the end that were not completed or cancelled before the start. Each counts for its lead unit,
classed as it stood at the end: cancelled if cancelled on or before the end; else completed
if its reported completion date is on or before the end (a task completed later was still
open then); else open. The class then follows ``timeliness.classify`` with the end date as
"today": done on time / late against the deadline, open on time / overdue, or no deadline.

Columns of a row: ``total`` = done_on_time + done_late + open_on_time + open_overdue +
no_deadline + cancelled; ``returned`` is "of which returned": open tasks that stood returned
to the Office at the end (their last state change on or before the end was a return).

Everything is counted by the database in one grouped query; nothing loops over tasks.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..models import Task, TaskHistory, TaskState, Timeliness, Unit, db
from .clock import start_of_local_day

TIMELINESS_COLUMNS = (Timeliness.done_on_time, Timeliness.done_late, Timeliness.open_on_time,
                      Timeliness.open_overdue, Timeliness.no_deadline)
CANCELLED = "cancelled"
COLUMNS = ("total", *(t.value for t in TIMELINESS_COLUMNS), "returned", CANCELLED)



def counted_clause(start: dt.date, end: dt.date):
    """The tasks a report for the window [start, end] counts."""
    return sa.and_(
        Task.assigned_at.is_not(None),
        Task.assigned_at < start_of_local_day(end + dt.timedelta(days=1)),
        sa.or_(Task.completed_on.is_(None), Task.completed_on >= start),
        sa.or_(Task.cancelled_at.is_(None), Task.cancelled_at >= start_of_local_day(start)),
    )


def class_as_of(end: dt.date):
    """A task's class at the end date ('cancelled' or a timeliness value), as SQL.

    The same rule as ``timeliness.classify(state_at_end, deadline, completed_on, end)``;
    tests/test_api_reports.py checks the two agree task by task.
    """
    completed = sa.and_(Task.completed_on.is_not(None), Task.completed_on <= end)
    return sa.case(
        (sa.and_(Task.cancelled_at.is_not(None),
                 Task.cancelled_at < start_of_local_day(end + dt.timedelta(days=1))), CANCELLED),
        (Task.deadline.is_(None), Timeliness.no_deadline.value),
        (sa.and_(completed, Task.completed_on <= Task.deadline), Timeliness.done_on_time.value),
        (completed, Timeliness.done_late.value),
        (Task.deadline >= end, Timeliness.open_on_time.value),
        else_=Timeliness.open_overdue.value,
    )


def returned_as_of(end: dt.date):
    """True for a task whose last state change on or before the end was a return.

    A task with no recorded state change (data loaded outside the workflow) is judged by its
    current state.
    """
    last_state = (sa.select(TaskHistory.to_state)
                  .where(TaskHistory.task_id == Task.id, TaskHistory.to_state.is_not(None),
                         TaskHistory.at < start_of_local_day(end + dt.timedelta(days=1)))
                  .order_by(TaskHistory.at.desc(), TaskHistory.id.desc())
                  .limit(1).correlate(Task).scalar_subquery())
    state_now = sa.cast(Task.state, sa.String)
    return sa.func.coalesce(last_state, state_now) == TaskState.returned.value


def _zero_row(unit_id: int | None = None) -> dict:
    row = {name: 0 for name in COLUMNS}
    if unit_id is not None:
        row = {"unit_id": unit_id, **row}
    return row


def unit_statistics(start: dt.date, end: dt.date, unit_ids=None) -> list[dict]:
    """The statistics table of the window [start, end], one row per lead unit.

    Each row is ``{"unit_id", "total", "done_on_time", "done_late", "open_on_time",
    "open_overdue", "no_deadline", "returned", "cancelled"}`` (see the module's docstring),
    in the units' display order. With ``unit_ids`` (an iterable of ids) only those units are
    counted, and each of them has a row even with nothing to count; without it every unit
    that leads a counted task has a row. ``total_row(rows)`` adds them up.
    """
    classified = sa.select(
        Task.lead_unit_id.label("unit_id"),
        class_as_of(end).label("class_"),
        sa.case((returned_as_of(end), 1), else_=0).label("returned"),
    ).where(counted_clause(start, end), Task.lead_unit_id.is_not(None))
    wanted = None
    if unit_ids is not None:
        wanted = list(dict.fromkeys(int(i) for i in unit_ids))
        classified = classified.where(Task.lead_unit_id.in_(wanted))
    sub = classified.subquery()
    counts = [sa.func.sum(sa.case((sub.c.class_ == value, 1), else_=0)).label(value)
              for value in (*(t.value for t in TIMELINESS_COLUMNS), CANCELLED)]
    query = (sa.select(sub.c.unit_id, sa.func.count().label("total"), *counts,
                       sa.func.sum(sub.c.returned).label("returned"))
             .group_by(sub.c.unit_id))
    found = {row.unit_id: {"unit_id": row.unit_id, **{name: int(getattr(row, name) or 0)
                                                       for name in COLUMNS}}
             for row in db.session.execute(query)}
    unit_order = db.session.scalars(
        sa.select(Unit.id).where(Unit.id.in_(wanted if wanted is not None else list(found)))
        .order_by(Unit.sort_order, Unit.name, Unit.id))
    return [found.get(unit_id) or _zero_row(unit_id) for unit_id in unit_order]


def total_row(rows: list[dict]) -> dict:
    """The sum of the table's rows (without ``unit_id``)."""
    total = _zero_row()
    for row in rows:
        for name in COLUMNS:
            total[name] += row[name]
    return total


