"""The task list's filters a specialist works with (issue 12 §3): what each one selects.

Every filter is a SQL condition on ``Task`` added to the list's scoped query (the policy's
scope is applied by the view, whatever the filter). The timeliness classes are the figures'
own clauses (``cddh.services.statistics``), "due soon" the home page's (``overview``): a
filtered list and the figure it stands for always agree.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from ..auth.policy import conditions_except, task_id_on_row
from ..models import Document, Role, Task, task_cooperating_unit, task_unit, unit_document
from ..models.document import NUMBER_GRAM
from ..models.enums import UNIT_ROLES
from ..models.task import TaskUnitRole
from . import overview, statistics
from .search import _like, normalise, number_holding, number_text

# The timeliness classes a list can be filtered by, in the order a specialist reads them.
DUE_SOON = "due_soon"
TIMELINESS_CLASSES = ("open_overdue", DUE_SOON, "open_on_time", "no_deadline",
                      statistics.AWAITING, "done_on_time", "done_late", statistics.RETURNED,
                      statistics.CANCELLED)

# The classes whose tasks a partial index holds in id order (models.task: today's
# ix_task_done_late_id and ix_task_done_late_state_id, a closed period's
# ix_task_completed_late_id): a list of them by number walks that index, which passes none
# but them.
IN_ID_ORDER_BY_INDEX = frozenset({"done_late"})


def timeliness_class(value: str, today: dt.date):
    """The tasks of one class today: the clause the figures count with."""
    if value == DUE_SOON:
        return overview.due_soon_clause(today)
    if value not in TIMELINESS_CLASSES:
        raise ValueError(value)
    return statistics.measure_clause(value, None, today, today)


def states_of_class(value: str) -> frozenset | None:
    """The states a task of the timeliness filter's ``value`` can be in today
    (``statistics.class_states``); None for a value that is no class."""
    if value == DUE_SOON:  # open at the unit (overview.due_soon_clause)
        return frozenset(statistics.UNIT_OPEN)
    if value not in TIMELINESS_CLASSES:
        return None
    return statistics.class_states(value)


def timeliness_class_on_row(value: str, today: dt.date) -> list | None:
    """``timeliness_class`` as conditions on a unit's task_unit row (cddh.services.scope),
    which tells every class as of today; None for a value that is no class."""
    from .scope import UNIT_ROW
    from .timeliness import unit_row_clause

    if value == DUE_SOON:
        return [overview.due_soon_clause(today, of=UNIT_ROW)]
    if value not in TIMELINESS_CLASSES:
        return None
    return unit_row_clause(value, today)


def cooperating_unit(unit_id: int, rows=()):
    """Tasks the unit cooperates on (one IN over the unit's index of the link table).
    ``rows``: conditions on a task_unit row that the tasks meet too: then the IN is over
    the unit's cooperating rows that meet them (the row is the link entry's: the unit's
    role in the task, cooperating_unit_on_row), so that only those tasks are looked up."""
    if rows:
        return Task.id.in_(sa.select(task_unit.c.task_id)
                           .where(*_cooperating_rows_of(unit_id, rows)))
    return Task.id.in_(sa.select(task_cooperating_unit.c.task_id)
                       .where(task_cooperating_unit.c.unit_id == unit_id))


def _cooperating_rows_of(unit_id: int, rows) -> list:
    """The unit's cooperating ``task_unit`` rows that meet ``rows``, as conditions."""
    return [task_unit.c.unit_id == unit_id, task_unit.c.role == TaskUnitRole.cooperating,
            *rows]


