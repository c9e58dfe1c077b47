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

"The deadline" is always the effective one (``Task.effective_deadline``): a deadline falling
on a day off runs to the next working day (Bộ luật Dân sự 2015, Điều 148;
``cddh.services.calendar.effective_deadline``).

``total`` is the sum of the seven classes. A period [start, end] counts the tasks assigned on
or before its end that were not completed or cancelled before its start; a period that has
not ended is counted as of today ("to date"). As of today the classes read the task's current
state (fast, index-friendly); as of a past date they read the timestamps and the history.
``classify`` is the same rule in Python, for one task.

Everything is counted by the database in grouped queries; nothing loops over tasks.
"""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..models import Task, TaskHistory, TaskState, Timeliness, Unit, db
from .calendar import first_deadline_due_by
from .clock import local_today, start_of_local_day
from .periods import month_window_start
from .settings import get_setting
from .transaction_memo import per_transaction

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

def forwarded_top_level():
    """The tasks the figures can count at all: forwarded (``assigned_at``; a draft never
    counts) and not a sub-task (its parent counts once, for its lead unit). ``counted_clause``
    adds "forwarded by then"; the tally and the scope index keep this part."""
    return sa.and_(Task.assigned_at.is_not(None), Task.parent_task_id.is_(None))


def counted_clause(start: dt.date | None, as_of: dt.date, of=None):
    """The tasks a figure as of ``as_of`` counts; with ``start``, those of the window
    [start, as_of] (not completed or cancelled before the start).

    ``of``: the same rules over the running tally's columns (``cddh.services.tally``, as of
    today only), whose rows are counted tasks by construction."""
    if of is not None:
        parts = []
        if start is not None:
            parts = [sa.or_(of.completed_on.is_(None), of.completed_on >= start),
                     sa.or_(of.cancelled_on.is_(None), of.cancelled_on >= start)]
        return sa.and_(sa.true(), *parts)
    parts = [forwarded_top_level(), Task.assigned_at < _end_of(as_of)]
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
    # Asked first, and alone for most tasks (``may_have_stood_returned``). The history was
    # otherwise read for each task of a window (a unit's figure of a closed month narrowed
    # by a filter at 1M: 14,855 probes).
    last_state = (sa.select(TaskHistory.to_state)
                  .where(TaskHistory.task_id == Task.id, TaskHistory.to_state.is_not(None),
                         TaskHistory.at < _end_of(as_of))
                  .order_by(TaskHistory.at.desc(), TaskHistory.id.desc())
                  .limit(1).correlate(Task).scalar_subquery())
    state_now = sa.cast(Task.state, sa.String)
    return sa.and_(may_have_stood_returned(),
                   sa.func.coalesce(last_state, state_now) == S.returned.value)


def may_have_stood_returned():
    """Only a task whose history holds a return (``Task.ever_returned``), or one with no
    recorded change that is returned now, may have stood returned on a past day
    (``returned_as_of``); those of a lead unit have an index
    (models.task.RETURNED_ROWS)."""
    return sa.or_(Task.ever_returned, Task.state == S.returned)


@sa.event.listens_for(Session, "after_flush")
def _mark_ever_returned(session: Session, flush_context) -> None:
    """``Task.ever_returned`` for each task whose history just got a return (the workflow's
    entry, or one written directly): one UPDATE, not through the task's object (the task's
    row is not made dirty after the other listeners read what a flush changes)."""
    ids = {entry.task_id for entry in session.new
           if isinstance(entry, TaskHistory) and entry.to_state == S.returned.value}
    if not ids:
        return
    session.connection().execute(sa.update(Task).where(Task.id.in_(sorted(ids)),
                                                       Task.ever_returned.is_(False))
                                 .values(ever_returned=True)
                                 .execution_options(synchronize_session=False))
    for task_id in ids:
        task = session.identity_map.get(sa.inspect(Task).identity_key_from_primary_key(
            (task_id,)))
        if task is not None:
            set_committed_value(task, "ever_returned", True)


def _parts(as_of: dt.date, today: dt.date | None, returned=None, of=None):
    """(cancelled, returned, done) at ``as_of`` as SQL conditions that are never NULL;
    ``returned``, when given, is ``returned_as_of`` already computed (a column). ``of``: the
    tally's columns (as of today only)."""
    if as_of >= (today or local_today()):
        state = Task.state if of is None else of.state
        values = ((S.cancelled,), (S.returned,), DONE) if of is None else (
            (S.cancelled.value,), (S.returned.value,), tuple(d.value for d in DONE))
        return (state == values[0][0], state == values[1][0], state.in_(values[2]))
    if of is not None:
        raise ValueError("the tally holds the figures as of today only")
    cancelled = sa.and_(Task.cancelled_at.is_not(None), Task.cancelled_at < _end_of(as_of))
    done = sa.and_(Task.completed_on.is_not(None), Task.completed_on <= as_of)
    return cancelled, returned_as_of(as_of, today) if returned is None else returned, done


