"""Authorization as pure functions of the user: one place for every scoping rule.

``row_scope(user, Model)`` is the SQL condition for the rows of ``Model`` the user may read;
``reference_scope(user, Model)`` is the condition for rows the user may point a foreign key
at. Views, the API and exports filter through these and nothing else.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BooleanClauseList, ColumnElement
from sqlalchemy.sql.util import ClauseAdapter, find_tables

from ..models import (
    ApiToken,
    Attachment,
    AuditLog,
    CalendarOverride,
    Difficulty,
    Document,
    ExtensionRequest,
    Feedback,
    InspectedUnit,
    InspectionDocumentRequest,
    InspectionFinding,
    InspectionMember,
    InspectionPlan,
    InspectionRecommendation,
    InspectionTeam,
    JobRun,
    Notification,
    PeriodReport,
    ProgressUpdate,
    SavedFilter,
    SelfInspectionReport,
    Task,
    TaskHistory,
    Unit,
    UnitKind,
    Urging,
    User,
    UserSession,
    db,
    task_unit,
    task_unit_count,
    unit_document,
)
from ..models.enums import (
    OFFICE_ROLES,
    UNIT_ROLES,
    InspectionStatus,
    ReportStatus,
    Role,
    TaskState,
    UnitCategory,
)

ALL_ROLES = frozenset(Role)

# Which roles may open each screen. A screen not listed here is closed to everyone.
SCREENS: dict[str, frozenset[Role]] = {
    "units": frozenset({Role.admin}),
    "unit_kinds": frozenset({Role.admin}),
    "users": frozenset({Role.admin}),
    "audit_log": frozenset({Role.admin}),
    "calendar": frozenset({Role.admin}),
    "api_tokens": frozenset({Role.admin}),
    "settings": frozenset({Role.admin}),
    "job_runs": frozenset({Role.admin}),
    "documents": ALL_ROLES,
    "tasks": ALL_ROLES,
    "progress_updates": ALL_ROLES,
    "notifications": ALL_ROLES,
    # Everyone sees and ends their own login sessions, and only their own.
    "sessions": ALL_ROLES,
    # Districts file feedback and read the answers; the Office answers (Đ15.5, Đ16.4).
    "feedback": OFFICE_ROLES | UNIT_ROLES,
    # Inspection (Đ12–14): the Office and inspectors; an inspected unit sees the requests for
    # documents addressed to it, nothing else of the team.
    "inspection_plans": frozenset({*OFFICE_ROLES, Role.inspector}),
    "inspection_teams": frozenset({*OFFICE_ROLES, Role.inspector}),
    "inspection_findings": frozenset({*OFFICE_ROLES, Role.inspector}),
    "inspection_recommendations": frozenset({*OFFICE_ROLES, Role.inspector}),
    "inspection_requests": ALL_ROLES,
    # Reports (Đ15–17, Đ20): the Office and leaders; units write their self-inspections.
    # A unit opens the issued reports and the ranking: its own figures and row only (Đ20.2).
    "period_reports": OFFICE_ROLES | UNIT_ROLES,
    "dashboard": OFFICE_ROLES,
    "ranking": OFFICE_ROLES | UNIT_ROLES,
    # Đ20.2: officers' individual figures (the ranking's drill-down); each row is further
    # limited by officer_figures_scope (the officer, their unit leader, the Office).
    "officer_figures": OFFICE_ROLES | UNIT_ROLES,
    "self_inspection": OFFICE_ROLES | UNIT_ROLES,
    # Difficulties and proposals (Đ10.1, Đ16.3): the Office and leaders; a unit its own.
    "difficulties": OFFICE_ROLES | UNIT_ROLES,
}

# Who may create or change rows through the generic screens; state changes of tasks go
# through the workflow services, which check their own rules.
EDITORS: dict[str, frozenset[Role]] = {
    "units": frozenset({Role.admin}),
    "unit_kinds": frozenset({Role.admin}),
    "users": frozenset({Role.admin}),
    "calendar": frozenset({Role.admin}),
    # Entering documents and tasks is the specialist's job (Đ7.2), not the administrator's.
    "documents": frozenset({Role.office_specialist}),
    "tasks": frozenset({Role.office_specialist}),
    # Row-level rules (only drafts change; an inspector edits only a team they lead) are
    # checked by cddh.services.inspection.
    "inspection_plans": frozenset({Role.office_specialist}),
    "inspection_teams": frozenset({Role.office_specialist, Role.inspector}),
    # A unit drafts its own self-inspection report; its leader submits it (Đ16.1–2).
    "self_inspection": UNIT_ROLES,
}

EXPORTERS = frozenset({Role.admin, Role.office_specialist, Role.leader})


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.active)


def can_open_screen(user, screen: str) -> bool:
    """True when the user's role may open this screen at all."""
    return _authenticated(user) and user.role in SCREENS.get(screen, frozenset())


def can_edit_screen(user, screen: str) -> bool:
    """True when the user's role may create and edit rows on this generic screen."""
    return _authenticated(user) and user.role in EDITORS.get(screen, frozenset())


