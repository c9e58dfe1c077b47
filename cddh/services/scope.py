"""Scope as one index: the ``task_unit`` table, one row per (unit, task) with its role, copies of
the task's state and effective deadline (Điều 148: the deadline that counts), so "the (open)
tasks of unit U by deadline" is one index range scan, the policy's unit scope is one ``IN``
over it, and a unit's home groups are counted from it alone. ``task_unit_count`` holds how
many rows each unit has in each state, kept with the rows: a unit's whole list is counted from
it (``policy.scope_count``), and ``unit_document`` the documents of each unit's rows (its
document list's count, and its order: each entry carries its document's issue date).

The rows follow the task: a session listener re-derives them, set-based, for every task whose
lead unit, cooperating units, state or deadline a flush changed (every service, import, the
demo and the tests go through it; nothing can forget it). Bulk loaders that write SQL
directly (``bench/generate.py``, the migration) call ``rebuild_sql`` after they load.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from types import SimpleNamespace

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy import event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList
from sqlalchemy.sql.visitors import replacement_traverse

from ..models import (
    Document,
    Task,
    TaskState,
    db,
    task_cooperating_unit,
    task_unit,
    task_unit_count,
    unit_document,
)
from ..models.enums import Priority
from ..models.task import UNDATED_TASK, UNIT_OPEN_STATES, TaskUnitRole
from .calendar import WorkingCalendar, effective_deadline, transaction_calendar
from .search import number_text

WATCHED = ("lead_unit_id", "lead_unit", "cooperating_units", "state", "deadline",
           "effective_deadline", "parent_task_id", "parent_task", "document_id", "document",
           "assigned_at", "completed_on", "priority")
BATCH = 1000  # task ids per statement


def _changed(task: Task) -> bool:
    state = inspect(task)
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


def _settled():
    """task_unit.settled from the task: not open at the unit (UNIT_OPEN_STATES)."""
    return Task.state.not_in([TaskState(value) for value in UNIT_OPEN_STATES])


def settled_state(state) -> bool:
    """``_settled`` of one state (a TaskState or its value): not open at the unit."""
    return getattr(state, "value", state) not in UNIT_OPEN_STATES


def _counted():
    """task_unit.counted from the task: the figures count it (forwarded, not a sub-task)."""
    from .statistics import forwarded_top_level

    return forwarded_top_level()


# A unit's task_unit row through the columns the statistics' rules read (its copies of the
# state, the effective deadline and the completion date): ``class_clause(…, of=UNIT_ROW)``
# and ``overview.due_soon_clause(…, of=UNIT_ROW)`` are the same rules on the row.
UNIT_ROW = SimpleNamespace(state=task_unit.c.state, effective_deadline=task_unit.c.deadline,
                           completed_on=task_unit.c.completed_on)


def row_state(value: str) -> list:
    """``Task.state == value`` said on the unit's row (its copy of the state, and the
    "settled" flag that state gives): the urgency index's own range."""
    # ``settled = true``, not ``IS TRUE``: PostgreSQL estimates the former with the state
    # (models.task.TASK_UNIT_STATISTICS), the latter apart, as if independent.
    settled = sa.true() if settled_state(value) else sa.false()
    return [task_unit.c.state == value, task_unit.c.settled == settled]


def row_led_by(lead_unit_id: int, unit_id: int) -> list:
    """``Task.lead_unit_id == lead_unit_id`` said on unit ``unit_id``'s rows: their copy of
    the task's lead unit (``ix_task_unit_unit_id_lead_urgency``: the unit's tasks led by
    that unit, in the urgency order)."""
    return [task_unit.c.lead_unit_id == lead_unit_id]


def row_document(document_id: int) -> list:
    """``Task.document_id == document_id`` said on the unit's rows: their copy of the task's
    document (``ix_task_unit_unit_id_document_id``)."""
    return [task_unit.c.document_id == document_id]


def row_priority(value: str) -> list:
    """``Task.priority == value`` said on the unit's rows, which carry the task's priority:
    an urgent or flash one within the unit's rows of those (``ix_task_unit_special``)."""
    if value == Priority.normal.value:
        return [task_unit.c.priority == value]
    return [task_unit.c.priority != Priority.normal.value, task_unit.c.priority == value]


