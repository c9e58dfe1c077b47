"""Period reports, the dashboard, the unit ranking and self-inspection reports (Đ15–17, Đ20).

Every handler runs load → check in the policy → call the service; state changes are POST.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from .. import labels
from ..auth import policy
from ..models import PeriodKind, PeriodReport, ReportStatus, Timeliness, Unit, db
from ..services import DomainError, ranking, report_export, reports, statistics
from ..services.clock import local_today
from ..services.parsing import MAX_DATE, MIN_DATE, to_id, to_int
from ..services.periods import period_bounds
from .base import LoginRequiredMixin, ScopedModelView, run_service
from .memo import endpoint_url

PERIOD_KINDS = {
    PeriodKind.month: _l("Month"),
    PeriodKind.quarter: _l("Quarter"),
    PeriodKind.half: _l("First half"),
    PeriodKind.nine_months: _l("Nine months"),
    PeriodKind.year: _l("Year"),
}
REPORT_STATUS = {ReportStatus.draft: _l("Draft"), ReportStatus.submitted: _l("Submitted"),
                 ReportStatus.returned: _l("Returned with comments"),
                 ReportStatus.approved: _l("Approved"), ReportStatus.issued: _l("Issued"),
                 ReportStatus.published: _l("Published")}
STATUS_CSS = {ReportStatus.draft: "secondary", ReportStatus.submitted: "info",
              ReportStatus.returned: "warning", ReportStatus.approved: "info",
              ReportStatus.issued: "primary", ReportStatus.published: "success"}
REPORT_ACTIONS = {"draft": _l("Drafted"), "submit": _l("Submitted for approval"),
                  "approve": _l("Approved"), "return": _l("Returned with comments"),
                  "issue": _l("Issued"), "publish": _l("Published")}
NARRATIVE_LABELS = {"assessment": _l("Assessment"), "causes": _l("Causes"),
                    "difficulties": _l("Difficulties and proposals"),
                    "recommendations": _l("Recommendations")}
DIFFICULTY_KINDS = {k.value: v for k, v in labels.DIFFICULTY_KIND.items()}
DIFFICULTY_STATES = {k.value: v for k, v in labels.DIFFICULTY_STATE.items()}
SUBMISSION = {"on_time": _l("Submitted on time"), "late": _l("Submitted late"),
              "missing": _l("Not submitted")}
SUBMISSION_CSS = {"on_time": "success", "late": "warning", "missing": "danger"}


def chosen_period(default_kind: PeriodKind = PeriodKind.month) -> dict:
    """The period named by ?kind=&year=&number=, or the latest ended one of the kind."""
    kind = request.args.get("kind", default_kind.value)
    kind = PeriodKind(kind) if kind in PeriodKind.__members__ else default_kind
    year, number = reports.last_ended_period(kind, local_today())
    try:
        year = to_int(request.args.get("year", str(year)), MIN_DATE.year, MAX_DATE.year)
        number = to_int(request.args.get("number", str(number)), 1, 366)
        if year is None or number is None:
            raise ValueError("period")
        start, end = period_bounds(kind, year, number)
    except (ValueError, DomainError):
        year, number = reports.last_ended_period(kind, local_today())
        start, end = period_bounds(kind, year, number)
    title = reports.period_title(kind, year, number)
    to_date = statistics.is_to_date(end)
    if to_date:  # counted as of today (docs/figures.md)
        title = _("%(month)s (to date)", month=title)
    return {"kind": kind, "year": year, "number": number, "start": start, "end": end,
            "to_date": to_date, "title": title,
            "key": reports.period_key(kind, year, number)}


def tasks_url(**args) -> str:
    """The task list filtered to the tasks behind a figure (a dashboard links some 340)."""
    return endpoint_url("tasks.index_view", **args)


# --- period reports --------------------------------------------------------------------------

def _period(view, context, model, name) -> Markup:
    return Markup('<a href="{}">{}</a>').format(
        view.get_url(".details_view", id=model.id), reports.report_title(model))


def _kind(view, context, model, name) -> str:
    return str(PERIOD_KINDS[model.kind]) if model.kind is not None else _("Ad hoc")


def _status(view, context, model, name) -> Markup:
    return Markup('<span class="badge badge-{}">{}</span>').format(
        STATUS_CSS[model.status], REPORT_STATUS[model.status])


class PeriodReportView(ScopedModelView):
    """The Office's period reports: drafted by the job or by hand, issued, published."""

    screen = "period_reports"
    list_template = "reports/list.html"
    details_template = "reports/details.html"
    column_list = ("period", "kind", "version", "status", "start_on", "end_on", "due_on",
                   "issued_at", "published_at")
    column_details_list = column_list
    column_default_sort = ("end_on", True)
    column_sortable_list = ("end_on", "version")
    column_filters = (
        FilterEqual(PeriodReport.kind, _l("Kind"), options=list(PERIOD_KINDS.items())),
        FilterEqual(PeriodReport.status, _l("Status"), options=list(REPORT_STATUS.items())),
        FilterEqual(PeriodReport.year, _l("Year")),
    )
    column_formatters = {"period": _period, "status": _status, "kind": _kind}
    column_formatters_detail = column_formatters
    column_labels = {"period": _l("Period"), "kind": _l("Kind"), "version": _l("Version"),
                     "status": _l("Status"), "start_on": _l("From date"), "end_on": _l("To date"),
                     "issued_at": _l("Issued at"), "published_at": _l("Published at"),
                     "due_on": _l("Due on")}

    def list_page(self) -> dict:
        return {"kinds": PERIOD_KINDS, "period": chosen_period(),
                "can_issue": policy.may_issue_reports(current_user)}

    def _buttons(self, report) -> list[dict]:
        """The steps this user may take on this report now, each with its confirmation."""
        st, user = report.status, current_user
        write, approve = policy.may_write_reports(user), policy.may_approve_reports(user)
        issue = policy.may_issue_reports(user)
        out = []
        if write and st in reports.EDITABLE:
            out.append({"endpoint": ".submit_view", "label": _("Submit for approval"),
                        "css": "btn-primary", "comment": False,
                        "question": _("Submit this report to the Office's leader for approval? "
                                      "It can no longer be changed unless it is returned.")})
        if approve and st == ReportStatus.submitted:
            out.append({"endpoint": ".approve_view", "label": _("Approve"), "css": "btn-success",
                        "comment": True, "question": _(
                            "Approve this report? The Office may then issue it under your "
                            "approval.")})
            out.append({"endpoint": ".return_view", "label": _("Return with comments"),
                        "css": "btn-outline-danger", "comment": True, "question": _(
                            "Return this report to the specialist with your comments? It "
                            "becomes editable again.")})
        if issue and st == ReportStatus.approved:
            out.append({"endpoint": ".issue_view", "label": _("Issue (freeze the figures)"),
                        "css": "btn-primary", "comment": False, "question": _(
                            "Issue this report? Its figures and the unit ranking will be "
                            "frozen and can no longer change; a correction needs a new "
                            "version.")})
        if issue and st == ReportStatus.issued:
            out.append({"endpoint": ".publish_view", "label": _("Publish on the public page"),
                        "css": "btn-success", "comment": False, "question": _(
                            "Publish this report? Its figures will be shown to everyone on "
                            "the public results page.")})
        if issue and reports.is_frozen(report):
            out.append({"endpoint": ".reissue_view", "label": _("Draft a new version"),
                        "css": "btn-outline-secondary", "comment": False, "question": _(
                            "Draft a new version of this report? This version stays as it "
                            "was issued.")})
        return out

    def report_page(self, report) -> dict:
        """The report's figures as the screen shows them, with the links behind each one."""
        unit_ids = policy.statistics_unit_ids(current_user)
        office = unit_ids is None
        data = reports.figures(report, unit_ids, overdue_limit=reports.OVERDUE_SHOWN)
        key = (reports.period_key(report.kind, report.year, report.number)
               if report.kind is not None else None)
        measures = report_export_measures()
        links = []
        for row in data["rows"]:
            links.append([None, None, *(m and key and tasks_url(period=key, unit_id=row["unit_id"],
                                                                measure=m) for m in measures)])
        links.append([None, None, *(m and key and tasks_url(period=key, measure=m)
                                    for m in measures)])
        section = data.get("difficulties") or {"counts": [], "open": []}
        editable = (policy.may_write_reports(current_user)
                    and report.status in reports.EDITABLE)
        # The narrative is the Office's advice to the leaders: a unit reads it once published.
        show_narrative = office or report.status == ReportStatus.published
        return {"data": data, "header": report_export.table_header(),
                "rows": report_export.table_rows(data), "links": links,
                "overdue_header": report_export.overdue_header(),
                "overdue": report_export.overdue_rows(data),
                "overdue_count": data["overdue_count"],
                "overdue_url": tasks_url(period=key, measure="open_overdue"),
                "window": report_export.window_line(data),
                "title": reports.report_title(report),
                "chart": reports.chart_data(data), "labels": _chart_labels(),
                "buttons": self._buttons(report), "editable": editable,
                "narrative": [(name, NARRATIVE_LABELS[name], getattr(report, name))
                              for name in reports.NARRATIVE] if show_narrative else [],
                "history": reports.history(report) if office else [],
                "actions": REPORT_ACTIONS, "statuses": {k.value: v for k, v in
                                                        REPORT_STATUS.items()},
                "difficulty_totals": reports.difficulty_totals(section),
                "open_difficulties": section["open"], "difficulty_kinds": DIFFICULTY_KINDS,
                "difficulty_states": DIFFICULTY_STATES,
                "ranking": reports.report_ranking(report, unit_ids),
                "ranking_links": ranking_links(key, unit_ids) if key else {},
                "weights_line": ranking_formula,
                "approval": report_export.approval_line(report),
                "can_export": policy.can_export(current_user), "status": _status(
                    self, None, report, "status")}

    @expose("/draft/", methods=("POST",))
    def draft_view(self):
        """Draft (or open the draft of) the report of a period."""
        if not policy.may_issue_reports(current_user):
            abort(403)
        try:
            year = to_int(request.form.get("year", ""), MIN_DATE.year, MAX_DATE.year)
            number = to_int(request.form.get("number", ""), 1, 366)
            if year is None or number is None:
                raise ValueError("period")
            report = reports.draft_report(request.form.get("kind"), year, number, current_user)
            db.session.commit()
        except (DomainError, ValueError) as exc:
            db.session.rollback()
            flash(getattr(exc, "message", None) or _("Choose an existing period."), "error")
            return redirect(self.get_url(".index_view"))
        return redirect(self.get_url(".details_view", id=report.id))

    def _load(self):
        if not policy.is_office(current_user):
            abort(403)
        report = self.get_one(request.form.get("id"))
        if report is None:
            abort(404)
        return report

    def _step(self, service, done: str):
        report = self._load()
        run_service(lambda: service(report), done)
        return redirect(self.get_url(".details_view", id=report.id))

    @expose("/adhoc/", methods=("POST",))
    def adhoc_view(self):
        """Draft an ad-hoc report over any window (Đ15.2 "đột xuất")."""
        if not policy.may_issue_reports(current_user):
            abort(403)
        try:
            report = reports.draft_ad_hoc_report(current_user, request.form.get("start_on"),
                                                 request.form.get("end_on"))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(self.get_url(".index_view"))
        return redirect(self.get_url(".details_view", id=report.id))

    @expose("/narrative/", methods=("POST",))
    def narrative_view(self):
        """Save the narrative sections (a draft or returned report)."""
        form = request.form
        return self._step(lambda r: reports.save_narrative(
            current_user, r, **{name: form.get(name) for name in reports.NARRATIVE}),
            _("The report's text is saved."))

    @expose("/submit/", methods=("POST",))
    def submit_view(self):
        return self._step(lambda r: reports.submit_report(
            current_user, r, request.form.get("comment", "")),
            _("The report is submitted for approval."))

    @expose("/approve/", methods=("POST",))
    def approve_view(self):
        return self._step(lambda r: reports.approve_report(
            current_user, r, request.form.get("comment", "")), _("The report is approved."))

    @expose("/return/", methods=("POST",))
    def return_view(self):
        return self._step(lambda r: reports.return_report(
            current_user, r, request.form.get("comment", "")),
            _("The report is returned to the specialist."))

    @expose("/issue/", methods=("POST",))
    def issue_view(self):
        """Freeze the approved report's figures and ranking: the report is issued."""
        return self._step(lambda r: reports.issue_report(current_user, r),
                          _("The report is issued."))

    @expose("/publish/", methods=("POST",))
    def publish_view(self):
        """Put the issued report on the public page."""
        return self._step(lambda r: reports.publish_report(current_user, r),
                          _("The report is published."))

    @expose("/reissue/", methods=("POST",))
    def reissue_view(self):
        """Open a new version of an issued report, as a draft."""
        report = self._load()
        if not policy.may_issue_reports(current_user):
            abort(403)
        try:
            draft = reports.new_version(current_user, report)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(self.get_url(".details_view", id=report.id))
        return redirect(self.get_url(".details_view", id=draft.id))

    @expose("/export/")
    def export_view(self):
        """The report as the official workbook."""
        report = self.get_one(request.args.get("id"))
        if report is None:
            abort(404)
        if not policy.can_export(current_user):
            abort(403)
        unit_ids = policy.statistics_unit_ids(current_user)
        data = reports.figures(report, unit_ids)
        kind = report.kind.value if report.kind is not None else "dot-xuat"
        name = f"bao-cao-{kind}-{report.year}-{report.number}-v{report.version}.xlsx"
        return Response(report_export.workbook(report, data,
                                               reports.report_ranking(report, unit_ids)),
                        headers={"Content-Disposition": f'attachment; filename="{name}"'},
                        mimetype="application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet")