def can_export(user) -> bool:
    """Exports are for the Office; a unit sees its own tasks on screen."""
    return _authenticated(user) and user.role in EXPORTERS


def is_office(user) -> bool:
    return _authenticated(user) and user.role in OFFICE_ROLES


def _inspected_unit_ids(user) -> sa.Select:
    """Units inspected by an open team the user leads or belongs to (Đ14)."""
    open_states = (InspectionStatus.approved, InspectionStatus.in_progress)
    member_teams = sa.select(InspectionMember.team_id).where(InspectionMember.user_id == user.id)
    return (
        sa.select(InspectedUnit.unit_id)
        .join(InspectionTeam, InspectionTeam.id == InspectedUnit.team_id)
        .where(
            InspectionTeam.status.in_(open_states),
            sa.or_(InspectionTeam.lead_id == user.id, InspectionTeam.id.in_(member_teams)),
        )
    )


def _unit_rows(unit_ids) -> list[ColumnElement[bool]]:
    """The task–unit rows of the given units (one id or a list of ids), drafts left out
    (they are the Office's until forwarded)."""
    unit = (task_unit.c.unit_id.in_(unit_ids) if isinstance(unit_ids, list)
            else task_unit.c.unit_id == unit_ids)
    return [unit, task_unit.c.state != TaskState.draft.value]


def _in_unit_rows(unit_ids) -> ColumnElement[bool]:
    """The task is one of the given units' forwarded task–unit rows: one ``IN`` over the
    task–unit index (cddh.services.scope keeps it)."""
    return Task.id.in_(sa.select(task_unit.c.task_id).where(*_unit_rows(unit_ids)))


def _tasks_of_units(unit_ids) -> ColumnElement[bool]:
    """Tasks led by, or shared with, the given units."""
    return sa.and_(Task.state != TaskState.draft, _in_unit_rows(unit_ids))


def _scope_units(user):
    """The units whose tasks a unit user (its unit's id) or an inspector (a list: the units
    their open teams inspect, read now: a handful of rows; none reads no task) reads; None
    for everyone else."""
    if not _authenticated(user):
        return None
    if user.role in UNIT_ROLES:
        return user.unit_id
    if user.role == Role.inspector:
        return list(db.session.scalars(_inspected_unit_ids(user).distinct()))
    return None


def reads_every_task(user) -> bool:
    """The Office and the leaders read every task (their scope is the whole table)."""
    return _authenticated(user) and user.role in OFFICE_ROLES


def task_scope(user) -> ColumnElement[bool]:
    """The tasks a user may read."""
    if not _authenticated(user):
        return sa.false()
    if reads_every_task(user):
        return sa.true()
    units = _scope_units(user)
    if units is not None:
        return _tasks_of_units(units)
    return sa.false()


def task_scope_led_by(user, unit_id: int) -> ColumnElement[bool]:
    """``task_scope`` for a query already restricted to the tasks ``unit_id`` leads (one
    unit's figure): a unit user reads every task its own unit leads once it is forwarded
    (the unit's lead row, which every task with a lead unit has: cddh.services.scope), so
    there the scope is "not a draft" alone. Said through the unit's task_unit rows, the
    planner took the rows and the lead unit for independent, expected a few dozen tasks,
    and read and sorted the unit's whole window for a page (a unit's tasks overdue at a
    month's end at 1M: 4,270 of them, 120 ms) instead of walking its index to the page.
    Anyone else, or another unit: ``task_scope``."""
    if _authenticated(user) and user.role in UNIT_ROLES and user.unit_id == unit_id:
        return Task.state != TaskState.draft
    return task_scope(user)


def scope_on_unit_row(user) -> bool:
    """A unit user: the tasks it may read are its unit's ``task_unit`` rows, so a query may
    read each task with that row (``task_scope_on_row``) and say its filters there."""
    return _authenticated(user) and user.role in UNIT_ROLES


def task_scope_on_row(user) -> ColumnElement[bool]:
    """``task_scope`` for a query that reads each task with its unit's ``task_unit`` row (a
    unit's list in its urgency order, joined on that row, cddh.services.scope.by_urgency):
    the same tasks, said on that row, so that the planner sees one range of the unit's
    rows instead of a second pass over them (an ``IN`` whose overlap with the row it cannot
    estimate). The row's task id is part of the condition: joined or not, it reaches no
    other task. Anyone but a unit user gets ``task_scope``."""
    if not scope_on_unit_row(user):
        return task_scope(user)
    return sa.and_(Task.state != TaskState.draft, task_unit.c.task_id == Task.id,
                   *_unit_rows(user.unit_id))


