"""Tasks (nhiệm vụ) and everything that happens to them: updates, history, extensions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship
from sqlalchemy.sql.elements import Grouping

from .base import IdMixin, TimestampMixin, db, str_enum, utcnow
from .document import Document
from .enums import (
    DifficultyAsk,
    DifficultyKind,
    DifficultyState,
    ExpectedProduct,
    ExtensionStatus,
    Priority,
    ReturnReason,
    TaskState,
    UpdateFrequency,
    UrgingChannel,
)
from .system import NoticeMark
from .unit import Unit
from .user import User

task_cooperating_unit = sa.Table(
    "task_cooperating_unit",
    db.metadata,
    sa.Column("task_id", sa.ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("unit.id"), primary_key=True),
    # A unit's "tasks I cooperate on" list starts from the unit.
    sa.Index("ix_task_cooperating_unit_unit_id_task_id", "unit_id", "task_id"),
)


class TaskUnitRole:
    """Why a unit sees a task (``task_unit.role``)."""

    lead = "lead"
    cooperating = "cooperating"
    # The lead unit of a parent task sees its sub-tasks (Đ9.2a).
    parent = "parent"


# Scope as one index: one row per (unit, task) with its role, kept by cddh.services.scope on every
# flush that changes a task's lead or cooperating units, state or deadline (state and
# ``deadline`` are copies, the latter of the task's *effective* deadline, Điều 148; so "open
# tasks of unit U by deadline" is one index range scan, and a unit's home counts read only it).
task_unit = sa.Table(
    "task_unit",
    db.metadata,
    sa.Column("unit_id", sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("task_id", sa.ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(16), primary_key=True),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("deadline", sa.Date),
    # False while the task is open at the unit (UNIT_OPEN_STATES), true otherwise: a unit's
    # list by urgency reads (unit_id, settled, deadline, …, task_id) in index order.
    sa.Column("settled", sa.Boolean, nullable=False, server_default=sa.false()),
    # The task's document: a unit's documents (those holding a task it may read) are one
    # index range too.
    sa.Column("document_id", sa.Integer),
    # The figures count the task (forwarded, not a sub-task): a unit's timeliness filters
    # read their class from the row (cddh.services.timeliness.unit_row_clause).
    sa.Column("counted", sa.Boolean, nullable=False, server_default=sa.false()),
    # The task's completion date: with the state and the effective deadline, the row tells
    # every timeliness class of the figures as of today (done on time, done late too).
    sa.Column("completed_on", sa.Date),
    # The task's lead unit: a unit's list filtered by lead unit is one range of its rows.
    sa.Column("lead_unit_id", sa.Integer),
    # The task's priority: a unit's list filtered by it reads it on the row, and counts its
    # urgent and flash rows from their own index (``ix_task_unit_special``). Told through
    # the task's partial index of them, a province's one task in ten urgent made every
    # such list hash 110,000 ids at 1M (a unit's "normal": 96 ms).
    sa.Column("priority", sa.String(16), nullable=False, server_default="normal"),
    # (The indexes naming the undated row's task follow UNDATED_TASK, below.)
    sa.Index("ix_task_unit_task_id", "task_id"),
    # ``state`` rides along (PostgreSQL): a unit's documents (the rows but drafts) are an
    # index-only range, counted and listed without visiting the rows.
    sa.Index("ix_task_unit_unit_id_document_id", "unit_id", "document_id",
             postgresql_include=["state"]),
    # A unit's urgent and flash rows (the rest are "normal"): counted, with their priority
    # and state, from the index alone.
    sa.Index("ix_task_unit_special", "unit_id", "task_id",
             postgresql_include=["priority", "state", "role"],
             postgresql_where=sa.text("priority <> 'normal'"),
             sqlite_where=sa.text("priority <> 'normal'")),
)

# The mark of a task flagged "late update" (Task.late_update; cddh.services.duties).
LATE_UPDATE = "late_update"

# The task of a row without a deadline (NULL when it has one): the second key of
# ``ix_task_unit_unit_id_deadline_task_id``, which keeps the rows in (deadline, task) order
# and lets a unit's list by deadline say so (cddh.services.scope.by_row_deadline). Its
# undated rows are then each a group of their own, not one group that must be read whole to
# be sorted by the task's deadline (a unit leader's 3,719 undated open tasks at 1M, going
# down: 38 ms for a page of 50, 1.7 ms so).
UNDATED_TASK = sa.case((task_unit.c.deadline.is_(None), task_unit.c.task_id))
# A deadline window of a unit's rows, and its list by deadline; ``state`` rides along
# (PostgreSQL): counted (and the drafts left out) from the index alone.
# (PostgreSQL wants an expression of an index in parentheses.)
sa.Index("ix_task_unit_unit_id_deadline_task_id", task_unit.c.unit_id, task_unit.c.deadline,
         Grouping(UNDATED_TASK), task_unit.c.task_id, postgresql_include=["state"])
# A unit's rows of one state in (deadline, task) order, the undated split by task as above;
# ``counted``, ``role``, ``completed_on``, ``settled`` and ``lead_unit_id`` ride along
# (PostgreSQL): a unit's timeliness filters, alone or with "mine" or a lead unit, and its
# leader's home groups (lead tasks without officer, awaiting sign-off) count their rows from
# the index alone. (Without the undated row's task, a unit's 3,719 assigned tasks, all
# undated, were one group sorted whole for a page by deadline: 48 ms at 1M, 1 ms so.
# Without the lead unit, a unit's "mine" done late read 9,088 blocks of its rows for the
# 1,690 of 14,877 done rows that pass: 74 ms a page, 42 ms so.)
sa.Index("ix_task_unit_unit_id_state_deadline_task_id", task_unit.c.unit_id,
         task_unit.c.state, task_unit.c.deadline, Grouping(UNDATED_TASK), task_unit.c.task_id,
         postgresql_include=["counted", "role", "completed_on", "settled", "lead_unit_id"])
# A unit's task list by urgency (issue 12 §4): open first, by deadline (overdue first, no
# deadline last), then the rest: one index range scan in order, whatever the unit's size
# (cddh.services.scope.by_urgency, whose order names the undated row's task as these keys
# do). ``state`` rides along (PostgreSQL): the walk leaves out drafts from the index alone.
sa.Index("ix_task_unit_unit_id_urgency", task_unit.c.unit_id, task_unit.c.settled,
         task_unit.c.deadline, Grouping(UNDATED_TASK), task_unit.c.task_id,
         postgresql_include=["state"])
# The same order within one lead unit (a unit's list filtered by lead unit).
sa.Index("ix_task_unit_unit_id_lead_urgency", task_unit.c.unit_id, task_unit.c.lead_unit_id,
         task_unit.c.settled, task_unit.c.deadline, Grouping(UNDATED_TASK),
         task_unit.c.task_id, postgresql_include=["state"])

# A unit's list by state (its column's sort: the row's state, then the task): one walk of
# the unit's range. By the task's state, the unit's 33,472 tasks were read and sorted for a
# page at 1M (0.9 s). What the unit's filters say of a row rides along (PostgreSQL): a
# class's rows, "mine" and a lead unit are told apart in the index (its open overdue by
# state: 22,317 rows passed, 28 ms read from the table).
sa.Index("ix_task_unit_unit_id_state_task_id", task_unit.c.unit_id, task_unit.c.state,
         task_unit.c.task_id,
         postgresql_include=["counted", "role", "completed_on", "settled", "deadline",
                             "lead_unit_id"])
# A unit's forwarded rows (all but the drafts) in task order: a unit user's scope
# (policy.task_scope's IN, a unit's rows walked newest first: policy.along_unit_rows) as
# one index-only range. By the table's key each row was read for its state: a unit's tasks
# shared with a partner at 1M (the API's ?unit_id=), 33,469 rows, 37,540 buffers, 48 ms;
# so 97 buffers, 11 ms.
FORWARDED_ROWS = "state <> 'draft'"
sa.Index("ix_task_unit_unit_id_task_id_forwarded", task_unit.c.unit_id, task_unit.c.task_id,
         postgresql_where=sa.text(FORWARDED_ROWS), sqlite_where=sa.text(FORWARDED_ROWS))
# A unit's rows done late (or possibly so: done without a completion date, judged on the
# day), in the urgency order: "done late" as of today said on a unit's rows
# (statistics.class_clause with the row) is counted and paged over these alone. Through the
# urgency index a unit's 14,876 done rows were read for its 2,060 done late at 1M (count
# 2.5 ms; 0.4 ms so). What the unit's other filters say rides along (PostgreSQL).
TASK_UNIT_DONE_LATE_ROWS = (f"state IN ('{TaskState.pending_verification.value}', "
                            f"'{TaskState.completed.value}') "
                            "AND (completed_on IS NULL OR completed_on > deadline)")
sa.Index("ix_task_unit_done_late", task_unit.c.unit_id, task_unit.c.settled,
         task_unit.c.deadline, Grouping(UNDATED_TASK), task_unit.c.task_id,
         postgresql_where=sa.text(TASK_UNIT_DONE_LATE_ROWS),
         sqlite_where=sa.text(TASK_UNIT_DONE_LATE_ROWS),
         postgresql_include=["state", "counted", "role", "completed_on", "lead_unit_id"])

# The planner's statistics of a row's state, "settled" and "counted" together (PostgreSQL;
# ANALYZE builds them): the flags follow from the state, and a unit's list says several of
# them at once (a state filter, a class, the scope). Taken for independent, each said again
# divides the rows expected: a unit's completed tasks on time, 11,158 rows, were expected
# as 417, and a page by number sorted them all (131 ms at 1M; 20 ms with these).
TASK_UNIT_STATISTICS = "st_task_unit_state_settled_counted"
sa.event.listen(task_unit, "after_create", sa.DDL(
    f"CREATE STATISTICS {TASK_UNIT_STATISTICS} (mcv) ON state, settled, counted FROM task_unit"
).execute_if(dialect="postgresql"))
# And of a row's unit with its task's lead unit: a unit leads most of its rows' tasks (the
# others it cooperates on), so "the unit's rows that it leads" (a unit user's "mine", a
# partner's tasks) is no product of two fractions. Taken for independent, a unit's 30,314
# led rows at 1M were expected as 848, and its "mine" with a priority, read by deadline,
# joined all of them to their tasks and sorted (200 ms; 9 ms with these).
TASK_UNIT_LEAD_STATISTICS = "st_task_unit_unit_id_lead_unit_id"
sa.event.listen(task_unit, "after_create", sa.DDL(
    f"CREATE STATISTICS {TASK_UNIT_LEAD_STATISTICS} (mcv) ON unit_id, lead_unit_id "
    "FROM task_unit").execute_if(dialect="postgresql"))

# How many ``task_unit`` rows each unit holds in each state, kept by cddh.services.scope with
# the rows: a unit's whole list is counted from a handful of rows (the states) instead of an
# index range as long as the unit's tasks (6 ms for a unit of 37,000 tasks at 1M).
task_unit_count = sa.Table(
    "task_unit_count",
    db.metadata,
    sa.Column("unit_id", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(32), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)
# The documents each unit may read (those holding a forwarded task of its ``task_unit`` rows)
# with how many of its rows each holds, kept with the rows by cddh.services.scope: a unit's
# document list is counted from its entries, one per document, not from its rows. Each entry
# carries a copy of its document's issue date (kept by the same service when the date is
# corrected): the unit's list in its default order (newest first) is one range of the
# (unit, issue date, document) index. Ordered by the documents' own index instead, a unit
# with 1% of them had a hundred passed for each of its own (3,092 of 333,357 at 1M tasks:
# 10,420 documents read for a page of 50). It also carries its document's number as the
# document-number filter reads it (cddh.services.search.number_text, kept by the same
# service when the number is corrected): a unit's filter reads its own entries, from the
# (unit, document, number, n) index alone, not every document holding the text ("1":
# 200,482 of 333,357 documents at 1M, read whole for the 20,289 rows of the unit that holds
# most: 0.38 s), and counts its rows as those entries' ``n`` (policy.scope_count).
unit_document = sa.Table(
    "unit_document",
    db.metadata,
    sa.Column("unit_id", sa.Integer, primary_key=True),
    sa.Column("document_id", sa.Integer, primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("number", sa.String(64), nullable=False),
    sa.Index("ix_unit_document_unit_id_issued_on_document_id", "unit_id", "issued_on",
             "document_id"),
    sa.Index("ix_unit_document_unit_id_document_id_number_n", "unit_id", "document_id",
             "number", "n"),
)

# The states in which a task is open at its unit (statistics.UNIT_OPEN): a unit's list shows
# them first (task_unit.settled is false for them).
UNIT_OPEN_STATES = (TaskState.assigned.value, TaskState.in_progress.value)

# Handling officers (chuyên viên thụ lý, Đ8.2b): the lead unit's leader names one or more of
# the unit's staff; "my tasks" starts from the user.
task_officer = sa.Table(
    "task_officer",
    db.metadata,
    sa.Column("task_id", sa.ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user_account.id"), primary_key=True),
    sa.Index("ix_task_officer_user_id_task_id", "user_id", "task_id"),
)


class TaskOverdue(db.Model):
    """The overdue mark (Đ8.1a, Đ11): set by the daily job from the day after the effective
    deadline, removed when the task is no longer overdue (``Task.overdue_since`` reads it).
    It is a narrow row of its own: a night on which a backlog turns overdue writes one small
    row per task instead of rewriting the wide task row and its many index entries.

    Like the jobs' other marks (NoticeMark) it has no foreign key: it is derived from the
    tasks by the one job that writes it, and tasks are never deleted (Đ18). The key's check,
    row by row, was 2 of the 3.5 s a backlog of 381,828 marks took to write at 1M tasks."""

    __tablename__ = "task_overdue"

    task_id: Mapped[int] = mapped_column(primary_key=True)
    since: Mapped[dt.date]
    # The job run that set the mark (its time stamp): the moment of the spell's timeline
    # entry (cddh.services.duties.with_open_spell), and how that run's notices find its marks.
    marked_at: Mapped[dt.datetime]


# The rows of ``ix_task_done_late_id``: done (statistics.DONE) and not on time, whatever day
# a missing completion date is taken for.
DONE_LATE_ROWS = (f"state IN ('{TaskState.pending_verification.value}', "
                  f"'{TaskState.completed.value}') "
                  "AND (completed_on IS NULL OR completed_on > effective_deadline)")
# What rides along in those two indexes: the columns "done late" as of today says (its
# class: counted, forwarded, its deadlines and completion) and those of the list's lead
# unit, deadline and priority filters.
DONE_LATE_INCLUDE = ["state", "assigned_at", "parent_task_id", "deadline", "effective_deadline",
                     "completed_on", "lead_unit_id", "priority"]
# The index by state keys the state already: it is not carried twice.
DONE_LATE_STATE_INCLUDE = [column for column in DONE_LATE_INCLUDE if column != "state"]
# One lead unit's: its key says the unit.
DONE_LATE_UNIT_INCLUDE = [column for column in DONE_LATE_INCLUDE if column != "lead_unit_id"]
# The tasks that may have stood returned to the Office on a past day (statistics.
# may_have_stood_returned).
RETURNED_ROWS = f"ever_returned OR state = '{TaskState.returned.value}'"
# The rows of ``ix_task_open_id``: the tasks a unit holds (UNIT_OPEN_STATES).
OPEN_ROWS = "state IN ({})".format(", ".join(f"'{state}'" for state in UNIT_OPEN_STATES))
# What ``ix_task_open_id`` carries: the columns the lists of open tasks by number ask of each
# (a leader's escalated group: the deadlines and the directing leader; the dashboard's
# overdue figure: the deadline, and whether the task is counted: assigned, not a sub-task).
OPEN_ID_INCLUDE = ("deadline", "effective_deadline", "directing_leader_id", "assigned_at",
                   "parent_task_id")
# The rows of ``ix_task_completed_late_id``: completed after the effective deadline (done
# late as of any date since).
COMPLETED_LATE_ROWS = "completed_on > effective_deadline"


class Task(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "task"
    __table_args__ = (
        # Unit-scoped lists: scope column first. The Office's lead unit with a state, by
        # deadline: one range in the list's order (deadline, then id); without the id, a
        # lead unit's 3,033 assigned tasks, all undated, were each read and sorted (21 ms).
        sa.Index("ix_task_lead_unit_id_state_deadline", "lead_unit_id", "state", "deadline",
                 "id"),
        # A state's tasks by deadline, in the lists' order (deadline, then id): the Office
        # home's groups take their first rows from one range each.
        sa.Index("ix_task_state_deadline_id", "state", "deadline", "id"),
        # The list by state (its column's sort: state, then number): one walk. Without it,
        # the first state's 100,000 tasks were read and sorted for a page at 1M (0.7 s).
        sa.Index("ix_task_state_id", "state", "id"),
        sa.Index("ix_task_specialist_id_state", "specialist_id", "state"),
        # The Office home's groups: a state's tasks of one specialist or of none, counted
        # up to 1,000 (overview.office_groups), sub-tasks told apart in the index.
        sa.Index("ix_task_state_specialist_id", "state", "specialist_id",
                 postgresql_include=["parent_task_id"]),
        sa.Index("ix_task_monitoring_unit_id_state", "monitoring_unit_id", "state"),
        # "The tasks I direct" (a leader's list and the routing of their matters).
        sa.Index("ix_task_directing_leader_id_state", "directing_leader_id", "state"),
        # The Office's sort by deadline (and keyset pages over it).
        sa.Index("ix_task_deadline_id", "deadline", "id"),
        # The figures, jobs and lists compare the effective deadline (Đ5 deadline moved off a
        # day off, Bộ luật Dân sự 2015 Điều 148; cddh.services.calendar.effective_deadline).
        sa.Index("ix_task_state_effective_deadline", "state", "effective_deadline"),
        # A lead unit's: with the forwarding time and the number, its tasks past their
        # deadline on a closed period's end, forwarded by then, up to the figure's newest
        # (facts.stored_last_id), are one index's condition: an overdue figure counted live
        # (its list narrowed by a filter). Without them the planner intersected the unit's
        # with every task forwarded by the end or numbered below (ix_task_assigned_at,
        # pk_task: at 1M, 470,000 entries read for a unit's 11,371; 55-79 -> 22 ms of count).
        sa.Index("ix_task_lead_unit_id_state_effective_deadline_assigned_at_id",
                 "lead_unit_id", "state", "effective_deadline", "assigned_at", "id"),
        # A lead unit's tasks done in a closed period (its figure's list from a report or
        # the ranking: statistics.completed_in_window), one range; as of today, those done
        # in the window or without a completion date, two (with the state: not every open
        # task of the unit, undated too, then matched with every done task: a unit's done
        # on time of the running month at 1M, 35 -> 8 ms). With the forwarding time, a
        # closed period's window of the unit's tasks (statistics.counted_clause: assigned
        # before its end, not done before its start) is said in the index alone: a figure's
        # list narrowed by a filter is counted over the window's tasks (the unit's with the
        # most at 1M, 14,855 for a month), and the planner intersected the two ranges with
        # every task forwarded by the end from ix_task_assigned_at (895,000 read, 35 ms of
        # a 155 ms count; 112 ms without).
        sa.Index("ix_task_lead_unit_id_completed_on_state_assigned_at", "lead_unit_id",
                 "completed_on", "state", "assigned_at"),
        # The few tasks whose officer's report waits for the unit leader's sign-off (a unit
        # leader's home group): a partial index, whatever the unit's size.
        sa.Index("ix_task_lead_unit_id_signoff", "lead_unit_id",
                 postgresql_where=sa.text("signoff_action IS NOT NULL"),
                 sqlite_where=sa.text("signoff_action IS NOT NULL")),
        # The few urgent and flash tasks (the list's priority filter): a partial index, in id
        # order, whatever the number of normal ones.
        sa.Index("ix_task_priority_id", "priority", "id",
                 postgresql_where=sa.text("priority <> 'normal'"),
                 sqlite_where=sa.text("priority <> 'normal'")),
        # The tasks done late as of today, in id order (the lists' "done late" filter, 5 of
        # 1M tasks on generated data, each page otherwise a walk of the whole table): a
        # partial index, whatever the number done on time. statistics.class_clause says its
        # condition with today's class (a done task without a completion date is judged on
        # the day asked, so it is in it too).
        # What the class and the list's common filters say of a task rides along
        # (PostgreSQL, DONE_LATE_INCLUDE): counted and paged from the index alone. Read
        # from the table, each of the 53,511 done late tasks at 1M was looked up for its
        # lead unit or deadline (the Office's "done late" due from June: 100-140 ms where the
        # table lies in id order, 35-55 ms in deadline order; 11-37 and 11-20 ms so).
        sa.Index("ix_task_done_late_id", "id", postgresql_where=sa.text(DONE_LATE_ROWS),
                 sqlite_where=sa.text(DONE_LATE_ROWS), postgresql_include=DONE_LATE_INCLUDE),
        # The same by state (the list's state filter and "done late" together: the Office's
        # completed tasks done late, next to 100,000 awaiting verification on generated data,
        # one range instead of a walk of the first index). The first index stays: both done
        # states in id order are not one range of this one.
        sa.Index("ix_task_done_late_state_id", "state", "id",
                 postgresql_where=sa.text(DONE_LATE_ROWS), sqlite_where=sa.text(DONE_LATE_ROWS),
                 postgresql_include=DONE_LATE_STATE_INCLUDE),
        # The same by lead unit (one unit's "done late" figure on the dashboard, the Office's
        # lead unit and "done late" filters): the unit's few in id order. Through the first
        # index, every unit's 53,926 were read at 1M for one unit's 1,629 (6.3 -> 1.6 ms).
        sa.Index("ix_task_done_late_lead_unit_id_id", "lead_unit_id", "id",
                 postgresql_where=sa.text(DONE_LATE_ROWS), sqlite_where=sa.text(DONE_LATE_ROWS),
                 postgresql_include=DONE_LATE_UNIT_INCLUDE),
        # The same as of a past date (a closed period's "done late" figure, its list), where
        # done means completed by then.
        sa.Index("ix_task_completed_late_id", "id",
                 postgresql_where=sa.text(COMPLETED_LATE_ROWS),
                 sqlite_where=sa.text(COMPLETED_LATE_ROWS)),
        # Search by any part of a word (PostgreSQL: pg_trgm; cddh.services.search).
        sa.Index("ix_task_search_text_trgm", "search_text", postgresql_using="gin",
                 postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        # A document's tasks, with their ids: the list's document number filter finds the
        # documents (their trigram index), then their tasks' ids from this index alone. With
        # the document alone, each task was read from the table for its id (the Office's
        # tasks of the documents numbered "...123..." at 1M: 2,073 documents, 6,219 tasks,
        # 12,846 blocks, 19 ms; 8,076 blocks, 11 ms so).
        sa.Index("ix_task_document_id_id", "document_id", "id"),
        # A lead unit's tasks newest first: the list of one unit's figure of a closed period
        # walks them from the figure's newest task (facts.stored_last_id). Without it the
        # planner read every task the unit led by the period's end and sorted them (at 1M,
        # a unit's tasks overdue at a month's end or returned: 16,000 read, 150 ms).
        sa.Index("ix_task_lead_unit_id_id", "lead_unit_id", "id"),
        # The tasks units hold, newest first: the lists of the overdue ones by number (the
        # dashboard's "overdue" link, a leader's escalated group) walk them alone. Along the
        # whole table they passed every newer task, done or not yet due (at 1M on
        # time-ordered data: 55,000 rows for a leader's first 50 escalated tasks, 18 ms;
        # 16,000 rows so, 6 ms). It carries what those lists ask of each task it passes
        # (OPEN_ID_INCLUDE), so that their page's ids are read from it alone (TaskView.
        # page_ids_first): a leader's escalated group passed 16,387 open tasks not yet
        # escalated, each read from the table (5.0 ms), 1.4-1.7 ms so.
        sa.Index("ix_task_open_id", "id", postgresql_where=sa.text(OPEN_ROWS),
                 sqlite_where=sa.text(OPEN_ROWS), postgresql_include=list(OPEN_ID_INCLUDE)),
        # The same by lead unit (the dashboard's overdue figure of one unit): the unit's open
        # tasks alone. Along the first, every unit's were passed (14,677 rows, 6 ms at 1M);
        # along the unit's tasks of every state, 1,438 (2.5 ms); 397 so (0.7 ms).
        sa.Index("ix_task_open_lead_unit_id_id", "lead_unit_id", "id",
                 postgresql_where=sa.text(OPEN_ROWS), sqlite_where=sa.text(OPEN_ROWS)),
        # The tasks returned at some time (statistics.may_have_stood_returned), by lead unit:
        # a closed period's returned figure counted live (its list narrowed by a filter)
        # reads those alone, not every task of the window (a unit's at 1M: 14,855 for a
        # month, 150 -> 14 ms of count). With the number and the forwarding time, the
        # figure's newest task (facts.stored_last_id) and the window's end are said in it
        # too: the Office's figure was intersected with every task forwarded by the end or
        # numbered below (ix_task_assigned_at, pk_task: 800,000 entries read, 62-82 ->
        # 34 ms). The number before the time: a unit's figure's page walks it newest
        # first and stops when full (on (unit, time, number), all 1,591 tasks of the
        # unit's returned figure of a month at 1M were read, their documents joined and
        # sorted for 50: 23 -> 0.8 ms).
        sa.Index("ix_task_returned_lead_unit_id_id_assigned_at", "lead_unit_id", "id",
                 "assigned_at", postgresql_where=sa.text(RETURNED_ROWS),
                 sqlite_where=sa.text(RETURNED_ROWS)),
    )

    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id"))
    # A sub-task: the part of its parent task a unit delegated to one of its child units.
    # Never counted in the figures (the parent counts once, for its lead unit).
    parent_task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task.id"), index=True)
    content: Mapped[str] = mapped_column(sa.Text)
    lead_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    monitoring_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    specialist_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Inherited from the document unless given (Đ3.2, Đ16.3).
    directing_leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    expected_product: Mapped[ExpectedProduct] = mapped_column(
        str_enum(ExpectedProduct), default=ExpectedProduct.other
    )
    # Đ5: with a deadline (a date) or without one (then updated at a frequency).
    has_deadline: Mapped[bool] = mapped_column(default=True)
    deadline: Mapped[dt.date | None]
    original_deadline: Mapped[dt.date | None]
    # The deadline as the document states it stays in ``deadline``; when it falls on a day off
    # the time runs out on the next working day (Bộ luật Dân sự 2015, Điều 148). Kept by
    # cddh.services.calendar on every flush and when the calendar changes.
    effective_deadline: Mapped[dt.date | None]
    update_frequency: Mapped[UpdateFrequency] = mapped_column(
        str_enum(UpdateFrequency), default=UpdateFrequency.monthly
    )
    priority: Mapped[Priority] = mapped_column(str_enum(Priority), default=Priority.normal)
    state: Mapped[TaskState] = mapped_column(str_enum(TaskState), default=TaskState.draft)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    received_at: Mapped[dt.datetime | None]
    percent_complete: Mapped[int] = mapped_column(default=0)
    last_update_at: Mapped[dt.datetime | None]
    # Completion as reported by the lead unit; timeliness is judged on this date.
    completed_on: Mapped[dt.date | None]
    completion_reported_at: Mapped[dt.datetime | None]
    result_summary: Mapped[str] = mapped_column(sa.Text, default="")
    result_document_number: Mapped[str] = mapped_column(sa.String(64), default="")
    result_document_date: Mapped[dt.date | None]
    verified_at: Mapped[dt.datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    cancelled_at: Mapped[dt.datetime | None]
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Whether its history holds a return to the Office (kept by services/statistics, as the
    # entry is written). Only such a task, or one returned now, may have stood returned on a
    # past day: the others' class as of a closed period is told without their history.
    ever_returned: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Đ9.2c: an officer's completion report or proposed return waiting for the unit leader's
    # sign-off ("report_completion" or "return") and what the officer submitted.
    signoff_action: Mapped[str | None] = mapped_column(sa.String(32))
    signoff_data: Mapped[dict | None] = mapped_column(sa.JSON)
    # Document number and summary and the content, normalised (cddh.services.search).
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default=sa.text("''"), deferred=True)
    # Optimistic locking: a stale edit is refused, never silently overwrites.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    document: Mapped[Document] = relationship(back_populates="tasks")
    lead_unit: Mapped[Unit | None] = relationship(foreign_keys=[lead_unit_id])
    monitoring_unit: Mapped[Unit | None] = relationship(foreign_keys=[monitoring_unit_id])
    specialist: Mapped[User | None] = relationship(foreign_keys=[specialist_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    directing_leader: Mapped[User | None] = relationship(foreign_keys=[directing_leader_id])
    cooperating_units: Mapped[list[Unit]] = relationship(secondary=task_cooperating_unit)
    officers: Mapped[list[User]] = relationship(secondary=task_officer, order_by="User.id")
    parent_task: Mapped[Task | None] = relationship(remote_side="Task.id")
    overdue_mark: Mapped[TaskOverdue | None] = relationship(
        primaryjoin="Task.id == foreign(TaskOverdue.task_id)", cascade="all, delete-orphan")
    late_update_mark: Mapped[NoticeMark | None] = relationship(
        primaryjoin=f"and_(Task.id == foreign(NoticeMark.subject_id), "
                    f"NoticeMark.mark == '{LATE_UPDATE}')",
        cascade="all, delete-orphan")
    # A unit's part in the task, as (the unit's id, its task_unit row's role: lead,
    # cooperating, parent), where a list read it for its page (views.tasks: a unit's list in
    # its urgency order); None otherwise. Not a column: policy.unit_relation tells the unit's
    # part from it without loading the cooperating units.
    unit_role = None
    # The role of the unit's task_unit row, loaded with the task where a unit's list asks for
    # it (views.tasks: ``with_expression`` of scope.unit_role_of, in the urgency, number and
    # deadline orders): the page's ``unit_role`` without another statement.
    unit_row_role: Mapped[str | None] = query_expression()

    # Set by the daily job when the task turns overdue; cleared when it is no longer
    # (TaskOverdue).
    @hybrid_property
    def overdue_since(self) -> dt.date | None:
        return self.overdue_mark.since if self.overdue_mark is not None else None

    @overdue_since.inplace.setter
    def _overdue_since_set(self, day: dt.date | None) -> None:
        if day is None:
            self.overdue_mark = None
        elif self.overdue_mark is not None:
            self.overdue_mark.since = day
        else:
            self.overdue_mark = TaskOverdue(since=day, marked_at=utcnow())

    @overdue_since.inplace.expression
    @classmethod
    def _overdue_since_expression(cls) -> sa.ColumnElement[dt.date | None]:
        return (sa.select(TaskOverdue.since).where(TaskOverdue.task_id == cls.id)
                .scalar_subquery())

    # Đ8.1a/b: flagged "late update" by the night's jobs, until the lead unit updates or the
    # task settles: the mark ``late_update`` (NoticeMark), a narrow row of its own, as the
    # overdue mark is: a backlog flagged at once never rewrites the wide task rows.
    @hybrid_property
    def late_update(self) -> bool:
        return self.late_update_mark is not None

    @late_update.inplace.setter
    def _late_update_set(self, flagged: bool) -> None:
        if not flagged:
            self.late_update_mark = None
        elif self.late_update_mark is None:
            self.late_update_mark = NoticeMark(mark=LATE_UPDATE, created_at=utcnow())

    @late_update.inplace.expression
    @classmethod
    def _late_update_expression(cls) -> sa.ColumnElement[bool]:
        return sa.exists().where(NoticeMark.mark == LATE_UPDATE, NoticeMark.subject_id == cls.id)

    def __str__(self) -> str:
        text = self.content if len(self.content) <= 80 else self.content[:77] + "…"
        return f"#{self.id} {text}"


class ProgressUpdate(IdMixin, db.Model):
    """A unit's report of status and results (Đ6.8, Đ8); cooperating units contribute."""

    __tablename__ = "progress_update"
    __table_args__ = (sa.Index("ix_progress_update_task_id_created_at", "task_id", "created_at"),)

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    content: Mapped[str] = mapped_column(sa.Text)
    percent: Mapped[int | None]
    # True when posted by a cooperating unit: a contribution to the lead unit (Đ10.2b).
    is_contribution: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    task: Mapped[Task] = relationship()
    unit: Mapped[Unit] = relationship()
    author: Mapped[User] = relationship()

    def __str__(self) -> str:
        return self.content[:80]