def cooperating_rows_count(unit_id: int, rows, statement: sa.Select,
                           said_on_rows=()) -> sa.Select | None:
    """The count of ``statement`` (a count of tasks) where its one condition is
    ``cooperating_unit(unit_id, rows)`` (a deadline bound said on the rows alone:
    ``TaskView.get_list``), besides conditions of ``said_on_rows``, which ``rows`` say
    exactly (a lead unit, a document: a row's copies of its task's): the unit's
    cooperating rows that meet ``rows``, counted from its index without a task looked up: a
    row is one task's (its key is the unit, the task and the role), and its task exists (its
    foreign key deletes it with the task). At 1M, the Office's tasks a unit cooperates on
    due from June: 1,309 tasks each looked up, 9.5 ms; led by a unit (unit 2's 624 led by
    unit 22): that unit's 30,312 tasks read and matched against the rows, 16 -> 7 ms; of
    the documents numbered "...123...": their 6,219 tasks each matched against every unit's
    rows, 47 ms for the count and page ids, 6 + 8 ms so (the page then read along the rows:
    ``TaskView._cooperating_page``). None where the statement says anything more."""
    said = cooperating_unit(unit_id, rows)
    conditions = conditions_except(statement, None)
    if not rows or not any(c.compare(said) for c in conditions) or any(
            not c.compare(said) and not isinstance(c, sa.sql.elements.True_)
            and not any(c.compare(exact) for exact in said_on_rows)
            for c in conditions):
        return None
    return (sa.select(sa.func.count()).select_from(task_unit)
            .where(*_cooperating_rows_of(unit_id, rows)))


def cooperating_page_ids(unit_id: int, rows, statement: sa.Select, descending: bool,
                         by_deadline: bool = False, after=None) -> sa.Select:
    """The ids of ``statement``'s tasks (a select of task ids filtered by
    ``cooperating_unit(unit_id, rows)``, with every other condition of the list), by number
    (or ``by_deadline``: by deadline, then number), read along the unit's cooperating
    ``task_unit`` rows that meet ``rows``: those rows in that order (an index range of the
    unit's rows, sorted at most), each row's task then looked up by its key, in that order,
    and kept where it meets the statement's conditions (a lateral sub-query the planner
    keeps apart), until the caller's limit. For a list whose other filters are all said on
    the rows (so nearly every task looked up is kept): the planner expects few of the rows
    to pass the conditions said again on the tasks, and joined them all to their tasks and
    documents before the sort (the Office's tasks a unit cooperates on, done on time, at
    1M: 2,379 of each, 29-35 ms for a page of 50). By deadline the rows go by their copy of
    the effective deadline (``scope.by_row_deadline``: the same order, a later deadline
    never running out earlier), then by the task's deadline and number within a day.
    ``after``: a condition on the task's id alone (a keyset page's by number), said on the
    rows too. PostgreSQL (LATERAL)."""
    from sqlalchemy.sql.util import ClauseAdapter

    from .scope import by_row_deadline

    row = task_unit.alias("cooperating_row")
    on_row = ClauseAdapter(row)
    # The task's id is its row's: the IN over the unit's rows is the row itself.
    conditions = conditions_except(statement, cooperating_unit(unit_id, rows))
    task_of_row = (sa.select(Task.deadline if by_deadline else sa.literal(1))
                   .select_from(*statement.get_final_froms())
                   .where(*conditions, Task.id == row.c.task_id).offset(0)
                   .lateral("task_of_row"))
    where = [on_row.traverse(condition) for condition in _cooperating_rows_of(unit_id, rows)]
    if after is not None:
        where.append(on_row.traverse(task_id_on_row(after)))
    order = [row.c.task_id.desc() if descending else row.c.task_id.asc()]
    if by_deadline:
        deadline = task_of_row.c.deadline
        order[:0] = [*(on_row.traverse(term) for term in by_row_deadline(descending)),
                     deadline.desc() if descending else deadline.asc()]
    return (sa.select(row.c.task_id).select_from(row).join(task_of_row, sa.true())
            .where(*where).order_by(*order))


def cooperating_unit_count(unit_id: int, priority: str | None = None) -> sa.Select:
    """How many tasks of the whole table ``cooperating_unit`` leaves: the unit's entries of
    the link table (one per task, each of a task that exists), counted from its index
    without reading a task (6,878 tasks of a unit at 1M: 22 ms each looked up, 1 ms so).
    With a ``priority``: the unit's cooperating rows of the urgent and flash tasks
    (task_unit, which carries the priority: ``ix_task_unit_special``; the unit's row of a
    task it cooperates on is that one, never also the lead's) counted, and for "normal"
    taken from the unit's whole count (a unit's 10,001 normal ones looked up one by one:
    34 ms at 1M; where one task in ten is urgent, those found among the task table's
    110,000, 21 ms)."""
    linked = task_cooperating_unit.c.unit_id == unit_id
    count = sa.select(sa.func.count()).select_from(task_cooperating_unit)
    if priority is None:
        return count.where(linked)
    from .scope import rows_of_priority_count

    return rows_of_priority_count(unit_id, TaskUnitRole.cooperating, priority,
                                  count.where(linked).scalar_subquery())