def ids_on_unit_rows(user, statement: sa.Select) -> sa.Select | None:
    """``statement`` (a select of task ids within a unit user's scope, read along its
    ``task_unit`` rows: ``task_scope_on_row``) as a select of those rows alone, where every
    condition and order term but the scope's tie to the task is said on the rows: the same
    ids in the same order, without looking each row's task up for its state (the row's
    copy says "no draft"). For the ids of a page, which the caller then reads whole with
    every condition (the task's own state too). None where some condition or order needs
    the task (or another table), or for anyone but a unit user."""
    if not scope_on_unit_row(user):
        return None
    tie = (Task.state != TaskState.draft, task_unit.c.task_id == Task.id)

    def on_rows(clause) -> list | None:
        if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
            parts = [on_rows(c) for c in clause.clauses]
            return None if None in parts else [c for part in parts for c in part]
        if any(clause.compare(t) for t in tie):
            return []
        # A sub-select is left to the task, whatever tables it names: the task's id in it
        # may be its own FROM's, and one correlated to the task must stay so.
        if any(isinstance(element, sa.Select) for element in visitors.iterate(clause)):
            return None
        clause = task_id_on_row(clause)
        return [clause] if set(find_tables(clause, check_columns=True)) <= {task_unit} else None

    # The conditions and the order first (a list filtered on the task stops here); the
    # statement's FROM last (read from the ORM statement, it costs more than the rest).
    where = on_rows(statement.whereclause) if statement.whereclause is not None else []
    order = [task_id_on_row(term) for term in statement._order_by_clauses]
    if where is None or any(not set(find_tables(term, check_columns=True)) <= {task_unit}
                            for term in order):
        return None
    froms = statement.get_final_froms()
    if len(froms) != 1 or not isinstance(froms[0], sa.Join) \
            or set(find_tables(froms[0])) != {Task.__table__, task_unit}:
        return None
    joined = on_rows(froms[0].onclause)
    if joined is None:
        return None
    return sa.select(task_unit.c.task_id).where(*joined, *where).order_by(*order)


def conditions_except(statement: sa.Select, dropped) -> list:
    """``statement``'s WHERE as a list of its AND-ed conditions (nested ANDs flattened),
    without those equal to ``dropped`` (a condition a caller says another way: the unit's
    rows it reads along; None: all of them)."""
    def kept(clause) -> list:
        if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
            return [c for part in clause.clauses for c in kept(part)]
        return [] if dropped is not None and clause.compare(dropped) else [clause]

    return kept(statement.whereclause) if statement.whereclause is not None else []


def task_id_on_row(clause):
    """``clause`` with the task's id read as its ``task_unit`` row's (the same value, the
    row being joined on it)."""
    task_id = Task.__table__.c.id

    def swap(element):
        if isinstance(element, sa.Column) and element.table is Task.__table__ \
                and element.name == task_id.name:
            return task_unit.c.task_id
        return None

    return visitors.replacement_traverse(clause, {}, swap)


def along_unit_rows(user, statement: sa.Select, states=None, rows=(),
                    newest_first: bool = False) -> sa.Select | None:
    """``statement`` (a select of tasks within the user's scope) read along a unit user's
    ``task_unit`` rows: each row's task looked up by its key and kept where it meets the
    statement's conditions (a lateral sub-query the planner keeps apart: a nested loop
    from the unit's index), one ``1`` per task. For counting up to a cap the tasks of a
    unit that most tasks would pass, where the planner otherwise reads the task table
    against a hash of the unit's rows. ``states``: the only states the statement lets
    through (its filters'), said on the rows too, so that only the rows in them are
    looked up (the row copies its task's state); ``rows``: the statement's filters said on
    a unit's ``task_unit`` row (a timeliness class, a document number), likewise.
    ``newest_first``: the tasks' ids instead, newest first (the unit's rows in key order,
    backwards). The statement's ``IN`` over the unit's rows (``task_scope``) is left out of
    each row's look-up: the row is one of them (a second probe of the unit's index per
    row, half of each look-up's reads). PostgreSQL only (LATERAL). None for anyone but a
    unit user, or for a statement joined to the unit's rows."""
    if not scope_on_unit_row(user):
        return None
    row = task_unit.alias("scope_row")
    in_scope = _in_unit_rows(user.unit_id)

    # A statement read with the unit's row (its scope said on it: ``task_scope_on_row``)
    # says it of this row: the same unit's row of the same task.
    on_row = ClauseAdapter(row)
    froms = statement.get_final_froms()
    on_rows = task_unit in froms
    froms = [f for f in froms if f is not task_unit]
    if any(task_unit in find_tables(f) for f in froms):
        return None  # joined to the rows some other way: not read along them
    conditions = conditions_except(statement, in_scope)
    if on_rows:
        conditions = [on_row.traverse(c) for c in conditions]
    task_of_row = (sa.select(sa.literal(1)).select_from(*froms)
                   .where(*conditions, Task.id == row.c.task_id).offset(0)
                   .lateral("task_of_row"))
    where = [row.c.unit_id == user.unit_id, row.c.state != TaskState.draft.value,
             *(on_row.traverse(condition) for condition in rows)]
    if states is not None and set(states) != set(TaskState):
        where.append(row.c.state.in_(sorted(state.value for state in states)))
    if newest_first:
        return (sa.select(row.c.task_id).select_from(row).join(task_of_row, sa.true())
                .where(*where).order_by(row.c.task_id.desc()))
    return sa.select(sa.literal(1)).select_from(row).join(task_of_row, sa.true()).where(*where)