def class_clause(value: str, as_of: dt.date, today: dt.date | None = None, returned=None,
                 of=None):
    """The condition of one class (see the module's docstring) as of ``as_of``, for tasks
    already known to be counted. The clauses of the seven classes exclude each other.
    ``returned``, ``of``: see ``_parts``."""
    computed = returned is not None
    cancelled, returned, done = _parts(as_of, today, returned, of)
    task = Task if of is None else of
    if value == CANCELLED:
        return cancelled
    if value == RETURNED:
        if not computed and as_of < (today or local_today()):
            # The same, asked as a sub-query of its own: the planner guesses half the tasks
            # for it instead of one in 200 (a comparison with an unknown value), so a list of
            # the figure walks its order's index to its first page. Guessing a few rows, it
            # read every task of the window and sorted them (one unit's tasks returned at a
            # month's end at 1M: 1,591 of 8,923, 133 ms; walked, 5.5 ms).
            returned = sa.select(returned).correlate(Task).scalar_subquery()
            # Said outside it too, for the planner: a lead unit's returned tasks of a
            # closed period are read from their own index.
            return sa.and_(sa.not_(cancelled), may_have_stood_returned(), returned)
        return sa.and_(sa.not_(cancelled), returned)
    held = sa.and_(sa.not_(cancelled), sa.not_(returned))
    undated = task.effective_deadline.is_(None)
    if of is None and as_of >= (today or local_today()):
        # The same (the effective deadline is NULL exactly when the deadline is), said on
        # the column the lists sort by: the Office's tasks without a deadline, by deadline,
        # are one range of its index, the NULLs, not a walk past every dated task (215 ms a
        # page at 1M). Instead of the other, not beside it: the planner would take the two
        # for independent, expect a hundredth of the undated tasks, and join and sort them
        # all for a page (the assigned ones, 477 ms).
        undated = Task.deadline.is_(None)
    if value == Timeliness.no_deadline.value:
        return sa.and_(held, undated)
    if value == NO_DEADLINE_DONE:
        return sa.and_(held, undated, done)
    if value == AWAITING:
        return sa.and_(held, done, task.state == (S.pending_verification if of is None
                                                   else S.pending_verification.value))
    dated = sa.and_(held, task.effective_deadline.is_not(None))
    if of is None and as_of >= (today or local_today()):
        # Implied (the effective deadline is the deadline, or the next working day after it:
        # calendar.effective_deadline), and said on the column the lists sort by: today's
        # list in deadline order then skips the tasks without one (the open classes are said
        # on the deadline alone, below). (Not for a past date: with a period's conditions the
        # planner then ANDs more bitmaps.)
        dated = sa.and_(dated, Task.deadline.is_not(None))
    # A done task with no completion date (loaded outside the workflow) is judged on as_of.
    completed_on = sa.func.coalesce(task.completed_on, as_of)
    if value == Timeliness.done_on_time.value:
        return sa.and_(dated, done, completed_on <= task.effective_deadline)
    if value == Timeliness.done_late.value:
        if as_of >= (today or local_today()):
            # Implied, and said as the partial index of the tasks done late says it
            # (models.task.DONE_LATE_ROWS): a list walks that index in id order. On a
            # unit's rows the same (models.task.TASK_UNIT_DONE_LATE_ROWS): the unit's done
            # late tasks, not all its done ones, are counted and paged (at 1M, 2,060 of a
            # unit's 14,876 rows).
            done = sa.and_(done, sa.or_(task.completed_on.is_(None),
                                        task.completed_on > task.effective_deadline))
        elif of is None:
            # As of a past date done has a completion date: the same, for the partial index
            # of the tasks completed late (models.task.COMPLETED_LATE_ROWS).
            done = sa.and_(done, Task.completed_on > Task.effective_deadline)
        return sa.and_(dated, done, completed_on > task.effective_deadline)
    if as_of >= (today or local_today()):
        # The states left once the others are taken; they are neither cancelled nor returned
        # nor done, and a date compared is not NULL: the shortest equivalent condition, which
        # the planner estimates best (a unit's list walks its urgency index in order).
        open_ = task.state.in_(UNIT_OPEN if of is None else [u.value for u in UNIT_OPEN])
        if of is None:
            # Said on the deadline, the column the lists sort by: the effective deadline is
            # ``as_of`` or later exactly when the deadline is ``first_deadline_due_by(as_of)``
            # or later (the calendar's rule read backwards). One column, which the planner
            # estimates right (both, it takes for independent and expects a hundredth of the
            # rows); a list in deadline order starts (or, overdue, ends) its walk there.
            if value == Timeliness.open_on_time.value:
                return sa.and_(open_, Task.deadline >= first_deadline_due_by(as_of))
            if value == Timeliness.open_overdue.value:
                return sa.and_(open_, Task.deadline < first_deadline_due_by(as_of))
        if value == Timeliness.open_on_time.value:
            return sa.and_(open_, task.effective_deadline >= as_of)
        if value == Timeliness.open_overdue.value:
            return sa.and_(open_, task.effective_deadline < as_of)
    else:
        open_ = sa.not_(done)
    if value == Timeliness.open_on_time.value:
        return sa.and_(dated, open_, task.effective_deadline >= as_of)
    if value == Timeliness.open_overdue.value:
        return sa.and_(dated, open_, task.effective_deadline < as_of)
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