def report_export_measures() -> tuple:
    """The measure behind each figure column (the rates have none)."""
    return tuple(None if name in reports.RATES else name for name in reports.FIGURES)


def _chart_labels() -> dict:
    """The name of each figure: the timeliness classes, returned, cancelled, total."""
    return {**{t.value: str(labels.label(labels.TIMELINESS, t.value)) for t in Timeliness},
            "returned": _("Returned to the Office"), "cancelled": _("Cancelled"),
            "total": _("Total"), "no_deadline_done": _("Of which done"),
            "awaiting_verification": _("Awaiting verification")}


# --- dashboard and ranking --------------------------------------------------------------------

class ScreenPage(LoginRequiredMixin, BaseView):
    """A page that is not a model screen, opened by the roles of its policy screen."""

    screen = ""

    def is_accessible(self) -> bool:
        return policy.can_open_screen(current_user, self.screen)


DASHBOARD_COLUMNS = (*statistics.CLASSES, "total")


class DashboardView(ScreenPage):
    screen = "dashboard"

    @expose("/")
    def index(self):
        today = local_today()
        figures = reports.dashboard(today)
        return self.render("reports/dashboard.html", figures=figures, labels=_chart_labels(),
                           tasks_url=tasks_url, classes=[t.value for t in Timeliness],
                           columns=DASHBOARD_COLUMNS, today=today)


