"""The duties with clocks (domain.md, "Duties with clocks"): the rules the daily jobs apply.

Each rule takes the day it runs for (``today``, injected: tests and ``run-job --today`` pass
any date) and a working-day calendar loaded once for the run, and returns counts for the job
record. Every rule is a handful of set-based statements (UPDATE … WHERE, INSERT … SELECT)
per batch of at most BATCH matching tasks, each batch an id range (two bound parameters,
never an id list, never the rows as objects), or (the overdue marks and the escalation
marks, narrow rows of their own) one INSERT … SELECT for the night; each is idempotent: a
second run on the same day finds nothing left to do. Each person is told once per run and
kind (``Notices``). Working-day arithmetic is done once in Python, on ``today``, to get a
cut-off date; the database then compares plain dates.

The caller (cddh.jobs) owns the transaction.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..models import (
    Document,
    NoticeMark,
    Notification,
    Role,
    Task,
    TaskHistory,
    TaskOverdue,
    TaskState,
    UpdateFrequency,
    User,
    db,
    task_officer,
    utcnow,
)
from ..models.base import UTCDateTime
from ..models.enums import OPEN_STATES, UNIT_ROLES
from ..models.task import LATE_UPDATE
from .calendar import WorkingCalendar
from .clock import local_tz
from .leaders import leader_recipients
from .overview import due_soon_clause, due_soon_limit, late_entry_clause
from .periods import cutoff_date
from .settings import get_setting
from .statistics import UNIT_OPEN

S = TaskState
# The states in which the lead unit holds the work (the Office holds returned tasks and
# completion reports waiting for verification): the states open at the unit, one list.
UNIT_HOLDS = UNIT_OPEN
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


def _recipient_keys(who: str) -> dict[str, sa.ColumnElement]:
    """The task columns that decide who receives a notice about a task (``who``: see
    _recipients): tasks agreeing on them have the same recipients, so the night's notices
    count the tasks per group first and join the users to the groups, never to each task."""
    if who == "lead_unit":
        # Without handling officers the unit's staff are told; with them, only they (and the
        # leader): such a task is a group of its own (Đ8.2b).
        named = sa.exists().where(task_officer.c.task_id == Task.id)
        return {"lead_unit_id": Task.lead_unit_id, "officer_task": sa.case((named, Task.id))}
    if who == "unit_leader":
        return {"lead_unit_id": Task.lead_unit_id}
    if who == "leaders":
        return {"directing_leader_id": Task.directing_leader_id}
    if who == "specialist":
        return {"specialist_id": Task.specialist_id}
    raise ValueError(who)


def _recipients(who: str, group):
    """Join condition from a group of tasks (``group``: the columns of _recipient_keys) to
    the users who receive a notice about them."""
    active = User.active.is_(True)
    if who == "lead_unit":  # its officers and leader once officers are named (Đ8.2b)
        from .notifications import lead_unit_recipient

        return sa.and_(active, User.unit_id == group.lead_unit_id,
                       lead_unit_recipient(group.officer_task))
    if who == "unit_leader":
        return sa.and_(active, User.unit_id == group.lead_unit_id, User.role == Role.unit_leader)
    if who == "leaders":  # the task's directing leader (cddh.services.leaders)
        return leader_recipients("escalation", group.directing_leader_id)
    if who == "specialist":
        return sa.and_(active, sa.or_(
            User.id == group.specialist_id,
            sa.and_(group.specialist_id.is_(None), User.role == Role.office_specialist)))
    raise ValueError(who)


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


# --- the night's notices, grouped, and the work in bounded batches ---------------------------
# A job walks the matching rows BATCH at a time by id range (no id list is ever sent: each
# statement carries two bounds), and tells each recipient ONCE per job run and kind: "12
# tasks became overdue" with a link to the task list, or the task itself when it is one.
BATCH = 5000
# Rows per INSERT of grouped notices (7 parameters a row: well under the limits).
NOTICE_ROWS = 500


def batches(where, id_column=None):
    """Conditions ``lo < id <= hi`` covering the rows matching ``where``, BATCH matching
    rows at a time, in id order. The caller may change the rows of a batch (they are not
    looked at again)."""
    id_column = Task.id if id_column is None else id_column
    lo = 0
    while True:
        ids = (sa.select(id_column.label("id")).where(id_column > lo, where)
               .order_by(id_column).limit(BATCH).subquery())
        hi = db.session.scalar(sa.select(sa.func.max(ids.c.id)))
        if hi is None:
            return
        yield sa.and_(id_column > lo, id_column <= hi)
        lo = hi


def _grouped_messages() -> dict[str, tuple[str, str]]:
    return {
        "overdue": (_("%(num)d task became overdue"), _("%(num)d tasks became overdue")),
        "late_update": (_("%(num)d overdue task has no progress update in time (Đ8.1a)"),
                        _("%(num)d overdue tasks have no progress update in time (Đ8.1a)")),
        "update_due": (_("%(num)d task without deadline had no update in the last period "
                         "(Đ8.1b)"),
                       _("%(num)d tasks without deadline had no update in the last period "
                         "(Đ8.1b)")),
        "due_soon": (_("%(num)d task is due within %(n)d working days"),
                     _("%(num)d tasks are due within %(n)d working days")),
        "escalated_unit": (_("%(num)d task overdue for %(n)d working days, for the unit "
                             "leader's attention"),
                           _("%(num)d tasks overdue for %(n)d working days, for the unit "
                             "leader's attention")),
        "escalated_office": (_("%(num)d task overdue for %(n)d working days, reported to the "
                               "leadership"),
                             _("%(num)d tasks overdue for %(n)d working days, reported to "
                               "the leadership")),
        "late_entry": (_("%(num)d document not entered and forwarded within its deadline "
                         "(Đ7.1a)"),
                       _("%(num)d documents not entered and forwarded within their deadline "
                         "(Đ7.1a)")),
    }


def grouped_text(kind: str, count: int, **values) -> str:
    """A grouped notice's text, in the deployment's language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        one, many = _grouped_messages()[kind]
        return (one if count == 1 else many) % {**values, "num": count}