def document_number(text: str):
    """Tasks of the documents whose number holds ``text`` as typed (case and diacritics
    aside): ``9901/UBND-TH``, ``9901``, ``ubnd-th``, ``qd-ubnd`` for ``QĐ-UBND``. The
    document's trigram-indexed ``search_text`` finds the candidates; its first
    ``len(number)`` characters after the leading space (the number, normalised) decide."""
    numbered = document_numbered(text)
    if numbered is None:
        return sa.false()
    # Met with the tasks as a whole, or, where they are many, checked on each task a
    # page's walk passes (JoinedOrWalked: "12" at 1M, 23,661 documents read for a page,
    # 36 ms; walked, 700 tasks passed, each its document looked up, its number read as
    # text: not cut into pieces a task at a time).
    found = sa.select(Document.id)
    return JoinedOrWalked(Task.document_id.in_(found.where(numbered)), sa.exists(
        found.where(document_numbered(text, indexed=False),
                    Document.id == Task.document_id).offset(0)))


def document_number_on_row(text: str) -> list:
    """``document_number`` on a unit's task_unit rows, which carry the task's document: the
    documents found are looked up in the unit's own index (unit, document), not each of
    their tasks in every unit's rows (a unit's tasks of the documents numbered "…123…" at
    1M: 5,697 tasks probed for 217 rows, 28 ms)."""
    numbered = _documents_numbered(text)
    return [sa.false() if numbered is None else task_unit.c.document_id.in_(numbered)]


class JoinedOrWalked(ColumnElement):
    """One condition said two ways, chosen when the statement is compiled: ``joined``,
    which the planner may meet with the rows as a whole (a semi-join), or, once
    ``walk()`` is called, ``walked``, checked on each row an index walk passes. For a
    condition the planner cannot estimate (it expects few rows where there are
    thousands), the caller knows better once it has counted them: many, the page walks
    its order's index and stops when full. Copies made of it (a statement's clones) share
    the choice, which is part of the statement's cache key."""

    type = sa.Boolean()
    _traverse_internals = [("joined", InternalTraversal.dp_clauseelement),
                           ("walked", InternalTraversal.dp_clauseelement),
                           ("walking", InternalTraversal.dp_boolean)]

    def __init__(self, joined, walked):
        self.joined, self.walked = joined, walked
        self.choice = {"walk": False}

    @property
    def walking(self) -> bool:
        return self.choice["walk"]

    def walk(self) -> None:
        self.choice["walk"] = True


def walk_each_row(statement) -> None:
    """The ``JoinedOrWalked`` conditions of ``statement`` (a list's page) said as checked on
    each row: the caller knows its rows are many."""
    for element in sa.sql.visitors.iterate(statement):
        if isinstance(element, JoinedOrWalked):
            element.walk()


@compiles(JoinedOrWalked)
def _compile_joined_or_walked(element, compiler, **kw):
    return compiler.process(element.walked if element.walking else element.joined, **kw)


class UnitDocumentEntries(JoinedOrWalked):
    """``JoinedOrWalked`` keeping a unit's rows whose document is among the unit's
    ``unit_document`` entries that ``entries`` (a condition on them) keeps: alone on the
    unit's rows, counted as those entries' numbers of rows (policy.scope_count)."""

    inherit_cache = True

    def __init__(self, joined, walked, entries):
        super().__init__(joined, walked)
        self.entries = entries


