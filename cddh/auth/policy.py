"""Authorization as pure functions of the user: one place for every scoping rule.

``row_scope(user, Model)`` is the SQL condition for the rows of ``Model`` the user may read;
``reference_scope(user, Model)`` is the condition for rows the user may point a foreign key
at. Views, the API and exports filter through these and nothing else.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from ..models import (
    ApiToken,
    Attachment,
    AuditLog,
    CalendarOverride,
    Document,
    ExtensionRequest,
    Feedback,
    InspectedUnit,
    InspectionMember,
    InspectionTeam,
    JobRun,
    Notification,
    ProgressUpdate,
    Task,
    TaskHistory,
    Unit,
    UnitKind,
    Urging,
    User,
    task_cooperating_unit,
)
from ..models.enums import OFFICE_ROLES, UNIT_ROLES, InspectionStatus, Role, TaskState

ALL_ROLES = frozenset(Role)

# Which roles may open each screen. A screen not listed here is closed to everyone.
SCREENS: dict[str, frozenset[Role]] = {
    "units": frozenset({Role.admin}),
    "unit_kinds": frozenset({Role.admin}),
    "users": frozenset({Role.admin}),
    "audit_log": frozenset({Role.admin}),
    "calendar": frozenset({Role.admin}),
    "api_tokens": frozenset({Role.admin}),
    "documents": ALL_ROLES,
    "tasks": ALL_ROLES,
    "progress_updates": ALL_ROLES,
    "notifications": ALL_ROLES,
}

# Who may create or change rows through the generic screens; state changes of tasks go
# through the workflow services, which check their own rules.
EDITORS: dict[str, frozenset[Role]] = {
    "units": frozenset({Role.admin}),
    "unit_kinds": frozenset({Role.admin}),
    "users": frozenset({Role.admin}),
    "calendar": frozenset({Role.admin}),
    "documents": frozenset({Role.admin, Role.office_specialist}),
    "tasks": frozenset({Role.admin, Role.office_specialist}),
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


def _tasks_of_units(unit_ids) -> ColumnElement[bool]:
    """Tasks led by, or shared with, the given units (a scalar or a subquery of ids)."""
    if isinstance(unit_ids, sa.Select):
        lead = Task.lead_unit_id.in_(unit_ids)
        coop = sa.select(task_cooperating_unit.c.task_id).where(
            task_cooperating_unit.c.unit_id.in_(unit_ids)
        )
    else:
        lead = Task.lead_unit_id == unit_ids
        coop = sa.select(task_cooperating_unit.c.task_id).where(
            task_cooperating_unit.c.unit_id == unit_ids
        )
    # Drafts are the Office's until forwarded.
    return sa.and_(Task.state != TaskState.draft, sa.or_(lead, Task.id.in_(coop)))


def task_scope(user) -> ColumnElement[bool]:
    """The tasks a user may read."""
    if not _authenticated(user):
        return sa.false()
    if user.role in OFFICE_ROLES:
        return sa.true()
    if user.role in UNIT_ROLES:
        return _tasks_of_units(user.unit_id)
    if user.role == Role.inspector:
        return _tasks_of_units(_inspected_unit_ids(user))
    return sa.false()


def visible_task_ids(user) -> sa.Select:
    """A subquery of the ids of the tasks a user may read."""
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
    return Document.id.in_(sa.select(Task.document_id).where(task_scope(user)))


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


_ROW_SCOPES = {
    Task: task_scope,
    Document: document_scope,
    ProgressUpdate: lambda u: _via_task(ProgressUpdate.task_id, u),
    TaskHistory: lambda u: _via_task(TaskHistory.task_id, u),
    ExtensionRequest: lambda u: _via_task(ExtensionRequest.task_id, u),
    Urging: lambda u: _via_task(Urging.task_id, u),
    Feedback: lambda u: _via_task(Feedback.task_id, u),
    Attachment: _attachment_scope,
    Unit: _admin_only,
    UnitKind: _admin_only,
    User: _user_scope,
    ApiToken: _admin_only,
    AuditLog: _admin_only,
    JobRun: _admin_only,
    CalendarOverride: _everyone,
    Notification: _notification_scope,
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
}


def unit_relation(user, task) -> str | None:
    """'lead' or 'cooperating' when the user's unit has that part in the task, else None."""
    if not _authenticated(user) or user.role not in UNIT_ROLES:
        return None
    if task.lead_unit_id == user.unit_id:
        return "lead"
    if any(u.id == user.unit_id for u in task.cooperating_units):
        return "cooperating"
    return None


def may_act_on_task(user, task, action: str) -> bool:
    """True when role and unit allow the user to attempt ``action`` on ``task``."""
    if not _authenticated(user) or action not in TASK_ACTIONS:
        return False
    roles, relations = TASK_ACTIONS[action]
    if user.role not in roles:
        return False
    return relations is None or unit_relation(user, task) in relations


def may_enter_documents(user) -> bool:
    """Entering documents and their tasks is the Office specialist's job (Đ7.1a, Đ7.2)."""
    return _authenticated(user) and user.role in OFFICE_ACTORS
