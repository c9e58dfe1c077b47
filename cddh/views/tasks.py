"""Documents, tasks and progress updates. State changes go through cddh.services.workflow."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import (
    BaseSQLAFilter,
    BooleanEqualFilter,
    DateBetweenFilter,
    DateGreaterFilter,
    DateSmallerFilter,
    FilterEqual,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2.filters import do_truncate
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload, selectinload, with_expression
from wtforms.validators import NumberRange, Optional

from .. import labels
from ..auth import policy
from ..models import (
    Attachment,
    CooperationRequest,
    Difficulty,
    Document,
    ExtensionRequest,
    ExtensionStatus,
    Feedback,
    ProgressUpdate,
    Role,
    Task,
    TaskHistory,
    TaskState,
    Timeliness,
    Unit,
    User,
    db,
    unit_document,
)
from ..models.enums import UNIT_ROLES, Priority
from ..services import (
    DomainError,
    attachments,
    delegation,
    difficulties,
    documents,
    imports,
    leaders,
    overview,
    reports,
    saved_filters,
    scope,
    signoff,
    statistics,
    task_filters,
    workflow,
)
from ..services import feedback as feedback_service
from ..services import search as text_search
from ..services.calendar import transaction_calendar
from ..services.clock import local_today
from ..services.directives import read as directives
from ..services.documents import prepare_document
from ..services.parsing import to_id, to_int
from ..services.settings import get_setting
from ..services.tasks import parse_date
from ..services.timeliness import (
    days_label_parts,
    task_class,
    timeliness_clause,
    unit_row_clause,
)
from . import memo
from .base import (
    DEFER_ROWS_FROM,
    INT32,
    CountsNothing,
    EstimatingCount,
    KeysetOrder,
    LocalDateBetweenMixin,
    LocalDateFilterMixin,
    LookupFilter,
    RowFormatter,
    ScopedModelView,
    link_formatter,
    list_notice,
    posted_version,
    run_service,
)
from .feedback import status_badge
from .formatting import link_html, local_date, shorten, task_links
from .forms import document_data
from .memo import SAVED_FILTERS, by_id, per_language, per_request
from .next_url import safe_next

TIMELINESS_CSS = {
    "done_on_time": "success", "done_late": "warning", "open_on_time": "info",
    "open_overdue": "danger", "no_deadline": "secondary", "returned": "dark",
    "cancelled": "light", "draft": "light",
}


def _unit_options():
    """The active units, for the lead and cooperating unit filters (read once a request,
    the three columns shown, not the units)."""
    return per_request("unit_options", lambda: [
        (u.id, unit_choice_label(u)) for u in db.session.execute(
            sa.select(Unit.id, Unit.name, Unit.code).where(Unit.active.is_(True))
            .order_by(Unit.sort_order, Unit.name))])


def _my_saved_filters() -> list:
    """The user's saved filters, read once a request (the menu and the list's panel)."""
    return per_request(SAVED_FILTERS, lambda: saved_filters.list_for(current_user))


def saved_filters_menu() -> list:
    """The navigation bar's "Saved filters": the user's own, when they may open the list."""
    if not policy.can_open_screen(current_user, TaskView.screen):
        return []
    return _my_saved_filters()


def specialist_options():
    """The Office specialists, for the "Specialist" filter."""
    return [(u.id, u.full_name or u.username) for u in db.session.execute(
        sa.select(User.id, User.full_name, User.username).where(
            User.role == Role.office_specialist, User.active.is_(True))
        .order_by(User.full_name))]


def timeliness_options():
    """The timeliness classes as filter options (lazy labels: read once at start-up)."""
    names = {str(key): text for key, text in labels.TIMELINESS.items()}
    names.update({"due_soon": _l("Due soon"), "awaiting_verification": _l("Awaiting verification"),
                  "returned": _l("Returned to the Office"), "cancelled": _l("Cancelled")})
    return [(value, names[value]) for value in task_filters.TIMELINESS_CLASSES]


def on_unit_row() -> bool:
    """The list's query reads each task with its unit's task_unit row (a unit user's list
    in its urgency order, by number or by deadline: ``TaskView._on_unit_rows``): a filter
    may say its condition there."""
    return has_request_context() and getattr(g, "unit_rows_join", False)


def filter_on_row(query, conditions: list, **counted):
    """Conditions on the unit's rows, on the list's query or its count (whose count of the
    whole scope from the index then stays, narrowed by them: ``EstimatingCount.on_rows``,
    which ``counted`` tells how to count them)."""
    if isinstance(query, EstimatingCount):
        return query.on_rows(*conditions, **counted)
    return query.filter(*conditions)


class ConditionFilter(BaseSQLAFilter):
    """A list filter whose condition a service builds from the value (cddh.services.
    task_filters). ``column`` only tells the bad-value check what kind of value it takes.
    ``row_condition``: the same rule on a unit's task_unit row, or None where the row cannot
    tell; used when the list reads that row (``on_unit_row``), unless ``own_row_condition``
    says it on the viewer unit's own forwarded rows. ``unit_condition``: the rule for a unit
    user's list read on the tasks, said with its unit (policy.documents_unit)."""

    def __init__(self, column, name, condition, options=None, operation=None,
                 row_condition=None, tally=None, states=None, in_id_order=frozenset(),
                 sorts_found=False, own_row_condition=None, unit_condition=None):
        super().__init__(column, name, options=options)
        self.condition = condition
        self.row_condition = row_condition
        self.own_row_condition = own_row_condition or row_condition
        self.unit_condition = unit_condition
        # The values whose tasks an index holds in id order (``TaskView._walk_bounded``).
        self.in_id_order = in_id_order
        # The tasks are found by an index of their own, along no order of the list: read
        # whole and sorted whatever their number (``ScopedModelView._apply_pagination``).
        self.sorts_found = sorts_found
        # What the filter says of the running tally's rows (TaskView._tally), and
        # the states it lets through for a value (None: any), as StateFilter's.
        self.tally = tally
        self.states = states
        self._operation = operation or _l("equals")

    def apply(self, query, value, alias=None):
        if self.own_row_condition is not None and on_unit_row():
            on_row = self.own_row_condition(value)
            if on_row is not None:
                return filter_on_row(query, on_row)
        unit_id = policy.documents_unit(current_user) \
            if self.unit_condition is not None and has_request_context() else None
        if unit_id is not None:
            return query.filter(self.unit_condition(value, unit_id))
        return query.filter(self.condition(value))

    def on_row(self, value) -> list | None:
        """The filter said on a task_unit row, any unit's (``CooperatingUnitFilter``)."""
        return self.row_condition(value) if self.row_condition is not None else None

    def operation(self):
        return self._operation


class StateFilter(FilterEqual):
    """The task's state; on a unit's rows (``on_unit_row``) said on the unit's row (its copy of the
    state: cddh.services.scope.row_state), one range of the urgency index."""

    @staticmethod
    def states(value) -> frozenset:
        """The states the filter lets through (``TaskView._apply_filters``)."""
        return frozenset({TaskState[value]}) if value in TaskState.__members__ else frozenset()

    @staticmethod
    def tally(value) -> dict | None:
        """The filter said of the running tally's rows (``TaskView._tally``)."""
        return {"state": value} if value in TaskState.__members__ else None

    def apply(self, query, value, alias=None):
        if on_unit_row() and value in TaskState.__members__:
            return filter_on_row(query, scope.row_state(value), state=value)
        return super().apply(query, value, alias)

    @staticmethod
    def on_row(value) -> list | None:
        """The filter said on a task_unit row, any unit's (``CooperatingUnitFilter``)."""
        return scope.row_state(value) if value in TaskState.__members__ else None


class PriorityFilter(FilterEqual):
    """The priority; on a unit's rows (``on_unit_row``) said there (scope.row_priority)."""

    @staticmethod
    def tally(value) -> dict | None:
        """The filter said in the running tally's terms (``TaskView._tally``: with a
        cooperating unit, counted from the link table)."""
        return {"priority": value} if value in Priority.__members__ else None

    def apply(self, query, value, alias=None):
        if on_unit_row() and value in Priority.__members__:
            unless = scope.row_special_priority() if value == Priority.normal.value else None
            return filter_on_row(query, scope.row_priority(value), unless=unless)
        return super().apply(query, value, alias)


class LeadUnitFilter(LookupFilter):
    """The lead unit; on a unit's rows (``on_unit_row``) said there (scope.row_led_by)."""

    @staticmethod
    def tally(value) -> dict | None:
        """The filter said of the running tally's rows (``TaskView._tally``)."""
        unit_id = to_id(value)
        return {"unit_id": unit_id} if unit_id is not None else None

    def apply(self, query, value, alias=None):
        if on_unit_row():
            return filter_on_row(query, scope.row_led_by(int(value), current_user.unit_id))
        return super().apply(query, value, alias)

    @staticmethod
    def on_row(value) -> list | None:
        """The filter said on a task_unit row, any unit's (``CooperatingUnitFilter``)."""
        unit_id = to_id(str(value))
        return scope.row_led_by(unit_id, None) if unit_id is not None else None


# What the running tally can narrow its counts by (``TaskView._tally``): a figure, its
# lead unit, a state, a closed period.
TALLY_TERMS = frozenset({"measure", "unit_id", "state", "period"})
# The dashboard's figures of open tasks: their lists walk ``ix_task_open_id`` (page_ids_first).
OPEN_FIGURES = frozenset({"open_overdue", "open_on_time"})
# The address's own conditions on the list (``TaskView.list_conditions``): the home page's
# links and the dashboard's and the reports' click-throughs.
LINK_ARGS = ("group", "directed", "timeliness", "unit_id", "period", "measure")


def link_arg(name: str) -> str | None:
    """The address's ``name`` (of ``LINK_ARGS``) where it says something: a value that is
    none (?timeliness=bad, ?group=bad, ?directed=x) is no condition (``list_conditions``
    drops it), so it takes no list off the way it reads without it (a unit's returned
    figure of a closed month with ?timeliness=bad at 1M: 190 ms, read live, where the
    figure's stored list takes 10). ?unit_id=, ?period= and ?measure= as typed: each is
    read by its own rule (``list_lead_unit``, ``link_window``)."""
    value = request.args.get(name)
    if not value:
        return None
    if name == "timeliness":
        return value if value in Timeliness.__members__ else None
    if name == "directed":
        return value if value == "me" else None
    if name == "group":
        from .home import GROUP_TITLES

        return value if value in GROUP_TITLES else None
    return value


class CooperatingUnitFilter(LookupFilter):
    """Tasks the chosen unit cooperates on (said on a unit's rows: ``on_unit_row``)."""

    @staticmethod
    def tally(value) -> dict | None:
        """The filter said in the running tally's terms (``TaskView._tally``): alone on the
        whole table, counted from the link table."""
        unit_id = to_id(value)
        return {"cooperating_unit": unit_id} if unit_id is not None else None

    def apply(self, query, value, alias=None):
        if on_unit_row():
            return filter_on_row(query, task_filters.cooperating_unit_on_row(
                int(value), current_user.unit_id))
        # The list's other filters that a row can tell narrow the unit's rows first
        # (``TaskView._cooperating_rows``).
        rows = getattr(g, "cooperating_rows", ()) if has_request_context() else ()
        return query.filter(task_filters.cooperating_unit(int(value), rows))


def deadline_filter(query, start, end):
    """The task's deadline between ``start`` and ``end`` (either open); on a unit's rows
    (``on_unit_row``) said there (scope.row_deadline_within) and counted from the index."""
    if on_unit_row():
        return filter_on_row(query, deadline_on_row(start, end))
    said_on_rows = g.get("deadline_on_cooperating_rows") if has_request_context() else None
    if said_on_rows == "list" or (said_on_rows and isinstance(query, EstimatingCount)):
        return query  # said on the cooperating unit's rows alone (TaskView.get_list)
    if start is not None and end is not None:
        return query.filter(Task.deadline.between(start, end))
    return query.filter(Task.deadline >= start if start is not None else Task.deadline <= end)


