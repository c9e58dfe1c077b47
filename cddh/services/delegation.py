"""Inside the unit (Đ8.2b, Đ9.2a, Đ10.2c): the unit leader names the handling officers of a
task and delegates part of it to a child unit as a sub-task.

A sub-task has its own deadline (not after its parent's), lead unit (a child of the parent's
lead unit) and state; the child works it through the same lifecycle, the parent unit's
leader verifies it (cddh.auth.policy.SUBTASK_ACTIONS). Its progress rolls up to the parent
task's page as information only; the parent's completion stays the parent unit's report and
the figures never count a sub-task (cddh.services.statistics).

The caller owns the transaction (like cddh.services.workflow).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth import policy
from ..models import Task, TaskState, Timeliness, Unit, User, db, task_officer, utcnow
from . import Conflict, DomainError
from . import notifications as notify
from .clock import local_today
from .parsing import MAX_ID, parse_date, to_id
from .timeliness import task_class
from .workflow import _check, _required, guarded, record_history

S = TaskState
MAX_OFFICERS = 20


def _ids(values, field: str) -> list[int]:
    if isinstance(values, (str, int)):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise DomainError(_("Choose at least one handling officer."), fields={field: "required"})
    ids = []
    for value in values:
        number = value if isinstance(value, int) and not isinstance(value, bool) else to_id(
            str(value))
        if number is None or not 1 <= number <= MAX_ID:
            raise DomainError(_("Choose the handling officers from the list."),
                              fields={field: "invalid"})
        ids.append(number)
    return sorted(set(ids))


def officer_choices(task: Task) -> list[User]:
    """Who may handle the task: the active staff and leaders of its lead unit."""
    return list(db.session.scalars(sa.select(User).where(
        User.unit_id == task.lead_unit_id, User.active.is_(True)).order_by(User.full_name, User.id)))


@guarded
def assign_officers(actor: User, task: Task, officer_ids, *, version: int | None = None) -> None:
    """Đ8.2b: the lead unit's leader names (or renames) the task's handling officers."""
    _check(actor, task, "assign", version)
    ids = _ids(officer_ids, "officer_ids")
    if not ids:
        raise DomainError(_("Choose at least one handling officer."),
                          fields={"officer_ids": "required"})
    if len(ids) > MAX_OFFICERS:
        raise DomainError(_("Choose at most %(n)d handling officers.", n=MAX_OFFICERS),
                          fields={"officer_ids": "too_many"})
    officers = list(db.session.scalars(sa.select(User).where(User.id.in_(ids))))
    if len(officers) != len(ids) or not all(policy.may_be_officer(o, task) for o in officers):
        raise DomainError(_("A handling officer must be an active member of the lead unit."),
                          fields={"officer_ids": "not_in_unit"})
    before = sorted(o.id for o in task.officers)
    if before == ids:
        return
    task.officers = sorted(officers, key=lambda o: o.id)
    task.version += 1  # the list of officers is part of what a user saw
    record_history(task, actor, "assign_officers",
                   reason=", ".join(o.full_name or o.username for o in task.officers),
                   data={"officer_ids": ids, "previous_officer_ids": before})
    db.session.flush()
    new = [i for i in ids if i not in before]
    if new:
        from .duties import notify_users

        notify_users("officer_assigned", User.id.in_(new), task)


@guarded
def add_subtask(actor: User, task: Task, *, unit_id, content: str, deadline,
                version: int | None = None) -> Task:
    """Đ9.2a, Đ10.2c: the lead unit's leader delegates part of the task to a child unit.
    The sub-task starts assigned, with its own deadline, not after the parent's."""
    _check(actor, task, "delegate", version)
    if task.state not in (S.assigned, S.in_progress):
        from .workflow import _state_label

        raise Conflict(_("This cannot be done while the task is in the state “%(state)s”.",
                            state=_state_label(task.state)), code="wrong_state")
    number = unit_id if isinstance(unit_id, int) and not isinstance(unit_id, bool) else to_id(
        str(unit_id or ""))
    unit = db.session.get(Unit, number) if number else None
    if not policy.may_receive_subtask(unit, task):
        raise DomainError(_("Choose one of your unit's active sub-units."),
                          fields={"unit_id": "not_a_child"})
    content = _required(content, "content", _("Describe the part of the task to delegate."))
    day = parse_date(deadline, "deadline")
    if day is None:
        raise DomainError(_("Enter the deadline."), fields={"deadline": "required"})
    if task.deadline is not None and day > task.deadline:
        raise DomainError(_("The sub-task's deadline cannot be after the task's (%(d)s).",
                            d=task.deadline.strftime("%d/%m/%Y")),
                          fields={"deadline": "after_parent"})
    if day < local_today():
        raise DomainError(_("The deadline cannot be in the past."), fields={"deadline": "past"})
    now = utcnow()
    sub = Task(document_id=task.document_id, parent_task=task, content=content,
               lead_unit=unit, has_deadline=True, deadline=day, original_deadline=day,
               update_frequency=task.update_frequency, priority=task.priority,
               expected_product=task.expected_product,
               directing_leader_id=task.directing_leader_id, state=S.assigned,
               assigned_at=now)
    db.session.add(sub)
    db.session.flush()
    record_history(sub, actor, "delegate", to_state=S.assigned,
                   data={"parent_task_id": task.id, "lead_unit_id": unit.id})
    record_history(task, actor, "delegate", reason=content,
                   data={"subtask_id": sub.id, "unit_id": unit.id,
                         "deadline": day.isoformat()})
    notify.task_event(sub, "forwarded", to_units=[unit.id])
    return sub