def row_special_priority() -> list:
    """The rows of the urgent and flash tasks: the "normal" ones are all the others
    (counted as the rows less these, from their index: ``EstimatingCount.on_rows``)."""
    return [task_unit.c.priority != Priority.normal.value]


def rows_of_priority_count(unit_id: int, role: str, priority: str, whole,
                           *conditions) -> sa.Select:
    """How many of the unit's rows in ``role`` (and ``conditions``) are of tasks of
    ``priority``: the urgent or flash ones counted from their own index
    (``ix_task_unit_special``), the "normal" ones as ``whole`` (a scalar: all those rows,
    known another way) less the urgent and flash ones."""
    tu = task_unit.c
    normal = priority == Priority.normal.value
    few = sa.select(sa.func.count()).select_from(task_unit).where(
        tu.unit_id == unit_id, tu.role == role,
        *(row_special_priority() if normal else row_priority(priority)), *conditions)
    return sa.select(whole - few.scalar_subquery()) if normal else few


def row_deadline_within(start: dt.date | None, end: dt.date | None,
                        cal: WorkingCalendar | None = None) -> list:
    """``start <= Task.deadline <= end`` (either end open) said on the unit's rows, which
    hold the effective deadline: the deadline's next working day (Điều 148), never
    decreasing with it. A row whose effective deadline lies strictly between the ends' next
    working days has its deadline between the ends; at either end a deadline on the days off
    just outside the range runs to the same working day, so those few tasks (read from the
    tasks' deadline index) are left out there. Exact, and one range of the unit's index."""
    cal = cal or transaction_calendar()
    tu = task_unit.c
    conditions = []
    if start is not None:
        first = cal.next_working_day(start)
        before = start - dt.timedelta(days=1)  # the days off just before start, if any
        while not cal.is_working_day(before):
            before -= dt.timedelta(days=1)
        conditions.append(tu.deadline >= first)
        if before < start - dt.timedelta(days=1):
            outside = sa.select(Task.id).where(Task.deadline > before, Task.deadline < start)
            conditions.append(sa.or_(tu.deadline > first, tu.task_id.not_in(outside)))
    if end is not None:
        last = cal.next_working_day(end)
        conditions.append(tu.deadline <= last)
        if last > end:  # the end is a day off: the days after it, up to ``last``, are outside
            outside = sa.select(Task.id).where(Task.deadline > end, Task.deadline <= last)
            conditions.append(sa.or_(tu.deadline < last, tu.task_id.not_in(outside)))
    return conditions


def rows_for(task_ids) -> sa.Select:
    """The task_unit rows of the given tasks (a list of ids or a subquery), from the tasks."""
    lead = sa.select(Task.lead_unit_id.label("unit_id"), Task.id.label("task_id"),
                     sa.literal(TaskUnitRole.lead, sa.String(16)).label("role"),
                     Task.state.label("state"), Task.effective_deadline.label("deadline"),
                     _settled().label("settled"), Task.document_id.label("document_id"),
                     _counted().label("counted"),
                     Task.completed_on.label("completed_on"),
                     Task.lead_unit_id.label("lead_unit_id"),
                     Task.priority.label("priority")).where(
        Task.lead_unit_id.is_not(None), Task.id.in_(task_ids))
    coop = (sa.select(task_cooperating_unit.c.unit_id, Task.id,
                      sa.literal(TaskUnitRole.cooperating, sa.String(16)), Task.state,
                      Task.effective_deadline, _settled(), Task.document_id, _counted(),
                      Task.completed_on, Task.lead_unit_id, Task.priority)
            .join(task_cooperating_unit, task_cooperating_unit.c.task_id == Task.id)
            .where(Task.id.in_(task_ids)))
    # A sub-task is seen by its parent task's lead unit (Đ9.2a), never by a sibling unit.
    parent = sa.orm.aliased(Task)
    above = (sa.select(parent.lead_unit_id, Task.id,
                       sa.literal(TaskUnitRole.parent, sa.String(16)), Task.state,
                       Task.effective_deadline, _settled(), Task.document_id, _counted(),
                       Task.completed_on, Task.lead_unit_id, Task.priority)
             .join(parent, parent.id == Task.parent_task_id)
             .where(parent.lead_unit_id.is_not(None), Task.id.in_(task_ids)))
    # One row per (unit, task), for the strongest reason (lead, then cooperating, then parent):
    # a unit that is a sub-task's parent and also cooperates on it sees the task once, so
    # counts and keyset pages over the index never meet a task twice.
    rows = sa.union_all(lead, coop, above).subquery("reasons")
    rank = sa.case((rows.c.role == TaskUnitRole.lead, 3),
                   (rows.c.role == TaskUnitRole.cooperating, 2), else_=1)
    best = sa.func.max(rank)
    role = sa.case((best == 3, TaskUnitRole.lead), (best == 2, TaskUnitRole.cooperating),
                   else_=TaskUnitRole.parent)
    return (sa.select(rows.c.unit_id, rows.c.task_id, role, rows.c.state, rows.c.deadline,
                      rows.c.settled, rows.c.document_id, rows.c.counted, rows.c.completed_on,
                      rows.c.lead_unit_id, rows.c.priority)
            .group_by(rows.c.unit_id, rows.c.task_id, rows.c.state, rows.c.deadline,
                      rows.c.settled, rows.c.document_id, rows.c.counted, rows.c.completed_on,
                      rows.c.lead_unit_id, rows.c.priority))


