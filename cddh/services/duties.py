"""The duties with clocks (domain.md, "Duties with clocks"): the rules the daily jobs apply.

Each rule takes the day it runs for (``today``, injected: tests and ``run-job --today`` pass
any date) and a working-day calendar loaded once for the run, and returns counts for the job
record. Every rule is a handful of set-based statements (UPDATE … WHERE, INSERT … SELECT),
whatever the number of tasks, and is idempotent: a second run on the same day finds nothing
left to do. Working-day arithmetic is done once in Python, on ``today``, to get a cut-off
date; the database then compares plain dates.

The caller (cddh.jobs) owns the transaction.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..models import (
    Document,
    Notification,
    Role,
    Task,
    TaskHistory,
    TaskState,
    UpdateFrequency,
    User,
    db,
    utcnow,
)
from ..models.base import UTCDateTime
from ..models.enums import OPEN_STATES, UNIT_ROLES
from .calendar import WorkingCalendar
from .clock import local_tz
from .leaders import leader_recipients
from .overview import due_soon_limit, late_entry_clause
from .periods import cutoff_date
from .settings import get_setting

S = TaskState
# The states in which the lead unit holds the work (the Office holds returned tasks and
# completion reports waiting for verification).
UNIT_HOLDS = (S.assigned, S.in_progress)
MONTHS_PER_PERIOD = {UpdateFrequency.monthly: 1, UpdateFrequency.quarterly: 3,
                     UpdateFrequency.half_yearly: 6, UpdateFrequency.yearly: 12}


class Skipped(Exception):
    """A duty that cannot run now; the message says why (recorded on the job run)."""


# --- SQL helpers ---------------------------------------------------------------------------

class local_date(FunctionElement):
    """SQL: the province's calendar date of a UTC timestamp column."""

    type = sa.Date()
    inherit_cache = True
    name = "local_date"


@compiles(local_date, "postgresql")
def _local_date_pg(element, compiler, **kw):
    column, zone, _offset = element.clauses
    return f"CAST(timezone({compiler.process(zone, **kw)}, {compiler.process(column, **kw)}) AS DATE)"


@compiles(local_date)
def _local_date_sqlite(element, compiler, **kw):
    # SQLite keeps UTC timestamps as text; Vietnam has kept one offset since 1975.
    column, _zone, offset = element.clauses
    return f"date({compiler.process(column, **kw)}, {compiler.process(offset, **kw)})"


def local_day(column) -> local_date:
    """The local calendar date of ``column`` (a UTC timestamp) as a SQL expression."""
    tz = local_tz()
    minutes = int(dt.datetime.now(tz).utcoffset().total_seconds() // 60)
    return local_date(column, sa.literal(tz.key), sa.literal(f"{minutes:+d} minutes"))


class day_after(FunctionElement):
    """SQL: the day after a date column."""

    type = sa.Date()
    inherit_cache = True
    name = "day_after"


@compiles(day_after, "postgresql")
def _day_after_pg(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)} + 1)"


@compiles(day_after)
def _day_after_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day')"


def task_label():
    """``str(task)`` ("#12 content…") as a SQL expression, for per-row messages."""
    short = sa.case((sa.func.length(Task.content) <= 80, Task.content),
                    else_=sa.func.substr(Task.content, 1, 77, type_=sa.Text) + "…")
    return "#" + sa.cast(Task.id, sa.String) + " " + short


def dated_kind(kind: str, day_column):
    """A notification kind that names the date it is about (``due_soon@2026-03-10``): the
    marker that makes a reminder go out once per task and deadline."""
    return sa.literal(f"{kind}@", sa.String) + sa.cast(day_column, sa.String)


def latest_start(cal: WorkingCalendar, day: dt.date, working_days: int) -> dt.date:
    """The latest date ``s`` whose ``working_days``-th working day after is on or before
    ``day``: a clock started on ``s`` or earlier has run out by ``day``."""
    start = day
    while cal.add_working_days(start, working_days) > day:
        start -= dt.timedelta(days=1)
    return start


# --- notifications -------------------------------------------------------------------------

SUBJECT = "\x00"


