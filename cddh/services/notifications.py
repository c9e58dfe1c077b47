"""In-app notifications to the people who must act next. Set-based: one INSERT … SELECT
per event and recipient group, whatever the number of users."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from ..auth import policy
from ..models import Notification, Role, Task, User, db, task_officer, utcnow
from ..models.base import UTCDateTime
from ..models.enums import UNIT_ROLES
from .leaders import leader_recipients


def _messages() -> dict[str, str]:
    return {
        "forwarded": _("A new task was assigned to your unit: %(task)s"),
        "returned": _("A unit returned the task: %(task)s"),
        "contribution": _("A cooperating unit posted a contribution on: %(task)s"),
        "completion_reported": _("Completion reported, waiting for your verification: %(task)s"),
        "verified": _("The Office verified the completion of: %(task)s"),
        "verification_rejected": _("The Office did not accept the result of: %(task)s"),
        "extension_requested": _("An extension was requested for: %(task)s"),
        "extension_approved": _("The extension was approved for: %(task)s"),
        "extension_refused": _("The extension was refused for: %(task)s"),
        "cancelled": _("The task was cancelled: %(task)s"),
        "cooperation_change_requested": _("A cooperating unit asks to be removed from or "
                                          "replaced on: %(task)s"),
        "cooperation_change_decided": _("The Office decided on your unit's request about its "
                                        "part in: %(task)s"),
        # A sub-task's verification is the parent unit's, not the Office's.
        "subtask_verified": _("The parent unit accepted the result of the sub-task: %(task)s"),
        "subtask_rejected": _("The parent unit did not accept the result of the sub-task: "
                              "%(task)s"),
        "subtask_cancelled": _("The parent unit cancelled the sub-task: %(task)s"),
    }


# The kinds a sub-task's events are told as (the parent unit acts there, not the Office).
SUBTASK_KINDS = {"verified": "subtask_verified", "verification_rejected": "subtask_rejected",
                 "cancelled": "subtask_cancelled"}


def message_for(kind: str, task: Task) -> str:
    """The notification text, in the deployment's default language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _messages()[kind] % {"task": str(task)}


def task_event(task: Task, kind: str, *, to_units=(), cc_units=(), to_specialist: bool = False,
               to_leaders: str | None = None) -> None:
    """Notify the users of the given units, the task's specialist, and/or the leaders who
    receive the matter ``to_leaders`` (cddh.services.leaders: the directing leader)."""
    db.session.flush()  # the task needs its id
    if task.parent_task_id is not None:
        kind = SUBTASK_KINDS.get(kind, kind)
    message = message_for(kind, task)
    conditions = []
    lead_ids = [u for u in to_units if u is not None and u == task.lead_unit_id]
    unit_ids = [u for u in (*to_units, *cc_units) if u is not None and u not in lead_ids]
    if unit_ids:
        conditions.append(sa.and_(User.unit_id.in_(unit_ids), User.role.in_(list(UNIT_ROLES))))
    if lead_ids:
        # Đ8.2b: once officers are named, the lead unit's notices go to them and its leader.
        conditions.append(sa.and_(User.unit_id == task.lead_unit_id,
                                  lead_unit_recipient(sa.literal(task.id))))
    if to_specialist and task.parent_task_id is not None:
        # A sub-task reports to its parent task's unit (its leader and officers), not the Office.
        parent = task.parent_task
        conditions.append(sa.and_(User.unit_id == parent.lead_unit_id,
                                  lead_unit_recipient(sa.literal(parent.id))))
    elif to_specialist:
        if task.specialist_id:
            conditions.append(User.id == task.specialist_id)
        else:
            conditions.append(User.role == Role.office_specialist)
    if to_leaders:
        conditions.append(leader_recipients(to_leaders, task.directing_leader_id))
    if not conditions:
        return
    recipients = sa.select(
        User.id, sa.literal(kind), sa.literal(task.id), sa.literal(message), sa.literal(utcnow(), UTCDateTime()),
    ).where(User.active.is_(True), sa.or_(*conditions))
    db.session.execute(
        sa.insert(Notification).from_select(
            ["user_id", "kind", "task_id", "message", "created_at"], recipients)
    )


def lead_unit_recipient(task_id) -> sa.ColumnElement[bool]:
    """Of a lead unit's users (the caller restricts the unit): the leader always; the staff
    when the task (``task_id``, a value or a correlated column) has no handling officer yet,
    else only its officers (Đ8.2b)."""
    named = sa.exists().where(task_officer.c.task_id == task_id)
    mine = sa.exists().where(task_officer.c.task_id == task_id,
                             task_officer.c.user_id == User.id)
    return sa.and_(User.role.in_(list(UNIT_ROLES)),
                   sa.or_(User.role == Role.unit_leader, ~named, mine))


def unread_count_of(user_id) -> sa.ScalarSelect:
    """The badge's count for the user ``user_id`` (a value or a column): one count over the
    partial index ix_notification_unread (the user's unread rows only; the night's jobs
    write one grouped notice per user and kind, not per task)."""
    return (sa.select(sa.func.count()).select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .scalar_subquery())


def unread_count(user: User) -> int:
    """The badge (see unread_count_of)."""
    return db.session.scalar(sa.select(unread_count_of(user.id))) or 0


def notice_link(notification: Notification, **url_options) -> str:
    """The URL of the list a grouped notice points to ("" when it has none). The list is
    the reader's own, scoped like every list: the notice carries only a count."""
    if not notification.link:
        return ""
    endpoint, _sep, query = notification.link.partition("?")
    try:
        url = url_for(endpoint, **url_options)
    except BuildError:
        return ""
    return f"{url}?{query}" if query else url


# --- showing a notification: the task only while the reader may still see it ----------------
# A notification keeps the text it was sent with; once its task is given to another unit (or
# otherwise leaves the reader's scope) neither that text nor a link is shown, only the number.

def visible_task_ids(user: User, task_ids) -> set[int]:
    """Of ``task_ids``, those ``user`` may read now (policy.task_scope), in one query."""
    ids = {i for i in task_ids if i}
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(Task.id).where(Task.id.in_(ids),
                                                           policy.task_scope(user))))


def hidden_task_label(task_id: int) -> str:
    return _("#%(id)d (no longer assigned to your unit)", id=task_id)


def shown_message(notification: Notification, visible: set[int]) -> str:
    """The notification's text for a reader who may read the tasks in ``visible``."""
    if notification.task_id is None or notification.task_id in visible:
        return notification.message
    return hidden_task_label(notification.task_id)
