"""The public results page (Đ15.2): no login, only the figures and charts of published
reports. No task, no task content and no unit's task list is ever shown here, and no draft
or merely issued report: the page reads nothing but ``reports.published_reports()`` and the
aggregate figures frozen in them, stored apart from the overdue list they also hold
(``PeriodReportFigures``)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from .. import labels
from ..models import PeriodReport, ReportStatus, Timeliness, db
from ..services import report_export, reports

bp = Blueprint("public", __name__, url_prefix="/public")


def _published(report_id: int) -> PeriodReport:
    """A published report, or 404 (a draft or issued one does not exist for the public)."""
    report = db.session.get(PeriodReport, report_id)
    if report is None or report.status != ReportStatus.published:
        abort(404)
    return report


def _public_figures(report: PeriodReport) -> dict:
    """The frozen aggregate figures, without the overdue list (it names tasks)."""
    return reports.public_figures(report)


@bp.get("/")
def index():
    """The list of published reports, newest first: their totals only (the reports' big
    ``data`` with the overdue lists is never loaded here)."""
    published = reports.published_reports()
    totals = reports.public_totals(published)
    items = [{"report": r, "title": reports.report_title(r), "total": totals[r.id]}
             for r in published]
    return render_template("public/index.html", items=items)


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    """One published report: the table of figures per unit and its charts."""
    found = _published(report_id)
    data = _public_figures(found)
    return render_template(
        "public/report.html", report=found,
        title=reports.report_title(found),
        header=report_export.table_header(), rows=report_export.table_rows(data),
        window=report_export.window_line(data), chart=reports.chart_data(data),
        labels={t.value: str(labels.label(labels.TIMELINESS, t.value)) for t in Timeliness})
