"""The Office's period reports (Đ15.2, Đ17): figures, freezing, versions, publication.

A report's figures are the statistics table of ``cddh.services.statistics`` for its window,
plus the column "of which assigned in this period", the two rates, and the list of tasks
overdue at the end. A draft shows them as they are now; issuing stores them in the report
(``PeriodReport.data``) and they are never computed again for it. A re-issue is a new
version: a new draft of the same period, issued in its turn. The job ``draft_period_reports``
drafts each period's report once its cut-off has passed; the Office reviews, issues and may
publish it (only published reports reach the public page).

Rates, in per cent with one decimal, ``None`` when there is nothing to divide by, as
``cddh.services.statistics`` defines them (docs/figures.md):

* completion rate = (done on time + done late + done without deadline) / (total − cancelled −
  returned);
* on-time rate = done on time / (done on time + done late).

A period that has not ended is counted as of today and marked ``to_date`` (đến nay).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from ..models import (
    Document,
    PeriodKind,
    PeriodReport,
    ReportStatus,
    SelfInspectionReport,
    Task,
    Timeliness,
    Unit,
    db,
    utcnow,
)
from . import DomainError, statistics
from .calendar import WorkingCalendar
from .clock import local_today, local_tz, start_of_local_day
from .parsing import to_int
from .periods import period_bounds, period_kind
from .settings import get_setting
from .statistics import (
    COLUMNS,
    class_clause,
    counted_clause,
    effective_end,
    is_to_date,
    measure_clause,
    total_row,
    unit_statistics,
)

ASSIGNED = "assigned_in_period"
RATES = ("completion_rate", "on_time_rate")
# The table's figure columns, in the order of the screen and the workbook.
FIGURES = ("total", ASSIGNED, "done_on_time", "done_late", "open_on_time", "open_overdue",
           "no_deadline", "returned", "cancelled", *RATES)
DATA_FORMAT = 2  # bump when the stored shape of ``PeriodReport.data`` changes


def with_rates(row: dict) -> dict:
    """A statistics row with its completion and on-time rates added."""
    return {**row, "completion_rate": statistics.completion_rate(row),
            "on_time_rate": statistics.on_time_rate(row)}


def assigned_in_period(start: dt.date, end: dt.date, unit_ids=None) -> dict[int, int]:
    """Per lead unit, the counted tasks first assigned within the window itself."""
    query = (sa.select(Task.lead_unit_id, sa.func.count())
             .where(counted_clause(start, effective_end(end)), Task.lead_unit_id.is_not(None),
                    Task.assigned_at >= start_of_local_day(start))
             .group_by(Task.lead_unit_id))
    if unit_ids is not None:
        query = query.where(Task.lead_unit_id.in_(list(unit_ids)))
    return dict(db.session.execute(query).all())


def overdue_tasks(start: dt.date, end: dt.date, unit_ids=None) -> list[dict]:
    """The counted tasks open and overdue at the end, most overdue first, with days overdue."""
    end = effective_end(end)
    query = (sa.select(Task.id, Task.content, Task.deadline, Unit.name, Document.number)
             .join(Unit, Unit.id == Task.lead_unit_id)
             .join(Document, Document.id == Task.document_id)
             .where(measure_clause(Timeliness.open_overdue.value, start, end))
             .order_by(Task.deadline, Unit.sort_order, Unit.name, Task.id))
    if unit_ids is not None:
        query = query.where(Task.lead_unit_id.in_(list(unit_ids)))
    return [{"task_id": task_id, "content": content, "document": number, "unit": unit,
             "deadline": deadline.isoformat(), "days_overdue": (end - deadline).days}
            for task_id, content, deadline, unit, number in db.session.execute(query)]


def compute_figures(start: dt.date, end: dt.date, unit_ids=None) -> dict:
    """The figures of the window [start, end], in the shape stored in ``PeriodReport.data``;
    a window that has not ended is counted as of today (``end`` is then today, ``to_date``)."""
    to_date = is_to_date(end)
    end = effective_end(end)
    rows = unit_statistics(start, end, unit_ids)
    assigned = assigned_in_period(start, end, unit_ids)
    names = dict(db.session.execute(
        sa.select(Unit.id, Unit.name).where(Unit.id.in_([r["unit_id"] for r in rows]))).all())
    table = [with_rates({**row, "unit": names.get(row["unit_id"], ""),
                         ASSIGNED: assigned.get(row["unit_id"], 0)}) for row in rows]
    total = total_row(rows)
    total[ASSIGNED] = sum(assigned.get(row["unit_id"], 0) for row in rows)
    return {"format": DATA_FORMAT, "start": start.isoformat(), "end": end.isoformat(),
            "to_date": to_date, "rows": table, "total": with_rates(total),
            "overdue": overdue_tasks(start, end, unit_ids)}


def figures(report: PeriodReport, unit_ids=None) -> dict:
    """What a report shows: the frozen figures once issued, the live ones while a draft.

    ``unit_ids`` (from ``policy.statistics_unit_ids``) narrows the rows to those units.
    """
    if report.status == ReportStatus.draft:
        return compute_figures(report.start_on, report.end_on, unit_ids)
    data = report.data
    if unit_ids is None:
        return data
    wanted = set(unit_ids)
    rows = [r for r in data["rows"] if r["unit_id"] in wanted]
    total = with_rates({name: sum(r.get(name, 0) for r in rows) for name in (*COLUMNS, ASSIGNED)})
    return {**data, "rows": rows, "total": total, "overdue": []}


def chart_data(data: dict) -> dict:
    """The aggregate figures a chart needs (no task): the timeliness split per unit."""
    keys = [t.value for t in Timeliness]
    return {"units": [row["unit"] for row in data["rows"]],
            "series": {key: [row[key] for row in data["rows"]] for key in keys},
            "total": {key: data["total"][key] for key in keys}}


# --- the life of a report --------------------------------------------------------------------

def latest_version(kind, year: int, number: int) -> PeriodReport | None:
    return db.session.scalar(
        sa.select(PeriodReport).where(PeriodReport.kind == period_kind(kind),
                                      PeriodReport.year == year, PeriodReport.number == number)
        .order_by(PeriodReport.version.desc()).limit(1))


def draft_report(kind, year: int, number: int) -> PeriodReport:
    """The period's open draft, or a new one (version 1, or the next after an issued one)."""
    kind = period_kind(kind)
    start, end = period_bounds(kind, year, number)
    latest = latest_version(kind, year, number)
    if latest is not None and latest.status == ReportStatus.draft:
        return latest
    report = PeriodReport(kind=kind, year=year, number=number, start_on=start, end_on=end,
                          version=(latest.version + 1) if latest else 1,
                          status=ReportStatus.draft, data={})
    db.session.add(report)
    db.session.flush()
    return report