class TaskHistory(IdMixin, db.Model):
    """One entry per transition or notable event of a task; never edited."""

    __tablename__ = "task_history"
    # A task's entries in time order (its page), and its state as of a past day
    # (statistics.returned_as_of: the last state change before it, ties by number): with the
    # number and, on PostgreSQL, the new state in the index, that is the first entry of one
    # backward index-only range. By (task_id, at), each probe read the task's entries from
    # the table and sorted them (a unit's 872 done on time in a closed quarter at 1M:
    # 15.7 -> 4.2 ms).
    __table_args__ = (sa.Index("ix_task_history_task_id_at_id", "task_id", "at", "id",
                               postgresql_include=["to_state"]),)

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str | None] = mapped_column(sa.String(32))
    reason_category: Mapped[ReturnReason | None] = mapped_column(str_enum(ReturnReason))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    task: Mapped[Task] = relationship()
    actor: Mapped[User | None] = relationship()


class ExtensionRequest(IdMixin, db.Model):
    """A lead unit's request to move a deadline (Đ11.1d)."""

    __tablename__ = "extension_request"
    __table_args__ = (sa.Index("ix_extension_request_status_task_id", "status", "task_id"),)

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    current_deadline: Mapped[dt.date | None]
    proposed_deadline: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ExtensionStatus] = mapped_column(
        str_enum(ExtensionStatus), default=ExtensionStatus.pending
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")

    task: Mapped[Task] = relationship()
    unit: Mapped[Unit] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class CooperationRequest(IdMixin, db.Model):
    """A cooperating unit asks the Office to remove it from a task or to hand its part to
    another unit (Đ8.2a, Đ10.2); the Office accepts (the workflow changes the cooperating
    units) or rejects, with a reason. ``status`` reuses the extension statuses."""

    __tablename__ = "cooperation_request"
    __table_args__ = (sa.Index("ix_cooperation_request_status_task_id", "status", "task_id"),
                      sa.Index("ix_cooperation_request_unit_id_requested_at", "unit_id",
                               "requested_at"))

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    # "remove" (take the unit off the task) or "replace" (its part goes to ``proposed_unit``).
    kind: Mapped[str] = mapped_column(sa.String(16))
    proposed_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ExtensionStatus] = mapped_column(
        str_enum(ExtensionStatus), default=ExtensionStatus.pending
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")

    task: Mapped[Task] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    proposed_unit: Mapped[Unit | None] = relationship(foreign_keys=[proposed_unit_id])


class Urging(IdMixin, db.Model):
    """An urging (đôn đốc) by any channel, recorded on the task's timeline (Đ11.2)."""

    __tablename__ = "urging"
    __table_args__ = (sa.Index("ix_urging_task_id_at", "task_id", "at"),)

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id"))
    channel: Mapped[UrgingChannel] = mapped_column(str_enum(UrgingChannel))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    document_number: Mapped[str] = mapped_column(sa.String(64), default="")
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    task: Mapped[Task] = relationship()


class Attachment(IdMixin, db.Model):
    """A file stored outside the web root; downloads are scoped like its owner."""

    __tablename__ = "attachment"

    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task.id"), index=True)
    progress_update_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("progress_update.id"), index=True
    )
    history_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task_history.id"), index=True)
    inspection_request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inspection_document_request.id"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __str__(self) -> str:
        return self.filename