def ranking_formula(weights: dict) -> str:
    return ranking.formula_text(weights)


def ranking_links(key: str, unit_ids) -> dict:
    """Per unit, the task lists behind its "done on time" and "overdue" numbers; a frozen
    ranking's numbers were counted as of the issue, the lists are today's."""
    query = db.select(Unit.id)
    if unit_ids is not None:
        query = query.where(Unit.id.in_(unit_ids))
    return {uid: (tasks_url(period=key, measure="done_on_time", unit_id=uid),
                  tasks_url(period=key, measure="open_overdue", unit_id=uid))
            for uid in db.session.scalars(query)}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RankingView(ScreenPage):
    """The unit ranking (Đ20.2): frozen with the period's issued report, live before. A unit
    sees its own row only, with the numbers behind it."""

    screen = "ranking"

    @expose("/")
    def index(self):
        period = chosen_period(PeriodKind.quarter)
        unit_ids = policy.statistics_unit_ids(current_user)
        frozen, report = reports.period_ranking(period["start"], period["end"], unit_ids)
        return self.render("reports/ranking.html", period=period, rows=frozen["rows"],
                           weights=frozen["weights"], formula=ranking_formula(frozen["weights"]),
                           report=report, kinds=PERIOD_KINDS, tasks_url=tasks_url,
                           ranking_links=ranking_links(period["key"], unit_ids),
                           today_date=local_today(),
                           can_export=policy.can_export(current_user))

    @expose("/export/")
    def export_view(self):
        """The ranking with the numbers behind each score, as a workbook."""
        if not policy.can_export(current_user):
            abort(403)
        period = chosen_period(PeriodKind.quarter)
        unit_ids = policy.statistics_unit_ids(current_user)
        frozen, report = reports.period_ranking(period["start"], period["end"], unit_ids)
        name = f"xep-hang-{period['kind'].value}-{period['year']}-{period['number']}.xlsx"
        return Response(report_export.ranking_workbook(period["title"], frozen, report),
                        headers={"Content-Disposition": f'attachment; filename="{name}"'},
                        mimetype=XLSX)