def child_units(unit_id: int | None) -> list[Unit]:
    """The active child units of a unit (a district's divisions and communes…)."""
    if unit_id is None:
        return []
    return list(db.session.scalars(sa.select(Unit).where(
        Unit.parent_id == unit_id, Unit.active.is_(True)).order_by(Unit.sort_order, Unit.name)))


def has_children(unit_id: int | None) -> bool:
    return unit_id is not None and db.session.scalar(sa.select(sa.exists().where(
        Unit.parent_id == unit_id, Unit.active.is_(True)))) is True


def subtasks_of(task: Task, user) -> list[Task]:
    """The sub-tasks of ``task`` the user may read (the Office and the parent unit: all)."""
    return list(db.session.scalars(sa.select(Task).where(
        Task.parent_task_id == task.id, policy.task_scope(user)).order_by(Task.id)))


def subtask_ids(task_ids: list[int], user) -> dict[int, list[int]]:
    """The ids of the sub-tasks of each of the given tasks that ``user`` may read (as
    ``subtasks_of``: a unit that only cooperates on the parent, or a sibling unit, is never
    shown the id of a sub-task it cannot open), in one query."""
    result: dict[int, list[int]] = {i: [] for i in task_ids}
    if task_ids:
        for parent_id, sub_id in db.session.execute(
                sa.select(Task.parent_task_id, Task.id)
                .where(Task.parent_task_id.in_(task_ids), policy.task_scope(user))
                .order_by(Task.id)):
            result[parent_id].append(sub_id)
    return result


def without_unseen_subtasks(task: Task, entries: list, user) -> list:
    """The task's timeline ``entries`` without its "delegate" entries that name a sub-task
    ``user`` may not read (their text is the sub-task's content: a unit that only cooperates
    on the parent, or a sibling unit, is never told of a sub-task it cannot open). Read by
    ``subtask_ids``, the policy's scope: no query when no entry names a sub-task."""
    named = {e.id: (e.data or {}).get("subtask_id") for e in entries
             if e.action == "delegate" and (e.data or {}).get("subtask_id") is not None}
    if not named:
        return entries
    seen = set(subtask_ids([task.id], user)[task.id])
    return [e for e in entries if e.id not in named or named[e.id] in seen]


def officer_ids(task_ids: list[int]) -> dict[int, list[int]]:
    """The handling officers of each of the given tasks, in one query."""
    result: dict[int, list[int]] = {i: [] for i in task_ids}
    if task_ids:
        for task_id, user_id in db.session.execute(
                sa.select(task_officer.c.task_id, task_officer.c.user_id)
                .where(task_officer.c.task_id.in_(task_ids)).order_by(task_officer.c.user_id)):
            result[task_id].append(user_id)
    return result


@dataclass
class Rollup:
    """The sub-tasks' progress, shown on the parent task as information (not a figure)."""

    total: int
    done: int
    open_overdue: int
    average_percent: int | None


def rollup(subtasks: list[Task]) -> Rollup | None:
    if not subtasks:
        return None
    live = [t for t in subtasks if t.state != S.cancelled]
    done = sum(1 for t in live if t.state in (S.pending_verification, S.completed))
    today = local_today()
    # The class the lists show (on the effective deadline: one due on a day off runs to the
    # next working day), not the written deadline.
    overdue = sum(1 for t in live if task_class(t, today) == Timeliness.open_overdue.value)
    average = round(sum(t.percent_complete for t in live) / len(live)) if live else None
    return Rollup(total=len(live), done=done, open_overdue=overdue, average_percent=average)