class Feedback(IdMixin, TimestampMixin, db.Model):
    """A district's report that a department is late or off target (Đ15.5, Đ16.4)."""

    __tablename__ = "feedback"
    __table_args__ = (sa.Index("ix_feedback_from_unit_id_created_at", "from_unit_id", "created_at"),)

    # None: a district reports on a department's handling of a matter in its area that is not
    # a task it takes part in (Đ15.5, Đ16.4); ``matter`` then says which.
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task.id"), index=True)
    matter: Mapped[str] = mapped_column(sa.String(500), default="", server_default=sa.text("''"))
    from_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    about_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    content: Mapped[str] = mapped_column(sa.Text)
    answer_due_on: Mapped[dt.date | None] = mapped_column(index=True)
    answered_at: Mapped[dt.datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    answer_kind: Mapped[str | None] = mapped_column(sa.String(32))
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answer_document_number: Mapped[str] = mapped_column(sa.String(64), default="")
    escalated_at: Mapped[dt.datetime | None]

    task: Mapped[Task | None] = relationship()
    from_unit: Mapped[Unit] = relationship(foreign_keys=[from_unit_id])
    about_unit: Mapped[Unit | None] = relationship(foreign_keys=[about_unit_id])


class Difficulty(IdMixin, TimestampMixin, db.Model):
    """A difficulty, proposal or disagreement a unit raises on a task (Đ7.2d, Đ10.1a–c,
    Đ11.1d, Đ15.3, Đ16.3): the Office proposes a way forward, the directing leader decides."""

    __tablename__ = "difficulty"
    __table_args__ = (
        sa.Index("ix_difficulty_task_id_state", "task_id", "state"),
        sa.Index("ix_difficulty_unit_id_state", "unit_id", "state"),
        sa.Index("ix_difficulty_state_due_on", "state", "due_on"),
    )

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    progress_update_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_update.id"))
    kind: Mapped[DifficultyKind] = mapped_column(str_enum(DifficultyKind))
    asks: Mapped[DifficultyAsk] = mapped_column(str_enum(DifficultyAsk))
    content: Mapped[str] = mapped_column(sa.Text)
    # What the unit proposes, when it asks for time or new content.
    proposed_deadline: Mapped[dt.date | None]
    state: Mapped[DifficultyState] = mapped_column(str_enum(DifficultyState),
                                                   default=DifficultyState.open)
    # The clock: answered (decided) by this day (setting difficulty_answer_working_days).
    due_on: Mapped[dt.date | None]
    proposal: Mapped[str] = mapped_column(sa.Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    proposed_at: Mapped[dt.datetime | None]
    approved: Mapped[bool | None]
    decision: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None]
    # The task history entry that records the decision (and its effect on the task).
    history_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task_history.id"))

    task: Mapped[Task] = relationship()
    unit: Mapped[Unit] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    history: Mapped[TaskHistory | None] = relationship()
    progress_update: Mapped[ProgressUpdate | None] = relationship()

    def __str__(self) -> str:
        text = self.content if len(self.content) <= 80 else self.content[:77] + "…"
        return f"#{self.id} {text}"