def period_conditions(key, measure, unit_id) -> list:
    """reports.period_conditions of a report figure's link, said once a request."""
    return memo.per_request(("period_conditions", key, measure, unit_id),
                            lambda: reports.period_conditions(key, measure, unit_id))


def deadline_on_row(start, end) -> list:
    """``deadline_filter`` said on a task_unit row, any unit's (a unit's own list,
    ``CooperatingUnitFilter``): the list and its count read one calendar (its days off
    read once)."""
    return scope.row_deadline_within(start, end, transaction_calendar())


class DateRangeFilter(LocalDateBetweenMixin, DateBetweenFilter):
    """Flask-Admin's "between" on a date column, the dates as users write them."""


class DeadlineRangeFilter(DateRangeFilter):
    """The task's deadline between two dates."""

    def apply(self, query, value, alias=None):
        return deadline_filter(query, *value)

    @staticmethod
    def on_row(value) -> list:
        return deadline_on_row(*value)


class DeadlineFromFilter(LocalDateFilterMixin, DateGreaterFilter):
    def apply(self, query, value, alias=None):
        return deadline_filter(query, value, None)

    @staticmethod
    def on_row(value) -> list:
        return deadline_on_row(value, None)

    def operation(self):
        return _l("from")


class DeadlineToFilter(LocalDateFilterMixin, DateSmallerFilter):
    def apply(self, query, value, alias=None):
        return deadline_filter(query, None, value)

    @staticmethod
    def on_row(value) -> list:
        return deadline_on_row(None, value)

    def operation(self):
        return _l("to")


DEADLINE_FILTERS = (DeadlineRangeFilter, DeadlineFromFilter, DeadlineToFilter)


def status_text(task: Task, today) -> str:
    """The task's one status in words, from the class the figures count it in
    (cddh.services.statistics): what a user reads on the task page and in lists."""
    value = task_class(task, today)
    if value is None:
        return _("Draft, not yet forwarded")
    if value == "cancelled":
        return _("Cancelled")
    if value == "returned":
        return _("Returned to the Office")
    awaiting = task.state == TaskState.pending_verification
    if value == "no_deadline":
        if task.state in (TaskState.pending_verification, TaskState.completed):
            return (_("Reported complete (no deadline), awaiting the Office's verification")
                    if awaiting else _("Completed (no deadline)"))
        return _("In progress (no deadline)")
    if value in ("done_on_time", "done_late"):
        if awaiting:
            return (_("Reported complete on time, awaiting the Office's verification")
                    if value == "done_on_time"
                    else _("Reported complete late, awaiting the Office's verification"))
        return str(labels.label(labels.TIMELINESS, value))
    # An open task's words differ by their days alone: the rest is translated once a request.
    text = per_language(("timeliness_label", value),
                       lambda: str(labels.label(labels.TIMELINESS, value)))
    parts = days_label_parts(task, today)
    if parts:
        kind, n = parts
        if kind == "left" and n == 0:
            extra = per_language("due_today", lambda: _("(due today)"))
        elif kind == "left":
            extra = ngettext("(%(num)d day left)", "(%(num)d days left)", n)
        else:
            extra = ngettext("(%(num)d day overdue)", "(%(num)d days overdue)", n)
        text = f"{text} {extra}"
    if task.state == TaskState.assigned:
        # outside the f-string, where extraction finds it
        received = per_language("not_yet_received", lambda: _("not yet received"))
        text = f"{text}, {received}"
    return text


def timeliness_badge(task: Task, today=None) -> Markup:
    """The task's one status as a coloured badge: "Đang thực hiện trong hạn (còn 3 ngày)",
    "Đã báo cáo hoàn thành đúng hạn, chờ Văn phòng xác nhận"…

    ``status_text`` reads only the class, the state and the days left or overdue: a page
    of 50 rows translates each combination once. The badge is a function of the key below
    and the language alone: it is kept across requests (memo.per_language_kept)."""
    today = today or per_request("local_today", local_today)
    value = task_class(task, today) or "draft"
    key = ("timeliness_badge", today, value, task.state, days_label_parts(task, today))
    return memo.per_language_kept(key, lambda: Markup(
        '<span class="badge badge-{}" data-class="{}">{}</span>').format(
        TIMELINESS_CSS[value], value, status_text(task, today)))


def task_table_rows(tasks, today) -> Markup:
    """The rows of a short task table (partials/task_table.html: a home's group, a
    document's tasks): each task's content linked to its page and cut at 90 characters, its
    lead unit, deadline and status badge. Written in one call: the link built once and each
    id substituted, instead of a URL and several template calls per row."""
    url_of = by_id("task_table", lambda i: url_for("tasks.details_view", id=i))
    env = current_app.jinja_env
    rows = []
    for task in tasks:  # f-strings, each text escaped (Markup.format is slow per call)
        unit = task.lead_unit
        where = escape((unit.short_name or unit.name) if unit else "")
        if task.deadline:
            where = f"{where} · {local_date(task.deadline)}"
        rows.append(f'<tr><td><a href="{escape(url_of(task.id))}">'
                    f'{escape(do_truncate(env, task.content, 90))}</a>'
                    f'<div class="text-muted">{where}</div>'
                    f'<div>{timeliness_badge(task, today)}</div></td></tr>')
    return Markup("\n".join(rows))


def partial_badge(today):
    """``timeliness_badge`` of a page's rows, all read on the same day."""
    return lambda task: timeliness_badge(task, today)


def content_cells(view):
    """A list row's task, linked to its page (the URL built once, each id substituted)."""
    url_of = by_id("task_details", lambda i: view.get_url(".details_view", id=i))
    return lambda task: link_html(url_of(task.id), task.content)


def position_label(user) -> str:
    return labels.label(labels.LEADER_POSITION, user.position)


def leader_options():
    return [(u.id, f"{u.full_name} — {position_label(u)}") for u in leaders.leader_names()]


TASK_NUMBER = re.compile(r"^\s*#(\d+)\s*$")
UNIT_FIELDS = ("lead_unit", "cooperating_units", "monitoring_unit", "submitting_unit")


def unit_choice_label(unit) -> str:
    """A unit in a form's picker: its name and code, so typing "snv" finds it."""
    return f"{unit.name} ({unit.code})" if unit.code else unit.name


class DirectingLeaderForm:
    """The generic forms offer only the leaders with a position as directing leader, and
    name each unit with its code (the pickers are searchable: static/js/unit_picker.js)."""

    create_template = "tasks/create.html"
    edit_template = "tasks/edit.html"

    def _scope_form(self, form):
        form = super()._scope_form(form)
        for name in UNIT_FIELDS:
            field = getattr(form, name, None)
            if field is not None and hasattr(field, "get_label"):
                field.get_label = unit_choice_label
        field = getattr(form, "directing_leader", None)
        if field is not None:
            field.query_factory = lambda: self._reference_query(User).filter(
                User.id.in_([u.id for u in leaders.leaders()]))
        return form