# Where a grouped notice points: an endpoint and the query string of the list showing them.
LINKS = {
    "overdue": "tasks.index_view?timeliness=open_overdue",
    "late_update": "tasks.index_view?timeliness=open_overdue",
    "update_due": "tasks.index_view?timeliness=no_deadline",
    "due_soon": "tasks.index_view?group=due_soon",
    "escalated_unit": "tasks.index_view?timeliness=open_overdue",
    "escalated_office": "tasks.index_view?timeliness=open_overdue",
    "late_entry": "admin.index",
}


class _Keys:
    """A group's recipient keys by name (``_recipients`` reads them as attributes)."""

    def __init__(self, columns: dict):
        self.__dict__.update(columns)


class Notices:
    """The notices of one job run, counted per recipient batch by batch (one GROUP BY per
    batch: the database returns a row per user, never a row per task) and written at the
    end: one notification per user and kind.

    The counts carry the smallest subject (task or document) of each recipient, nothing
    else: a notice about one task names it, and its label ("#12 content…") is read at the
    end for those recipients only (``_labels``), not made for each of a backlog's hundreds of
    thousands of tasks to keep one."""

    def __init__(self):
        self.groups: dict[tuple, dict[int, list]] = {}
        self.labellers: dict[tuple, tuple] = {}

    def add(self, kind: str, where, who, *, select_from=None, subject=None, task_id=None,
            label=None, **values) -> None:
        """Count, per recipient (``who``: a _recipients key or a join condition on User),
        the rows of ``select_from`` (Task) matching ``where``. ``subject``: the key of what
        a notice is about (Task.id), ``task_id`` and ``label``: the task it links to and its
        label, as expressions over the subject's table (Task: itself and ``task_label``)."""
        subject = Task.id if subject is None else subject
        source = Task if select_from is None else select_from
        if isinstance(who, str):
            self._count(kind, where, [(sa.true(), who)], source, subject, task_id, label, values)
            return
        query = (sa.select(User.id, sa.func.count(), sa.func.min(subject))
                 .select_from(source).join(User, who).where(where).group_by(User.id))
        self._collect(kind, values, subject, task_id, label, db.session.execute(query))

    def add_by(self, kind: str, where, by: dict, who, *, select_from, subject, task_id=None,
               label=None, **values) -> None:
        """As ``add`` with ``who`` a join condition on User over the columns ``by`` (name:
        column of ``select_from``) alone, given as ``who(groups)``: the rows are counted per
        value of those columns first, then the few groups are joined to the users (a
        condition that cannot be hashed, joined to each of a backlog's rows, took 3.6 s for
        333,357 documents at 1M)."""
        groups = (sa.select(*(column.label(name) for name, column in by.items()),
                            sa.func.count().label("tasks"), sa.func.min(subject).label("first"))
                  .select_from(select_from).where(where).group_by(*by.values())
                  .subquery("groups"))
        query = (sa.select(User.id, sa.func.sum(groups.c.tasks), sa.func.min(groups.c.first))
                 .select_from(groups).join(User, who(groups.c)).group_by(User.id))
        self._collect(kind, values, subject, task_id, label, db.session.execute(query))

    def add_split(self, kind: str, where, parts, *, select_from=None, **values) -> None:
        """As ``add`` with ``who`` a _recipients key, for rows whose recipients differ by a
        condition: ``parts`` is a list of (condition, who), the conditions disjoint. The
        rows are read once for every part (one grouped pass over a night's backlog, not
        one a part)."""
        self._count(kind, where, parts, Task if select_from is None else select_from,
                    Task.id, None, None, values)

    def _count(self, kind, where, parts, source, subject, task_id, label, values) -> None:
        # The tasks are counted per group sharing their recipients (a unit, a specialist…),
        # then the groups are joined to the users: a backlog of hundreds of thousands of
        # tasks is never multiplied by the users, nor joined to them through a condition
        # that cannot be hashed. The same counts and first subject. With several parts, a
        # group also says its part, and each part's keys are kept on its own rows only.
        split = len(parts) > 1
        part = sa.case(*((condition, i) for i, (condition, _who) in enumerate(parts)))
        keys = {}
        for i, (condition, who) in enumerate(parts):
            for name, column in _recipient_keys(who).items():
                keys[f"{name}_{i}"] = sa.case((condition, column)) if split else column
        columns = [column.label(name) for name, column in keys.items()]
        if split:
            columns.append(part.label("part"))
        groups = (sa.select(*columns, sa.func.count().label("tasks"),
                            sa.func.min(subject).label("first"))
                  .select_from(source).where(where).group_by(*(c.element for c in columns)))
        groups = groups.cte("groups") if split else groups.subquery("groups")
        queries = []
        for i, (_condition, who) in enumerate(parts):
            columns = _Keys({name: groups.c[f"{name}_{i}"] for name in _recipient_keys(who)})
            joined = _recipients(who, columns)
            if split:
                joined = sa.and_(groups.c.part == i, joined)
            queries.append(sa.select(User.id.label("user_id"), sa.func.sum(groups.c.tasks),
                                     sa.func.min(groups.c.first))
                           .select_from(groups).join(User, joined).group_by(User.id))
        query = queries[0] if not split else sa.union_all(*queries)
        self._collect(kind, values, subject, task_id, label, db.session.execute(query))

    def _collect(self, kind, values, subject, task_id, label, rows) -> None:
        key = (kind, tuple(sorted(values.items())))
        self.labellers[key] = (subject, Task.id if task_id is None else task_id,
                               task_label() if label is None else label)
        group = self.groups.setdefault(key, {})
        for user_id, count, first in rows:
            seen = group.setdefault(user_id, [0, first])
            seen[0] += int(count)
            seen[1] = min(seen[1], first)

    def _labels(self, key, subjects: set) -> dict:
        """The task linked and the label of each subject: subject → (task id, label)."""
        subject, task_id, label = self.labellers[key]
        found = {}
        ordered = sorted(subjects)
        for start in range(0, len(ordered), NOTICE_ROWS):
            found |= {row[0]: (row[1], row[2]) for row in db.session.execute(
                sa.select(subject, task_id, label)
                .where(subject.in_(ordered[start:start + NOTICE_ROWS])))}
        return found

    def send(self) -> int:
        """Insert the notices: the task itself for one task, else the count and a link."""
        now = utcnow()
        rows = []
        for key, users in self.groups.items():
            kind, values = key[0], dict(key[1])
            labels = self._labels(key, {first for count, first in users.values() if count == 1})
            for user_id, (count, first) in sorted(users.items()):
                if count == 1:
                    task_id, label = labels[first]
                    text = message_text(kind, label, **values)
                else:
                    text, task_id = grouped_text(kind, count, **values), None
                rows.append({"user_id": user_id, "kind": kind, "task_id": task_id,
                             "message": text, "created_at": now, "task_count": count,
                             "link": LINKS.get(kind)})
        for start in range(0, len(rows), NOTICE_ROWS):
            db.session.execute(sa.insert(Notification.__table__), rows[start:start + NOTICE_ROWS])
        return len(rows)