# The classes of tasks done (as of a past date: completed on or before it).
DONE_CLASSES = (Timeliness.done_on_time.value, Timeliness.done_late.value, NO_DEADLINE_DONE,
                AWAITING)


def completed_in_window(measure: str, start: dt.date | None, as_of: dt.date,
                        today: dt.date | None = None) -> list:
    """What a done class of the window [start, as_of] implies of the completion date, as
    of a past date: the window counts no task completed before its start, and the class
    none completed after ``as_of`` or without a date (``counted_clause``, ``_parts``). Said
    on the date alone, a lead unit's figure reads one range of (lead unit, completion date)
    instead of the unit's every task (``reports.period_conditions``; not the whole table's
    figure, whose first rows in id order come sooner). Nothing as of today (a done task
    without a date is judged on the day) nor without a window."""
    if start is None or as_of >= (today or local_today()) or measure not in DONE_CLASSES:
        return []
    return [Task.completed_on >= start]


def unit_statistics(start: dt.date | None, end: dt.date, unit_ids=None,
                    today: dt.date | None = None) -> list[dict]:
    """The statistics table of the window [start, end], one row per lead unit, counted as of
    ``effective_end(end)``; ``start`` None counts every task as of that date.

    Each row is a plain dict ``{"unit_id", "total", <the seven classes>, "no_deadline_done"}``,
    in the units' display order. With ``unit_ids`` only those units are counted, and each of
    them has a row even with nothing to count; without it every unit that leads a counted task
    has a row. ``total_row(rows)`` adds them up.

    A window that has ended is read from its stored facts when they exist
    (``cddh.services.facts``: the same rows, computed by ``live_unit_statistics`` once the
    window closed); a running window, or one not stored, is counted live.
    """
    today = today or local_today()
    if start is not None and end < today:
        from . import facts

        stored = facts.stored_statistics(start, end, unit_ids)
        if stored is not None:
            return stored
    return live_unit_statistics(start, end, unit_ids, today)


