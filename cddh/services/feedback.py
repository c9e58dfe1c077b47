"""District feedback (Đ15.5, Đ16.4): a district-level People's Committee tells the Office that
a department is late or off target on a task that concerns it; the Office answers within
7 working days (setting) with an urging document to the department or a report to the
leaders, copied to the district; answers that come late are flagged and escalated.

The caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth import policy
from ..models import (
    Feedback,
    FeedbackAnswerKind,
    Role,
    Task,
    TaskState,
    Unit,
    User,
    db,
    utcnow,
)
from ..models.base import UTCDateTime
from . import Conflict, DomainError, NotAllowed
from .calendar import WorkingCalendar
from .clock import local_today
from .duties import message_sql, notify, notify_users, task_label, unit_users
from .settings import get_setting


def other_units(user: User, task: Task) -> list[Unit]:
    """The units of a task a district may report on: lead and cooperating, not itself."""
    units = [task.lead_unit, *task.cooperating_units]
    return [u for u in units if u is not None and u.id != user.unit_id]


def file_feedback(actor: User, task: Task, *, content: str, about_unit_id=None,
                  today: dt.date | None = None, cal: WorkingCalendar | None = None) -> Feedback:
    """Đ16.4: a district user reports that a unit of the task is late or off target; the
    answer is due ``feedback_answer_working_days`` working days after today (Đ15.5)."""
    if not policy.may_file_feedback(actor, task):
        raise NotAllowed(_("Only a district-level unit that takes part in this task can send "
                           "feedback on it."))
    if task.state == TaskState.cancelled:
        raise Conflict(_("The task was cancelled; there is nothing to report on."),
                       code="wrong_state")
    content = (content or "").strip()
    if not content:
        raise DomainError(_("Describe what is late or off target."), fields={"content": "required"})
    candidates = other_units(actor, task)
    if not candidates:
        raise DomainError(_("No other unit takes part in this task."))
    about = candidates[0]
    if about_unit_id not in (None, ""):
        about = next((u for u in candidates if str(u.id) == str(about_unit_id)), None)
        if about is None:
            raise DomainError(_("Choose a unit that takes part in this task."),
                              fields={"about_unit_id": "invalid"})
    today = today or local_today()
    due = (cal or WorkingCalendar()).add_working_days(
        today, get_setting("feedback_answer_working_days"))
    item = Feedback(task_id=task.id, from_unit_id=actor.unit_id, about_unit_id=about.id,
                    author_id=actor.id, content=content, answer_due_on=due)
    db.session.add(item)
    notify_users("feedback_filed", _specialist_of(task), task)
    return item


def _specialist_of(task: Task):
    if task.specialist_id:
        return User.id == task.specialist_id
    return User.role == Role.office_specialist


def answer_feedback(actor: User, item: Feedback, *, kind: str, answer: str,
                    document_number: str) -> None:
    """Đ15.5: the Office answers with an urging document to the unit reported on, or with a
    report to the leaders; the district that reported gets a copy."""
    if not policy.may_answer_feedback(actor):
        raise NotAllowed(_("Only an Office specialist answers feedback."))
    if item.answered_at is not None:
        raise Conflict(_("This feedback has already been answered."), code="already_answered")
    try:
        kind = FeedbackAnswerKind(kind)
    except ValueError:
        raise DomainError(_("Choose how the feedback is answered."),
                          fields={"answer_kind": "required"}) from None
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Write the answer."), fields={"answer": "required"})
    number = (document_number or "").strip()
    if not number:
        raise DomainError(_("Enter the number of the urging document or report."),
                          fields={"answer_document_number": "required"})
    item.answer_kind = kind.value
    item.answer = answer
    item.answer_document_number = number
    item.answered_at = utcnow()
    item.answered_by_id = actor.id
    task = item.task
    notify_users("feedback_answered", unit_users(item.from_unit_id), task)
    if kind == FeedbackAnswerKind.urging_document:
        notify_users("feedback_urging", unit_users(item.about_unit_id), task)
    else:
        notify_users("feedback_report", User.role == Role.leader, task)


def answer_status(item: Feedback, today: dt.date) -> str:
    """"answered", "late" (its answer day has passed, Đ15.5) or "waiting"."""
    if item.answered_at is not None:
        return "answered"
    if item.answer_due_on and item.answer_due_on < today:
        return "late"
    return "waiting"


def flag_late_answers(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Feedback still unanswered after its due day is flagged (``escalated_at``) and the
    leaders and the task's specialist are told, once."""
    late = sa.and_(Feedback.answered_at.is_(None), Feedback.escalated_at.is_(None),
                   Feedback.answer_due_on < today)
    to = sa.and_(User.active.is_(True), sa.or_(
        User.role == Role.leader, User.id == Task.specialist_id,
        sa.and_(Task.specialist_id.is_(None), User.role == Role.office_specialist)))
    rows = (sa.select(User.id, sa.literal("feedback_late"), Task.id,
                      message_sql("feedback_late", task_label(),
                                  n=get_setting("feedback_answer_working_days")))
            .select_from(Feedback).join(Task, Task.id == Feedback.task_id).join(User, to)
            .where(late))
    notified = notify(rows)
    result = db.session.execute(sa.update(Feedback).where(late).values(
        escalated_at=sa.literal(utcnow(), UTCDateTime())).execution_options(synchronize_session=False))
    return {"escalated": result.rowcount, "notified": notified}