def not_marked(mark, subject_id=None) -> sa.ColumnElement[bool]:
    """No reminder with this mark was given about the row yet (NoticeMark)."""
    subject_id = Task.id if subject_id is None else subject_id
    return ~sa.exists().where(NoticeMark.mark == mark, NoticeMark.subject_id == subject_id)


def set_marks(mark, where, subject_id=None, select_from=None, at=None) -> int:
    """Remember the reminder ``mark`` for every row matching ``where``; a row that has it
    already keeps it (the primary key: ON CONFLICT DO NOTHING, so that ``where`` need not
    anti-join the table being written). The count is of the marks written, each stamped
    ``at`` (now by default)."""
    subject_id = Task.id if subject_id is None else subject_id
    at = utcnow() if at is None else at
    rows = sa.select(mark, subject_id, sa.literal(at, UTCDateTime())).select_from(
        Task if select_from is None else select_from).where(where)
    table = NoticeMark.__table__
    insert = _dialect_insert()(table).from_select(["mark", "subject_id", "created_at"], rows)
    return db.session.execute(insert.on_conflict_do_nothing(
        index_elements=[table.c.mark, table.c.subject_id])
        .execution_options(preserve_rowcount=True)).rowcount


# --- the rules -----------------------------------------------------------------------------

# Rows written by one statement past which the table's statistics are refreshed before the
# next statements read them (PostgreSQL; see refresh_statistics).
STALE_AFTER = 10_000