def live_unit_statistics(start: dt.date | None, end: dt.date, unit_ids=None,
                         today: dt.date | None = None, count_tasks: bool = False,
                         last_ids: bool = False) -> list[dict]:
    """``unit_statistics`` never from the stored facts: as of today from the running tally,
    else (or with ``count_tasks``) counted from the tasks. ``last_ids``: each figure's
    greatest task id (0 for none) instead of its count, from the same query (what a closed
    period's facts keep, ``cddh.services.facts``)."""
    today = today or local_today()
    as_of = effective_end(end, today)
    if tally_answers([start], as_of, today) and not (count_tasks or last_ids):
        return tally_windows([start], today, unit_ids)[0]
    returned = None
    counted = [counted_clause(start, as_of), Task.lead_unit_id.is_not(None)]
    if as_of < today:
        # As of a past date, whether a task stood returned is a look-up in its history: done
        # once per task in a sub-query (OFFSET 0 keeps it from being inlined into each of the
        # classes' filters, which would repeat the look-up for every class).
        marked = (sa.select(Task.id.label("task_id"),
                            returned_as_of(as_of, today).label("returned"))
                  .where(*counted).offset(0).subquery("marked"))
        returned = marked.c.returned

    def figure():
        return sa.func.max(Task.id) if last_ids else sa.func.count()
    counts = [figure().filter(class_clause(value, as_of, today, returned)).label(value)
              for value in (*CLASSES, NO_DEADLINE_DONE)]
    query = (sa.select(Task.lead_unit_id.label("unit_id"), figure().label("total"), *counts)
             .where(*counted).group_by(Task.lead_unit_id))
    if returned is not None:
        query = query.join(marked, marked.c.task_id == Task.id)
    wanted = None
    if unit_ids is not None:
        wanted = list(dict.fromkeys(int(i) for i in unit_ids))
        query = query.where(Task.lead_unit_id.in_(wanted))
    found = {row.unit_id: {"unit_id": row.unit_id, **{name: int(getattr(row, name) or 0)
                                                       for name in COLUMNS}}
             for row in db.session.execute(query)}
    return in_unit_order(found, wanted)


def windows_to_date(starts: list[dt.date | None], today: dt.date | None = None,
                    count_tasks: bool = False) -> list[list[dict]]:
    """``live_unit_statistics(start, today)`` for several starts at once (one scan of the
    tasks instead of one each): the dashboard's "every task as of today" and its running
    month. Each window's counts are the same filtered counts, so its rows are identical."""
    today = today or local_today()
    if tally_answers(starts, today, today) and not count_tasks:
        return tally_windows(starts, today)
    counts = []
    for i, start in enumerate(starts):
        counted = counted_clause(start, today)
        counts.append(sa.func.count().filter(counted).label(f"w{i}_total"))
        counts += [sa.func.count().filter(sa.and_(counted, class_clause(value, today, today)))
                   .label(f"w{i}_{value}") for value in (*CLASSES, NO_DEADLINE_DONE)]
    query = (sa.select(Task.lead_unit_id.label("unit_id"), *counts)
             .where(counted_clause(None, today), Task.lead_unit_id.is_not(None))
             .group_by(Task.lead_unit_id))
    return _window_rows(query, len(starts), None)


def tally_answers(starts, as_of: dt.date, today: dt.date) -> bool:
    """Whether the running tally (cddh.services.tally) holds the figures of these windows:
    as of the real today (a past date, or a "today" a caller chose, as tests and the facts
    job do, counts the tasks), not before the last day it was kept on (a clock set back),
    each starting where a month window starts (every period's window does; the tally knows
    completion and cancellation dates by their month window only) or counting every task
    (None)."""
    if not as_of == today == local_today():
        return False
    # Its keys hold passed deadlines as passed from the day they were folded on (tally.fold).
    from . import tally

    folded_on = per_transaction("tally_folded_on",
                                lambda: tally.folded_on(db.session.connection()))
    if folded_on is None or today < folded_on:
        return False
    cutoff = int(get_setting("report_cutoff_day"))
    return all(start is None or month_window_start(start, cutoff) == start for start in starts)