def _messages() -> dict[str, str]:
    return {
        "overdue": _("The task is overdue: %(task)s"),
        "late_update": _("No progress update since the task became overdue (Đ8.1a): %(task)s"),
        "update_due": _("No progress update in the last period (Đ8.1b): %(task)s"),
        "due_soon": _("The deadline is within %(n)d working days: %(task)s"),
        "escalated_unit": _("Overdue for %(n)d working days, for the unit leader's attention: "
                            "%(task)s"),
        "escalated_office": _("Overdue for %(n)d working days, reported to the leadership: "
                              "%(task)s"),
        "late_entry": _("Document %(task)s has not been entered and forwarded within its "
                        "deadline (Đ7.1a)."),
        "urged": _("The Office urged your unit on: %(task)s"),
        "officer_assigned": _("You were named a handling officer of: %(task)s"),
        "urged_by_parent": _("The parent unit urged your unit on the sub-task: %(task)s"),
        "signoff_requested": _("An officer's report waits for your sign-off: %(task)s"),
        "signoff_sent_back": _("The unit leader sent your report back: %(task)s"),
        "feedback_filed": _("A district sent feedback on: %(task)s"),
        "difficulty_raised": _("A unit raised a difficulty or proposal on: %(task)s"),
        "difficulty_proposed": _("The Office proposes a way forward on a difficulty, for your "
                                 "decision: %(task)s"),
        "difficulty_decided": _("The leader decided on the difficulty or proposal about: "
                                "%(task)s"),
        "inspection_team_drafted": _("An inspection team waits for its establishing decision "
                                     "(Đ12.1b): %(task)s"),
        "feedback_answered": _("The Office answered your feedback on: %(task)s"),
        "feedback_urging": _("The Office urged your unit after a district's feedback on: "
                             "%(task)s"),
        "feedback_report": _("The Office reports a district's feedback for your direction: "
                             "%(task)s"),
        "feedback_late": _("A district's feedback has waited more than %(n)d working days for "
                           "an answer (Đ15.5): %(task)s"),
    }


def _template(kind: str, values: dict) -> str:
    """The message in the deployment's language, with SUBJECT where the task goes."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _messages()[kind] % {**values, "task": SUBJECT}


def message_text(kind: str, subject: str, **values) -> str:
    """The notification text for one task (or document)."""
    return _template(kind, values).replace(SUBJECT, subject)


def message_sql(kind: str, subject, **values):
    """The notification text as a SQL expression around a per-row ``subject``."""
    prefix, _sep, suffix = _template(kind, values).partition(SUBJECT)
    return sa.literal(prefix, sa.String) + subject + sa.literal(suffix, sa.String)


def notify(rows: sa.Select) -> int:
    """Insert one notification per row of ``rows`` (user id, kind, task id, message)."""
    select = rows.add_columns(sa.literal(utcnow(), UTCDateTime()))
    table = Notification.__table__
    # Counted through RETURNING: psycopg reports no rowcount for INSERT … SELECT.
    result = db.session.execute(sa.insert(table).from_select(
        ["user_id", "kind", "task_id", "message", "created_at"], select).returning(table.c.id))
    return len(result.all())


def _recipients(who: str):
    """Join condition from Task to the users who receive a notice about it."""
    active = User.active.is_(True)
    if who == "lead_unit":  # its officers and leader once officers are named (Đ8.2b)
        from .notifications import lead_unit_recipient

        return sa.and_(active, User.unit_id == Task.lead_unit_id, lead_unit_recipient(Task.id))
    if who == "unit_leader":
        return sa.and_(active, User.unit_id == Task.lead_unit_id, User.role == Role.unit_leader)
    if who == "leaders":  # the task's directing leader (cddh.services.leaders)
        return leader_recipients("escalation", Task.directing_leader_id)
    if who == "specialist":
        return sa.and_(active, sa.or_(
            User.id == Task.specialist_id,
            sa.and_(Task.specialist_id.is_(None), User.role == Role.office_specialist)))
    raise ValueError(who)


def notify_about_tasks(kind: str, where, who: str, *, marker=None, **values) -> int:
    """Notify ``who`` about every task matching ``where``; ``marker`` (a SQL kind) replaces
    the plain kind, for notices sent once per date."""
    rows = (sa.select(User.id, marker if marker is not None else sa.literal(kind), Task.id,
                      message_sql(kind, task_label(), **values))
            .select_from(Task).join(User, _recipients(who)).where(where))
    return notify(rows)


def unit_users(unit_id: int | None):
    """The users of a unit who act for it (leader and staff)."""
    return sa.and_(User.unit_id == unit_id, User.role.in_(list(UNIT_ROLES)))


def notify_users(kind: str, users_where, task: Task, **values) -> int:
    """Notify the active users matching ``users_where`` about one task."""
    db.session.flush()  # the task and anything just added need their ids
    if kind == "urged" and task.parent_task_id is not None:
        kind = "urged_by_parent"  # Đ10.2c: the parent unit urges its sub-unit
    rows = sa.select(User.id, sa.literal(kind), sa.literal(task.id),
                     sa.literal(message_text(kind, str(task), **values))).where(
        User.active.is_(True), users_where)
    return notify(rows)


def not_yet_notified(marker) -> sa.ColumnElement[bool]:
    """No notice with this marker exists for the task yet."""
    return ~sa.exists().where(Notification.task_id == Task.id, Notification.kind == marker)


def _update_tasks(where, **values) -> int:
    result = db.session.execute(sa.update(Task).where(where).values(**values)
                                .execution_options(synchronize_session=False))
    return result.rowcount


# --- the rules -----------------------------------------------------------------------------

def mark_overdue(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Đ8.1a, Đ11: an open task whose deadline has passed becomes overdue from the day after
    the deadline: one timeline entry and one notice, once: to the lead unit when it holds the
    task, to the specialist when the Office does (returned, waiting for verification). A task
    that is no longer overdue (extended, completed, cancelled) loses the mark."""
    open_ = Task.state.in_(list(OPEN_STATES))
    turning = sa.and_(open_, Task.deadline < today, Task.overdue_since.is_(None))
    history = sa.select(Task.id, sa.literal(utcnow(), UTCDateTime()), sa.literal("overdue"),
                        sa.literal(""), sa.literal({}, sa.JSON())).where(turning)
    db.session.execute(sa.insert(TaskHistory.__table__).from_select(
        ["task_id", "at", "action", "reason", "data"], history))
    held = Task.state.in_(UNIT_HOLDS)
    notified = (notify_about_tasks("overdue", sa.and_(turning, held), "lead_unit")
                + notify_about_tasks("overdue", sa.and_(turning, ~held), "specialist"))
    became = _update_tasks(turning, overdue_since=day_after(Task.deadline))
    no_longer = sa.and_(Task.overdue_since.is_not(None), sa.or_(
        Task.state.not_in(list(OPEN_STATES)), Task.deadline.is_(None), Task.deadline >= today))
    cleared = _update_tasks(no_longer, overdue_since=None)
    return {"became_overdue": became, "no_longer_overdue": cleared, "notified": notified}


