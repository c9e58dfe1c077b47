"""Documents, tasks and progress updates. State changes go through cddh.services.workflow."""

from __future__ import annotations

from flask_admin.contrib.sqla.filters import (
    BooleanEqualFilter,
    DateBetweenFilter,
    FilterEqual,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms.validators import NumberRange, Optional

from .. import labels
from ..models import Document, ProgressUpdate, Task, TaskState, Unit, db
from ..models.enums import UNIT_ROLES
from ..services import DomainError, workflow
from ..services.clock import local_today
from ..services.documents import prepare_document
from ..services.timeliness import days_label_parts, timeliness
from .base import LookupFilter, ScopedModelView, link_formatter

TIMELINESS_CSS = {
    "done_on_time": "success", "done_late": "warning", "open_on_time": "info",
    "open_overdue": "danger", "no_deadline": "secondary",
}


def _unit_options():
    return [(u.id, u.name) for u in db.session.query(Unit).filter(Unit.active.is_(True))
            .order_by(Unit.sort_order, Unit.name)]


def timeliness_badge(task: Task, today=None) -> Markup:
    """A coloured badge with "(còn 3 ngày)" / "(quá 5 ngày)" for open tasks."""
    today = today or local_today()
    value = timeliness(task, today)
    if value is None:
        return Markup("")
    text = labels.label(labels.TIMELINESS, value)
    parts = days_label_parts(task, today)
    if parts:
        kind, n = parts
        extra = _("(%(n)d days left)", n=n) if kind == "left" else _("(%(n)d days overdue)", n=n)
        text = f"{text} {extra}"
    return Markup('<span class="badge badge-{}">{}</span>').format(TIMELINESS_CSS[value.value], text)


class DocumentView(ScopedModelView):
    screen = "documents"
    allow_create = allow_edit = allow_export = True
    column_list = ("number", "doc_type", "summary", "issued_on", "entry_due_on", "specialist", "tracked")
    column_details_list = ("number", "doc_type", "issuer", "summary", "issued_on", "signer",
                           "submitting_unit", "specialist", "tracked", "entry_due_on",
                           "forwarded_at", "created_at", "updated_at")
    form_columns = ("doc_type", "number", "issuer", "summary", "issued_on", "signer",
                    "submitting_unit", "specialist", "tracked")
    form_choices = {"doc_type": labels.choices(labels.DOC_TYPE)}
    column_default_sort = ("issued_on", True)
    column_searchable_list = ("number",)
    column_filters = (
        FilterEqual(Document.doc_type, _l("Type"), options=labels.choices(labels.DOC_TYPE)),
        DateBetweenFilter(Document.issued_on, _l("Issue date")),
        BooleanEqualFilter(Document.tracked, _l("Tracked")),
    )
    column_formatters = {"doc_type": ScopedModelView.enum_formatter(labels.DOC_TYPE)}
    column_labels = {"number": _l("Number"), "doc_type": _l("Type"), "issuer": _l("Issuer"),
                     "summary": _l("Summary"), "issued_on": _l("Issue date"),
                     "signer": _l("Signer"), "submitting_unit": _l("Submitting unit"),
                     "specialist": _l("Specialist"), "tracked": _l("Tracked"),
                     "entry_due_on": _l("Entry due"), "forwarded_at": _l("Forwarded at"),
                     "created_at": _l("Entered at"), "updated_at": _l("Updated")}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        prepare_document(model)
        if is_created:
            model.created_by_id = current_user.id


class TaskView(ScopedModelView):
    screen = "tasks"
    allow_create = allow_edit = allow_export = True
    column_list = ("id", "content", "document", "lead_unit", "deadline", "state", "timeliness")
    column_details_list = ("id", "document", "content", "lead_unit", "cooperating_units",
                           "monitoring_unit", "specialist", "expected_product", "has_deadline",
                           "deadline", "original_deadline", "update_frequency", "priority",
                           "state", "timeliness", "percent_complete", "assigned_at",
                           "completed_on", "result_summary", "result_document_number",
                           "version", "created_at", "updated_at")
    column_export_list = ("id", "content", "document", "lead_unit", "deadline", "state")
    form_columns = ("document", "content", "lead_unit", "cooperating_units", "monitoring_unit",
                    "specialist", "expected_product", "has_deadline", "deadline",
                    "update_frequency", "priority")
    form_ajax_refs = {"document": {"fields": ("number",), "page_size": 10}}
    form_choices = {"expected_product": labels.choices(labels.EXPECTED_PRODUCT),
                    "update_frequency": labels.choices(labels.UPDATE_FREQUENCY),
                    "priority": labels.choices(labels.PRIORITY)}
    column_default_sort = ("id", True)
    column_sortable_list = ("id", "deadline", "state")
    column_filters = (
        FilterEqual(Task.state, _l("State"), options=labels.choices(labels.TASK_STATE)),
        LookupFilter(Task.lead_unit_id, _l("Lead unit"), _unit_options),
        FilterEqual(Task.document_id, _l("Document id")),
        DateBetweenFilter(Task.deadline, _l("Deadline")),
    )
    column_formatters = {
        "state": ScopedModelView.enum_formatter(labels.TASK_STATE),
        "priority": ScopedModelView.enum_formatter(labels.PRIORITY),
        "update_frequency": ScopedModelView.enum_formatter(labels.UPDATE_FREQUENCY),
        "expected_product": ScopedModelView.enum_formatter(labels.EXPECTED_PRODUCT),
        "timeliness": lambda v, c, m, n: timeliness_badge(m),
        "document": link_formatter("documents.details_view", "document"),
    }
    column_formatters_export = {"state": lambda v, c, m, n: labels.label(labels.TASK_STATE, m.state)}
    column_labels = {"id": _l("No."), "content": _l("Task"), "document": _l("Document"),
                     "lead_unit": _l("Lead unit"), "cooperating_units": _l("Cooperating units"),
                     "monitoring_unit": _l("Monitoring division"), "specialist": _l("Specialist"),
                     "expected_product": _l("Expected product"), "has_deadline": _l("Has deadline"),
                     "deadline": _l("Deadline"), "original_deadline": _l("Original deadline"),
                     "update_frequency": _l("Update frequency"), "priority": _l("Priority"),
                     "state": _l("State"), "timeliness": _l("Timeliness"),
                     "percent_complete": _l("Percent complete"), "assigned_at": _l("Assigned at"),
                     "completed_on": _l("Completed on"), "result_summary": _l("Result"),
                     "result_document_number": _l("Result document"), "version": _l("Version"),
                     "created_at": _l("Created"), "updated_at": _l("Updated")}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if not model.has_deadline:
            model.deadline = None
        if is_created:
            model.state = TaskState.draft
            model.original_deadline = model.deadline
        elif model.state not in (TaskState.draft, TaskState.returned):
            # After forwarding, the deadline moves only by an approved extension (Đ11.1d).
            raise DomainError(_("Only a draft or returned task can be edited; use an extension "
                                "request to move a deadline."))
        else:
            model.original_deadline = model.deadline


class ProgressUpdateView(ScopedModelView):
    screen = "progress_updates"
    allow_create = True
    column_list = ("created_at", "task", "unit", "author", "content", "percent", "is_contribution")
    column_details_list = column_list
    form_columns = ("task", "content", "percent")
    form_args = {"percent": {"validators": [Optional(), NumberRange(0, 100)]}}
    form_ajax_refs = {"task": {"fields": ("content",), "page_size": 10}}
    column_default_sort = ("created_at", True)
    column_filters = (FilterEqual(ProgressUpdate.task_id, _l("Task no.")),)
    column_formatters = {"task": link_formatter("tasks.details_view", "task")}
    column_labels = {"created_at": _l("Time"), "task": _l("Task"), "unit": _l("Unit"),
                     "author": _l("Author"), "content": _l("Content"), "percent": _l("Percent"),
                     "is_contribution": _l("Contribution of a cooperating unit")}

    @property
    def can_create(self) -> bool:
        return current_user.is_authenticated and current_user.role in UNIT_ROLES

    def create_model(self, form):
        """Progress is posted by the workflow service, which checks unit and state."""
        try:
            task = form.task.data
            if task is None:
                raise DomainError(_("Choose a task."))
            update = workflow.post_progress(current_user, task, form.content.data,
                                            form.percent.data)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - shown to the user, nothing saved
            db.session.rollback()
            if not self.handle_view_exception(exc):
                raise
            return False
        return update