def tally_windows(starts: list[dt.date | None], today: dt.date, unit_ids=None
                  ) -> list[list[dict]]:
    """``windows_to_date`` summed from the running tally: the same clauses over its columns,
    each row weighted by its number of tasks. With ``unit_ids`` only those units, each with
    a row (as ``unit_statistics``). Only for windows the tally holds (``tally_answers``)."""
    wanted = None if unit_ids is None else tuple(dict.fromkeys(int(i) for i in unit_ids))
    query = _tally_windows_query(tuple(starts), today, wanted)
    return _window_rows(query, len(starts), None if wanted is None else list(wanted))


@functools.lru_cache(maxsize=32)
def _tally_windows_query(starts: tuple, today: dt.date, wanted: tuple | None) -> sa.Select:
    """``tally_windows``' statement, built once per (starts, day, units) in the process: over
    the tally's columns every clause is a function of these alone (no calendar, no
    setting), and a statement is immutable; the dashboard asks for the same one on every
    request of the day (some 340 clauses, 5 ms to build)."""
    from ..models import task_tally

    of = task_tally.c
    sums = []
    for i, start in enumerate(starts):
        counted = counted_clause(start, today, of)
        sums.append(sa.func.sum(of.n).filter(counted).label(f"w{i}_total"))
        sums += [sa.func.sum(of.n).filter(sa.and_(counted, class_clause(value, today, today,
                                                                         of=of)))
                 .label(f"w{i}_{value}") for value in (*CLASSES, NO_DEADLINE_DONE)]
    query = sa.select(of.lead_unit_id.label("unit_id"), *sums).group_by(of.lead_unit_id)
    if wanted is not None:
        query = query.where(of.lead_unit_id.in_(wanted))
    return query


def tally_count(measure: str, today: dt.date, unit_id: int | None = None,
                state: str | None = None, by_state: bool = False,
                start: dt.date | None = None) -> sa.Select | None:
    """How many tasks ``measure_clause(measure, start, today, today)`` holds (every task
    counted to date, or with ``start`` those of the window from it; with ``unit_id``, those
    it leads; with ``state``, those in it), summed from the running tally: the dashboard's
    own figure, or a running period's, whatever the number of tasks. ``by_state``: (state,
    count) rows, one per state holding any. None for a measure or a window the tally cannot
    tell (``tally_answers``)."""
    from ..models import task_tally

    if measure not in (*COLUMNS, AWAITING) or not tally_answers([start], today, today):
        return None
    of = task_tally.c
    where = [counted_clause(start, today, of)]
    if unit_id is not None:
        where.append(of.lead_unit_id == unit_id)
    if state is not None:
        where.append(of.state == state)
    if measure != "total":
        where.append(class_clause(measure, today, today, of=of))
    if by_state:
        return (sa.select(of.state, sa.func.sum(of.n)).where(*where).group_by(of.state)
                .having(sa.func.sum(of.n) > 0))
    return sa.select(sa.func.coalesce(sa.func.sum(of.n), 0)).where(*where)


def _window_rows(query, windows: int, wanted) -> list[list[dict]]:
    """The rows of each window from one grouped query with ``w{i}_{column}`` counts."""
    found: list[dict] = [{} for _window in range(windows)]
    for row in db.session.execute(query):
        for i, by_unit in enumerate(found):
            if getattr(row, f"w{i}_total"):
                by_unit[row.unit_id] = {"unit_id": row.unit_id, **{
                    name: int(getattr(row, f"w{i}_{name}") or 0) for name in COLUMNS}}
    return [in_unit_order(by_unit, wanted) for by_unit in found]


def awaiting_count(today: dt.date) -> int:
    """Of the tasks done, those the Office has not verified yet, as of ``today``."""
    count = tally_count(AWAITING, today)
    if count is None:
        count = sa.select(sa.func.count()).select_from(Task).where(
            measure_clause(AWAITING, None, today, today))
    return int(db.session.scalar(count) or 0)