def scope_count(user, model, rows=(), state: str | None = None) -> sa.Select | None:
    """The number of rows of ``model`` the user may read, counted from the scope index
    alone (no other condition), where that is cheaper than counting the rows: a unit's (or
    an inspector's) tasks are an index-only range of ``task_unit``, whatever the table's
    size, and a unit's whole scope (or its tasks in one ``state``) a few rows of its counts
    by state. ``rows``: further conditions on those task_unit rows (a home group's). None
    where there is no such count: count the scoped rows."""
    units = _scope_units(user) if model in (Task, Document) else None
    if units is None:
        return None
    if model is Document and not rows and not isinstance(units, list):
        # The unit's documents, one entry each (scope.recount: document_scope's rows).
        return sa.select(sa.func.count()).select_from(unit_document).where(
            unit_document.c.unit_id == units)
    if model is Document:  # the documents of the unit's rows (document_scope), each once
        return sa.select(sa.func.count(sa.distinct(task_unit.c.document_id))).where(
            *_unit_rows(units), *rows)
    if not rows and not isinstance(units, list) and model is Task:
        # The unit's rows but drafts, from their counts by state (scope.recount).
        of = task_unit_count.c
        return sa.select(sa.func.coalesce(sa.func.sum(of.n), 0)).where(
            of.unit_id == units, of.state != TaskState.draft.value,
            *([] if state is None else [of.state == state]))
    entries = getattr(rows[0], "entries", None) if len(rows) == 1 else None
    if entries is not None and state is None and not isinstance(units, list) \
            and model is Task:
        # The unit's rows of the documents some of its entries keep (a document number's,
        # task_filters.UnitDocumentEntries): those entries' numbers of rows (scope.recount),
        # one range of their index, not the rows met with them.
        return sa.select(sa.func.coalesce(sa.func.sum(unit_document.c.n), 0)).where(
            unit_document.c.unit_id == units, entries)
    if state is not None:
        rows = (*rows, task_unit.c.state == state)
    # One row per (unit, task); an inspector's units may share a task: count it once.
    counted = (sa.func.count(sa.distinct(task_unit.c.task_id)) if isinstance(units, list)
               else sa.func.count())
    return sa.select(counted).select_from(task_unit).where(*_unit_rows(units), *rows)


def visible_task_ids(user) -> sa.Select:
    """A subquery of the ids of the tasks a user may read (a unit's: from the scope index
    alone)."""
    units = _scope_units(user)
    if units is not None:
        return sa.select(task_unit.c.task_id).where(*_unit_rows(units))
    return sa.select(Task.id).where(task_scope(user))


def _via_task(column, user) -> ColumnElement[bool]:
    if _authenticated(user) and user.role in OFFICE_ROLES:
        return sa.true()
    return column.in_(visible_task_ids(user))


def document_scope(user) -> ColumnElement[bool]:
    """Documents: the Office sees all; others see documents holding a task they may read."""
    if not _authenticated(user):
        return sa.false()
    if user.role in OFFICE_ROLES:
        return sa.true()
    units = _scope_units(user)
    if units is not None and not isinstance(units, list):
        # The documents of the unit's task–unit rows, one entry each (scope.recount).
        return Document.id.in_(sa.select(unit_document.c.document_id).where(
            unit_document.c.unit_id == units))
    if units is not None:  # the documents of the units' task–unit rows: index ranges
        return Document.id.in_(sa.select(task_unit.c.document_id).where(*_unit_rows(units)))
    return Document.id.in_(sa.select(Task.document_id).where(task_scope(user)))


def unit_document_entries(user):
    """A unit user's documents (``document_scope``'s) as its unit's ``unit_document``
    entries, one per document: (the table, the ON clause) to join to Document. Each entry
    carries its document's issue date, so the unit's list by that date is one range of its
    index. None for anyone else."""
    if not _authenticated(user) or user.role not in UNIT_ROLES or user.unit_id is None:
        return None
    entry = unit_document.c
    return unit_document, sa.and_(entry.document_id == Document.id,
                                  entry.unit_id == user.unit_id)


def documents_unit(user) -> int | None:
    """The unit whose ``unit_document`` entries hold the document of every task a unit user
    reads (its own: ``task_scope`` is its rows, each row's document is its unit's entry);
    None for anyone else."""
    if not _authenticated(user) or user.role not in UNIT_ROLES:
        return None
    return user.unit_id


def _admin_only(user) -> ColumnElement[bool]:
    return sa.true() if _authenticated(user) and user.role == Role.admin else sa.false()


def _everyone(user) -> ColumnElement[bool]:
    return sa.true() if _authenticated(user) else sa.false()