def refresh_statistics(table: sa.Table) -> None:
    """PostgreSQL: ANALYZE ``table`` inside the job's transaction (it sees the rows just
    written), so that the statements reading this run's rows are planned for their number.
    Left alone, the planner keeps the statistics of the night before (an empty table: one
    row for this run's stamp) and reads a backlog row by row through nested loops."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"ANALYZE {table.name}"))


def _dialect_insert():
    """The INSERT construct of the session's database (both have ON CONFLICT)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def mark_overdue(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Đ8.1a, Đ11: an open task whose deadline has passed becomes overdue from the day after
    the deadline: one timeline entry, once, and a notice: to the lead unit when it holds the
    task, to the specialist when the Office does (returned, waiting for verification), one
    per recipient for the night ("12 tasks became overdue"). A task that is no longer
    overdue (extended, completed, cancelled) loses the mark. The deadline is the effective
    one: on a day off it runs to the next working day (Điều 148).

    The marks are narrow rows of their own (TaskOverdue), written by one INSERT … SELECT and
    stamped with this run's time: the notices then read this run's marks, so a backlog of
    hundreds of thousands of tasks turning overdue at once never rewrites the wide task rows
    and never goes through the tasks' conditions twice. The new marks are the overdue tasks
    without one (``unmarked_overdue``), written in key order. While a mark lasts it is the
    timeline's "became overdue" entry (``with_open_spell``); the entry is written into the
    history when the mark goes (``record_ended_spells``), so a night writes one row per task
    turning overdue, not two. The marks that no longer hold are removed first: the night's
    new marks hold by definition, so the removal reads only the marks of the nights before."""
    at = sa.literal(utcnow(), UTCDateTime())
    overdue = TaskOverdue.__table__
    past = sa.and_(Task.state.in_(list(OPEN_STATES)), Task.effective_deadline < today)
    no_longer = sa.exists().where(Task.id == overdue.c.task_id, sa.or_(
        Task.state.not_in(list(OPEN_STATES)), Task.effective_deadline.is_(None),
        Task.effective_deadline >= today))
    record_ended_spells(no_longer)
    cleared = db.session.execute(sa.delete(overdue).where(no_longer)).rowcount
    became = db.session.execute(sa.insert(overdue).from_select(
        ["task_id", "since", "marked_at"], unmarked_overdue(past, at))
        .execution_options(preserve_rowcount=True)).rowcount
    if became >= STALE_AFTER:
        refresh_statistics(overdue)
    this_run = TaskOverdue.marked_at == at
    notices = Notices()
    marks = sa.join(TaskOverdue, Task, TaskOverdue.task_id == Task.id)
    held = Task.state.in_(UNIT_HOLDS)
    notices.add_split("overdue", this_run, [(held, "lead_unit"), (~held, "specialist")],
                      select_from=marks)
    return {"became_overdue": became, "no_longer_overdue": cleared, "notified": notices.send()}


def unmarked_overdue(past, at) -> sa.Select:
    """The marks to write: (task, the day after its effective deadline, ``at``) for each
    task matching ``past`` that has no mark, in the key's order.

    A task already marked keeps its mark. On PostgreSQL the marks there are read once,
    before the first one is written (a materialized CTE): whatever the table's statistics
    say, the anti-join never scans the table being written once per task (a backlog on an
    empty table was planned so, visiting every row the statement had inserted). SQLite
    looks each task up by the key (it would scan a CTE once per task), and its INSERT …
    SELECT reads what it inserts into a table of its own first. The rows go in key order,
    so each lands at the end of the key's index: a backlog of 381,828 marks at 1M tasks took
    1.6 s unordered behind ON CONFLICT DO NOTHING, 0.6 s so. No other run writes marks
    meanwhile: on PostgreSQL the job holds its advisory lock (cddh.jobs), and SQLite has one
    writer."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    marked = TaskOverdue.__table__
    if postgresql:
        marked = sa.select(marked.c.task_id).cte("marked").prefix_with("MATERIALIZED")
    new = (sa.select(Task.id, day_after(Task.effective_deadline).label("since"),
                     at.label("marked_at"))
           .where(past, ~sa.exists().where(marked.c.task_id == Task.id)))
    if postgresql:
        new = new.add_cte(marked, nest_here=True)
    new = new.subquery("new")
    return sa.select(new.c.id, new.c.since, new.c.marked_at).order_by(new.c.id)