def issue_report(user, report: PeriodReport) -> PeriodReport:
    """Freeze a draft: its figures are computed one last time and stored with it."""
    if report.status != ReportStatus.draft:
        raise DomainError(_("This report is already issued; issue a new version instead."),
                          code="conflict")
    report.data = compute_figures(report.start_on, report.end_on)
    report.status = ReportStatus.issued
    report.issued_at = utcnow()
    report.issued_by_id = user.id
    db.session.flush()
    return report


def publish_report(user, report: PeriodReport) -> PeriodReport:
    """Put an issued report on the public page (Đ15.2)."""
    if report.status != ReportStatus.issued:
        raise DomainError(_("Only an issued report can be published."), code="conflict")
    report.status = ReportStatus.published
    report.published_at = utcnow()
    db.session.flush()
    return report


def published_reports() -> list[PeriodReport]:
    """The published reports, the newest published version of each period, latest first."""
    reports = db.session.scalars(
        sa.select(PeriodReport).where(PeriodReport.status == ReportStatus.published)
        .order_by(PeriodReport.end_on.desc(), PeriodReport.kind, PeriodReport.version.desc()))
    newest: dict[tuple, PeriodReport] = {}
    for report in reports:
        newest.setdefault((report.kind, report.year, report.number), report)
    return list(newest.values())