def flag_late_updates(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Đ8.1a: the lead unit must update an overdue task within ``overdue_update_grace_days``
    working days after it became overdue; otherwise the task is flagged "late update" and
    the unit is told. Only a task the unit holds (assigned, in progress) is newly flagged:
    the unit can act on it. The flag goes when the unit updates (workflow) or the task is no
    longer overdue."""
    cal = cal or WorkingCalendar()
    # Late on the day after the grace runs out: started on or before this day.
    cutoff = latest_start(cal, today - dt.timedelta(days=1), get_setting("overdue_update_grace_days"))
    late = sa.and_(
        Task.state.in_(UNIT_HOLDS), Task.deadline.is_not(None), Task.late_update.is_(False),
        Task.overdue_since.is_not(None), Task.overdue_since <= cutoff,
        sa.or_(Task.last_update_at.is_(None), local_day(Task.last_update_at) < Task.overdue_since))
    notified = notify_about_tasks("late_update", late, "lead_unit")
    flagged = _update_tasks(late, late_update=True)
    settled = sa.and_(Task.late_update.is_(True), Task.deadline.is_not(None), sa.or_(
        Task.state.not_in(list(OPEN_STATES)), Task.overdue_since.is_(None)))
    cleared = _update_tasks(settled, late_update=False)
    return {"flagged": flagged, "cleared": cleared, "notified": notified}


def last_due_period(cal: WorkingCalendar, today: dt.date, months: int,
                    cutoff_day: int) -> tuple[dt.date, dt.date]:
    """The latest update period (of ``months`` months, aligned on the reporting windows of
    Đ17) whose update is already late on ``today``: its first and last day.

    A period ending on a day off may be caught up on the next working day (Bộ luật Dân sự
    2015, Điều 148), so the update is late only after that day.
    """
    year, month = today.year, today.month
    ends = []
    while len(ends) < 2:
        if month % months == 0:
            end = cutoff_date(year, month, cutoff_day)
            due = end if cal.is_working_day(end) else cal.add_working_days(end, 1)
            if ends or due < today:
                ends.append(end)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return ends[1] + dt.timedelta(days=1), ends[0]


def flag_missing_periodic_updates(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Đ8.1b: a task without deadline is updated by its lead unit at least once in each
    period of its frequency (month, quarter, half-year, year; windows end on the reporting
    cut-off day). A task the unit holds, assigned before a period began, that got no lead
    update since that period's start is flagged "late update" once, and the unit is told;
    the flag goes with the unit's next update (workflow) or when the task closes."""
    cal = cal or WorkingCalendar()
    cutoff_day = int(get_setting("report_cutoff_day"))
    missed = []
    for frequency, months in MONTHS_PER_PERIOD.items():
        start, _end = last_due_period(cal, today, months, cutoff_day)
        missed.append(sa.and_(
            Task.update_frequency == frequency, local_day(Task.assigned_at) <= start,
            sa.or_(Task.last_update_at.is_(None), local_day(Task.last_update_at) < start)))
    late = sa.and_(Task.state.in_(UNIT_HOLDS), Task.deadline.is_(None),
                   Task.assigned_at.is_not(None), Task.late_update.is_(False), sa.or_(*missed))
    notified = notify_about_tasks("update_due", late, "lead_unit")
    flagged = _update_tasks(late, late_update=True)
    settled = sa.and_(Task.late_update.is_(True), Task.deadline.is_(None),
                      Task.state.not_in(list(OPEN_STATES)))
    cleared = _update_tasks(settled, late_update=False)
    return {"flagged": flagged, "cleared": cleared, "notified": notified}


def remind_due_soon(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Đ11.1b: remind the lead unit when the deadline is within ``due_soon_working_days``
    working days; once per task and deadline (an extension starts a new clock)."""
    days = get_setting("due_soon_working_days")
    limit = due_soon_limit(today, cal)
    marker = dated_kind("due_soon", Task.deadline)
    soon = sa.and_(Task.state.in_(UNIT_HOLDS), Task.deadline >= today, Task.deadline <= limit,
                   not_yet_notified(marker))
    tasks = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(soon))
    notified = notify_about_tasks("due_soon", soon, "lead_unit", marker=marker, n=days)
    return {"tasks": tasks, "notified": notified, "window_ends": limit.isoformat()}


ESCALATION_LEVELS = (
    # level, setting, who is told
    ("escalated_unit", "escalate_unit_leader_after_working_days", "unit_leader"),
    ("escalated_office", "escalate_office_after_working_days", "leaders"),
)


def escalate_overdue(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """A task the unit still holds N working days after its deadline is escalated to the
    lead unit's leader, and after M working days to the leadership; once per deadline."""
    cal = cal or WorkingCalendar()
    counts = {}
    for level, setting, who in ESCALATION_LEVELS:
        days = get_setting(setting)
        last_deadline = min(latest_start(cal, today, days), today - dt.timedelta(days=1))
        marker = dated_kind(level, Task.deadline)
        due = sa.and_(Task.state.in_(UNIT_HOLDS), Task.deadline <= last_deadline,
                      not_yet_notified(marker))
        if who == "leaders":  # a sub-task stays inside its parent unit (Đ10.2c)
            due = sa.and_(due, Task.parent_task_id.is_(None))
        counts[level] = notify_about_tasks(level, due, who, marker=marker, n=days)
    return counts


def remind_late_entries(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Đ7.1a: a tracked document not yet forwarded after its entry deadline: its specialist
    (or whoever entered it, or else every Office specialist) is told once."""
    responsible = sa.func.coalesce(Document.specialist_id, Document.created_by_id)
    marker = sa.literal("late_entry@", sa.String) + sa.cast(Document.id, sa.String)
    first_task = (sa.select(sa.func.min(Task.id)).where(Task.document_id == Document.id)
                  .scalar_subquery())
    to = sa.and_(User.active.is_(True), sa.or_(
        User.id == responsible, sa.and_(responsible.is_(None), User.role == Role.office_specialist)))
    rows = (sa.select(User.id, marker, first_task, message_sql("late_entry", Document.number))
            .select_from(Document).join(User, to)
            .where(late_entry_clause(today), Document.forwarded_on.is_(None),
                   ~sa.exists().where(Notification.user_id == User.id, Notification.kind == marker)))
    return {"notified": notify(rows)}