OVERDUE = "overdue"  # the timeline entry of an overdue spell


def record_ended_spells(ended) -> int:
    """Write the timeline entry of each overdue spell whose mark is about to go (``ended``: a
    condition on TaskOverdue): "became overdue", at the moment the job set the mark, as the
    timeline showed it while the mark lasted (``with_open_spell``). The history keeps it
    after the mark is gone (no hard deletes of history, Đ18). A spell whose entry was written
    when it began (by versions before marks carried it) gets no second one."""
    overdue = TaskOverdue.__table__
    written = sa.exists().where(TaskHistory.task_id == overdue.c.task_id,
                                TaskHistory.at == overdue.c.marked_at,
                                TaskHistory.action == OVERDUE)
    entries = sa.select(overdue.c.task_id, overdue.c.marked_at, sa.literal(OVERDUE),
                        sa.literal(""), sa.literal({}, sa.JSON())).where(ended, ~written)
    return db.session.execute(sa.insert(TaskHistory.__table__).from_select(
        ["task_id", "at", "action", "reason", "data"], entries)).rowcount


def with_open_spell(task: Task, entries: list[TaskHistory]) -> list[TaskHistory]:
    """The task's timeline: its history ``entries`` (oldest first) and, while it is overdue,
    its spell's "became overdue" entry, which the history gets when the mark goes
    (``record_ended_spells``). The entry is not in the session: nothing writes it."""
    mark = task.overdue_mark
    if mark is None or any(e.action == OVERDUE and e.at == mark.marked_at for e in entries):
        return entries
    entry = TaskHistory(task_id=task.id, at=mark.marked_at, action=OVERDUE, reason="", data={})
    before = [e for e in entries if e.at <= mark.marked_at]
    return [*before, entry, *entries[len(before):]]


