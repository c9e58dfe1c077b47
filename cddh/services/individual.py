"""Individual evaluation (Đ20.2: results count for the annual evaluation of units and of
individuals): per handling officer (cddh.services.delegation), for a period, the tasks they
handle counted as the unit's figures count them (cddh.services.statistics: once, never a
sub-task of another unit), done on time, done late, open and overdue, missed or late updates
(the ranking's measure: the flags on the tasks' timelines, Đ8.1a and Đ8.1b) and
returns of their results by the Office.

Who may read whose figures is cddh.auth.policy.officer_figures_scope. Set-based: a handful of
grouped queries per page, whatever the number of tasks.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..models import Role, Task, TaskHistory, TaskState, User, db, task_officer
from .clock import local_today
from .ranking import _window, flagged_for_updates
from .statistics import class_clause, counted_clause, effective_end

COLUMNS = ("handled", "done_on_time", "done_late", "open_overdue", "missed_updates",
           "office_returns")


def officers_of_unit(unit_id: int) -> list[User]:
    """The unit's active staff and leaders, by name."""
    return list(db.session.scalars(sa.select(User).where(
        User.unit_id == unit_id, User.active.is_(True),
        User.role.in_((Role.unit_staff, Role.unit_leader))).order_by(User.full_name, User.id)))


def officer_figures(user_ids: list[int], start: dt.date, end: dt.date,
                    today: dt.date | None = None) -> dict[int, dict]:
    """The figures of each officer in ``user_ids`` for the window [start, end]."""
    rows = {i: dict.fromkeys(COLUMNS, 0) for i in user_ids}
    if not user_ids:
        return rows
    today = today or local_today()
    as_of = effective_end(end, today)
    mine = task_officer.c.user_id.in_(user_ids)
    classes = ("done_on_time", "done_late", "open_overdue")
    counted = (sa.select(task_officer.c.user_id, sa.func.count(),
                         *[sa.func.count().filter(class_clause(v, as_of, today)) for v in classes])
               .join(Task, Task.id == task_officer.c.task_id)
               .where(mine, counted_clause(start, as_of))
               .group_by(task_officer.c.user_id))
    for user_id, handled, *numbers in db.session.execute(counted):
        rows[user_id]["handled"] = handled
        rows[user_id].update(zip(classes, numbers, strict=True))
    # The unit's own measure (the ranking's): the tasks flagged for a late or missed update
    # in the window, from their timelines (the night's notices are grouped per person).
    flagged = flagged_for_updates(start, end)
    missed = (sa.select(task_officer.c.user_id, sa.func.count())
              .where(mine, task_officer.c.task_id.in_(flagged))
              .group_by(task_officer.c.user_id))
    for user_id, n in db.session.execute(missed):
        rows[user_id]["missed_updates"] = n
    returns = (sa.select(task_officer.c.user_id, sa.func.count(TaskHistory.id))
               .join(TaskHistory, TaskHistory.task_id == task_officer.c.task_id)
               .where(mine, TaskHistory.action == "verify",
                      TaskHistory.from_state == TaskState.pending_verification.value,
                      TaskHistory.to_state == TaskState.in_progress.value,
                      _window(TaskHistory.at, start, end))
               .group_by(task_officer.c.user_id))
    for user_id, n in db.session.execute(returns):
        rows[user_id]["office_returns"] = n
    return rows