def document_number_on_own_rows(text: str) -> list:
    """``document_number`` on a unit user's own task_unit rows (forwarded: each has its
    unit's ``unit_document`` entry, which carries the document's number as this filter
    reads it): the unit's entries read from their (unit, document, number) index alone,
    not every document holding the text looked up first (a text of one or two characters
    has no trigram: "1" at 1M, the 200,482 documents holding it read whole for the 20,289
    rows of the unit holding most, 0.38 s; its 32,969 entries so, 12 ms). Met with the
    unit's rows as a whole (its count; a page of few rows, read whole and sorted), or
    checked on each row a page's walk passes (``JoinedOrWalked``: of "12", 2,412 rows,
    the planner expected 203 and read all 33,474 with their tasks before the sort, 90 ms;
    walked, 700 rows passed, 6 ms). Counted alone, as the entries' numbers of rows
    (``UnitDocumentEntries``: "12" at 1M, 8.6 -> 3.7 ms)."""
    typed = normalise(text)
    if not typed:
        return [sa.false()]
    entry = unit_document.c

    def entries():
        return sa.select(sa.literal(1)).where(
            entry.unit_id == task_unit.c.unit_id, entry.document_id == task_unit.c.document_id,
            _like(entry.number, typed))

    # OFFSET 0 keeps the EXISTS a check on each row (not pulled up into a semi-join).
    return [UnitDocumentEntries(entries().exists(), entries().offset(0).exists(),
                                _like(entry.number, typed))]


def document_number_of_unit(text: str, unit_id: int):
    """``document_number`` for a unit user's list read on the tasks (not its rows: a
    figure's list of the tasks it leads): the documents found among the unit's own entries
    (policy.documents_unit: every task it reads has its document there), not every document
    holding the text (of "-" or "0", every document read at 1M, 120-180 ms)."""
    typed = normalise(text)
    if not typed:
        return sa.false()
    entry = unit_document.c
    return Task.document_id.in_(sa.select(entry.document_id).where(
        entry.unit_id == unit_id, _like(entry.number, typed)))


def _documents_numbered(text: str):
    """The ids of the documents whose number holds ``text`` (``document_number``), or None
    for a text that says nothing."""
    numbered = document_numbered(text)
    return None if numbered is None else sa.select(Document.id).where(numbered)


def document_numbered(text: str, indexed: bool = True):
    """The documents whose number holds ``text`` as typed (case and diacritics aside), as
    a condition on Document; None for a text that says nothing. The document's
    trigram-indexed ``search_text`` finds the candidates; its first ``len(number)``
    characters after the leading space (the number, normalised) decide. A text of one or
    two characters has no trigram: its documents are found among the numbers' pieces
    (``search.number_holds``; "ab" at 1M, 97 -> 0.1 ms), unless ``indexed`` is false (the
    condition checked on a few documents, each already found). (Also the task form's
    document picker: its ``ILIKE`` on the number read all 333,357 documents at 1M for a
    number none has, 218 ms.)"""
    typed = normalise(text)
    if not typed:
        return None
    if indexed and len(typed) <= NUMBER_GRAM:
        return number_holding(Document.search_text, Document.number, typed)
    return sa.and_(_like(Document.search_text, typed),
                   _like(number_text(Document.search_text, Document.number), typed))


def mine_on_row(user) -> list | None:
    """``mine`` on a unit user's own task_unit rows (those its unit leads); None for others."""
    if user.role in UNIT_ROLES:
        from .scope import row_led_by

        return row_led_by(user.unit_id, user.unit_id)
    return None


def cooperating_unit_on_row(unit_id: int, viewer_unit_id: int) -> list:
    """``cooperating_unit`` on the viewer unit's task_unit rows: its own row's role when it
    is the cooperating unit (never also the lead, cddh.services.tasks; cooperating outranks
    the parent's reason), else the same IN on the row."""
    if unit_id == viewer_unit_id:
        return [task_unit.c.role == TaskUnitRole.cooperating]
    return [task_unit.c.task_id.in_(sa.select(task_cooperating_unit.c.task_id)
                                    .where(task_cooperating_unit.c.unit_id == unit_id))]


def mine(user):
    """"Mine": the tasks the user follows. An Office specialist: the tasks they follow as
    specialist; a leader: the tasks they direct; a unit user: the tasks their unit leads
    (not those it only cooperates on)."""
    if user.role == Role.office_specialist:
        return Task.specialist_id == user.id
    if user.role == Role.leader:
        return Task.directing_leader_id == user.id
    if user.role in UNIT_ROLES:
        return Task.lead_unit_id == user.unit_id
    return sa.true()
