"""Timeliness is derived from state, deadline and dates, never typed by hand (domain.md)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..models import OPEN_STATES, Task, TaskState, Timeliness


def timeliness(task: Task, today: dt.date) -> Timeliness | None:
    """The class of a task as of ``today``; None for drafts and cancelled tasks."""
    return classify(task.state, task.deadline, task.completed_on, today)


def classify(state, deadline: dt.date | None, completed_on: dt.date | None,
             today: dt.date) -> Timeliness | None:
    """The timeliness rule itself, on plain values (used for rows and for reports)."""
    if state in (TaskState.draft, TaskState.cancelled):
        return None
    if deadline is None:
        return Timeliness.no_deadline
    if state == TaskState.completed:
        return Timeliness.done_on_time if (completed_on or today) <= deadline else Timeliness.done_late
    if state in OPEN_STATES:
        return Timeliness.open_on_time if today <= deadline else Timeliness.open_overdue
    return None


def timeliness_clause(value: Timeliness, today: dt.date):
    """The same rule as SQL, for filters and counts over many rows."""
    open_ = Task.state.in_(list(OPEN_STATES))
    if value == Timeliness.no_deadline:
        return sa.and_(Task.deadline.is_(None),
                       Task.state.notin_([TaskState.draft, TaskState.cancelled]))
    if value == Timeliness.done_on_time:
        return sa.and_(Task.state == TaskState.completed, Task.completed_on <= Task.deadline)
    if value == Timeliness.done_late:
        return sa.and_(Task.state == TaskState.completed, Task.completed_on > Task.deadline)
    if value == Timeliness.open_on_time:
        return sa.and_(open_, Task.deadline >= today)
    if value == Timeliness.open_overdue:
        return sa.and_(open_, Task.deadline < today)
    raise ValueError(value)


def days_label_parts(task: Task, today: dt.date) -> tuple[str, int] | None:
    """("left", n) or ("overdue", n) in calendar days for an open task with a deadline."""
    if task.deadline is None or task.state not in OPEN_STATES:
        return None
    delta = (task.deadline - today).days
    return ("left", delta) if delta >= 0 else ("overdue", -delta)