def _attachment_scope(user) -> ColumnElement[bool]:
    if _authenticated(user) and user.role in OFFICE_ROLES:
        return sa.true()
    task_ids = visible_task_ids(user)
    return sa.or_(
        Attachment.task_id.in_(task_ids),
        Attachment.document_id.in_(sa.select(Document.id).where(document_scope(user))),
        Attachment.progress_update_id.in_(
            sa.select(ProgressUpdate.id).where(ProgressUpdate.task_id.in_(task_ids))
        ),
        Attachment.history_id.in_(
            sa.select(TaskHistory.id).where(TaskHistory.task_id.in_(task_ids))
        ),
        Attachment.inspection_request_id.in_(
            sa.select(InspectionDocumentRequest.id).where(inspection_request_scope(user))
        ),
    )


def _user_scope(user) -> ColumnElement[bool]:
    if not _authenticated(user):
        return sa.false()
    if user.role == Role.admin:
        return sa.true()
    return User.id == user.id


def _notification_scope(user) -> ColumnElement[bool]:
    if not _authenticated(user):
        return sa.false()
    return Notification.user_id == user.id


def _own_saved_filters(user) -> ColumnElement[bool]:
    """A saved filter is its owner's alone: nobody else reads, uses or deletes it."""
    if not _authenticated(user):
        return sa.false()
    return saved_filters_of(user.id)


def saved_filters_of(user_id) -> ColumnElement[bool]:
    """The saved filters owned by ``user_id`` (a value, or a column of the active user the
    statement already read: the login's own statement joins them)."""
    return SavedFilter.user_id == user_id


def _own_sessions(user) -> ColumnElement[bool]:
    if not _authenticated(user):
        return sa.false()
    return UserSession.user_id == user.id


def _feedback_scope(user) -> ColumnElement[bool]:
    """The Office reads all feedback; a unit reads what it filed: on tasks it may read, or
    on a matter in its area without a task (Đ16.4)."""
    if not _authenticated(user):
        return sa.false()
    if user.role in OFFICE_ROLES:
        return sa.true()
    if user.role in UNIT_ROLES:
        return sa.and_(Feedback.from_unit_id == user.unit_id,
                       sa.or_(Feedback.task_id.is_(None),
                              Feedback.task_id.in_(visible_task_ids(user))))
    return sa.false()


_ROW_SCOPES = {
    Task: task_scope,
    Document: document_scope,
    ProgressUpdate: lambda u: _via_task(ProgressUpdate.task_id, u),
    TaskHistory: lambda u: _via_task(TaskHistory.task_id, u),
    ExtensionRequest: lambda u: _via_task(ExtensionRequest.task_id, u),
    Urging: lambda u: _via_task(Urging.task_id, u),
    Feedback: _feedback_scope,
    Difficulty: lambda u: difficulty_scope(u),
    Attachment: _attachment_scope,
    Unit: _admin_only,
    UnitKind: _admin_only,
    User: _user_scope,
    ApiToken: _admin_only,
    AuditLog: _admin_only,
    JobRun: _admin_only,
    CalendarOverride: _everyone,
    Notification: _notification_scope,
    UserSession: _own_sessions,
    SavedFilter: _own_saved_filters,
    # The inspection scopes are defined below, with the other inspection rules.
    InspectionPlan: lambda u: inspection_plan_scope(u),
    InspectionTeam: lambda u: inspection_team_scope(u),
    InspectionMember: lambda u: _via_team(InspectionMember.team_id, u),
    InspectedUnit: lambda u: _via_team(InspectedUnit.team_id, u),
    InspectionFinding: lambda u: _via_team(InspectionFinding.team_id, u),
    InspectionRecommendation: lambda u: _via_team(InspectionRecommendation.team_id, u),
    InspectionDocumentRequest: lambda u: inspection_request_scope(u),
    PeriodReport: lambda u: period_report_scope(u),
    SelfInspectionReport: lambda u: self_inspection_scope(u),
}


def row_scope(user, model) -> ColumnElement[bool]:
    """The SQL condition for the rows of ``model`` that ``user`` may read. Unknown: none."""
    scope = _ROW_SCOPES.get(model)
    return scope(user) if scope else sa.false()


def reference_scope(user, model) -> ColumnElement[bool]:
    """The rows of ``model`` a user may choose in a form or point a foreign key at."""
    if not _authenticated(user):
        return sa.false()
    if model is Unit:
        # Any active unit may be named (a lead unit, a unit a district reports on).
        return Unit.active.is_(True)
    if model is UnitKind:
        return sa.true()
    if model is User:
        if user.role in OFFICE_ROLES:
            return User.active.is_(True)
        return sa.and_(User.active.is_(True), User.unit_id == user.unit_id)
    return row_scope(user, model)


# --- task actions ------------------------------------------------------------------------
# Who may attempt each task action, by role and by the user's unit's part in the task.
# Whether the task's state allows it is the workflow's business (cddh.services.workflow).
OFFICE_ACTORS = frozenset({Role.office_specialist})
EXTENSION_DECIDERS = frozenset({Role.leader, Role.office_specialist})