class DocumentView(DirectingLeaderForm, ScopedModelView):
    screen = "documents"
    list_template = "documents/list.html"
    details_template = "documents/details.html"

    @expose("/<int:id>")
    def short_view(self, id):
        """``/documents/122``: the document's page."""
        return self.short_details(id)

    def page_title(self, doc) -> str:
        return _("Document %(number)s", number=doc.number)

    def document_page(self, doc) -> dict:
        """The document's tasks the user may see, its files, and whether it was late."""
        today = local_today()
        tasks = (db.session.query(Task).filter(Task.document_id == doc.id,
                                               policy.task_scope(current_user))
                 .order_by(Task.id).all())
        files = db.session.query(Attachment).filter(Attachment.document_id == doc.id).all()
        late = overview.is_late_entry(doc, today)
        return {"tasks": tasks, "files": files, "late": late, "today": today,
                "can_enter": policy.may_enter_documents(current_user)}

    @expose("/attach/", methods=("POST",))
    def attach_view(self):
        """Attach files to a document (the Office)."""
        doc = self.get_one(request.form.get("id"))
        if doc is None:
            abort(404)
        if not policy.may_enter_documents(current_user):
            abort(403)
        try:
            stored = attachments.store_uploads(request.files.getlist("files"),
                                               uploader=current_user, document_id=doc.id)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(_("%(n)d files attached.", n=len(stored)), "success")
        return redirect(self.get_url(".details_view", id=doc.id))
    allow_create = allow_edit = allow_export = True
    column_list = ("number", "doc_type", "summary", "issued_on", "entry_due_on", "specialist", "tracked")
    column_details_list = ("number", "doc_type", "issuer", "summary", "issued_on", "signer",
                           "directing_leader", "submitting_unit", "specialist", "tracked",
                           "entry_due_on", "forwarded_at", "created_at", "updated_at")
    form_columns = ("doc_type", "number", "issuer", "summary", "issued_on", "signer",
                    "directing_leader", "submitting_unit", "specialist", "tracked")
    form_choices = {"doc_type": labels.choices(labels.DOC_TYPE)}
    # Each order has its index (models/document.py): type and tracking are filters too.
    column_sortable_list = ("number", "doc_type", "issued_on", "entry_due_on")
    column_default_sort = ("issued_on", True)
    search_column = "search_text"
    search_hint = _l("Number or words of the summary")
    column_filters = (
        FilterEqual(Document.doc_type, _l("Type"), options=labels.choices(labels.DOC_TYPE)),
        DateRangeFilter(Document.issued_on, _l("Issue date")),
        BooleanEqualFilter(Document.tracked, _l("Tracked")),
    )
    column_formatters = {"doc_type": ScopedModelView.enum_formatter(labels.DOC_TYPE)}
    column_labels = {"number": _l("Number"), "doc_type": _l("Type"), "issuer": _l("Issuer"),
                     "summary": _l("Summary"), "issued_on": _l("Issue date"),
                     "signer": _l("Signer"), "submitting_unit": _l("Submitting unit"),
                     "directing_leader": _l("Directing leader"),
                     "specialist": _l("Specialist"), "tracked": _l("Tracked"),
                     "entry_due_on": _l("Entry due"), "forwarded_at": _l("Forwarded at"),
                     "created_at": _l("Entered at"), "updated_at": _l("Updated")}

    # --- a unit's list by issue date: along its document entries -------------------------
    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        """A unit user's list by issue date (its default order, newest first), without a
        search, is read along the unit's document entries (``scoped``, ``_apply_sorting``):
        one range of their (unit, issue date, document) index. By the documents' own index,
        a unit with 1% of them had a hundred others passed for each of its own."""
        order = self.list_order(self.sortable(sort_column), sort_desc) if not search else None
        along = order is not None and order[0] is Document.issued_on \
            and policy.unit_document_entries(current_user) is not None
        g.documents_along_entries = order[1] if along else None
        try:
            return super().get_list(page, sort_column, sort_desc, search, filters, execute,
                                    page_size)
        finally:
            g.documents_along_entries = None

    @staticmethod
    def _along_entries() -> bool | None:
        """Descending (True/False) where the list is read along the unit's entries."""
        return getattr(g, "documents_along_entries", None) if has_request_context() else None

    def scoped(self, query):
        """Along the unit's entries the join is the scope: they are its documents, one entry
        each (policy.unit_document_entries, the same rows as policy.document_scope)."""
        entries = policy.unit_document_entries(current_user) \
            if self._along_entries() is not None else None
        if entries is None:
            return super().scoped(query)
        return query.join(*entries)

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """Along the unit's entries: by their copy of the issue date, then the document."""
        descending = self._along_entries()
        if descending is None:
            return super()._apply_sorting(query, joins, sort_column, sort_desc)
        entry = unit_document.c
        return query.order_by(*(c.desc() if descending else c.asc()
                                for c in (entry.issued_on, entry.document_id))), joins

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        leaders.check_directing_leader(model.directing_leader.id if model.directing_leader
                                       else model.directing_leader_id)
        prepare_document(model)
        if is_created:
            model.created_by_id = current_user.id

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """Documents are entered with their tasks on one form (below)."""
        return redirect(self.get_url(".enter_view"))

    @expose("/import/template.xlsx")
    def import_template_view(self):
        """The Excel template, with the current unit codes."""
        if not policy.may_enter_documents(current_user):
            abort(403)
        return Response(imports.template_workbook(), headers={
            "Content-Disposition": 'attachment; filename="mau-nhap-van-ban.xlsx"'},
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/import/", methods=("GET", "POST"))
    def import_view(self):
        """Upload the filled template: every document is created, or none."""
        if not policy.may_enter_documents(current_user):
            abort(403)
        problems, message = [], ""
        if request.method == "POST":
            upload = request.files.get("file")
            try:
                if upload is None or not upload.filename:
                    raise DomainError(_("Choose the Excel file to import."))
                created = imports.import_workbook(current_user, upload.read())
                db.session.commit()
            except imports.ImportErrors as exc:
                db.session.rollback()
                problems, message = exc.rows, exc.message
            except DomainError as exc:
                db.session.rollback()
                message = exc.message
            else:
                flash(_("Imported %(d)d documents with %(t)d tasks, as drafts.", d=len(created),
                        t=sum(len(d.tasks) for d in created)), "success")
                return redirect(self.get_url(".index_view"))
        return self.render("documents/import.html", problems=problems, message=message), (
            422 if message else 200)

    @expose("/extract/", methods=("POST",))
    def extract_view(self):
        """"Đọc từ văn bản" on the entry form: proposed tasks read from the pasted text or the
        uploaded .docx/.pdf, as JSON for static/js/extract.js. Nothing is stored."""
        if not policy.may_enter_documents(current_user):
            return jsonify({"error": {"code": "forbidden", "message": _(
                "Only an Office specialist can enter documents.")}}), 403
        try:
            issued_on = parse_date(request.form.get("issued_on"), "issued_on")
            upload = request.files.get("file")
            if upload is not None and upload.filename:
                text = directives.text_of_file(upload.filename, upload.read())
            else:
                text = request.form.get("text")
            tasks = directives.read_directive(text, issued_on)
        except DomainError as exc:
            db.session.rollback()
            return jsonify({"error": {"code": exc.code, "message": exc.message,
                                      "fields": {k: exc.message for k in exc.fields}}}), 422
        return jsonify({"tasks": [t.as_dict() for t in tasks]})

    @expose("/enter/", methods=("GET", "POST"))
    def enter_view(self):
        """One form for a document and its tasks; save as drafts or save and forward."""
        if not policy.may_enter_documents(current_user):
            abort(403)
        data, errors, message = {}, {}, ""
        if request.method == "POST":
            data = document_data(request.form)
            try:
                doc = documents.create_document(current_user, data)
                attachments.store_uploads(request.files.getlist("document_files"),
                                          uploader=current_user, document_id=doc.id)
                if request.form.get("submit") == "forward":
                    for task in doc.tasks:
                        workflow.forward(current_user, task)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                message = exc.message
                if isinstance(exc, documents.ValidationErrors):
                    errors = exc.fields  # key -> message, shown beside each field
                else:
                    errors = {key: exc.message for key in exc.fields} or {"_form": exc.message}
            else:
                flash(_("Document %(n)s entered with %(k)d tasks.", n=doc.number, k=len(doc.tasks)),
                      "success")
                return redirect(self.get_url(".details_view", id=doc.id))
        choices = {
            "doc_type": labels.choices(labels.DOC_TYPE),
            "frequency": labels.choices(labels.UPDATE_FREQUENCY),
            "priority": labels.choices(labels.PRIORITY),
            "product": labels.choices(labels.EXPECTED_PRODUCT),
            "confidentiality": list(labels.CONFIDENTIALITY.items()),
        }
        status = 422 if errors else 200
        return self.render("documents/enter.html", data=data, errors=errors, message=message,
                           entry_days=get_setting("entry_sla_working_days"),
                           units=documents.unit_choices(), choices=choices,
                           leaders=leaders.leaders(), leader_label=position_label), status


class UrgencyOrder(KeysetOrder):
    """A unit's list by urgency (services/scope.by_urgency) in keyset pages: the cursor is
    the last row's (settled, effective deadline, id), ``after=0,2026-12-31,1234``."""

    def parse(self, raw: str):
        parts = raw.split(",")
        if len(parts) != 3 or parts[0] not in ("0", "1"):
            return None
        task_id = to_int(parts[2], 0, INT32)
        deadline = None
        if parts[1]:
            try:
                deadline = dt.date.fromisoformat(parts[1])
            except ValueError:
                return None
        return None if task_id is None else (parts[0] == "1", deadline, task_id)

    def after(self, cursor) -> list:
        return scope.urgency_after(*cursor)

    def text(self, row) -> str:
        settled, deadline, task_id = scope.urgency_key(row)
        return f"{int(settled)},{deadline.isoformat() if deadline else ''},{task_id}"


class TaskView(DirectingLeaderForm, ScopedModelView):
    screen = "tasks"
    allow_create = allow_edit = allow_export = True
    column_list = ("id", "content", "document", "lead_unit", "deadline", "state", "timeliness",
                   "quick")
    column_details_list = ("id", "document", "content", "lead_unit", "cooperating_units",
                           "monitoring_unit", "specialist", "directing_leader", "expected_product", "has_deadline",
                           "deadline", "effective_deadline", "original_deadline",
                           "update_frequency", "priority",
                           "percent_complete", "assigned_at",
                           "completed_on", "result_summary", "result_document_number",
                           "version", "created_at", "updated_at")
    column_export_list = ("id", "content", "document", "lead_unit", "deadline", "state",
                          "timeliness")
    export_types = ["xlsx", "csv"]
    form_columns = ("document", "content", "lead_unit", "cooperating_units", "monitoring_unit",
                    "specialist", "directing_leader", "expected_product", "has_deadline", "deadline",
                    "update_frequency", "priority")
    form_ajax_refs = {"document": {"fields": ("number",), "page_size": 10,
                                   "match": task_filters.document_numbered}}
    form_choices = {"expected_product": labels.choices(labels.EXPECTED_PRODUCT),
                    "update_frequency": labels.choices(labels.UPDATE_FREQUENCY),
                    "priority": labels.choices(labels.PRIORITY)}
    column_default_sort = ("id", True)
    column_sortable_list = ("id", "deadline", "state")
    search_column = "search_text"
    search_hint = _l("Document number, words of the task or #task number")
    # New filters go at the end: a filter's place is its key in bookmarked URLs (flt0_5=…).
    column_filters = (
        StateFilter(Task.state, _l("State"), options=labels.choices(labels.TASK_STATE)),
        LeadUnitFilter(Task.lead_unit_id, _l("Lead unit"), _unit_options, tables=("unit",)),
        LookupFilter(Task.directing_leader_id, _l("Directing leader"), leader_options,
                     tables=("user_account",)),
        ConditionFilter(Task.content, _l("Document number"), task_filters.document_number,
                        operation=_l("contains"),
                        row_condition=task_filters.document_number_on_row,
                        own_row_condition=task_filters.document_number_on_own_rows,
                        unit_condition=task_filters.document_number_of_unit,
                        sorts_found=True),
        DeadlineRangeFilter(Task.deadline, _l("Deadline")),
        CooperatingUnitFilter(Task.id, _l("Cooperating unit"), _unit_options, tables=("unit",)),
        LookupFilter(Task.specialist_id, _l("Specialist"), specialist_options,
                     tables=("user_account",)),
        PriorityFilter(Task.priority, _l("Priority"), options=labels.choices(labels.PRIORITY)),
        ConditionFilter(Task.id, _l("Timeliness"),
                        lambda v: task_filters.timeliness_class(v, local_today()),
                        options=timeliness_options(),
                        row_condition=lambda v: task_filters.timeliness_class_on_row(
                            v, local_today()),
                        tally=lambda v: {"measure": v}, states=task_filters.states_of_class,
                        in_id_order=task_filters.IN_ID_ORDER_BY_INDEX),
        DeadlineFromFilter(Task.deadline, _l("Deadline")),
        DeadlineToFilter(Task.deadline, _l("Deadline")),
        ConditionFilter(Task.id, _l("Mine"), lambda v: task_filters.mine(current_user),
                        options=[("1", _l("Tasks I follow"))],
                        row_condition=lambda v: task_filters.mine_on_row(current_user)),
    )
    column_formatters = {
        "state": ScopedModelView.enum_formatter(labels.TASK_STATE),
        "priority": ScopedModelView.enum_formatter(labels.PRIORITY),
        "update_frequency": ScopedModelView.enum_formatter(labels.UPDATE_FREQUENCY),
        "expected_product": ScopedModelView.enum_formatter(labels.EXPECTED_PRODUCT),
        "timeliness": RowFormatter(lambda v: partial_badge(per_request("local_today",
                                                                      local_today))),
        "quick": RowFormatter(lambda v: v.quick_cells()),
        "content": RowFormatter(lambda v: content_cells(v)),
        "document": link_formatter("documents.details_view", "document"),
        "lead_unit": RowFormatter(lambda v: v.lead_unit_cells()),
    }
    column_formatters_detail = {
        **column_formatters,
        "content": lambda v, c, m, n: task_links(m.content),
        "result_summary": lambda v, c, m, n: task_links(m.result_summary),
    }
    column_formatters_export = {"state": lambda v, c, m, n: labels.label(labels.TASK_STATE, m.state)}
    column_labels = {"id": _l("No."), "content": _l("Task"), "document": _l("Document"),
                     "lead_unit": _l("Lead unit"), "cooperating_units": _l("Cooperating units"),
                     "monitoring_unit": _l("Monitoring division"), "specialist": _l("Specialist"),
                     "directing_leader": _l("Directing leader"),
                     "expected_product": _l("Expected product"), "has_deadline": _l("Has deadline"),
                     "deadline": _l("Deadline"), "original_deadline": _l("Original deadline"),
                     "effective_deadline": _l("Effective deadline (next working day, Điều 148 BLDS)"),
                     "update_frequency": _l("Update frequency"), "priority": _l("Priority"),
                     "state": _l("State"), "timeliness": _l("Timeliness"), "quick": "",
                     "percent_complete": _l("Percent complete"), "assigned_at": _l("Assigned at"),
                     "completed_on": _l("Completed on"), "result_summary": _l("Result"),
                     "result_document_number": _l("Result document"), "version": _l("Version"),
                     "created_at": _l("Created"), "updated_at": _l("Updated")}

    details_template = "tasks/details.html"
    list_template = "tasks/list.html"

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        # The list's query is joined to the unit's task_unit rows (``_apply_sorting``) when it
        # is read in the urgency order, by number or by deadline (``_on_unit_rows``):
        # ``get_query`` may then put conditions on that row.
        # Any other query (a details page, an action's rows) is never joined.
        sort_column = self.sortable(sort_column)  # as the list is read (ScopedModelView)
        g.unit_rows_join = self._on_unit_rows(sort_column, sort_desc, filters)
        # The states the filters and a ?timeliness= link let through: the urgency order
        # drops the "settled" flag where they fix it (``_apply_sorting``).
        g.task_list, g.row_states = True, self._allowed_states(filters)
        g.list_walk_bounded = self._walk_bounded(sort_column, filters)
        # Not on a unit's own rows: their count is exact (``EstimatingCount.on_rows``), and
        # tells whether its rows are few enough to read whole and sort.
        g.list_sort_found = not g.unit_rows_join and any(
            getattr(self._filters[idx], "sorts_found", False)
            for idx, _name, _value in filters or ())
        g.list_ids_first = self._page_ids_first(sort_column, search, filters)
        # By state, on the tasks (not a unit's rows): read a state at a time where the tally
        # tells each state's part (``_apply_pagination``).
        g.list_by_state = bool(sort_desc) if sort_column == "state" \
            and not g.unit_rows_join else None
        # By deadline or number, on the tasks: a list of one state reads that state's range
        # of the (state, deadline, id) or (state, id) index (``_one_state_page``).
        order = self.list_order(sort_column, sort_desc) if execute else None
        g.list_along_state = order[1] if isinstance(order, tuple) \
            and (order[0] is Task.deadline or order[0] is Task.id) \
            and not g.unit_rows_join else None
        # By deadline, a few states: each one's range (``_few_states_page``).
        g.list_few_states = g.list_along_state is not None and order[0] is Task.deadline
        # Narrowed by a deadline range: its states' parts are counted a state at a time
        # (``_probed_state_parts``).
        g.list_by_state_in_range = g.list_by_state is not None and any(
            isinstance(self._filters[idx], DEADLINE_FILTERS)
            for idx, _name, _value in filters or ())
        # A unit's search is counted along its rows (policy.along_unit_rows): the filters
        # said on the rows too, so that only the rows they keep are looked up.
        g.row_filter_conditions = self._row_filter_conditions(filters) \
            if search and execute and current_user.role in UNIT_ROLES else ()
        g.cooperating_rows = self._cooperating_rows(filters) if execute else ()
        # By number, every other filter said on those rows: the page read along them
        # (``_cooperating_page``).
        g.cooperating_page = self._cooperating_page_unit(order, search, filters) \
            if execute and isinstance(order, tuple) \
            and (order[0] is Task.id or order[0] is Task.deadline) else None
        # A deadline said on those rows (their effective deadline, exact: deadline_on_row)
        # is not said on the tasks again ("list"), or, where the page walks the tasks'
        # deadline index within it (sorted by deadline), only there ("count"). Said on the
        # tasks, the planner matched the unit's rows of the range against every task of
        # the range in the deadline index (the Office's cooperating unit due from June at
        # 1M: its 1,309 against 190,022, 30 ms, for the count and again for the page).
        g.deadline_on_cooperating_rows = None if not g.cooperating_rows or not any(
            isinstance(self._filters[idx], DEADLINE_FILTERS)
            for idx, _name, _value in filters or ()) \
            else "count" if sort_column == "deadline" else "list"
        try:
            count, rows = super().get_list(page, sort_column, sort_desc, search, filters,
                                           execute, page_size)
        finally:
            g.unit_rows_join = g.task_list = g.list_walk_bounded = g.list_sort_found = False
            g.list_ids_first = False
            g.row_states = g.list_by_state = g.list_along_state = None
            g.list_few_states = False
            g.list_by_state_in_range = False
            g.deadline_on_cooperating_rows = None
            g.row_filter_conditions = g.cooperating_rows = ()
            g.cooperating_page = None
        if execute and rows and current_user.role in UNIT_ROLES:
            # The unit's part in each row (the quick buttons: policy.unit_relation), from its
            # task_unit rows: read with the task where the list joined them (``_apply_sorting``:
            # Task.unit_row_role), else one index range, in any order; never every row's
            # cooperating units (and a sub-task's parent task, one statement a row).
            unit_id = current_user.unit_id
            roles = {task.id: task.unit_row_role for task in rows
                     if task.unit_row_role is not None}
            missing = [task.id for task in rows if task.id not in roles]
            if missing:
                roles |= scope.unit_roles(unit_id, missing)
            for task in rows:
                task.unit_role = (unit_id, roles.get(task.id))
        return count, rows

    def _apply_filters(self, query, count_query, joins, count_joins, filters):
        """The filters; counted from the running tally where what narrows the list allows it
        (``_tally``), and nothing at all where they ask for states no task can be in together
        (a state with a timeliness class that excludes it, two states): the database cannot
        tell, and would look for such a task through the whole table."""
        said = count_query.said if isinstance(count_query, EstimatingCount) else None
        query, count_query, joins, count_joins = super()._apply_filters(
            query, count_query, joins, count_joins, filters)
        said = self._said(said, [self._filter_said(idx, value) for idx, _name, value in filters])
        tally = self._tally(said) if said else None
        if said:
            count_query = count_query.narrowed([], said, tally)
        if tally is None and isinstance(count_query, EstimatingCount) \
                and count_query.whole is None and getattr(g, "cooperating_rows", ()):
            # A cooperating unit with filters its rows say exactly (a deadline bound, a
            # lead unit, a document number): the rows counted
            # (task_filters.cooperating_rows_count), not each one's task looked up.
            unit_id = self._cooperating_filter_unit(filters)
            counted = None if unit_id is None else task_filters.cooperating_rows_count(
                unit_id, g.cooperating_rows, count_query.query.statement,
                self._said_exactly_on_rows(filters))
            if counted is not None:
                count_query = count_query.narrowed([], {"cooperating_rows": unit_id}, counted)
        if not self._allowed_states(filters):
            query = query.filter(sa.false())
            if isinstance(count_query, EstimatingCount):
                count_query = CountsNothing()
        return query, count_query, joins, count_joins

    def _allowed_states(self, filters) -> frozenset:
        """The states a task may be in to pass the filters (a state, a timeliness class) and
        a ?timeliness= link (as ``list_conditions`` reads it); every state when nothing
        says."""
        states = frozenset(TaskState)
        for idx, _name, value in filters or ():
            of_value = getattr(self._filters[idx], "states", None)
            allowed = of_value(value) if of_value is not None else None
            if allowed is not None:
                states &= allowed
        link = request.args.get("timeliness")
        if link in Timeliness.__members__:
            states &= statistics.class_states(link)
        return states

    def _row_filter_conditions(self, filters, kinds=(ConditionFilter,)) -> list:
        """The filters of ``kinds`` that a task_unit row can tell (their ``on_row``: a
        ``ConditionFilter``'s ``row_condition``), said on the row."""
        conditions = []
        for idx, _name, value in filters or ():
            flt = self._filters[idx]
            found = flt.on_row(flt.clean(value)) if isinstance(flt, kinds) else None
            conditions.extend(found or ())
        return conditions

    def _cooperating_rows(self, filters) -> list:
        """A cooperating unit's filter, on the tasks (not a unit's own rows): the list's
        other filters that a task_unit row can tell from its index (a state, a class, a
        lead unit, a document number: the row copies them from its task), said on the
        cooperating unit's rows, so that only the rows they keep are looked up as tasks
        (``CooperatingUnitFilter.apply``); the tasks still meet them all. Looked up by the
        unit's link entries, each of its tasks was read for any other filter: a unit's
        6,878 at 1M for the 1,327 open overdue ones, twice (count and page), 46 -> 24 ms.
        Not a priority (the normal ones are nearly all) nor a deadline (the unit's rows of
        the range each read for their role): said on the rows, the planner read them all
        joined to their documents and sorted them (38 -> 114 ms, 52 -> 71 ms)."""
        if g.unit_rows_join or not any(isinstance(self._filters[idx], CooperatingUnitFilter)
                                       for idx, _name, _value in filters or ()):
            return []
        return self._row_filter_conditions(filters, (ConditionFilter, StateFilter,
                                                     LeadUnitFilter, *DEADLINE_FILTERS))

    def _said_exactly_on_rows(self, filters) -> list:
        """The conditions on the tasks of the list's filters that a task_unit row says
        exactly with its copies of the task's lead unit and document (a lead unit, a
        document number), as each filter says them on the tasks: where they are said on the
        cooperating unit's rows (``_cooperating_rows``), its count need not say them again
        (task_filters.cooperating_rows_count). Not a state: the row's copy of the state
        guides, the task's decides (a copy gone stale leaves the task where it is)."""
        conditions = []
        for idx, _name, value in filters or ():
            flt = self._filters[idx]
            if isinstance(flt, LeadUnitFilter) or (
                    isinstance(flt, ConditionFilter)
                    and flt.condition is task_filters.document_number):
                cleaned = flt.clean(value)
                if not flt.on_row(cleaned):  # not said on the rows (no such unit): kept
                    continue
                said = flt.apply(db.session.query(Task.id), cleaned).whereclause
                if said is not None:
                    conditions.append(said)
        return conditions

    def _cooperating_filter_unit(self, filters) -> int | None:
        """The unit of the list's one cooperating unit filter; None without one, with a
        value that is no unit, or with two (the rows of one are not the list's)."""
        units = [to_id(value) for idx, _name, value in filters or ()
                 if isinstance(self._filters[idx], CooperatingUnitFilter)]
        return units[0] if len(units) == 1 else None

    def _cooperating_page_unit(self, order, search, filters) -> tuple[int, bool, bool] | None:
        """(the unit, descending, by deadline) where the Office's list by number or by
        deadline (``order``) is filtered by a cooperating unit and every other filter is
        said on that unit's rows too (``_cooperating_rows``: a state, a class, a lead unit,
        a document number, a deadline) or met by nearly every task (the priority
        "normal"), with no search and no link's conditions (?timeliness=, ?group=, …):
        nearly every row's task then meets the list's conditions, and a page is read along
        the rows (``_cooperating_page``). None otherwise, and for the unit's filter alone."""
        if g.unit_rows_join or search or any(link_arg(name) for name in LINK_ARGS):
            return None
        unit_id = self._cooperating_filter_unit(filters)
        said_on_rows = (ConditionFilter, StateFilter, LeadUnitFilter, *DEADLINE_FILTERS)
        for idx, name, value in filters or ():
            if isinstance(self._filters[idx], CooperatingUnitFilter):
                continue
            if isinstance(self._filters[idx], PriorityFilter):
                # "normal": nearly every task, checked on each row's task (not said on the
                # rows: ``_cooperating_rows``); the few urgent or flash ones are found
                # through their own index instead.
                if value != Priority.normal.value:
                    return None
            elif not self._row_filter_conditions([(idx, name, value)], said_on_rows):
                return None
        # Alone, the unit's link entries are walked in task order already (a page 1 ms).
        if unit_id is None or len(filters) < 2:
            return None
        return unit_id, order[1], order[0] is Task.deadline

    def _cooperating_page(self, query, page, size):
        """A page of the Office's list by number or by deadline filtered by a cooperating
        unit whose other filters are all said on the unit's rows
        (``_cooperating_page_unit``): the page's ids read along those rows in the list's
        order, each row's task looked up until the page is full
        (``task_filters.cooperating_page_ids``), then the page's rows by those ids. The
        planner expected few of the rows' tasks to pass the conditions said again on them
        and read every one with its document before the sort (the unit's 2,379 done on
        time at 1M: 29-35 ms of SQL for the page). A keyset page's cursor by number is said
        on the rows too; a keyset page by deadline is read as before. PostgreSQL only;
        None where it does not apply."""
        said = getattr(g, "cooperating_page", None)
        if said is None or getattr(g, "search_ranked", None) is not None \
                or db.session.get_bind().dialect.name != "postgresql":
            return None
        unit_id, descending, by_deadline = said
        after = getattr(g, "keyset_where", None)
        if after is not None and by_deadline:
            return None  # a keyset page by deadline: its segments walk the tasks' index
        if after is not None and not {table.name for table in sa.sql.util.find_tables(
                after, check_columns=True)} <= {Task.__tablename__}:
            after = None  # said on the tasks alone (the statement's conditions)
        ids = task_filters.cooperating_page_ids(
            unit_id, g.cooperating_rows, query.with_entities(Task.id).order_by(None).statement,
            descending, by_deadline, after)
        ids = ids.offset((page or 0) * size).limit(size).subquery().select()
        return query.filter(Task.id.in_(ids)).limit(size)

    def page_ids_first(self) -> bool:
        return has_request_context() and getattr(g, "list_ids_first", False)

    def _page_ids_first(self, sort_column, search, filters) -> bool:
        """A leader's escalated group, or the dashboard's figure of every unit's open tasks
        (overdue, on time), newest first and nothing else (no sort, filter or search; the
        Office or a leader, on PostgreSQL): walked along ``ix_task_open_id``, which carries
        what they ask of each task passed (``OPEN_ID_INCLUDE``), the page's ids are read from
        the index alone, then the page's rows by those ids
        (``ScopedModelView._apply_pagination``). Read whole along it, each task passed was
        read from the table (a leader's escalated group at 1M: 16,387 passed, 5.0 -> 1.5
        ms)."""
        args = request.args
        if sort_column is not None or search or filters or g.unit_rows_join \
                or not policy.reads_every_task(current_user) \
                or db.session.get_bind().dialect.name != "postgresql" \
                or any(link_arg(name) for name in ("period", "unit_id", "timeliness",
                                                   "directed")):
            return False
        group, measure = link_arg("group"), args.get("measure")
        return (group == "escalated" and not measure) \
            or (not group and measure in OPEN_FIGURES)

    def _walk_bounded(self, sort_column, filters) -> bool:
        """The walk of the list's order index is bounded by what a filter says, so a short
        list keeps it (``ScopedModelView._apply_pagination`` reads others whole and sorts
        them):

        - a deadline range, read by deadline or in a unit's urgency order: the walk stays
          within the range of the deadline index or of the unit's urgency index (sorted, the
          range was read twice: a unit's month of deadlines, 15 -> 28 ms of SQL at 1M);
        - on a unit's rows, a state, read by deadline or in the urgency order: the walk stays
          within the state's range of the unit's state index
          (``ix_task_unit_unit_id_state_deadline_task_id``), in deadline order, which never
          holds more than the unit's tasks in that state (sorted, each of up to 2,000 rows
          was joined to its task first: a unit's completed tasks done late, 1,535 of them at
          1M, 19 -> 7-10 ms of SQL). By number the index gives no such range: an empty pair
          walked the unit's rows by number, 6 -> 42 ms, and stays sorted;
        - by number, not on a unit's rows, a class whose tasks an index holds in id order
          (a filter or a ?timeliness= link): sorted, the planner found them by another index
          (the Office's completed tasks done late: 5 rows, the state's 300,000 at 1M read
          for them, 120 ms);
        - by number, not on a unit's rows, one unit's figure of a closed period
          (?period=&unit_id=): the walk stays within the unit's tasks
          (``ix_task_lead_unit_id_id``) from the figure's newest (facts.stored_last_id);
          sorted, every task the unit led by the period's end was read (a unit's tasks
          overdue at a month's end at 1M: 16,000, 150 ms). Not its classes of tasks done,
          which the unit's index of completion dates finds (statistics.completed_in_window):
          a short list then reads their ids sorted, and the page's rows by them (a unit's
          tasks done on time in a half year at 1M, 1,728: 24-30 -> 16-18 ms of SQL, the
          rows no longer joined to their documents before the sort)."""
        along_deadline = sort_column == "deadline" or self._urgency_order(sort_column)
        if along_deadline and any(isinstance(self._filters[idx], DEADLINE_FILTERS)
                                  for idx, _name, _value in filters or ()):
            return True
        if along_deadline and g.unit_rows_join and any(
                isinstance(self._filters[idx], StateFilter) and StateFilter.states(value)
                for idx, _name, value in filters or ()):
            return True
        if sort_column not in (None, "id") or g.unit_rows_join:
            return False
        named = {value for idx, _name, value in filters or ()
                 if value in getattr(self._filters[idx], "in_id_order", ())}
        # A dashboard link (?timeliness=) or a report's figure (?period=&measure=): a closed
        # period's tasks done late have their own index in id order too. Not one unit's:
        # its few were looked for among every unit's (a unit's tasks done late this month
        # at 1M: 39, found past 53,887 others, 78 ms); counted, they are read sorted.
        links = (link_arg("timeliness"), request.args.get("measure"))
        lead = self.list_lead_unit()
        return bool(named) \
            or (lead is None and any(link in task_filters.IN_ID_ORDER_BY_INDEX for link in links)) \
            or (lead is not None and self._closed_period_link()
                and request.args.get("measure") not in statistics.DONE_CLASSES)

    @staticmethod
    def link_window() -> tuple[dt.date, dt.date] | None:
        """The window of the period a link names (?period=), or None; read once a request
        (the list asks a dozen times)."""
        return memo.per_request("link_window",
                                lambda: reports.period_window(request.args.get("period")))

    @staticmethod
    def _closed_period_link() -> bool:
        """A report's figure of a period that has ended (?period=). Asked a dozen times a
        request: once."""
        def closed() -> bool:
            window = TaskView.link_window()
            return window is not None and window[1] < local_today()
        return memo.per_request("closed_period_link", closed)

    def _filter_said(self, idx: int, value) -> dict | None:
        """What a filter says in the running tally's terms; None where it cannot."""
        of_value = getattr(self._filters[idx], "tally", None)
        return of_value(value) if of_value is not None else None

    @staticmethod
    def _said(said: dict | None, parts: list) -> dict | None:
        """What narrows the list in the running tally's terms: ``said`` (so far) with each of
        ``parts`` (a filter's or a link's, None where the tally cannot say it). None as soon
        as one cannot be said, or two say the same thing (two units: the rows decide)."""
        if said is None:
            return None
        said = dict(said)
        for part in parts:
            if part is None or said.keys() & part.keys():
                return None
            said.update(part)
        return said

    @staticmethod
    def _tally(said: dict | None) -> sa.Select | None:
        """The count of the whole table's tasks narrowed by ``said`` from the running tally
        (statistics.tally_count): one timeliness class or dashboard figure (counted tasks
        only), with at most a lead unit and a state; a closed period's stored figure, with
        at most a lead unit and a priority; or a cooperating unit, alone or with a
        priority, from the link table. Exact, and one small sum whatever the number of
        tasks; None where ``said`` names no figure."""
        if said and said.keys() in ({"cooperating_unit"}, {"cooperating_unit", "priority"}):
            return task_filters.cooperating_unit_count(said["cooperating_unit"],
                                                       said.get("priority"))
        if not said or "measure" not in said:
            return None
        if "period" in said:
            if said.keys() - {"period", "measure", "unit_id", "priority"}:
                return None
            start, end = said["period"]
            today = local_today()
            if end >= today:
                if "priority" in said:
                    return None
                # A running period's figure, as of today: the running tally's, as the screens
                # that link it count it (the dashboard's month, the ranking's quarter). Counted
                # over the tasks, a month's tasks done on time were looked for from the
                # table's oldest (10,001 of them at 1M, up to 280 ms).
                return statistics.tally_count(said["measure"], today, said.get("unit_id"),
                                              start=start)
            # A closed period's figure is stored (services/facts): its list's count is it,
            # with a priority less or only the figure's few urgent and flash tasks.
            return reports.stored_figure_count(start, end, said["measure"],
                                               said.get("unit_id"), said.get("priority"))
        if said.keys() - TALLY_TERMS:
            return None
        return statistics.tally_count(said["measure"], local_today(), said.get("unit_id"),
                                      state=said.get("state"))

    def list_conditions(self) -> tuple[list, list]:
        """Extra conditions from the home page's links and the dashboard's click-throughs
        (?group=, ?timeliness=, ?directed=, ?unit_id=, ?period=&measure=), as (conditions on
        a unit user's own task_unit rows, conditions on the tasks). A unit user's home group,
        and a timeliness class its rows can tell, are read on the scope index
        (services/overview.unit_group_rows, services/timeliness.unit_row_clause): the list
        walks the urgency index and counts from it; everything else is on the tasks. Said
        once a request: the list's query, its count and its heading ask (a closed period's
        figure, said three times, took 3 ms)."""
        rows, conditions = memo.per_request(("list_conditions", self.endpoint),
                                            self._list_conditions)
        return list(rows), list(conditions)

    def _list_conditions(self) -> tuple[list, list]:
        from .home import groups_for

        rows, conditions = [], []
        today = local_today()
        unit_user = current_user.role in UNIT_ROLES
        group = request.args.get("group")
        if group:
            found = overview.unit_group_rows(current_user, today, only=group) \
                if unit_user else None
            if found is not None:
                rows.extend(found.get(group, []))  # an unknown group is no filter
            else:
                groups = groups_for(current_user, today)
                if group in groups:
                    conditions.append(groups[group])
        # "The tasks I direct" (Đ3.2, Đ16.3): a leader's own filter.
        if request.args.get("directed") == "me":
            conditions.append(Task.directing_leader_id == current_user.id)
        value = request.args.get("timeliness")
        if value in Timeliness.__members__:
            found = unit_row_clause(Timeliness(value), today) if unit_user else None
            if found is not None:
                rows.extend(found)
            else:
                conditions.append(timeliness_clause(Timeliness(value), today))
        # Click-through from the reports and the dashboard: ?unit_id=…, ?period=…&measure=….
        unit_id = self.list_lead_unit()
        if unit_id is not None:
            conditions.append(Task.lead_unit_id == unit_id)
        conditions.extend(period_conditions(request.args.get("period"),
                                            request.args.get("measure"), unit_id))
        return rows, conditions

    @staticmethod
    def list_lead_unit() -> int | None:
        """The unit whose led tasks a link lists (``list_conditions``): ?unit_id=, or for a
        unit user a figure without it, of a period or as of today (?measure= alone): a
        unit's figures are its own row's (policy.statistics_unit_ids: a report's total row
        on a unit's screen is that row), so its list is the tasks the unit leads, not every
        task it takes part in (19 tasks listed as 30). As of today the figure's rule was
        otherwise asked of every open task in the province, then matched to the unit's rows
        (a unit's ?measure=open_overdue at 1M: 192,000 tasks read, 0.3 s)."""
        if not has_request_context():
            return None
        return memo.per_request("list_lead_unit", TaskView._list_lead_unit)

    @staticmethod
    def _list_lead_unit() -> int | None:
        unit_id = to_id(request.args.get("unit_id", ""))
        if unit_id is None and current_user.role in UNIT_ROLES and TaskView._figure_link():
            [unit_id] = policy.statistics_unit_ids(current_user)
        return unit_id

    @staticmethod
    def _figure_link() -> bool:
        """A figure's link: of a period (?period= that names one) or as of today (?measure=
        alone, the dashboard's)."""
        args = request.args
        return TaskView.link_window() is not None \
            or (not args.get("period") and args.get("measure") in statistics.MEASURES)

    def scope(self):
        """Where the list's query reads the unit's task_unit row (``_on_unit_rows``) the
        scope is said on that row (policy.task_scope_on_row): the same tasks. Where it
        lists one unit's led tasks, the scope of those (policy.task_scope_led_by)."""
        if on_unit_row():
            return policy.task_scope_on_row(current_user)
        led = self.list_lead_unit()
        if led is not None:
            return policy.task_scope_led_by(current_user, led)
        return super().scope()

    def scoped_query_of_ids(self):
        """Not where the scope is said on the unit's task_unit row (``scope``), which the
        list's query joins (``_apply_sorting``)."""
        return None if on_unit_row() else super().scoped_query_of_ids()

    def _rows_in(self, rows) -> list:
        """Conditions on the unit's task_unit rows as one condition on the tasks (an IN)."""
        return [scope.rows_in(current_user.unit_id, rows)] if rows else []

    def get_query(self):
        rows, conditions = self.list_conditions()
        # Where the list's query is joined to the unit's task_unit row (``_on_unit_rows``):
        # read them on it (an index range in order), else as an IN.
        if not on_unit_row():
            rows = self._rows_in(rows)
        # A list row needs no cooperating units: a unit user's part in the task (the quick
        # buttons, policy.unit_relation) is read for the page from the unit's rows
        # (``get_list``: Task.unit_role). Nor the lead unit's kind, which a unit joins by
        # default (one join less for the planner: 1.5 → 1.0 ms of planning a page at 1M;
        # the whole test suite passes with it refused, raiseload: no cell reads it).
        # Any other query loads them with the task.
        if has_request_context() and getattr(g, "task_list", False):
            loads = [joinedload(Task.lead_unit).lazyload(Unit.kind), joinedload(Task.document)]
        else:
            loads = [joinedload(Task.lead_unit), joinedload(Task.document),
                     selectinload(Task.cooperating_units)]
        return super().get_query().filter(*rows, *conditions).options(*loads)

    def quick_buttons(self, task) -> Markup:
        """Small POST forms for the row's no-input actions (forward, receive), each with the
        request's CSRF token; the URL, the token and the titles are read once a request."""
        return self.quick_cells()(task)

    def quick_cells(self):
        """``quick_buttons`` for a page's rows: the user read once; the URL, the token and
        the titles at the first row that has a button (a page without any never makes a
        CSRF token)."""
        user = memo.user()
        return lambda task: self._quick_forms(task, workflow.quick_actions(user, task))

    def _quick_forms(self, task, actions) -> Markup:
        if not actions:
            return Markup("")
        url, token, titles = per_language("quick_buttons", lambda: (
            self.get_url(".act_view"), generate_csrf(),
            {"forward": _("Forward"), "receive": _("Receive")}))
        # f-strings, each value escaped (Markup.format is slow per call); the id and version
        # are integers.
        forms = [
            f'<form method="post" action="{escape(url)}" class="d-inline">'
            f'<input type="hidden" name="csrf_token" value="{escape(token)}">'
            f'<input type="hidden" name="id" value="{int(task.id)}">'
            f'<input type="hidden" name="version" value="{int(task.version)}">'
            f'<input type="hidden" name="action" value="{escape(action)}">'
            f'<button type="submit" class="btn btn-sm btn-outline-primary py-0">'
            f'{escape(titles[action])}</button></form>'
            for action in actions]
        return Markup(" ".join(forms))

    def get_count_query(self):
        count = super().get_count_query()
        rows, conditions = self.list_conditions()
        if rows and isinstance(count, EstimatingCount):
            # Counted from the unit's task_unit rows alone while nothing else narrows.
            if conditions:
                return EstimatingCount(count.query.filter(*self._rows_in(rows), *conditions))
            return EstimatingCount(count.query.filter(*self._rows_in(rows)),
                                   policy.scope_count(current_user, Task, rows), rows=tuple(rows))
        if rows:
            conditions = self._rows_in(rows) + conditions
        if isinstance(count, EstimatingCount) and count.said is not None and conditions:
            said = self._said(count.said, [self._said_by_link(conditions)])
            return count.narrowed(conditions, said, self._tally(said))
        if (isinstance(count, EstimatingCount) and conditions
                and policy.scope_on_unit_row(current_user)):
            said = self._said_by_link(conditions)
            if said and said.get("unit_id") == current_user.unit_id:
                # The unit's own figure, of a period or as of today: every task it leads is
                # in its scope (its lead row), so the list counts what the figure counts.
                return count.narrowed(conditions, said, self._tally(said))
        return count.filter(*conditions)

    @staticmethod
    def _said_by_link(conditions: list) -> dict | None:
        """What a dashboard figure's link (?measure= or ?timeliness=, with or without
        ?unit_id=, and nothing else) says in the running tally's terms, or a report's
        (?period=&measure=, with or without ?unit_id=: the period's window and the figure
        that ``reports.period_conditions`` lists); None for any other link (a home group,
        ?directed=)."""
        args = request.args
        if link_arg("group") or link_arg("directed"):
            return None
        if args.get("period"):
            return TaskView._said_by_period_link(conditions)
        measures = [value for value in (args.get("timeliness"),) if value in Timeliness.__members__]
        measures += [value for value in (args.get("measure"),) if value in statistics.MEASURES]
        unit_id = TaskView.list_lead_unit()
        if len(measures) != 1 or len(conditions) != 1 + (unit_id is not None):
            return None
        return {"measure": measures[0]} | ({"unit_id": unit_id} if unit_id is not None else {})

    @staticmethod
    def _said_by_period_link(conditions: list) -> dict | None:
        """``_said_by_link`` for ?period=&measure=[&unit_id=] and nothing else: the window and
        the figure (reports.period_measure) that reports.period_conditions lists."""
        args = request.args
        key, measure = args.get("period"), args.get("measure")
        window = TaskView.link_window()
        unit_id = TaskView.list_lead_unit()
        if window is None or link_arg("timeliness") or len(conditions) != len(
                period_conditions(key, measure, unit_id)) + (unit_id is not None):
            return None
        return ({"period": window, "measure": reports.period_measure(measure)}
                | ({"unit_id": unit_id} if unit_id is not None else {}))

    def _urgency_order(self, sort_column) -> bool:
        """A unit user's list, unsorted, in its urgency order; not a period's figure
        (``?period=``): a closed period's tasks are as they stood at the period's end, which
        today's urgency does not order, and newest first its page starts at the figure's
        newest task (facts.stored_last_id), where in urgency order every task of the figure
        was read and sorted (at 1M, a unit's 4,270 overdue at a month's end: 160 ms); its
        own figure of the running one is read as the Office reads it (``_on_unit_rows``)."""
        return sort_column is None and self._on_unit_rows(sort_column) \
            and not self._closed_period_link()

    def _on_unit_rows(self, sort_column, sort_desc=False, filters=()) -> bool:
        """The list reads each task with its unit's task_unit row (``on_unit_row``): a unit
        user's list in its urgency order, by number (the row's key is the unit, then the
        task: a page by number is one range of it, whatever the filters said on the row), by
        state, or by deadline (``_apply_sorting``); by deadline going down, only when a
        filter or a link narrows
        the list: the tasks without a deadline come first, all one group for the row's
        order to sort, and of the unit's whole list the table's index reads them in order.
        A search in the order of a column too (by number, by deadline; not ranked, which
        reads its page its own way: ``ScopedModelView._ranked_page``): a common word's
        page is one walk of the unit's rows, each row's task looked up, where the table's
        order walked looked each task up among the unit's rows, the other units' tasks too
        (a unit's "nhiem vu" by deadline at 1M: 7,115 tasks for a page of 50, 24 ms); a
        rare word's few, counted, are read by the words' index and sorted
        (``ScopedModelView._apply_pagination``)."""
        if current_user.role not in UNIT_ROLES:
            return False
        if TaskView._figure_link() and self.list_lead_unit() == current_user.unit_id:
            # Its own row's figure, of a period or as of today: the tasks it leads, newest
            # first (a closed period's from the figure's newest), read as the Office reads
            # them (``scope``). Along its rows in urgency order, the planner took the rows
            # and the figure's conditions on the tasks for independent and joined the unit's
            # whole window (the running month's tasks overdue at 1M: 5,812 of them, 66 -> 13
            # ms; today's: 41 ms of SQL).
            return False
        searched = self._search_match() is not None
        if searched and sort_column not in ("id", "deadline"):
            return False
        if sort_column == "deadline" and sort_desc:
            return searched or bool(filters) or any(self.list_conditions())
        return sort_column in (None, "id", "deadline", "state")

    def list_order(self, sort_column, sort_desc):
        """The urgency order is three columns of task_unit: its deep pages seek along the
        urgency index too (``UrgencyOrder``)."""
        if self._urgency_order(sort_column):
            return UrgencyOrder()
        return super().list_order(sort_column, sort_desc)

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """A unit user's list opens by urgency (services/scope.by_urgency); a chosen column
        or a search's rank comes first when there is one."""
        # The page's roles, each read by the row's key as the row is written (after the
        # limit). Not the joined row's column: an option naming another table stays with the
        # tasks it loaded, and a task refreshed later in the request (after a rollback) would
        # be read without the join, a cartesian product.
        role = with_expression(Task.unit_row_role, scope.unit_role_of(current_user.unit_id))
        if self._urgency_order(sort_column):
            states = getattr(g, "row_states", None)  # ``get_list``: what the filters let through
            target, on, order = scope.by_urgency(
                current_user.unit_id, scope.settled_of(states) if states else None)
            return query.join(target, on).options(role).order_by(*order), joins
        if on_unit_row():  # by number or deadline (``_on_unit_rows``)
            query = query.join(*scope.unit_row_join(current_user.unit_id)).options(role)
            if sort_column == "deadline":
                # The row's copy of the effective deadline first: the same order (a later
                # deadline never runs out earlier), read along the unit's (unit, deadline)
                # index and sorted within each day, not the whole table's deadlines walked
                # for the unit's few.
                query = query.order_by(*scope.by_row_deadline(bool(sort_desc)))
            elif sort_column == "state":
                # The row's copy of the state, then its task: the same order, one walk of
                # the unit's (unit, state, task) index.
                query = query.order_by(*scope.by_row_state(bool(sort_desc)))
        return super()._apply_sorting(query, joins, sort_column, sort_desc)

    def _apply_pagination(self, query, page, page_size):
        """The list by state, where its count came from the running tally (a class, with or
        without a lead unit: ``EstimatingCount.scalar``'s ``g.list_said``): a page's ids read
        a state at a time, each state's part known from the tally (``_state_parts``).
        Walked in one go, the (state, id) index passes every task of the states before the
        page's that the filter leaves out: the Office's open overdue tasks by state walked
        100,000 assigned tasks without a deadline (85 ms at 1M), its tasks without a
        deadline going down 900,000 (370 ms)."""
        size = self.page_size if page_size is None else page_size
        found = getattr(g, "list_found", None)
        if found is not None and found > current_app.config["SORT_FOUND_UP_TO"]:
            # Too many to read whole and sort: the page walks its order's index, each row
            # checked (task_filters.JoinedOrWalked).
            task_filters.walk_each_row(query.statement)
        counted = self._counted_page(query, page, size)  # a document number's
        if counted is not None:
            return counted
        along = self._cooperating_page(query, page, size) if size else None
        if along is not None:
            return along
        parts = self._state_parts() if size else None
        if parts is None and size:
            parts = self._probed_state_parts(query, (page or 0) * size + size)
        if parts is None:
            one_state = self._one_state_page(query, page, size) if size else None
            if one_state is not None:
                return one_state
            return super()._apply_pagination(query, page, page_size)
        skip, ids = (page or 0) * size, []
        descending = g.list_by_state
        few = current_app.config["SORT_FOUND_UP_TO"]
        for state, number in parts:
            if skip >= number:  # a state wholly before the page
                skip -= number
                continue
            # A state's few tasks are read by the filter's own index and sorted (as a short
            # list's: ``ScopedModelView._apply_pagination``), its many along (state, id).
            key = sa.func.coalesce(Task.id, Task.id) if number <= few else Task.id
            part = (query.with_entities(Task.id).order_by(None).filter(Task.state == state)
                    .order_by(key.desc() if descending else key)
                    .offset(skip).limit(size - len(ids)))
            ids.extend(task_id for (task_id,) in part)
            skip = 0
            if len(ids) >= size:
                break
        return query.filter(Task.id.in_(ids)).limit(size)

    def _one_state_page(self, query, page, size):
        """The list by deadline or by number (not a unit's rows) where its conditions fix
        one state (a state, a class or a home group of one state: returned, cancelled):
        the page's ids read along that state's range of the (state, deadline, id) or (state, id)
        index, then its rows by those ids. Said as "state = s" with the order (deadline,
        id), the planner may as well walk the whole table's (deadline, id) index and test
        each task's state, and does where the table lies in deadline order (as it does
        where tasks are entered over the years): then it passes every task of the other
        states before the page (the Office's completed tasks by deadline going down:
        100,000 newer ones, 80-430 ms at 1M; its tasks assigned, all undated, going up:
        900,000, 180 ms). By number, likewise the primary key where the table lies in id
        order. Said as an array (``state_as_array``) and kept first in the order, the
        state leaves those indexes no part. PostgreSQL only; None where it does not
        apply, and for a short list (read and sorted whole:
        ``ScopedModelView._apply_pagination``)."""
        descending = getattr(g, "list_along_state", None)
        if descending is None or getattr(g, "search_ranked", None) is not None \
                or db.session.get_bind().dialect.name != "postgresql":
            return None
        found = getattr(g, "list_found", None)
        if found is not None and (found <= current_app.config["SORT_FOUND_UP_TO"]
                                  or getattr(g, "list_sort_found", False)):
            return None
        ids, state = scope.state_as_array(query.with_entities(Task.id).statement)
        first = Task.state.desc() if descending else Task.state.asc()
        order = query._order_by_clauses
        if state is None:
            return self._few_states_page(query, page, size, first)
        ids = (ids.order_by(None).order_by(first, *order)
               .offset((page or 0) * size).limit(size).subquery().select())
        return query.filter(Task.id.in_(ids)).limit(size)

    @staticmethod
    def _few_states_page(query, page, size, first):
        """``_one_state_page`` where the list's conditions leave a few states (an overdue
        class or group: assigned and in progress): each state's first rows up to the page's
        end read along its range of the index (``first``: the state, in the list's
        direction), the page among them in the list's order. Walked in one go along the
        whole table's (deadline, id) index, the planner counts on those states' tasks
        being spread through the table; where they are the newest, the walk passed every
        settled task first (a leader's escalated tasks by deadline on the "aged" data at
        1M: 810,173 tasks, 140 ms). By deadline only: newest first, the open tasks' partial
        index (``ix_task_open_id``) walked backwards passes the open tasks alone, with the
        columns their conditions read, where a state's (state, id) range is read from the
        table (the leader's overdue figure on that data: the 10,005 tasks assigned, 2.5 ms
        for two). None where it does not apply (one state or many, a page typed in the
        address past ``DEFER_ROWS_FROM`` rows)."""
        states = scope.states_of(query.with_entities(Task.id).statement)
        want = (page or 0) * size + size
        if not getattr(g, "list_few_states", False) or states is None \
                or not 1 < len(states) <= overview.MERGED_STATES or want > DEFER_ROWS_FROM:
            return None
        parts = scope.first_of_each_state(query.with_entities(Task.id).statement, states,
                                          query._order_by_clauses, want, first)
        return query.filter(Task.id.in_(sa.union_all(*[
            part.subquery().select() for part in parts]))) \
            .offset((page or 0) * size).limit(size)

    def _probed_state_parts(self, query, want: int) -> list[tuple[TaskState, int]] | None:
        """The list by state narrowed by a deadline range (which the tally cannot count),
        its page within its first ``want`` rows: each state's part counted up to ``want``
        or ``SORT_FOUND_UP_TO`` (the larger), then one more, until the page is within what
        is counted (each a range of the (state, deadline, id) index): a state's few rows
        are then read by that range and sorted, its many along (state, id)
        (``_apply_pagination``). Walked in one go, the (state, id) index passed every task
        of the states before the page's that the range leaves out: the Office's tasks due
        from June by state walked 100,000 assigned tasks, most without a deadline, for five
        (100-150 ms at 1M). Not for other filters: where their rows are spread over the
        states (a unit's, a search's), the walk finds a page soon and the counts only add
        to it (a cooperating unit's tasks by state: 30 -> 46 ms). None where it does not
        apply: a short list (counted: read and sorted whole,
        ``ScopedModelView._apply_pagination``; and whatever its number where a filter finds
        its rows by an index of their own: a document number's), a ranked search, a page
        typed in the address past ``DEFER_ROWS_FROM`` rows (read as before)."""
        if not getattr(g, "list_by_state_in_range", False) \
                or getattr(g, "search_ranked", None) is not None \
                or getattr(g, "list_sort_found", False):
            return None
        few = current_app.config["SORT_FOUND_UP_TO"]
        found = getattr(g, "list_found", None)
        if (found is not None and found <= few) or want > DEFER_ROWS_FROM:
            return None
        descending = g.list_by_state
        states = sorted(getattr(g, "row_states", None) or TaskState, key=lambda s: s.value,
                        reverse=descending)
        cap = max(want, few) + 1
        parts, counted = [], 0
        for state in states:
            rows = (query.with_entities(sa.literal(1)).order_by(None)
                    .filter(Task.state == state).limit(cap))
            number = db.session.scalar(sa.select(sa.func.count()).select_from(rows.subquery()))
            if number:
                parts.append((state, number))
            counted += number
            if counted >= want:  # the page is within the states counted so far
                break
        return parts

    @staticmethod
    def _state_parts() -> list[tuple[TaskState, int]] | None:
        """The list's states in its order with their number of tasks (none without), from
        the running tally; None unless the list is by state and counted from the tally.
        The states' values sort alike in every collation (their first letters, then
        "cancelled" before "completed")."""
        descending = getattr(g, "list_by_state", None) if has_request_context() else None
        said = getattr(g, "list_said", None) if descending is not None else None
        if not said or "measure" not in said or said.keys() - {"measure", "unit_id"}:
            return None
        counted = statistics.tally_count(said["measure"], local_today(), said.get("unit_id"),
                                         by_state=True)
        if counted is None:
            return None
        return [(TaskState(state), int(number))
                for state, number in sorted(db.session.execute(counted), reverse=descending)]

    def keyset_segments(self, order, cursor) -> list:
        """A unit's list by deadline or by state, read on its rows (``_apply_sorting``):
        each segment after the cursor is bounded on the rows too (scope.row_deadline_after,
        scope.row_state_after)."""
        segments = super().keyset_segments(order, cursor)
        if on_unit_row() and isinstance(order, tuple) and order[0] is Task.deadline:
            bounds = scope.row_deadline_after(*cursor, descending=order[1])
            segments = [sa.and_(s, b) for s, b in zip(segments, bounds, strict=True)]
        elif on_unit_row() and isinstance(order, tuple) and order[0] is Task.state:
            bounds = scope.row_state_after(*cursor, descending=order[1])
            segments = [sa.and_(s, b) for s, b in zip(segments, bounds, strict=True)]
        return segments

    def lead_unit_cell(self, task) -> Markup:
        """The lead unit; for a unit user, whether their unit leads or cooperates."""
        return self.lead_unit_cells()(task)

    def lead_unit_cells(self):
        """``lead_unit_cell`` for a page's rows: the user and the badges read once."""
        user = memo.user()

        def name(task):
            return escape(task.lead_unit.name if task.lead_unit else "")

        if user.role not in UNIT_ROLES:
            return name
        unit_id = user.unit_id
        leads = per_language("your_unit_leads", lambda: Markup(
            '<span class="badge badge-primary" data-role="lead">{}</span>').format(
            _("Your unit leads")))
        badge = per_language("your_unit_cooperates", lambda: Markup(
            '<span class="badge badge-info" data-role="cooperating">{}</span>').format(
            _("Your unit cooperates")))
        cooperates = Markup(" ") + badge
        return lambda task: leads if task.lead_unit_id == unit_id else name(task) + cooperates

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """The list as it stands (scope, filters, search, sort) as .xlsx or CSV, streamed."""
        from . import exports

        if not self.can_export or export_type not in self.export_types:
            flash(_("Permission denied."), "error")
            return redirect(self.get_url(".index_view"))
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        total, query = self.get_list(0, sort[0] if sort else None, args.sort_desc, args.search,
                                     args.filters, execute=False, page_size=0)
        write = exports.task_xlsx if export_type == "xlsx" else exports.task_csv
        return write(query, self.export_max_rows, total)

    def _get_list_extra_args(self):
        """A link's argument with a value that is none (?timeliness=bad) is dropped with the
        filters' message (``link_arg``)."""
        args = super()._get_list_extra_args()
        for name in ("timeliness", "group", "directed"):
            value = request.args.get(name)
            if value and link_arg(name) is None:
                list_notice(_("This filter value is not accepted and was ignored: %(v)s",
                              v=value[:40]), "error")
        return args

    def list_heading(self) -> str:
        from .home import GROUP_TITLES
        from .reports import click_through_heading

        parts = [str(GROUP_TITLES.get(request.args.get("group"), "")),
                 _("The tasks I direct") if request.args.get("directed") == "me" else "",
                 # A value that is none is no condition: not named either (it was, as typed).
                 labels.label(labels.TIMELINESS, link_arg("timeliness")),
                 click_through_heading(request.args, self.list_lead_unit())]
        return " · ".join(p for p in parts if p)
    action_roles = {"forward": frozenset({Role.office_specialist})}

    def create_form(self, obj=None):
        form = super().create_form(obj)
        doc_id = request.args.get("document", "")
        doc_id = to_id(doc_id)
        if request.method == "GET" and doc_id is not None:
            form.document.data = db.session.query(Document).filter(
                Document.id == doc_id, policy.document_scope(current_user)).one_or_none()
        return form

    @expose("/<int:id>")
    def short_view(self, id):
        """``/tasks/301``: the task's page."""
        return self.short_details(id)

    @expose("/")
    def index_view(self):
        """The list; "#301" typed in its search box opens task 301 (if the user may read it)."""
        found = TASK_NUMBER.match(request.args.get("search") or "")
        if found and len(found.group(1)) <= 9:
            return redirect(self.get_url(".short_view", id=int(found.group(1))))
        return super().index_view()

    @staticmethod
    def page_title(task) -> str:
        return _("Task #%(id)d — %(content)s", id=task.id, content=shorten(task.content))

    # --- saved filters (cddh.services.saved_filters) ---------------------------------------
    def current_filter_query(self) -> str:
        """The list's filter as a saved filter keeps it ("" when the list is unfiltered)."""
        return saved_filters.clean_query(request.query_string.decode("utf-8", "replace"))

    @staticmethod
    def my_saved_filters():
        return _my_saved_filters()

    @expose("/filters/save/", methods=("POST",))
    def save_filter_view(self):
        """Save the list's current filter under a name (the user's own)."""
        query = saved_filters.clean_query(request.form.get("query"))
        run_service(lambda: saved_filters.save(current_user, request.form.get("name"), query),
                    _("Filter saved: you find it under \"Saved filters\" in the menu."))
        return redirect(self.get_url(".index_view") + ("?" + query if query else ""))

    @expose("/filters/delete/", methods=("POST",))
    def delete_filter_view(self):
        """Delete one of the user's own saved filters."""
        run_service(lambda: saved_filters.delete(current_user, to_id(request.form.get("id"))),
                    _("Saved filter deleted."))
        return redirect(safe_next(request.form.get("next"), self.get_url(".index_view")))

    def task_page(self, task) -> TaskPage:
        return TaskPage(task)

    @expose("/act/", methods=("POST",))
    def act_view(self):
        """Run one task action posted from the task page; load → check → act."""
        task = self.get_one(request.form.get("id"))
        if task is None:
            abort(404)
        action = request.form.get("action", "")
        handler = TASK_PAGE_ACTIONS.get(action)
        if handler is None:
            abort(400)
        try:
            result = handler(current_user, task, request.form, posted_version())
            files = request.files.getlist("files")
            if any(f.filename for f in files):
                self._attach(task, result, files)
            workflow.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(_("Done: %(what)s.", what=labels.TASK_ACTION.get(action, action)), "success")
        return redirect(self.get_url(".details_view", id=task.id))

    @staticmethod
    def _attach(task, result, files):
        """Files posted with an action belong to the entry it wrote on the timeline."""
        db.session.flush()
        owner = {"task_id": task.id}
        if isinstance(result, ProgressUpdate):
            owner["progress_update_id"] = result.id
        latest = (db.session.query(TaskHistory).filter_by(task_id=task.id)
                  .order_by(TaskHistory.id.desc()).first())
        if latest is not None:
            owner["history_id"] = latest.id
        attachments.store_uploads(files, uploader=current_user, **owner)

    @action("forward", _l("Forward"), _l("Forward the selected tasks to their units?"))
    def action_forward(self, rows):
        self.apply_to_rows(rows, lambda t: workflow.forward_from_list(current_user, t),
                           _("%(n)d tasks forwarded."))

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if is_created:
            workflow.add_task(current_user, model)
        else:
            changed = [f.name for f in form if f.name != "csrf_token" and f.data != f.object_data]
            workflow.record_edit(current_user, model, changed)


def _date(form, key):
    from ..services.tasks import parse_date

    return parse_date(form.get(key), key)


def _percent(form):
    value = (form.get("percent") or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise DomainError(_("The percentage must be between 0 and 100.")) from None


def _yes_no(form, key, message) -> bool:
    """A required yes/no answer: nothing is pre-selected, a missing answer is refused."""
    value = form.get(key)
    if value not in ("yes", "no"):
        raise DomainError(message, fields={key: "required"})
    return value == "yes"


def _pending_extension_of(task):
    return (db.session.query(ExtensionRequest)
            .filter_by(task_id=task.id, status=ExtensionStatus.pending).first())


# Each task action of the task page: how to call the service from the posted form.
def _forward_from_page(user, task, form, version):
    """Forward; a returned task may first be given to another lead unit (Đ8.2a)."""
    new_lead = (form.get("lead_unit_id") or "").strip()
    if new_lead and new_lead != str(task.lead_unit_id):
        workflow.edit_task(user, task, {"lead_unit_id": new_lead}, version=version)
        version = None  # the edit was checked against the version the user saw
    workflow.forward(user, task, version=version)


def _progress_from_page(user, task, form, version):
    """A progress update; when a kind is chosen, it also raises a difficulty (Đ10.1a)."""
    update = workflow.post_progress(user, task, form.get("content", ""), _percent(form),
                                    version=version)
    if form.get("difficulty_kind"):
        # No version here: post_progress checked the one the user saw, and its own change
        # of the task may already have moved it on.
        difficulties.raise_difficulty(user, task, kind=form.get("difficulty_kind"),
                                      content=form.get("content", ""),
                                      asks=form.get("difficulty_asks", ""),
                                      progress_update=update)
    return update


TASK_PAGE_ACTIONS = {
    "forward": _forward_from_page,
    "receive": lambda u, t, f, v: workflow.receive(u, t, version=v),
    "return": lambda u, t, f, v: workflow.return_task(u, t, f.get("reason_category", ""),
                                                      f.get("reason", ""), version=v),
    "progress": lambda u, t, f, v: _progress_from_page(u, t, f, v),
    "raise_difficulty": lambda u, t, f, v: difficulties.raise_difficulty(
        u, t, kind=f.get("kind", ""), content=f.get("content", ""), asks=f.get("asks", ""),
        proposed_deadline=f.get("proposed_deadline") or None, version=v),
    "report_completion": lambda u, t, f, v: workflow.report_completion(
        u, t, completed_on=_date(f, "completed_on"), result_summary=f.get("result_summary", ""),
        result_document_number=f.get("result_document_number", ""),
        result_document_date=_date(f, "result_document_date"), version=v),
    "verify": lambda u, t, f, v: workflow.verify(u, t, accepted=_yes_no(
        f, "accepted", _("Choose whether the result meets the requirements.")),
        comment=f.get("comment", ""), version=v),
    "request_extension": lambda u, t, f, v: workflow.request_extension(
        u, t, proposed_deadline=_date(f, "proposed_deadline"), reason=f.get("reason", ""),
        version=v),
    "decide_extension": lambda u, t, f, v: workflow.decide_extension(
        u, _extension_for(t, f.get("extension_id")),
        approved=_yes_no(f, "approved", _("Choose whether to approve or refuse the extension.")),
        reason=f.get("reason", ""), version=v),
    "cancel": lambda u, t, f, v: workflow.cancel(u, t, reason=f.get("reason", ""),
                                                 deciding_document=f.get("deciding_document", ""),
                                                 version=v),
    "request_cooperation_change": lambda u, t, f, v: workflow.request_cooperation_change(
        u, t, kind=f.get("kind", ""), reason=f.get("reason", ""),
        proposed_unit_id=f.get("proposed_unit_id") or None, version=v),
    "decide_cooperation_change": lambda u, t, f, v: workflow.decide_cooperation_change(
        u, _cooperation_request_for(t, f.get("request_id")),
        accepted=_yes_no(f, "accepted", _("Choose whether to accept or reject the request.")),
        reason=f.get("reason", ""), version=v),
    # Đ8.2b: the unit leader names the handling officers; Đ9.2a: delegates to a sub-unit.
    "assign": lambda u, t, f, v: delegation.assign_officers(
        u, t, f.getlist("officer_ids") if hasattr(f, "getlist") else f.get("officer_ids"),
        version=v),
    "delegate": lambda u, t, f, v: delegation.add_subtask(
        u, t, unit_id=f.get("unit_id", ""), content=f.get("content", ""),
        deadline=f.get("deadline", ""), version=v),
    # Đ9.2c: the head's sign-off (cddh.services.signoff).
    "propose_return": lambda u, t, f, v: signoff.propose_return(
        u, t, f.get("reason_category", ""), f.get("reason", ""), version=v),
    "approve_signoff": lambda u, t, f, v: signoff.approve(u, t, comment=f.get("comment", ""),
                                                          version=v),
    "send_back_signoff": lambda u, t, f, v: signoff.send_back(
        u, t, comment=f.get("comment", ""), version=v),
    # An urging changes nothing of the task, so a page opened before another change is fine.
    "urge": lambda u, t, f, v: workflow.urge(u, t, f.get("channel", ""), f.get("note", ""),
                                             f.get("document_number", "")),
}


def _cooperation_request_for(task, request_id):
    request_id = to_id(request_id)
    item = db.session.get(CooperationRequest, request_id) if request_id else None
    if item is None or item.task_id != task.id:
        raise DomainError(_("The request was not found."))
    return item


def _extension_for(task, extension_id):
    extension_id = to_id(extension_id)
    request_ = db.session.get(ExtensionRequest, extension_id) if extension_id else None
    if request_ is None or request_.task_id != task.id:
        raise DomainError(_("The extension request was not found."))
    return request_


class TaskPage:
    """What the task page shows beside the fields: timeline, progress, allowed actions."""

    def __init__(self, task):
        self.task = task
        self.badge = timeliness_badge(task)
        self.actions = workflow.allowed_actions(current_user, task)
        self.timeline = delegation.without_unseen_subtasks(task, workflow.timeline(task),
                                                           current_user)
        self.progress = (db.session.query(ProgressUpdate).filter_by(task_id=task.id)
                         .order_by(ProgressUpdate.created_at.desc()).all())
        self.pending_extension = _pending_extension_of(task)
        # Đ8.2a, Đ10.2: cooperating units' requests to leave or hand over their part.
        self.cooperation_requests = (workflow.pending_cooperation_requests(task)
                                     if "decide_cooperation_change" in self.actions else [])
        self.cooperation_kinds = list(labels.COOPERATION_CHANGE_KIND.items())
        self.cooperation_units = (documents.unit_choices()
                                  if "request_cooperation_change" in self.actions else [])
        self.return_deadline = (workflow.return_deadline(task)
                                if task.state == TaskState.in_progress
                                and "return" in self.actions else None)
        self.notice = self._notice()
        self.return_reasons = labels.choices(labels.RETURN_REASON)
        self.units = documents.unit_choices() if "forward" in self.actions else []
        self.files_by_history: dict[int, list] = {}
        self.files_by_update: dict[int, list] = {}
        for item in db.session.query(Attachment).filter(Attachment.task_id == task.id):
            if item.progress_update_id:
                self.files_by_update.setdefault(item.progress_update_id, []).append(item)
            elif item.history_id:
                self.files_by_history.setdefault(item.history_id, []).append(item)
        self.document_files = db.session.query(Attachment).filter(
            Attachment.document_id == task.document_id).all()
        self.urging_channels = labels.choices(labels.URGING_CHANNEL)
        # District feedback (Đ15.5, Đ16.4): what this user may read, and may file.
        self.feedback = (db.session.query(Feedback)
                         .filter(Feedback.task_id == task.id,
                                 policy.row_scope(current_user, Feedback))
                         .order_by(Feedback.created_at).all())
        self.can_file_feedback = policy.may_file_feedback(current_user, task)
        # Difficulties and proposals (Đ10.1, Đ16.3) this user may read.
        self.difficulties = (db.session.query(Difficulty)
                             .filter(Difficulty.task_id == task.id,
                                     policy.row_scope(current_user, Difficulty))
                             .order_by(Difficulty.created_at).all())
        self.difficulty_kinds = labels.choices(labels.DIFFICULTY_KIND)
        self.difficulty_asks = labels.choices(labels.DIFFICULTY_ASK)
        self.feedback_units = (feedback_service.other_units(current_user, task)
                               if self.can_file_feedback else [])
        # Inside the unit (Đ8.2b, Đ9.2a): officers, sub-tasks and their progress, the parent.
        self.officers = list(task.officers)
        self.officer_choices = (delegation.officer_choices(task) if "assign" in self.actions
                                else [])
        self.child_units = (delegation.child_units(task.lead_unit_id)
                            if "delegate" in self.actions else [])
        self.subtasks = delegation.subtasks_of(task, current_user)
        self.rollup = delegation.rollup(self.subtasks)
        self.signoff = task.signoff_data if task.signoff_action else None
        self.parent_task = (db.session.query(Task).filter(
            Task.id == task.parent_task_id, policy.task_scope(current_user)).one_or_none()
            if task.parent_task_id else None)

    @staticmethod
    def action_label(action):
        return labels.TASK_ACTION.get(action, action)

    @staticmethod
    def history_label(entry):
        """The timeline's name of an entry; a verification says whether it was accepted."""
        if entry.action == "verify":
            accepted = (entry.data or {}).get("accepted")
            if accepted is True:
                return _("Verification: accepted, the task is completed")
            if accepted is False:
                return _("Verification: rejected, sent back to the unit")
        return labels.TASK_ACTION.get(entry.action, entry.action)

    def _notice(self):
        """What the task page shows at the top while it matters: the return reason while the
        task stands returned; the verification comment while a rejected task is in progress."""
        task = self.task
        if task.state not in (TaskState.returned, TaskState.in_progress):
            return None
        for entry in reversed(self.timeline):
            if task.state == TaskState.returned and entry.action == "return":
                return {"kind": "returned", "entry": entry}
            if entry.to_state and task.state == TaskState.in_progress:
                if entry.action == "verify" and (entry.data or {}).get("accepted") is False:
                    return {"kind": "rejected", "entry": entry}
                if entry.action != "verify":
                    return None
        return None

    @staticmethod
    def state_label(state):
        return labels.label(labels.TASK_STATE, state)

    @staticmethod
    def reason_label(category):
        return labels.label(labels.RETURN_REASON, category)

    @staticmethod
    def cooperation_kind_label(kind):
        return labels.label(labels.COOPERATION_CHANGE_KIND, kind)

    @staticmethod
    def channel_label(channel):
        return labels.label(labels.URGING_CHANNEL, channel)

    @staticmethod
    def difficulty_label(item):
        kind = labels.label(labels.DIFFICULTY_KIND, item.kind)
        return f"{kind} · {labels.label(labels.DIFFICULTY_ASK, item.asks)}"

    @staticmethod
    def answer_label(kind):
        return labels.label(labels.FEEDBACK_ANSWER_KIND, kind)

    @staticmethod
    def feedback_badge(item):
        return status_badge(item)


class ProgressUpdateView(ScopedModelView):
    screen = "progress_updates"
    allow_create = True
    column_list = ("created_at", "task", "unit", "author", "content", "percent", "is_contribution")
    column_details_list = column_list
    form_columns = ("task", "content", "percent")
    form_args = {"percent": {"validators": [Optional(), NumberRange(0, 100)]}}
    form_ajax_refs = {"task": {"fields": ("content",), "page_size": 10,
                               "match": text_search.task_condition}}
    column_default_sort = ("created_at", True)
    column_filters = (FilterEqual(ProgressUpdate.task_id, _l("Task no.")),)
    column_formatters = {"task": link_formatter("tasks.details_view", "task"),
                         "content": lambda v, c, m, n: task_links(m.content)}
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