def _flag_late(kind: str, late) -> tuple[int, Notices]:
    """Flag "late update" every task matching ``late`` that has no flag yet: one INSERT …
    SELECT of the marks (LATE_UPDATE, a narrow row each: the wide task rows are never
    rewritten), each stamped with this run's time; then, from this run's marks, one
    timeline entry per task flagged (the notices are grouped per person, so the task's own
    record of the flag is its history: the ranking counts it, Đ20.2) and the lead units'
    notices. A backlog of 190,915 tasks flagged at once at 1M tasks rewrote their rows 5,000
    at a time: 14 of the job's 21 s."""
    at = utcnow()
    flagged = set_marks(sa.literal(LATE_UPDATE, sa.String), late, at=at)
    notices = Notices()
    if not flagged:
        return 0, notices
    if flagged >= STALE_AFTER:  # a backlog: planned for the marks just written
        refresh_statistics(NoticeMark.__table__)
    this_run = sa.and_(NoticeMark.mark == LATE_UPDATE, NoticeMark.created_at == at)
    entries = sa.select(NoticeMark.subject_id, sa.literal(at, UTCDateTime()), sa.literal(kind),
                        sa.literal(""), sa.literal({}, sa.JSON())).where(this_run)
    db.session.execute(sa.insert(TaskHistory.__table__).from_select(
        ["task_id", "at", "action", "reason", "data"], entries))
    notices.add(kind, this_run, "lead_unit",
                select_from=sa.join(NoticeMark, Task, NoticeMark.subject_id == Task.id))
    return flagged, notices


def _unflag(settled) -> int:
    """Remove the "late update" flag of the flagged tasks matching ``settled``."""
    return db.session.execute(sa.delete(NoticeMark).where(
        NoticeMark.mark == LATE_UPDATE, sa.exists().where(Task.id == NoticeMark.subject_id,
                                                          settled))
        .execution_options(synchronize_session=False)).rowcount


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
        Task.state.in_(UNIT_HOLDS), Task.effective_deadline.is_not(None),
        sa.exists().where(
            TaskOverdue.task_id == Task.id, TaskOverdue.since <= cutoff,
            sa.or_(Task.last_update_at.is_(None), local_day(Task.last_update_at) < TaskOverdue.since)))
    cleared = _unflag(sa.and_(Task.deadline.is_not(None), sa.or_(
        Task.state.not_in(list(OPEN_STATES)), ~sa.exists().where(TaskOverdue.task_id == Task.id))))
    flagged, notices = _flag_late("late_update", late)
    return {"flagged": flagged, "cleared": cleared, "notified": notices.send()}


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
                   Task.assigned_at.is_not(None), sa.or_(*missed))
    cleared = _unflag(sa.and_(Task.deadline.is_(None), Task.state.not_in(list(OPEN_STATES))))
    flagged, notices = _flag_late("update_due", late)
    return {"flagged": flagged, "cleared": cleared, "notified": notices.send()}