TASK_ACTIONS: dict[str, tuple[frozenset[Role], tuple[str, ...] | None]] = {
    # action: (roles, required unit relation: None = any, or ("lead",), ("lead", "cooperating"))
    "edit": (OFFICE_ACTORS, None),
    "forward": (OFFICE_ACTORS, None),
    "cancel": (OFFICE_ACTORS, None),
    "verify": (OFFICE_ACTORS, None),
    "urge": (OFFICE_ACTORS, None),
    "decide_extension": (EXTENSION_DECIDERS, None),
    "receive": (UNIT_ROLES, ("lead",)),
    # Đ9.2c and the roles table: returning a task is the unit leader's decision.
    "return": (frozenset({Role.unit_leader}), ("lead",)),
    "report_completion": (UNIT_ROLES, ("lead",)),
    "request_extension": (UNIT_ROLES, ("lead",)),
    "progress": (UNIT_ROLES, ("lead", "cooperating")),
    # Đ10.1a–c, Đ16.3: the lead or a cooperating unit raises a difficulty or proposal.
    "raise_difficulty": (UNIT_ROLES, ("lead", "cooperating")),
    # Đ8.2a, Đ10.2: a cooperating unit asks to be removed or replaced; the Office decides.
    "request_cooperation_change": (UNIT_ROLES, ("cooperating",)),
    "decide_cooperation_change": (OFFICE_ACTORS, None),
}


# Đ8.2b: the unit leader names the handling officers and delegates part of the task to a
# child unit (Đ9.2a, Đ10.2c).
TASK_ACTIONS["assign"] = (frozenset({Role.unit_leader}), ("lead",))
TASK_ACTIONS["delegate"] = (frozenset({Role.unit_leader}), ("lead",))
# Đ9.2c: the head's sign-off (cddh.services.signoff): a staff member proposes a return, the
# unit leader approves or sends back an officer's report.
TASK_ACTIONS["propose_return"] = (frozenset({Role.unit_staff}), ("lead",))
TASK_ACTIONS["approve_signoff"] = (frozenset({Role.unit_leader}), ("lead",))
TASK_ACTIONS["send_back_signoff"] = (frozenset({Role.unit_leader}), ("lead",))

# A sub-task is worked by its (child) lead unit through the same lifecycle, inside the parent
# unit's scope: the parent unit's leader plays the Office's part (verifies, urges, cancels);
# the Office and the leaders read it and do not act on it.
SUBTASK_ACTIONS: dict[str, tuple[frozenset[Role], tuple[str, ...] | None]] = {
    "receive": (UNIT_ROLES, ("lead",)),
    "progress": (UNIT_ROLES, ("lead",)),
    "report_completion": (UNIT_ROLES, ("lead",)),
    "assign": (frozenset({Role.unit_leader}), ("lead",)),
    "delegate": (frozenset({Role.unit_leader}), ("lead",)),
    "approve_signoff": (frozenset({Role.unit_leader}), ("lead",)),
    "send_back_signoff": (frozenset({Role.unit_leader}), ("lead",)),
    "verify": (frozenset({Role.unit_leader}), ("parent",)),
    "urge": (frozenset({Role.unit_leader}), ("parent",)),
    "cancel": (frozenset({Role.unit_leader}), ("parent",)),
}

# Once a task has handling officers, the lead unit's work on it is theirs (and the leader's):
# another staff member of the unit reads it but does not act on it.
OFFICER_ACTIONS = frozenset({"progress", "report_completion", "request_extension",
                             "raise_difficulty", "propose_return"})


def unit_relation(user, task) -> str | None:
    """'lead', 'cooperating' or 'parent' (the lead unit of the task's parent task) when the
    user's unit has that part in the task, else None."""
    if not _authenticated(user) or user.role not in UNIT_ROLES:
        return None
    if task.lead_unit_id == user.unit_id:
        return "lead"
    known = task.unit_role  # read by the list from the unit's task_unit rows
    if known is not None and known[0] == user.unit_id:
        return known[1]
    if any(u.id == user.unit_id for u in task.cooperating_units):
        return "cooperating"
    if task.parent_task_id is not None and task.parent_task.lead_unit_id == user.unit_id:
        return "parent"
    return None


def is_officer(user, task) -> bool:
    """True when the user is one of the task's handling officers."""
    return _authenticated(user) and any(o.id == user.id for o in task.officers)


def may_act_on_task(user, task, action: str) -> bool:
    """True when role and unit allow the user to attempt ``action`` on ``task``."""
    if not _authenticated(user):
        return False
    table = SUBTASK_ACTIONS if task.parent_task_id is not None else TASK_ACTIONS
    if action not in table:
        return False
    roles, relations = table[action]
    if user.role not in roles:
        return False
    relation = unit_relation(user, task)
    if relations is not None and relation not in relations:
        return False
    if (action in OFFICER_ACTIONS and relation == "lead" and user.role == Role.unit_staff
            and task.officers and not is_officer(user, task)):
        return False
    return True


def may_be_officer(candidate, task) -> bool:
    """Đ8.2b: a handling officer is an active member (staff or leader) of the lead unit."""
    return bool(candidate is not None and candidate.active and candidate.role in UNIT_ROLES
                and candidate.unit_id == task.lead_unit_id)