class OfficerFiguresView(ScreenPage):
    """Đ20.2: the individual figures of a unit's officers for a period (the ranking's
    drill-down). The Office chooses the unit; a unit leader sees the unit's officers; an
    officer only themselves (policy.officer_figures_scope)."""

    screen = "officer_figures"

    @expose("/")
    def index(self):
        from ..services import individual

        period = chosen_period(PeriodKind.quarter)
        unit_id = to_id(request.args.get("unit_id", "")) if policy.is_office(current_user) \
            else current_user.unit_id
        unit = db.session.get(Unit, unit_id) if unit_id else None
        officers = [u for u in individual.officers_of_unit(unit.id)
                    if policy.officer_figures_scope(current_user, u)] if unit else []
        figures = individual.officer_figures([u.id for u in officers], period["start"],
                                             period["end"])
        return self.render("reports/officer_figures.html", period=period, unit=unit,
                           officers=officers, figures=figures, kinds=PERIOD_KINDS,
                           today_date=local_today())


# --- self-inspection reports (Đ16.1–2) ----------------------------------------------------------

def _si_period(view, context, model, name) -> str:
    return reports.period_title(model.kind, model.year, model.number)


class SelfInspectionView(ScopedModelView):
    """A unit drafts its self-inspection report per period; its leader submits it; the Office
    reads them and sees who is missing or late."""

    screen = "self_inspection"
    allow_create = allow_edit = True
    list_template = "reports/self_inspection_list.html"
    details_template = "reports/self_inspection_details.html"
    column_list = ("unit", "period", "submitted_at", "submitted_by")
    column_details_list = ("unit", "period", "assessment", "shortcomings", "difficulties",
                           "proposals", "submitted_at", "submitted_by")
    form_columns = ("kind", "year", "number", "assessment", "shortcomings", "difficulties",
                    "proposals")
    form_choices = {"kind": [(k.value, v) for k, v in PERIOD_KINDS.items()]}
    column_default_sort = ("id", True)
    column_formatters = {"period": _si_period}
    column_formatters_detail = column_formatters
    column_labels = {"unit": _l("Unit"), "period": _l("Period"), "kind": _l("Kind"),
                     "year": _l("Year"), "number": _l("Number in the year"),
                     "assessment": _l("Assessment"), "shortcomings": _l("Shortcomings"),
                     "difficulties": _l("Difficulties and causes"), "proposals": _l("Proposals"),
                     "submitted_at": _l("Submitted at"), "submitted_by": _l("Submitted by")}

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.unit_id = current_user.unit_id
        if not policy.may_write_self_inspection(current_user, model):
            raise DomainError(_("Only your unit's unsubmitted report can be changed."))
        super().on_model_change(form, model, is_created)
        reports.check_self_inspection(model)

    def get_save_return_url(self, model, is_created=False):
        return self.get_url(".details_view", id=model.id)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """A submitted report, or another unit's, is shown instead of edited."""
        report = self.get_one(request.args.get("id"))
        if report is not None and not policy.may_write_self_inspection(current_user, report):
            flash(_("Only your unit's unsubmitted report can be changed."), "warning")
            return redirect(self.get_url(".details_view", id=report.id))
        return super().edit_view()

    def page(self, report) -> dict:
        return {"can_edit": policy.may_write_self_inspection(current_user, report),
                "can_submit": policy.may_submit_self_inspection(current_user, report)}

    @expose("/submit/", methods=("POST",))
    def submit_view(self):
        """The unit leader submits the report (Đ16.1–2)."""
        report = self.get_one(request.form.get("id"))
        if report is None:
            abort(404)
        if not policy.may_submit_self_inspection(current_user, report):
            abort(403)
        run_service(lambda: reports.submit_self_inspection(current_user, report),
                _("The self-inspection report is submitted."))
        return redirect(self.get_url(".details_view", id=report.id))

    @expose("/status/")
    def status_view(self):
        """The Office: which units submitted the period's report, on time or late, and which
        have not."""
        if not policy.is_office(current_user):
            abort(403)
        period = chosen_period(PeriodKind.quarter)
        status = reports.self_inspection_status(period["kind"], period["year"], period["number"],
                                                ranking.ranked_unit_ids())
        return self.render("reports/self_inspection_status.html", period=period, status=status,
                           kinds=PERIOD_KINDS, labels=SUBMISSION, css=SUBMISSION_CSS)


def click_through_heading(args, unit_id: int | None = None) -> str:
    """What a click-through from a report or the dashboard filters: period, figure, unit
    (``unit_id``: the unit whose row the list is, where the link names none: a unit's own
    figure on its screen; else the link's ?unit_id=)."""
    parts = []
    period = reports.parse_period_key(args.get("period"))
    if period is not None:
        parts.append(reports.period_title(*period))
    measure = args.get("measure")
    if measure in reports.MEASURES:
        if not parts:
            parts.append(_("Today"))
        names = {**_chart_labels(), reports.ASSIGNED: _("Of which assigned in this period"),
                 "no_deadline_done": _("Done without deadline")}
        parts.append(str(names.get(measure) or measure))
    if unit_id is None:
        unit_id = to_id(args.get("unit_id", ""))
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        parts.append(unit.name if unit is not None else "")
    return " · ".join(p for p in parts if p)
