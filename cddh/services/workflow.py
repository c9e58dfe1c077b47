"""The task lifecycle (Đ7–Đ11): every transition checks role, unit and state, writes the
task's history, and refuses a wrong move with a message that changes nothing."""

from __future__ import annotations

from flask_babel import gettext as _

from ..models import ProgressUpdate, Task, TaskHistory, TaskState, User, db, utcnow
from ..models.enums import UNIT_ROLES
from . import DomainError, NotAllowed


def unit_relation(user: User, task: Task) -> str | None:
    """'lead' or 'cooperating' when the user's unit has that part in the task."""
    if user.role not in UNIT_ROLES:
        return None
    if task.lead_unit_id == user.unit_id:
        return "lead"
    if any(u.id == user.unit_id for u in task.cooperating_units):
        return "cooperating"
    return None


def record_history(task: Task, actor: User | None, action: str, *, from_state=None,
                   to_state=None, reason: str = "", reason_category=None,
                   data: dict | None = None) -> TaskHistory:
    entry = TaskHistory(task=task, actor_id=actor.id if actor else None, action=action,
                        from_state=from_state, to_state=to_state, reason=reason,
                        reason_category=reason_category, data=data or {}, at=utcnow())
    db.session.add(entry)
    return entry


def post_progress(actor: User, task: Task, content: str, percent: int | None = None) -> ProgressUpdate:
    """Đ6.8, Đ8: the lead or a cooperating unit reports progress on a task in progress."""
    relation = unit_relation(actor, task)
    if relation is None:
        raise NotAllowed(_("Only the lead unit or a cooperating unit can post progress."))
    if task.state != TaskState.in_progress:
        raise DomainError(_("Progress can be posted only while the task is in progress."),
                          code="wrong_state")
    content = (content or "").strip()
    if not content:
        raise DomainError(_("Describe the progress."), fields={"content": "required"})
    if percent is not None and not 0 <= percent <= 100:
        raise DomainError(_("The percentage must be between 0 and 100."),
                          fields={"percent": "range"})
    update = ProgressUpdate(task=task, unit_id=actor.unit_id, author_id=actor.id,
                            content=content, percent=percent,
                            is_contribution=relation == "cooperating", created_at=utcnow())
    db.session.add(update)
    task.last_update_at = update.created_at
    if relation == "lead" and percent is not None:
        task.percent_complete = percent
    task.late_update = False
    record_history(task, actor, "progress", data={"percent": percent,
                                                  "contribution": relation == "cooperating"})
    return update