def may_receive_subtask(unit, task) -> bool:
    """A task is delegated only to an active child unit of its lead unit."""
    return bool(unit is not None and unit.active and unit.parent_id is not None
                and unit.parent_id == task.lead_unit_id)


def officer_figures_scope(user, officer) -> bool:
    """Đ20.2: an officer's individual figures are read by the officer, their unit leader and
    the Office (with the leaders), by no one else."""
    if not _authenticated(user) or officer is None:
        return False
    if is_office(user) or user.id == officer.id:
        return True
    return user.role == Role.unit_leader and user.unit_id == officer.unit_id


def may_enter_documents(user) -> bool:
    """Entering documents and their tasks is the Office specialist's job (Đ7.1a, Đ7.2)."""
    return _authenticated(user) and user.role in OFFICE_ACTORS


# --- inspection (Đ12–14) -------------------------------------------------------------------
# Who may attempt each inspection action; whether the plan's or team's state allows it is
# cddh.services.inspection's business.
INSPECTION_PLANNERS = frozenset({Role.office_specialist})  # Đ12.1a: the Office drafts plans
INSPECTION_APPROVERS = frozenset({Role.leader})  # plans and team decisions
TEAM_FORMERS = frozenset({Role.office_specialist, Role.inspector})
# Accounts that may lead or sit on a team: inspectors and Office staff (Đ14.2 invitees from
# other bodies are recorded by name, not as accounts).
TEAM_ACCOUNT_ROLES = frozenset({Role.inspector, Role.office_specialist, Role.leader})
OPEN_INSPECTION_STATES = (InspectionStatus.approved, InspectionStatus.in_progress)


def inspection_team_ids(user) -> sa.Select:
    """The teams the user leads or belongs to."""
    member_teams = sa.select(InspectionMember.team_id).where(InspectionMember.user_id == user.id)
    return sa.select(InspectionTeam.id).where(
        sa.or_(InspectionTeam.lead_id == user.id, InspectionTeam.id.in_(member_teams)))


def inspection_team_scope(user) -> ColumnElement[bool]:
    """Teams: the Office sees all; an inspector only the teams they lead or belong to."""
    if not _authenticated(user):
        return sa.false()
    if user.role in OFFICE_ROLES:
        return sa.true()
    if user.role == Role.inspector:
        return InspectionTeam.id.in_(inspection_team_ids(user))
    return sa.false()


def _via_team(column, user) -> ColumnElement[bool]:
    """A team's inner rows (members, units, findings…) are read like the team."""
    if not _authenticated(user):
        return sa.false()
    if user.role in OFFICE_ROLES:
        return sa.true()
    if user.role == Role.inspector:
        return column.in_(inspection_team_ids(user))
    return sa.false()


def inspection_plan_scope(user) -> ColumnElement[bool]:
    """Plans: the Office sees all; an inspector the approved ones (a regular team's basis)."""
    if not _authenticated(user):
        return sa.false()
    if user.role in OFFICE_ROLES:
        return sa.true()
    if user.role == Role.inspector:
        return InspectionPlan.status != InspectionStatus.draft
    return sa.false()


def inspection_request_scope(user) -> ColumnElement[bool]:
    """Requests for documents: like the team, and for an inspected unit's users the requests
    addressed to their unit by a team whose decision is issued (Đ14.3)."""
    if not _authenticated(user):
        return sa.false()
    if user.role in UNIT_ROLES:
        issued = sa.select(InspectionTeam.id).where(InspectionTeam.status != InspectionStatus.draft)
        return sa.and_(InspectionDocumentRequest.unit_id == user.unit_id,
                       InspectionDocumentRequest.team_id.in_(issued))
    return _via_team(InspectionDocumentRequest.team_id, user)


def may_draft_inspection_plan(user) -> bool:
    """Đ12.1a: the Office drafts the inspection plans."""
    return _authenticated(user) and user.role in INSPECTION_PLANNERS


def may_approve_inspection(user) -> bool:
    """Plans and team decisions are approved by the leadership."""
    return _authenticated(user) and user.role in INSPECTION_APPROVERS


def may_form_inspection_team(user) -> bool:
    """An Office specialist or an inspector (who then leads it) may prepare a team."""
    return _authenticated(user) and user.role in TEAM_FORMERS


def may_sit_on_inspection_team(user) -> bool:
    """Whether an account may be named lead or member of a team."""
    return bool(user is not None and user.active and user.role in TEAM_ACCOUNT_ROLES)


def is_inspection_lead(user, team) -> bool:
    """Đ14.1: the team lead organises the inspection and alone records its results."""
    return _authenticated(user) and team.lead_id == user.id


def may_manage_inspection_team(user, team) -> bool:
    """The team's composition: its lead, or an Office specialist preparing the decision."""
    if not _authenticated(user):
        return False
    return user.role == Role.office_specialist or is_inspection_lead(user, team)


def may_upload_inspection_documents(user, doc_request) -> bool:
    """Đ14.3: the users of the inspected unit the request is addressed to."""
    return (_authenticated(user) and user.role in UNIT_ROLES
            and doc_request.unit_id == user.unit_id)


