"""District feedback (Đ15.5, Đ16.4): the list and page, filing from the task page, answering.

Also the labels of the answer kinds and the urging channels (Đ11.2), which the task page
uses too.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from .. import labels
from ..auth import policy
from ..models import Feedback, Task, db
from ..services import DomainError
from ..services import feedback as feedback_service
from ..services.clock import local_today
from ..services.parsing import to_id
from ..services.settings import get_setting
from .base import ScopedModelView, link_formatter

STATUS = {"answered": (_l("Answered"), "success"), "late": (_l("Answer overdue"), "danger"),
          "waiting": (_l("Waiting for an answer"), "warning")}


def status_badge(item: Feedback) -> Markup:
    text, css = STATUS[feedback_service.answer_status(item, local_today())]
    return Markup('<span class="badge badge-{}">{}</span>').format(css, text)


class FeedbackView(ScopedModelView):
    screen = "feedback"
    details_template = "feedback/details.html"
    list_template = "feedback/list.html"
    column_list = ("created_at", "task", "matter", "from_unit", "about_unit", "content",
                   "answer_due_on", "status")
    column_details_list = ("created_at", "task", "matter", "from_unit", "about_unit", "content",
                           "answer_due_on", "status", "answered_at", "answer_kind", "answer",
                           "answer_document_number", "escalated_at")
    column_default_sort = ("created_at", True)
    column_filters = (BooleanEqualFilter(Feedback.answered_at.is_(None), _l("Waiting for an answer")),)
    column_formatters = {
        "task": link_formatter("tasks.details_view", "task"),
        "status": lambda v, c, m, n: status_badge(m),
        "answer_kind": ScopedModelView.enum_formatter(labels.FEEDBACK_ANSWER_KIND),
    }
    column_labels = {"created_at": _l("Sent"), "task": _l("Task"), "matter": _l("Matter"),
                     "from_unit": _l("From"),
                     "about_unit": _l("About unit"), "content": _l("Feedback"),
                     "answer_due_on": _l("Answer due"), "status": _l("Status"),
                     "answered_at": _l("Answered at"), "answer_kind": _l("Answered by"),
                     "answer": _l("Answer"), "answer_document_number": _l("Document number"),
                     "escalated_at": _l("Escalated at")}

    def get_query(self):
        return super().get_query().options(joinedload(Feedback.task), joinedload(Feedback.from_unit),
                                           joinedload(Feedback.about_unit))

    def may_answer(self, item: Feedback) -> bool:
        return item.answered_at is None and policy.may_answer_feedback(current_user)

    @staticmethod
    def answer_kinds():
        return labels.choices(labels.FEEDBACK_ANSWER_KIND)

    @staticmethod
    def answer_days() -> int:
        return get_setting("feedback_answer_working_days")

    @expose("/answer/", methods=("POST",))
    def answer_view(self):
        """The Office answers one feedback; load → check → act."""
        item = self.get_one(request.form.get("id"))
        if item is None:
            abort(404)
        try:
            feedback_service.answer_feedback(
                current_user, item, kind=request.form.get("answer_kind", ""),
                answer=request.form.get("answer", ""),
                document_number=request.form.get("answer_document_number", ""))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(_("The answer was recorded and sent to the district."), "success")
        return redirect(self.get_url(".details_view", id=item.id))

    @staticmethod
    def may_file_area_feedback() -> bool:
        return policy.may_file_area_feedback(current_user)

    @staticmethod
    def departments():
        return feedback_service.departments()

    @expose("/file-area/", methods=("POST",))
    def file_area_view(self):
        """Any district files feedback on a department's handling of a matter in its area,
        without being named on a task (Đ16.4)."""
        try:
            item = feedback_service.file_area_feedback(
                current_user, about_unit_id=request.form.get("about_unit_id"),
                matter=request.form.get("matter", ""), content=request.form.get("content", ""))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(self.get_url(".index_view"))
        flash(_("Your feedback was sent to the Office."), "success")
        return redirect(self.get_url(".details_view", id=item.id))

    @expose("/file/", methods=("POST",))
    def file_view(self):
        """A district files feedback from the task page."""
        task_id = to_id(request.form.get("task_id", ""))
        task = db.session.scalar(sa.select(Task).where(
            Task.id == task_id, policy.task_scope(current_user))) if task_id is not None else None
        if task is None:
            abort(404)
        try:
            feedback_service.file_feedback(current_user, task, content=request.form.get("content", ""),
                                           about_unit_id=request.form.get("about_unit_id"))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(_("Your feedback was sent to the Office."), "success")
        return redirect(url_for("tasks.details_view", id=task.id))