def last_ended_period(kind: PeriodKind, today: dt.date) -> tuple[int, int]:
    """The (year, number) of the latest period of ``kind`` whose cut-off is before today."""
    count = {PeriodKind.month: 12, PeriodKind.quarter: 4}.get(kind, 1)
    for year in (today.year + 1, today.year, today.year - 1):
        for number in range(count, 0, -1):
            if period_bounds(kind, year, number)[1] < today:
                return year, number
    raise ValueError(today)  # unreachable: last year's periods have all ended


def draft_period_reports(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """The job: draft the report of each kind's latest ended period, once (Đ17). The kinds
    are the setting ``report_period_kinds``."""
    drafted = 0
    for kind in map(period_kind, get_setting("report_period_kinds")):
        year, number = last_ended_period(kind, today)
        if latest_version(kind, year, number) is None:
            draft_report(kind, year, number)
            drafted += 1
    return {"drafted": drafted}


def period_title(kind, year: int, number: int) -> str:
    """The period as a title reads it: "Quý 2 năm 2026", "9 tháng năm 2026"."""
    kind = period_kind(kind)
    titles = {
        PeriodKind.month: _("Month %(n)d of %(y)d", n=number, y=year),
        PeriodKind.quarter: _("Quarter %(n)d of %(y)d", n=number, y=year),
        PeriodKind.half: _("First half of %(y)d", y=year),
        PeriodKind.nine_months: _("Nine months of %(y)d", y=year),
        PeriodKind.year: _("Year %(y)d", y=year),
    }
    return titles[kind]


# --- the tasks behind a figure (click-through from reports and the dashboard) ----------------
MEASURES = (*statistics.MEASURES, ASSIGNED)


def period_key(kind, year: int, number: int) -> str:
    """A period as one URL value: "quarter:2026:2"."""
    return f"{period_kind(kind).value}:{year}:{number}"


def parse_period_key(key: str | None) -> tuple[str, int, int] | None:
    """(kind, year, number) from a period key ``kind:year:number`` (from a URL), or None
    when it names no period."""
    parts = (key or "").split(":")
    if len(parts) != 3:
        return None
    kind, year, number = parts[0], to_int(parts[1], 1, 9999), to_int(parts[2], 1, 366)
    if year is None or number is None:
        return None
    try:
        period_bounds(kind, year, number)
    except DomainError:
        return None
    return kind, year, number


def period_window(key: str | None) -> tuple[dt.date, dt.date] | None:
    """The window of a period named by a URL value, or None."""
    period = parse_period_key(key)
    return period_bounds(*period) if period is not None else None


def period_conditions(key: str | None, measure: str | None = None) -> list:
    """SQL conditions for the tasks behind one figure: with a period key, the tasks the
    period counts (as of its end, or today while it runs) and, with ``measure`` (a column
    name), those in that column; without a period, ``measure`` is a figure as of today (the
    dashboard). A key that names no period gives no condition at all rather than an error (it
    comes from a URL)."""
    today = local_today()
    if not key:
        if measure in statistics.MEASURES:
            return [measure_clause(measure, None, today, today)]
        return []
    window = period_window(key)
    if window is None:
        return []
    start, end = window
    as_of = effective_end(end, today)
    conditions = [counted_clause(start, as_of)]
    if measure == ASSIGNED:
        conditions.append(Task.assigned_at >= start_of_local_day(start))
    elif measure in statistics.MEASURES and measure != "total":
        conditions.append(class_clause(measure, as_of, today))
    return conditions


def dashboard_totals(today: dt.date, rows: list[dict] | None = None) -> dict:
    """The dashboard's headline figures as of today (also on the leaders' and the
    administrator's home): the statistics total row, with ``awaiting_verification``."""
    if rows is None:
        rows = unit_statistics(None, today, today=today)
    totals = total_row(rows)
    totals[statistics.AWAITING] = db.session.scalar(
        sa.select(sa.func.count()).select_from(Task)
        .where(measure_clause(statistics.AWAITING, None, today, today))) or 0
    return totals


def dashboard(today: dt.date, months: int = 12) -> dict:
    """The Office's dashboard: every forwarded task as of today, per unit and in total, and a
    monthly trend.

    ``by_unit`` rows are the statistics rows (``statistics.COLUMNS``) with the unit's name, in
    display order; ``totals`` adds them up, with ``awaiting_verification`` (of the tasks done,
    those the Office has not verified yet). ``trend`` has one entry per monthly period that has
    begun (the latest ``months``; never a future one): {key, label, to_date, total,
    done_on_time, done_late, open_overdue}, as of each period's end, or of today for the
    running one (``to_date``).
    """
    rows = unit_statistics(None, today, today=today)
    names = dict(db.session.execute(
        sa.select(Unit.id, Unit.name).where(Unit.id.in_([r["unit_id"] for r in rows]))).all())
    by_unit = [{**row, "unit": names.get(row["unit_id"], "")} for row in rows]
    totals = dashboard_totals(today, rows)
    trend = []
    year, number = today.year, today.month
    if today > period_bounds(PeriodKind.month, year, number)[1]:
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    for _i in range(months):
        start, end = period_bounds(PeriodKind.month, year, number)
        total = total_row(unit_statistics(start, end, today=today))
        to_date = is_to_date(end, today)
        label = f"{number:02d}/{year}"
        trend.append({"key": period_key(PeriodKind.month, year, number),
                      "label": _("%(month)s (to date)", month=label) if to_date else label,
                      "to_date": to_date, "total": total["total"],
                      "done_on_time": total["done_on_time"], "done_late": total["done_late"],
                      "open_overdue": total["open_overdue"]})
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    trend.reverse()
    most_overdue = sorted((r for r in by_unit if r["open_overdue"]),
                          key=lambda r: -r["open_overdue"])[:10]
    return {"totals": totals, "by_unit": by_unit, "trend": trend, "most_overdue": most_overdue}


# --- unit self-inspection reports (Đ16.1–2) ---------------------------------------------------

def check_self_inspection(report) -> None:
    """A self-inspection report names a period that exists, once per unit."""
    with db.session.no_autoflush:  # the report itself is not in the database yet
        period_bounds(report.kind, report.year, report.number)
        clash = db.session.scalar(sa.select(SelfInspectionReport.id).where(
            SelfInspectionReport.unit_id == report.unit_id,
            SelfInspectionReport.kind == period_kind(report.kind),
            SelfInspectionReport.year == report.year,
            SelfInspectionReport.number == report.number,
            SelfInspectionReport.id != (report.id or 0)))
    if clash is not None:
        raise DomainError(_("Your unit already has a self-inspection report for this period."),
                          code="conflict")


def submit_self_inspection(user, report) -> None:
    """The unit leader submits the report; it can no longer be changed."""
    if report.submitted_at is not None:
        raise DomainError(_("This report is already submitted."), code="conflict")
    if not report.assessment.strip():
        raise DomainError(_("Write the assessment before submitting."),
                          fields={"assessment": "required"})
    report.submitted_at = utcnow()
    report.submitted_by_id = user.id
    db.session.flush()


def self_inspection_status(kind, year: int, number: int, unit_ids: list[int],
                           cal: WorkingCalendar | None = None) -> dict:
    """Who submitted the period's self-inspection report, on time or late, and who is missing.

    The report is due ``self_inspection_due_working_days`` working days after the cut-off.
    Rows: {unit_id, unit, report_id, submitted_at, status: on_time|late|missing}.
    """
    kind = period_kind(kind)
    end = period_bounds(kind, year, number)[1]
    due = (cal or WorkingCalendar()).add_working_days(
        end, int(get_setting("self_inspection_due_working_days")))
    found = {r.unit_id: r for r in db.session.scalars(sa.select(SelfInspectionReport).where(
        SelfInspectionReport.kind == kind, SelfInspectionReport.year == year,
        SelfInspectionReport.number == number, SelfInspectionReport.unit_id.in_(unit_ids)))}
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name)
                                    .where(Unit.id.in_(unit_ids))).all())
    rows = []
    for unit_id in unit_ids:
        report = found.get(unit_id)
        submitted = report.submitted_at if report is not None else None
        if submitted is None:
            status = "missing"
        else:
            on = submitted.replace(tzinfo=submitted.tzinfo or dt.UTC).astimezone(local_tz()).date()
            status = "on_time" if on <= due else "late"
        rows.append({"unit_id": unit_id, "unit": names[unit_id],
                     "report_id": report.id if report else None, "submitted_at": submitted,
                     "status": status})
    return {"due": due, "rows": rows}
