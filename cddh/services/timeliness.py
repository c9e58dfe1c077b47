"""Timeliness is derived from state, deadline and dates, never typed by hand (domain.md).

The rule itself lives in ``cddh.services.statistics`` (one definition of every figure); this
module gives it the shapes the task screens and the API use.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..models import Task, TaskState, Timeliness, task_unit
from . import statistics
from .calendar import task_effective_deadline
from .scope import UNIT_ROW
from .statistics import UNIT_OPEN


def task_class(task: Task, today: dt.date) -> str | None:
    """The task's class today: a timeliness value, 'returned', 'cancelled'; None for drafts."""
    return statistics.classify(task.state, task_effective_deadline(task), task.completed_on,
                               today)


def timeliness(task: Task, today: dt.date) -> Timeliness | None:
    """The timeliness class of one task as of ``today`` (the API's Task ``timeliness``);
    None for drafts and cancelled tasks. A task returned to the Office is open (domain.md:
    "open" means assigned, in progress, awaiting verification or returned) and is judged on
    its deadline as an open task is; the figures count it apart, as returned (statistics),
    which this value does not say."""
    state = TaskState.in_progress if task.state == TaskState.returned else task.state
    return classify(state, task_effective_deadline(task), task.completed_on, today)


def task_timeliness_clause(value, today: dt.date, of=None):
    """The tasks whose ``timeliness`` (above) is ``value`` today, as one SQL condition: every
    forwarded task, sub-tasks too (the figures leave those out: ``timeliness_clause``),
    a returned task as an open one. ``of``: a unit's task_unit rows (UNIT_ROW), which copy
    the task's state, effective deadline and completion date."""
    value = Timeliness(value).value
    row = Task if of is None else of
    clause = statistics.class_clause(value, today, today, of=of)
    returned = row.state == (TaskState.returned if of is None else TaskState.returned.value)
    deadline = row.effective_deadline
    if value == Timeliness.no_deadline.value:
        clause = sa.or_(clause, sa.and_(returned, deadline.is_(None)))
    elif value == Timeliness.open_on_time.value:
        clause = sa.or_(clause, sa.and_(returned, deadline >= today))
    elif value == Timeliness.open_overdue.value:
        clause = sa.or_(clause, sa.and_(returned, deadline < today))
    draft = TaskState.draft if of is None else TaskState.draft.value
    return sa.and_(row.state != draft, clause)


def task_timeliness_states(value) -> frozenset:
    """The states a task whose ``timeliness`` is ``value`` can be in (a returned task is
    open, or without a deadline)."""
    value = Timeliness(value).value
    states = statistics.class_states(value)
    if value in OPEN_CLASSES or value == Timeliness.no_deadline.value:
        states = states | {TaskState.returned}
    return states


def classify(state, effective_deadline: dt.date | None, completed_on: dt.date | None,
             today: dt.date) -> Timeliness | None:
    """The timeliness rule on plain values (``statistics.classify``, on the effective
    deadline), as a Timeliness."""
    value = statistics.classify(state, effective_deadline, completed_on, today)
    return Timeliness(value) if value in Timeliness.__members__ else None


def timeliness_clause(value: Timeliness, today: dt.date):
    """The same rule as SQL, for filters and counts over many rows: the tasks of that class
    today, exactly those the dashboard counts."""
    return statistics.measure_clause(Timeliness(value).value, None, today, today)


def unit_row_clause(value, today: dt.date) -> list:
    """``timeliness_clause`` (or any class of the figures: returned, cancelled, awaiting
    verification) as conditions on a unit's task_unit rows: counted, and the class over the
    row's copies of the state, effective deadline and completion date
    (``statistics.class_clause``, the same rule)."""
    value = getattr(value, "value", value)
    rows = [task_unit.c.counted == sa.true(),
            statistics.class_clause(value, today, today, of=UNIT_ROW)]
    # What the class implies of the row's "settled" flag (not open at the unit), said too:
    # the urgency index then starts at the settled rows, or stops before them.
    if value in SETTLED_CLASSES:
        rows.append(task_unit.c.settled == sa.true())
    elif value in OPEN_CLASSES:
        rows.append(task_unit.c.settled == sa.false())
    return rows


# Every task of these classes is open at its unit (assigned, in progress), or is not.
OPEN_CLASSES = (Timeliness.open_on_time.value, Timeliness.open_overdue.value)
SETTLED_CLASSES = (Timeliness.done_on_time.value, Timeliness.done_late.value,
                   statistics.RETURNED, statistics.CANCELLED, statistics.AWAITING)


def days_label_parts(task: Task, today: dt.date) -> tuple[str, int] | None:
    """("left", n) or ("overdue", n) in calendar days, to the effective deadline, for a task
    open at its unit with a deadline."""
    deadline = task_effective_deadline(task)
    if deadline is None or task.state not in UNIT_OPEN:
        return None
    delta = (deadline - today).days
    return ("left", delta) if delta >= 0 else ("overdue", -delta)

