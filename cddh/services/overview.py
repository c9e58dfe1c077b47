"""What waits for whom: the home pages' groups of tasks, set-based and limited."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..auth import policy
from ..models import (
    Document,
    ExtensionRequest,
    ExtensionStatus,
    Role,
    Task,
    TaskState,
    User,
    db,
    task_officer,
)
from .calendar import WorkingCalendar
from .settings import get_setting
from .statistics import UNIT_OPEN, measure_clause

S = TaskState


def due_soon_limit(today: dt.date, cal: WorkingCalendar | None = None) -> dt.date:
    """Đ11.1b: the last deadline that counts as "due soon" (N working days ahead)."""
    return (cal or WorkingCalendar()).add_working_days(today, get_setting("due_soon_working_days"))


def unit_groups(user: User, today: dt.date) -> dict[str, sa.ColumnElement[bool]]:
    """The conditions of a unit user's home groups, in display order."""
    limit = due_soon_limit(today)
    open_ = Task.state.in_(UNIT_OPEN)
    groups = {}
    # Đ8.2b: the officer's own tasks first; the unit leader's received tasks without officer.
    if user.role == Role.unit_staff or _is_officer_anywhere(user):
        groups["mine"] = sa.and_(sa.or_(open_, Task.state == S.pending_verification),
                                 Task.id.in_(sa.select(task_officer.c.task_id).where(
                                     task_officer.c.user_id == user.id)))
    if user.role == Role.unit_leader:
        groups["awaiting_signoff"] = sa.and_(Task.signoff_action.is_not(None),
                                             Task.lead_unit_id == user.unit_id)
        groups["unassigned"] = sa.and_(
            open_, Task.lead_unit_id == user.unit_id,
            ~sa.exists().where(task_officer.c.task_id == Task.id))
    return groups | {
        # The dashboard's "open, overdue" (cddh.services.statistics), within the user's scope;
        # a sub-task is never in the figures but is overdue all the same for its unit.
        "overdue": sa.or_(measure_clause("open_overdue", None, today, today),
                          sa.and_(Task.parent_task_id.is_not(None), open_,
                                  Task.deadline < today)),
        "due_soon": sa.and_(open_, Task.deadline >= today, Task.deadline <= limit),
        "on_time": sa.and_(open_, Task.deadline > limit),
        "no_deadline": sa.and_(open_, Task.deadline.is_(None)),
        "awaiting_verification": Task.state == S.pending_verification,
    }


def _is_officer_anywhere(user: User) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        task_officer.c.user_id == user.id))) is True


def office_groups(user: User, today: dt.date) -> dict[str, sa.ColumnElement[bool]]:
    """What waits for the Office: returns, completion reports, drafts, overdue tasks."""
    mine = sa.true() if user.role.value != "office_specialist" else sa.or_(
        Task.specialist_id == user.id, Task.specialist_id.is_(None))
    return {
        "returned": sa.and_(Task.state == S.returned, mine),
        # A sub-task is verified by its parent unit, not the Office.
        "awaiting_verification": sa.and_(Task.state == S.pending_verification, mine,
                                         Task.parent_task_id.is_(None)),
        "drafts": sa.and_(Task.state == S.draft, mine),
        "overdue": sa.and_(measure_clause("open_overdue", None, today, today), mine),
    }


def grouped_tasks(user: User, groups: dict, limit: int = 10) -> dict[str, dict]:
    """For each group: its count (one grouped query) and its first ``limit`` tasks."""
    scope = policy.task_scope(user)
    # Only rows that can fall in a group are counted, so the (state, deadline) indexes apply.
    counts = db.session.execute(sa.select(*[
        sa.func.count().filter(cond).label(name) for name, cond in groups.items()
    ]).where(scope, sa.or_(*groups.values()))).one()
    result = {}
    for name, cond in groups.items():
        rows = db.session.scalars(
            sa.select(Task).where(scope, cond)
            .order_by(Task.deadline.asc().nulls_last(), Task.id).limit(limit)).all()
        result[name] = {"count": getattr(counts, name), "tasks": rows}
    return result


def pending_extensions(user: User, limit: int = 10) -> tuple[int, list[ExtensionRequest]]:
    if not policy.is_office(user):
        return 0, []
    cond = sa.and_(ExtensionRequest.status == ExtensionStatus.pending,
                   ExtensionRequest.task_id.in_(policy.visible_task_ids(user)))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ExtensionRequest).where(cond))
    rows = db.session.scalars(sa.select(ExtensionRequest).where(cond)
                              .order_by(ExtensionRequest.requested_at).limit(limit)).all()
    return count or 0, rows


def late_entry_clause(today: dt.date):
    """Đ7.1a: tracked documents forwarded after their entry deadline, or not yet forwarded
    when the deadline has passed."""
    forwarded_late = sa.and_(Document.forwarded_on.is_not(None),
                             Document.forwarded_on > Document.entry_due_on)
    still_waiting = sa.and_(Document.forwarded_on.is_(None), Document.entry_due_on < today)
    return sa.and_(Document.tracked.is_(True), sa.or_(forwarded_late, still_waiting))


def is_late_entry(doc: Document, today: dt.date) -> bool:
    """The same rule as ``late_entry_clause``, for one document."""
    if not (doc.tracked and doc.entry_due_on):
        return False
    if doc.forwarded_on is not None:
        return doc.forwarded_on > doc.entry_due_on
    return today > doc.entry_due_on


def late_entries_by_specialist(today: dt.date) -> list[tuple[User | None, int]]:
    """Late entries counted per specialist, most first."""
    rows = db.session.execute(
        sa.select(Document.specialist_id, sa.func.count()).where(late_entry_clause(today))
        .group_by(Document.specialist_id).order_by(sa.func.count().desc())).all()
    users = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_([r[0] for r in rows if r[0]])))}
    return [(users.get(sid), n) for sid, n in rows]