def remind_due_soon(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Đ11.1b: remind the lead unit when the deadline is within ``due_soon_working_days``
    working days; once per task and deadline (an extension starts a new clock): the mark
    ``due_soon@<deadline>`` remembers it (NoticeMark)."""
    cal = cal or WorkingCalendar()
    days = get_setting("due_soon_working_days")
    limit = due_soon_limit(today, cal)
    marker = dated_kind("due_soon", Task.deadline)
    soon = sa.and_(due_soon_clause(today, limit, cal=cal), not_marked(marker))
    notices = Notices()
    tasks = 0
    for rng in batches(soon):
        batch = sa.and_(rng, soon)
        notices.add("due_soon", batch, "lead_unit", n=days)
        tasks += set_marks(marker, batch)
    return {"tasks": tasks, "notified": notices.send(), "window_ends": limit.isoformat()}


ESCALATION_LEVELS = (
    # level, setting, who is told
    ("escalated_unit", "escalate_unit_leader_after_working_days", "unit_leader"),
    ("escalated_office", "escalate_office_after_working_days", "leaders"),
)


def escalated_clause(setting: str, today: dt.date, cal: WorkingCalendar | None = None):
    """The tasks the unit still holds ``setting`` working days or more after their deadline:
    escalated at that level (the leader's home lists the leadership's ones)."""
    cal = cal or WorkingCalendar()
    days = get_setting(setting)
    last_deadline = min(latest_start(cal, today, days), today - dt.timedelta(days=1))
    # The deadline's bound is implied (a deadline is never after its effective one) and said
    # on the column the lists sort by: by deadline, going down, a page starts its walk there
    # instead of passing every later and undated task first (a leader's group: 160 → 32 ms).
    return sa.and_(Task.state.in_(UNIT_HOLDS), Task.effective_deadline <= last_deadline,
                   Task.deadline <= last_deadline)


def escalate_overdue(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """A task the unit still holds N working days after its deadline is escalated to the
    lead unit's leader, and after M working days to the leadership; once per deadline (the
    mark ``escalated_unit@<deadline>``). The counts are the tasks escalated.

    One level is one INSERT … SELECT for the night, not a walk in batches: it writes the
    marks of every task at that level, the ones given before kept by the primary key, each
    new one stamped with this run's time; the notices then count the tasks of this run's
    marks, and only on a night that wrote any. A backlog escalated on the nights before is
    read once a night, not twice (the count's anti-join on the marks: 0.6-0.8 s a level at
    1M tasks for no notice)."""
    cal = cal or WorkingCalendar()
    counts = {}
    notices = Notices()
    at = utcnow()
    for level, setting, who in ESCALATION_LEVELS:
        marker = dated_kind(level, Task.deadline)
        due = escalated_clause(setting, today, cal)
        if who == "leaders":  # a sub-task stays inside its parent unit (Đ10.2c)
            due = sa.and_(due, Task.parent_task_id.is_(None))
        counts[level] = set_marks(marker, due, at=at)
        if not counts[level]:
            continue
        if counts[level] >= STALE_AFTER:  # a backlog: planned for the marks just written
            refresh_statistics(NoticeMark.__table__)
        # The level's tasks marked by this run, each looked up by the mark's key (read from
        # the marks instead, the join made each task's mark to compare: 0.6-0.8 s more).
        marked_now = sa.exists().where(NoticeMark.mark == marker,
                                       NoticeMark.subject_id == Task.id,
                                       NoticeMark.created_at == at)
        notices.add(level, sa.and_(due, marked_now), who, n=get_setting(setting))
    counts["notified"] = notices.send()
    return counts


def remind_late_entries(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Đ7.1a: a tracked document not yet forwarded after its entry deadline: its specialist
    (or whoever entered it, or else every Office specialist) is told once (the mark
    ``late_entry``), one notice per person for the night. The marks are written by one
    INSERT … SELECT stamped with this run's time, and the notices counted from this run's
    marks (a backlog of 333,357 documents at 1M, in batches of 5,000: 9.3 s)."""
    responsible = sa.func.coalesce(Document.specialist_id, Document.created_by_id)
    marker = sa.literal("late_entry", sa.String)
    first_task = (sa.select(sa.func.min(Task.id)).where(Task.document_id == Document.id)
                  .scalar_subquery())
    late = sa.and_(late_entry_clause(today), Document.forwarded_on.is_(None),
                   not_marked(marker, Document.id))
    at = utcnow()
    notices = Notices()
    documents = set_marks(marker, late, Document.id, Document, at=at)
    if documents:
        if documents >= STALE_AFTER:  # a backlog: planned for the marks just written
            refresh_statistics(NoticeMark.__table__)
        notices.add_by(
            "late_entry", sa.and_(NoticeMark.mark == marker, NoticeMark.created_at == at),
            {"responsible": responsible},
            lambda groups: sa.and_(User.active.is_(True), sa.or_(
                User.id == groups.responsible,
                sa.and_(groups.responsible.is_(None), User.role == Role.office_specialist))),
            select_from=sa.join(NoticeMark, Document, NoticeMark.subject_id == Document.id),
            subject=Document.id, task_id=first_task, label=Document.number)
    return {"documents": documents, "notified": notices.send()}