def in_unit_order(found: dict[int, dict], wanted: list[int] | None) -> list[dict]:
    """The rows of ``found`` (by unit id) in the units' display order; with ``wanted``, one
    row for each wanted unit (zeros where nothing was found)."""
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

def class_states(value: str) -> frozenset[TaskState]:
    """The states a task of class ``value`` can be in today (``classify``): a list asked for
    a state outside them is empty. (The database cannot tell, and looks for such a task
    through the whole table.)"""
    if value == CANCELLED:
        return frozenset({S.cancelled})
    if value == RETURNED:
        return frozenset({S.returned})
    if value == AWAITING:
        return frozenset({S.pending_verification})
    if value in (Timeliness.done_on_time.value, Timeliness.done_late.value, NO_DEADLINE_DONE):
        return frozenset(DONE)
    if value in (Timeliness.open_on_time.value, Timeliness.open_overdue.value):
        return frozenset(UNIT_OPEN)
    if value == Timeliness.no_deadline.value:
        return frozenset(TaskState) - {S.draft, S.cancelled, S.returned}
    raise ValueError(value)


def classify(state, effective_deadline: dt.date | None, completed_on: dt.date | None,
             today: dt.date) -> str | None:
    """One task's class as of today from its current state (None for a draft): the same rule
    as ``class_clause(value, today)``. Judged on the effective deadline (a deadline on a day
    off runs to the next working day, Điều 148: ``Task.effective_deadline``), never the
    written one that the screens show."""
    state = TaskState(state)
    if state == S.draft:
        return None
    if state == S.cancelled:
        return CANCELLED
    if state == S.returned:
        return RETURNED
    if effective_deadline is None:
        return Timeliness.no_deadline.value
    if state in DONE:
        return (Timeliness.done_on_time if (completed_on or today) <= effective_deadline
                else Timeliness.done_late).value
    return (Timeliness.open_on_time if effective_deadline >= today
            else Timeliness.open_overdue).value


# --- the units' duties: Đ8.1b updates, Đ8.2a returns, cooperating units' requests --------------

def update_windows(start: dt.date, end: dt.date, months: int, today: dt.date | None = None,
                   cal=None) -> list[tuple[dt.date, dt.date, dt.date]]:
    """The Đ8.1b update windows of ``months`` months (aligned on the reporting windows of
    Đ17) whose update was due within [start, end] and is already late by today: (first day,
    last day, due day). The due day is the window's last day moved off a day off to the next
    working day (Bộ luật Dân sự 2015, Điều 148; ``calendar.effective_deadline``); a window
    belongs to the period its due day falls in, so each is counted in one period only."""
    from .calendar import calendar as working_calendar
    from .calendar import effective_deadline
    from .periods import cutoff_date
    from .settings import get_setting

    today = today or local_today()
    cal = cal or working_calendar()
    cutoff = int(get_setting("report_cutoff_day"))
    windows = []
    year, month = start.year - 1, 1
    while (year, month) <= (end.year, end.month):
        if month % months == 0:
            last = cutoff_date(year, month, cutoff)
            before_year, before_month = (year, month - months) if month > months else (
                year - 1, month - months + 12)
            first = cutoff_date(before_year, before_month, cutoff) + dt.timedelta(days=1)
            due = effective_deadline(last, cal)
            if start <= due <= end and due < today:
                windows.append((first, last, due))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return windows


