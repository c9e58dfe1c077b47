"""District feedback (Đ15.5, Đ16.4): a district-level People's Committee tells the Office that
a department is late or off target on a task that concerns it (from the task page when the
district takes part in the task; otherwise, from the feedback screen, naming the department and
the matter in its area: any district-level unit may, Đ16.4); the Office answers within
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
    UnitKind,
    User,
    db,
    utcnow,
)
from ..models.base import UTCDateTime
from ..models.enums import UnitCategory
from . import Conflict, DomainError, NotAllowed
from .calendar import WorkingCalendar
from .clock import local_today
from .duties import message_sql, message_text, notify, notify_users, task_label, unit_users
from .lengths import check_lengths
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


def departments() -> list[Unit]:
    """The units a district may report on without a task: active departments (sở, ban,
    ngành), in display order."""
    return list(db.session.scalars(
        sa.select(Unit).join(UnitKind, UnitKind.id == Unit.kind_id)
        .where(Unit.active.is_(True), UnitKind.category == UnitCategory.department)
        .order_by(Unit.sort_order, Unit.name, Unit.id)))


def file_area_feedback(actor: User, *, about_unit_id, matter: str, content: str,
                       today: dt.date | None = None,
                       cal: WorkingCalendar | None = None) -> Feedback:
    """Đ16.4, Đ15.5: any district-level unit reports that a department handles a matter in the
    district's area late or off target, whether or not the district is named on a task; it
    names the department and the matter (document, task, subject). The Office answers on the
    same clock; the district sees its own feedback and the answer, never a task it does not
    take part in."""
    if not policy.may_file_area_feedback(actor):
        raise NotAllowed(_("Only a district-level unit can send feedback on a department's "
                           "handling of a matter in its area."))
    from .parsing import to_id

    unit_id = to_id(about_unit_id) if about_unit_id not in (None, "") else None
    about = next((u for u in departments() if u.id == unit_id), None) if unit_id else None
    if about is None:
        raise DomainError(_("Choose the department the feedback is about."),
                          fields={"about_unit_id": "invalid"})
    matter = (matter or "").strip()
    if not matter:
        raise DomainError(_("Name the matter: the document, task or subject in your area."),
                          fields={"matter": "required"})
    check_lengths(Feedback, matter=matter)
    content = (content or "").strip()
    if not content:
        raise DomainError(_("Describe what is late or off target."), fields={"content": "required"})
    today = today or local_today()
    due = (cal or WorkingCalendar()).add_working_days(
        today, get_setting("feedback_answer_working_days"))
    item = Feedback(task_id=None, matter=matter, from_unit_id=actor.unit_id,
                    about_unit_id=about.id, author_id=actor.id, content=content,
                    answer_due_on=due)
    db.session.add(item)
    _tell("feedback_filed", User.role == Role.office_specialist, item)
    return item


def _tell(kind: str, users_where, item: Feedback) -> int:
    """Notify about a feedback: about its task, or (without one) naming its matter."""
    if item.task_id is not None or item.task is not None:
        return notify_users(kind, users_where, item.task)
    db.session.flush()
    subject = item.matter if len(item.matter) <= 80 else item.matter[:77] + "…"
    rows = sa.select(User.id, sa.literal(kind), sa.literal(None, sa.Integer),
                     sa.literal(message_text(kind, subject))).where(
        User.active.is_(True), users_where)
    return notify(rows)


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
    check_lengths(Feedback, answer_document_number=number)
    item.answer_kind = kind.value
    item.answer = answer
    item.answer_document_number = number
    item.answered_at = utcnow()
    item.answered_by_id = actor.id
    _tell("feedback_answered", unit_users(item.from_unit_id), item)
    if kind == FeedbackAnswerKind.urging_document:
        _tell("feedback_urging", unit_users(item.about_unit_id), item)
    else:
        _tell("feedback_report", User.role == Role.leader, item)


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
    subject = sa.func.coalesce(task_label(), Feedback.matter)
    rows = (sa.select(User.id, sa.literal("feedback_late"), Feedback.task_id,
                      message_sql("feedback_late", subject,
                                  n=get_setting("feedback_answer_working_days")))
            .select_from(Feedback).outerjoin(Task, Task.id == Feedback.task_id).join(User, to)
            .where(late))
    notified = notify(rows)
    result = db.session.execute(sa.update(Feedback).where(late).values(
        escalated_at=sa.literal(utcnow(), UTCDateTime())).execution_options(synchronize_session=False))
    return {"escalated": result.rowcount, "notified": notified}