COLUMNS = ["unit_id", "task_id", "role", "state", "deadline", "settled", "document_id",
           "counted", "completed_on", "lead_unit_id", "priority"]


def sync(connection, task_ids) -> None:
    """Re-derive the rows of these tasks, in batches of ``BATCH`` ids, and their counts."""
    ids = sorted(set(task_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        before = _counts(connection, task_unit.c.task_id.in_(chunk))
        connection.execute(sa.delete(task_unit).where(task_unit.c.task_id.in_(chunk)))
        connection.execute(sa.insert(task_unit).from_select(COLUMNS, rows_for(chunk)))
        after = _counts(connection, task_unit.c.task_id.in_(chunk))
        after.subtract(before)
        _add_counts(connection, after)


def rebuild(connection) -> None:
    """Rebuild the whole table from the tasks (after a bulk load), in one pass."""
    connection.execute(sa.delete(task_unit))
    connection.execute(sa.insert(task_unit).from_select(COLUMNS, rows_for(sa.select(Task.id))))
    recount(connection)


def recount(connection) -> None:
    """Count each unit's rows by state (``task_unit_count``) and by document
    (``unit_document``) again, from the rows."""
    tu = task_unit.c
    connection.execute(sa.delete(task_unit_count))
    connection.execute(sa.insert(task_unit_count).from_select(
        ["unit_id", "state", "n"],
        sa.select(tu.unit_id, tu.state, sa.func.count()).group_by(tu.unit_id, tu.state)))
    connection.execute(sa.delete(unit_document))
    entries = (sa.select(tu.unit_id, tu.document_id, sa.func.count().label("n"))
               .where(*_documented()).group_by(tu.unit_id, tu.document_id).subquery())
    connection.execute(sa.insert(unit_document).from_select(
        ["unit_id", "document_id", "n", "issued_on", "number"],
        sa.select(entries.c.unit_id, entries.c.document_id, entries.c.n, Document.issued_on,
                  _number_text())
        .join(Document, Document.id == entries.c.document_id)))


def _number_text():
    """The document's number as ``unit_document`` carries it (search.number_text)."""
    return number_text(Document.search_text, Document.number)


def _documented() -> list:
    """The rows ``unit_document`` counts: forwarded, with a document (policy.document_scope
    reads the same rows)."""
    return [task_unit.c.state != TaskState.draft.value, task_unit.c.document_id.is_not(None)]


def _counts(connection, where) -> Counter:
    """How many of the rows matching ``where`` each (unit, state, document) has."""
    tu = task_unit.c
    keys = (tu.unit_id, tu.state, tu.document_id)
    return Counter({tuple(key): n for *key, n in connection.execute(
        sa.select(*keys, sa.func.count()).where(where).group_by(*keys))})


def _add_counts(connection, delta: Counter) -> None:
    """Add ``delta`` (by unit, state and document) to ``task_unit_count`` and
    ``unit_document``: one upsert each for what it changes; a unit's document entry that no
    row holds any more is deleted."""
    by_state: Counter = Counter()
    by_document: Counter = Counter()
    for (unit_id, state, document_id), n in delta.items():
        by_state[unit_id, state] += n
        if state != TaskState.draft.value and document_id is not None:
            by_document[unit_id, document_id] += n
    _upsert(connection, task_unit_count, ("unit_id", "state"), by_state)
    _upsert(connection, unit_document, ("unit_id", "document_id"), by_document,
            copies=_document_copies(connection,
                                    {key[1] for key, n in by_document.items() if n}))
    gone = [key for key, n in by_document.items() if n < 0]
    if gone:
        of = unit_document.c
        connection.execute(sa.delete(unit_document).where(
            sa.tuple_(of.unit_id, of.document_id).in_(gone), of.n <= 0))


def _document_copies(connection, document_ids) -> dict:
    """What a new ``unit_document`` entry copies of each of these documents: its issue date
    and its number (``_number_text``), by document."""
    ids = sorted(document_ids)
    copies: dict = {}
    for start in range(0, len(ids), BATCH):
        copies.update((document_id, {"issued_on": issued_on, "number": number})
                      for document_id, issued_on, number in connection.execute(
                          sa.select(Document.id, Document.issued_on, _number_text()).where(
                              Document.id.in_(ids[start:start + BATCH]))))
    return copies


# An entry's copies where its document is gone (deleted in the same flush as its tasks):
# only ever those of an entry counted down to nothing, which ``_add_counts`` deletes.
NO_DOCUMENT = {"issued_on": dt.date(1900, 1, 1), "number": ""}


def _upsert(connection, table, keys: tuple[str, str], delta: Counter,
            copies: dict | None = None) -> None:
    """Add each of ``delta``'s numbers to ``table``'s ``n`` at its key: one statement.
    ``copies``: unit_document's entries, what a new entry copies of its document, by
    document (``_document_copies``)."""
    changes = [dict(zip(keys, key, strict=True), n=n) for key, n in sorted(delta.items()) if n]
    if not changes:
        return
    if copies is not None:
        for change in changes:
            change.update(copies.get(change["document_id"], NO_DOCUMENT))
    insert = (postgresql.insert if connection.dialect.name == "postgresql"
              else sqlite.insert)(table)
    connection.execute(insert.values(changes).on_conflict_do_update(
        index_elements=list(keys), set_={"n": table.c.n + insert.excluded.n}))


@event.listens_for(Session, "before_flush")
def _rows_going(session: Session, flush_context, instances) -> None:
    """The counts of the rows of the tasks a flush deletes, read before the database's
    cascade takes the rows."""
    gone = [obj.id for obj in session.deleted if isinstance(obj, Task) and obj.id is not None]
    session.info["task_unit_gone"] = (
        _counts(session.connection(), task_unit.c.task_id.in_(gone)) if gone else Counter())


@event.listens_for(Session, "after_flush")
def _follow_documents(session: Session, flush_context) -> None:
    """A document's issue date or number corrected: its units' entries carry the new one
    (the number as its stored text holds it, filled before the flush)."""
    for doc in session.dirty:
        if not isinstance(doc, Document):
            continue
        attrs = inspect(doc).attrs
        copies = {}
        if attrs.issued_on.history.has_changes():
            copies["issued_on"] = doc.issued_on
        if attrs.search_text.history.has_changes() or attrs.number.history.has_changes():
            copies["number"] = number_text(doc.search_text, doc.number)
        if copies:
            session.connection().execute(sa.update(unit_document).where(
                unit_document.c.document_id == doc.id).values(**copies))


@event.listens_for(Session, "after_flush")
def _follow_tasks(session: Session, flush_context) -> None:
    lost = session.info.pop("task_unit_gone", None) or Counter()
    changed = [obj.id for obj in session.new if isinstance(obj, Task)]
    changed += [obj.id for obj in session.dirty if isinstance(obj, Task) and _changed(obj)]
    gone = [obj.id for obj in session.deleted if isinstance(obj, Task)]
    if not (changed or gone):
        return
    connection = session.connection()
    if gone:
        connection.execute(sa.delete(task_unit).where(task_unit.c.task_id.in_(gone)))
        _add_counts(connection, Counter({key: -n for key, n in lost.items()}))
    if changed:
        # A parent task given to another lead unit takes its sub-tasks' "parent" rows along.
        ids = sorted(set(changed))
        for start in range(0, len(ids), BATCH):
            changed += connection.scalars(sa.select(Task.id).where(
                Task.parent_task_id.in_(ids[start:start + BATCH]))).all()
        sync(connection, changed)


def unit_roles(unit_id: int, task_ids: list[int]) -> dict[int, str]:
    """The unit's part (its row's role: lead, cooperating, parent) in each of these tasks
    it has a row for: one range of its index (a list's page)."""
    return dict(db.session.execute(sa.select(task_unit.c.task_id, task_unit.c.role).where(
        task_unit.c.unit_id == unit_id, task_unit.c.task_id.in_(task_ids))).all())


def unit_role_of(unit_id: int) -> sa.ScalarSelect:
    """The unit's part in the task of the query's row (its task_unit row's role), by the
    row's key: a scalar sub-query correlated to Task."""
    tu = task_unit.c
    return (sa.select(tu.role).where(tu.unit_id == unit_id, tu.task_id == Task.id)
            .limit(1).correlate(Task).scalar_subquery())


def rows_in(unit_id: int, rows) -> sa.ColumnElement[bool]:
    """The tasks whose task_unit row for the unit meets ``rows`` (conditions on the row), as
    one condition on the tasks: an IN over the unit's index range."""
    return Task.id.in_(sa.select(task_unit.c.task_id).where(task_unit.c.unit_id == unit_id,
                                                             *rows))


def led_or_shared_by(unit_id: int) -> sa.ColumnElement[bool]:
    """The task is led by, or shared with, the unit (any state): one IN over the index."""
    return rows_in(unit_id, [])


def row_led_or_shared_by(unit_id: int, viewer_unit_id: int) -> list:
    """``led_or_shared_by(unit_id)`` said on unit ``viewer_unit_id``'s rows. Of its own unit
    there is nothing to say: every row of the unit is such a reason. Of another unit the
    viewer's row cannot tell (it names the lead unit, not the cooperating or parent units):
    the same IN over that unit's range, on the row's task id."""
    if unit_id == viewer_unit_id:
        return []
    other = task_unit.alias("other_unit_row")
    return [task_unit.c.task_id.in_(sa.select(other.c.task_id).where(
        other.c.unit_id == unit_id))]


def unit_row_join(unit_id: int):
    """(task_unit, the ON clause) reading each task with the unit's row of it: one per task
    (``rows_for``), so the join gives each task once."""
    return task_unit, sa.and_(task_unit.c.task_id == Task.id, task_unit.c.unit_id == unit_id)


def by_row_deadline(descending: bool) -> tuple:
    """ORDER BY the unit's row's deadline (the task's effective one), NULLs where the tasks'
    own deadline order puts them (last going up, first going down), then the task of an
    undated row: ahead of the task's deadline and number, in the same direction, it keeps
    their order (``calendar.effective_deadline`` never puts a later deadline earlier, and an
    undated row's task is the number that follows) and lets a page be read along
    ``ix_task_unit_unit_id_deadline_task_id``, sorting only the rows of one day."""
    if descending:
        return task_unit.c.deadline.desc().nulls_first(), UNDATED_TASK.desc().nulls_first()
    return task_unit.c.deadline.asc().nulls_last(), UNDATED_TASK.asc().nulls_last()


def row_deadline_after(deadline: dt.date | None, task_id: int, descending: bool) -> list:
    """The unit's rows' side of the segments of a unit's list by deadline after a task (its
    deadline and number, views.base.keyset_conditions: the deadline's other tasks, the
    deadlines after it, then the undated going up; going down from an undated task, the
    undated after it, then the dated). Each bounds the row's copy of the effective deadline,
    which the segment's tasks share or pass (a later deadline never runs out earlier,
    calendar.effective_deadline): each segment is one range of
    ``ix_task_unit_unit_id_deadline_task_id`` (``by_row_deadline``), not a walk from the
    unit's first row."""
    tu = task_unit.c
    if deadline is None:
        if descending:
            # The undated come first, and the walk down the index reaches the cursor's
            # within them: said on the rows, the planner took the state index for a
            # narrower range and sorted all the undated rows.
            return [sa.true(), tu.deadline.is_not(None)]
        return [sa.and_(tu.deadline.is_(None), tu.task_id > task_id)]
    due = effective_deadline(deadline, transaction_calendar())
    if descending:
        return [tu.deadline == due, tu.deadline <= due]
    return [tu.deadline == due, tu.deadline >= due, tu.deadline.is_(None)]


def by_row_state(descending: bool) -> tuple:
    """ORDER BY the unit's row's state (the task's, copied), then its task: the list by its
    state column (the state, then the number), read along the unit's
    ``ix_task_unit_unit_id_state_task_id``."""
    tu = task_unit.c
    if descending:
        return tu.state.desc(), tu.task_id.desc()
    return tu.state.asc(), tu.task_id.asc()


def row_state_after(state: str, task_id: int, descending: bool) -> list:
    """The unit's rows' side of the segments of its list by state after a task
    (views.base.keyset_conditions: the state's later tasks, then the later states), each a
    range of ``ix_task_unit_unit_id_state_task_id``."""
    tu = task_unit.c
    if descending:
        return [sa.and_(tu.state == state, tu.task_id < task_id), tu.state < state]
    return [sa.and_(tu.state == state, tu.task_id > task_id), tu.state > state]


def by_urgency(unit_id: int, settled: bool | None = None):
    """A unit's tasks by urgency (issue 12 §4): (the join onto the unit's task_unit rows,
    the ORDER BY). Open at the unit first, by deadline: overdue first, then the nearest
    deadline, then no deadline; then the others. The order is the urgency index's
    (``ix_task_unit_unit_id_urgency``), so a page is one index range scan at any size.
    A unit has one row per task (``rows_for``), so the join gives each task once.

    ``settled``: the rows listed all have this "settled" flag (a state filter, a class that
    is open at the unit or not): the order is then (deadline, task), the same order, which a
    state's range of ``ix_task_unit_unit_id_state_deadline_task_id`` gives as well as the
    urgency index. Said with the flag, the planner could only read that state's range in
    order by sorting it whole: a unit's 11,158 completed tasks on time, 139 ms a page."""
    _target, on = unit_row_join(unit_id)
    order = row_urgency_order()
    return task_unit, on, order if settled is not None else (task_unit.c.settled, *order)


def row_urgency_order() -> tuple:
    """A unit's rows of one "settled" flag (or one state) by urgency: by deadline, no
    deadline last, then by task. Said with the undated row's task (UNDATED_TASK) between
    the two, as the urgency and state indexes key them: the same order (a dated row's is
    NULL, an undated row's is its task), which those indexes then give whole, the undated
    rows included, instead of sorting the undated rows as one group (a unit's 3,719
    assigned tasks, all undated, 48 ms a page by deadline at 1M)."""
    tu = task_unit.c
    return tu.deadline.asc().nulls_last(), UNDATED_TASK, tu.task_id


def settled_of(states) -> bool | None:
    """The "settled" flag (task_unit.settled) every row in one of ``states`` has, or None
    when they differ."""
    flags = {settled_state(state) for state in states}
    return flags.pop() if len(flags) == 1 else None


def urgency_key(task: Task) -> tuple[bool, object, int]:
    """A task's place in its unit's urgency order: its task_unit row's (settled, deadline,
    task_id), from the task (the row copies them)."""
    settled = settled_state(task.state)
    return settled, task.effective_deadline, task.id


def urgency_after(settled: bool, deadline, task_id: int) -> list:
    """The rows after (settled, deadline, task_id) in ``by_urgency`` order, as segments to
    read in turn, each one range of the urgency index (open rows before settled ones; in
    each, dated rows by deadline then id, then the undated ones by id)."""
    tu = task_unit.c
    same = tu.settled == (sa.true() if settled else sa.false())
    segments = []
    if deadline is not None:
        # The day's later tasks and the later days: one range from the day (the index keys
        # the undated row's task between the deadline and the task, so not a row comparison).
        day = sa.literal(deadline, sa.Date)
        segments.append(sa.and_(same, tu.deadline >= day,
                                sa.or_(tu.deadline > day, tu.task_id > task_id)))
        segments.append(sa.and_(same, tu.deadline.is_(None)))
    else:
        segments.append(sa.and_(same, tu.deadline.is_(None), UNDATED_TASK > task_id))
    if not settled:
        segments.append(tu.settled == sa.true())
    return segments


def _bound_values(element, column) -> list | None:
    """The values ``element`` (a condition) allows ``column`` (of the task table): those of
    an equality or an IN with a bound value; None for any other condition."""
    if not (isinstance(element, BinaryExpression)
            and element.operator in (operators.eq, operators.in_op)
            and isinstance(element.left, sa.Column) and element.left.table is column.table
            and element.left.name == column.name
            and isinstance(element.right, BindParameter)):
        return None
    bound = element.right
    values = bound.value if bound.expanding else [bound.value]
    if not isinstance(values, (list, tuple)):
        return None
    return [getattr(value, "value", value) for value in values]


def _conjuncts(clause) -> list:
    """The conditions ``clause`` (a WHERE clause, or None) says together (top level, not
    under an OR)."""
    if clause is None:
        return []
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        return [c for part in clause.clauses for c in _conjuncts(part)]
    return [clause]


def states_of(statement) -> list[TaskState] | None:
    """The states ``statement``'s own conditions (top level, not under an OR: an equality or
    an IN on the task's state) leave a task, in TaskState's order; None where none says."""
    column = Task.__table__.c.state
    allowed = None
    for condition in _conjuncts(statement.whereclause):
        values = _bound_values(condition, column)
        if values is not None:
            allowed = set(values) if allowed is None else allowed & set(values)
    if allowed is None:
        return None
    return [state for state in TaskState if state.value in allowed]


def first_of_each_state(ids: sa.Select, states, order, limit: int,
                        state_first=None) -> list[sa.Select]:
    """For each of ``states``: the first ``limit`` of ``ids`` (a select of tasks) in that
    state by ``order``, read along that state's range of an index that starts with the
    state (the state said as an array and first in the order: ``state_as_array``;
    ``state_first``, the state's place in the order, going down for a list going down).
    Merged, they are the first of those states together: where they are the newest tasks,
    the whole table's (deadline, id) index walked passed every settled task first (the
    Office's home on the "aged" data at 1M: 810,033 tasks, 146 ms)."""
    parts = []
    for each in states:
        part, _state = state_as_array(ids.where(Task.state == each))
        parts.append(part.order_by(None).order_by(
            Task.state if state_first is None else state_first, *order).limit(limit))
    return parts


def state_as_array(statement):
    """``statement`` with each condition "the task's state is S" (an equality, or an IN of
    that one value) said as ``task.state = ANY (ARRAY[S])``, where one of its own conditions
    (top level, not under an OR: a state filter, a class or a home group of one state) fixes
    the state to S: the same rows, but no constant for PostgreSQL, which drops a constant
    column from an order (an index on the column and others then serves it no better than
    one on the others alone). With the state kept first in the order, only the index that
    starts with it gives that order (``TaskView._one_state_page``). Also S; None (and the
    statement as it is) where no condition fixes one state, or where one fixes the lead
    unit too: then (lead unit, state, deadline) gives the order with both said as
    equalities, and an array on its second column would leave it out of the index's range
    (PostgreSQL reads an array on a later column of an index in order only as a filter):
    every task of the lead unit read for its state (the Office's lead unit with a state by
    deadline: 30,312 tasks read for 3,033, 40-170 ms at 1M by the table's layout)."""
    column = Task.__table__.c.state

    def value_of(element, column=column):
        values = _bound_values(element, column)
        return values[0] if values is not None and len(values) == 1 else None

    where = _conjuncts(statement.whereclause)
    fixed = {value_of(c) for c in where} - {None}
    if len(fixed) != 1 or next(iter(fixed)) not in TaskState._value2member_map_ \
            or any(value_of(c, Task.__table__.c.lead_unit_id) is not None for c in where):
        return statement, None
    state = TaskState(next(iter(fixed)))

    def replace(element):
        if value_of(element) == state.value:
            return column == sa.any_(postgresql.array([sa.literal(state.value, sa.String)]))
        return None

    return replacement_traverse(statement, {}, replace), state