def missed_updates_by_unit(start: dt.date, end: dt.date, unit_ids=None,
                           today: dt.date | None = None) -> dict[int, int]:
    """Đ8.1b (issue 14 §4): per lead unit, the update windows its tasks without deadline
    missed among those due within [start, end]: the task was assigned on or before the
    window's first day, still held by the unit on its due day (not completed, cancelled or
    standing returned to the Office by then) and got no progress update from its lead unit
    from the window's first day to its due day. A task without deadline that the unit
    completed counts as completed in the rates; the windows it missed before count here.

    Set-based: one grouped query per window (at most 19 for a year).
    """
    from ..models import ProgressUpdate, UpdateFrequency
    from .calendar import calendar as working_calendar
    from .duties import MONTHS_PER_PERIOD, local_day

    today = today or local_today()
    cal = working_calendar()
    counts: dict[int, int] = {}
    for frequency, months in MONTHS_PER_PERIOD.items():
        for first, _last, due in update_windows(start, end, months, today, cal):
            updated = sa.exists().where(
                ProgressUpdate.task_id == Task.id, ProgressUpdate.is_contribution.is_(False),
                ProgressUpdate.created_at >= start_of_local_day(first),
                ProgressUpdate.created_at < _end_of(due))
            query = (sa.select(Task.lead_unit_id, sa.func.count())
                     .where(Task.deadline.is_(None),
                            Task.update_frequency == UpdateFrequency(frequency),
                            Task.assigned_at.is_not(None), Task.lead_unit_id.is_not(None),
                            local_day(Task.assigned_at) <= first,
                            sa.or_(Task.completed_on.is_(None), Task.completed_on > due),
                            sa.or_(Task.cancelled_at.is_(None), Task.cancelled_at >= _end_of(due)),
                            sa.not_(returned_as_of(due, today)), sa.not_(updated))
                     .group_by(Task.lead_unit_id))
            if unit_ids is not None:
                query = query.where(Task.lead_unit_id.in_(list(unit_ids)))
            for unit_id, count in db.session.execute(query):
                counts[unit_id] = counts.get(unit_id, 0) + int(count)
    return counts


DUTY_COUNTS = ("missed_updates", "returns", "returns_after_receipt", "cooperation_requests",
               "cooperation_changes_accepted")


def duty_counts(start: dt.date, end: dt.date, unit_ids=None,
                today: dt.date | None = None) -> dict[int, dict[str, int]]:
    """Per unit, what the unit did or failed to do within [start, end] (docs/figures.md,
    "Duties"): Đ8.1b missed update windows (``missed_updates_by_unit``); Đ8.2a returns to
    the Office (of which after receipt); a cooperating unit's requests to be removed or
    replaced, and how many the Office accepted. Returns count for the lead unit at the
    time of the return; requests for the requesting unit."""
    from ..models import CooperationRequest, ExtensionStatus

    window = sa.and_(TaskHistory.at >= start_of_local_day(start), TaskHistory.at < _end_of(end))
    lead_then = sa.cast(TaskHistory.data["lead_unit_id"].as_string(), sa.Integer)
    # Only a return after receipt records the day of receipt (cddh.services.workflow).
    after = TaskHistory.data["received_on"].as_string().is_not(None)
    returns = (sa.select(sa.func.coalesce(lead_then, Task.lead_unit_id).label("unit_id"),
                         sa.func.count().label("returns"),
                         sa.func.count().filter(after).label("after"))
               .join(Task, Task.id == TaskHistory.task_id)
               .where(TaskHistory.action == "return", TaskHistory.to_state == S.returned.value,
                      window)
               .group_by(sa.func.coalesce(lead_then, Task.lead_unit_id)))
    requested = sa.and_(CooperationRequest.requested_at >= start_of_local_day(start),
                        CooperationRequest.requested_at < _end_of(end))
    requests = (sa.select(CooperationRequest.unit_id, sa.func.count(),
                          sa.func.count().filter(
                              CooperationRequest.status == ExtensionStatus.approved))
                .where(requested).group_by(CooperationRequest.unit_id))
    result: dict[int, dict[str, int]] = {}

    def row(unit_id):
        return result.setdefault(unit_id, dict.fromkeys(DUTY_COUNTS, 0))

    for unit_id, count in missed_updates_by_unit(start, end, unit_ids, today).items():
        row(unit_id)["missed_updates"] = count
    for unit_id, count, after_count in db.session.execute(returns):
        if unit_id is not None:
            row(unit_id).update(returns=int(count), returns_after_receipt=int(after_count or 0))
    for unit_id, count, accepted in db.session.execute(requests):
        row(unit_id).update(cooperation_requests=int(count),
                            cooperation_changes_accepted=int(accepted or 0))
    if unit_ids is not None:
        wanted = {int(i) for i in unit_ids}
        result = {k: v for k, v in result.items() if k in wanted}
    return result