def may_file_feedback(user, task) -> bool:
    """Đ16.4, Đ15.5: a user of a district-level unit that leads or cooperates on the task."""
    return (unit_relation(user, task) in ("lead", "cooperating") and task.state != TaskState.draft
            and user.unit.category == UnitCategory.district)


def may_file_area_feedback(user) -> bool:
    """Đ16.4, Đ15.5: a user of any district-level unit (on the 2025 two-tier model, a
    commune-level one: a unit kind of category "district") may report on a department's
    handling of a matter in its area, without being named on a task."""
    return (_authenticated(user) and user.role in UNIT_ROLES and user.unit is not None
            and user.unit.category == UnitCategory.district)


FEEDBACK_ANSWERERS = OFFICE_ACTORS


def may_answer_feedback(user) -> bool:
    """Đ15.5: the Office specialist answers a district's feedback."""
    return _authenticated(user) and user.role in FEEDBACK_ANSWERERS


def statistics_unit_ids(user) -> list[int] | None:
    """Whose statistics rows a user may read: the Office and leaders every unit's (None), a
    unit user only their own unit's. Anyone else is refused."""
    from flask_babel import gettext as _

    from ..services import NotAllowed

    if is_office(user):
        return None
    if _authenticated(user) and user.role in UNIT_ROLES:
        return [user.unit_id]
    raise NotAllowed(_("Only the Office, the leaders and the units may read these statistics."))


# --- reports (Đ15–17, Đ20) -------------------------------------------------------------------
REPORT_ISSUERS = frozenset({Role.office_specialist, Role.leader})


REPORT_WRITERS = frozenset({Role.office_specialist})
# Đ15.2, Đ17.2: the Office's leader approves the report before it goes to the Committee.
# The Chánh/Phó Chánh Văn phòng hold the leader role with the position office_chief /
# office_deputy (cddh.services.leaders); any leader may approve, a specialist may not.
REPORT_APPROVERS = frozenset({Role.leader})


def period_report_scope(user) -> ColumnElement[bool]:
    """The Office's period reports, drafts included, are read by the Office and leaders. A
    unit opens the issued and published ones, where it sees its own figures and ranking row
    only (``statistics_unit_ids``). The public reads published ones through the public page,
    never through this scope."""
    if is_office(user):
        return sa.true()
    if _authenticated(user) and user.role in UNIT_ROLES:
        return PeriodReport.status.in_([ReportStatus.issued, ReportStatus.published])
    return sa.false()


def may_issue_reports(user) -> bool:
    """The Office drafts, issues and publishes the period reports (Đ15.2, Đ17.2)."""
    return _authenticated(user) and user.role in REPORT_ISSUERS


def may_write_reports(user) -> bool:
    """The Office's specialist writes the report's narrative and submits it."""
    return _authenticated(user) and user.role in REPORT_WRITERS


def may_approve_reports(user) -> bool:
    """The Office's leader approves a submitted report or returns it with comments."""
    return _authenticated(user) and user.role in REPORT_APPROVERS


def self_inspection_scope(user) -> ColumnElement[bool]:
    """Self-inspection reports: the Office reads all, a unit its own."""
    if not _authenticated(user):
        return sa.false()
    if user.role in OFFICE_ROLES:
        return sa.true()
    if user.role in UNIT_ROLES:
        return SelfInspectionReport.unit_id == user.unit_id
    return sa.false()


def may_write_self_inspection(user, report) -> bool:
    """A unit's users draft its self-inspection report until it is submitted."""
    return (_authenticated(user) and user.role in UNIT_ROLES
            and report.unit_id == user.unit_id and report.submitted_at is None)


def may_submit_self_inspection(user, report) -> bool:
    """Đ16.1–2: the unit leader submits the unit's self-inspection report."""
    return may_write_self_inspection(user, report) and user.role == Role.unit_leader


# --- difficulties and proposals (Đ7.2d, Đ10.1a–c, Đ15.3, Đ16.3) ----------------------------
DIFFICULTY_PROPOSERS = OFFICE_ACTORS


def difficulty_scope(user) -> ColumnElement[bool]:
    """The Office and leaders read every difficulty; a unit those its own unit raised, on
    tasks it may read."""
    if not _authenticated(user):
        return sa.false()
    if user.role in OFFICE_ROLES:
        return sa.true()
    if user.role in UNIT_ROLES:
        return sa.and_(Difficulty.unit_id == user.unit_id,
                       Difficulty.task_id.in_(visible_task_ids(user)))
    return sa.false()


def may_propose_on_difficulty(user) -> bool:
    """The Office's specialist proposes a way forward to the leader (Đ7.2d)."""
    return _authenticated(user) and user.role in DIFFICULTY_PROPOSERS


def may_decide_difficulty(user, task) -> bool:
    """The task's directing leader decides; the Chairman may always (Đ3.2, Đ16.3)."""
    from ..services.leaders import directs

    return _authenticated(user) and directs(user, task)
