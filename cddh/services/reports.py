"""The Office's period reports (Đ15.2, Đ17): figures, freezing, versions, publication.

A report's figures are the statistics table of ``cddh.services.statistics`` for its window,
plus the column "of which assigned in this period", the two rates, the list of tasks
overdue at the end and the "difficulties and proposals" section (counts by kind and state,
and the open list). Until it is issued a report shows them as they are now; issuing stores
them in the report (``PeriodReport.data``), with the unit ranking of the window (its rows
and weights, ``ranking.snapshot``), and they are never computed again for it. A re-issue is
a new version: a new draft of the same period, issued in its turn.

The life of a report (Đ15.2, Đ17.2), each step recorded in ``PeriodReportEvent`` (who,
when, comment)::

    draft ──submit (specialist)──▶ submitted ──approve (Office leader)──▶ approved
      ▲                               │                                      │
      └────── returned ◀──return with comments (Office leader)               issue
                                                                               ▼
                                                published ◀──publish── issued

Only an approved report is issued, only an issued one published. The narrative sections
(assessment, causes, difficulties and proposals, recommendations) are written while the
report is a draft or returned; the difficulties section is prefilled from the difficulties
raised in the window and from the units' self-inspection reports.

The job ``draft_period_reports`` drafts each period's report once its cut-off has passed;
its due date is ``report_due_working_days`` working days after the cut-off. An ad-hoc report
(Đ15.2 "đột xuất") covers any window and has no period kind.

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

from ..auth import policy
from ..models import (
    Difficulty,
    DifficultyKind,
    DifficultyState,
    Document,
    PeriodKind,
    PeriodReport,
    PeriodReportEvent,
    PeriodReportFigures,
    ReportStatus,
    SelfInspectionReport,
    Task,
    Timeliness,
    Unit,
    db,
    task_unit,
    utcnow,
)
from ..models.task import TaskUnitRole
from . import Conflict, DomainError, NotAllowed, facts, ranking, statistics
from .calendar import WorkingCalendar, transaction_calendar
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
DATA_FORMAT = 3  # bump when the stored shape of ``PeriodReport.data`` changes
# 3: "difficulties" section, "ranking" snapshot, overdue rows carry unit_id.
NARRATIVE = ("assessment", "causes", "difficulties", "recommendations")
FROZEN = (ReportStatus.issued, ReportStatus.published)
EDITABLE = (ReportStatus.draft, ReportStatus.returned)
OPEN_LIST_LIMIT = 500  # the open difficulties listed in a report (the counts cover all)
# The overdue rows a report screen shows (issue 13 §5); a link opens the whole filtered list.
OVERDUE_SHOWN = 50


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


def overdue_tasks(start: dt.date, end: dt.date, unit_ids=None,
                  limit: int | None = None) -> list[dict]:
    """The counted tasks open and overdue at the end, most overdue first, with days overdue
    (counted from the effective deadline, Điều 148; the deadline shown is the document's),
    the first ``limit`` of them when given."""
    end = effective_end(end)
    query = (sa.select(Task.id, Task.content, Task.deadline, Unit.name, Document.number,
                       Task.effective_deadline)
             .join(Unit, Unit.id == Task.lead_unit_id)
             .join(Document, Document.id == Task.document_id)
             .where(measure_clause(Timeliness.open_overdue.value, start, end))
             .order_by(Task.effective_deadline, Unit.sort_order, Unit.name, Task.id))
    if unit_ids is not None:
        query = query.where(Task.lead_unit_id.in_(list(unit_ids)))
    query = query.add_columns(Task.lead_unit_id)
    if limit is not None:
        query = query.limit(limit)
    return [{"task_id": task_id, "content": content, "document": number, "unit": unit,
             "unit_id": unit_id, "deadline": deadline.isoformat(),
             "days_overdue": (end - effective).days}
            for task_id, content, deadline, unit, number, effective, unit_id
            in db.session.execute(query)]


def difficulties_section(start: dt.date, end: dt.date, unit_ids=None) -> dict:
    """The "difficulties and proposals" section (Đ15.3): per unit, kind and state, the
    matters raised in the window; and the list of those still open (raised on or before the
    end, not yet decided), oldest due first."""
    raised = sa.and_(Difficulty.created_at >= start_of_local_day(start),
                     Difficulty.created_at < start_of_local_day(end + dt.timedelta(days=1)))
    query = (sa.select(Difficulty.unit_id, Difficulty.kind, Difficulty.state, sa.func.count())
             .where(raised).group_by(Difficulty.unit_id, Difficulty.kind, Difficulty.state))
    open_query = (
        sa.select(Difficulty.id, Difficulty.task_id, Difficulty.unit_id, Unit.name,
                  Difficulty.kind, Difficulty.asks, Difficulty.content, Difficulty.due_on,
                  Difficulty.state)
        .join(Unit, Unit.id == Difficulty.unit_id)
        .where(Difficulty.state.in_([DifficultyState.open, DifficultyState.proposed]),
               Difficulty.created_at < start_of_local_day(end + dt.timedelta(days=1)))
        .order_by(Difficulty.due_on, Difficulty.id).limit(OPEN_LIST_LIMIT))
    if unit_ids is not None:
        query = query.where(Difficulty.unit_id.in_(list(unit_ids)))
        open_query = open_query.where(Difficulty.unit_id.in_(list(unit_ids)))
    counts = [{"unit_id": unit_id, "kind": kind.value, "state": state.value, "n": n}
              for unit_id, kind, state, n in db.session.execute(query)]
    today = local_today()
    listed = [{"id": i, "task_id": task_id, "unit_id": unit_id, "unit": unit,
               "kind": kind.value, "asks": asks.value, "content": content,
               "due_on": due.isoformat() if due else None, "state": state.value,
               "late": bool(due and today > due)}
              for i, task_id, unit_id, unit, kind, asks, content, due, state
              in db.session.execute(open_query)]
    return {"counts": counts, "open": listed}


def difficulty_totals(section: dict) -> dict:
    """The section's counts added up: {kind: {state: n, "total": n}} and a grand total."""
    totals = {k.value: {**{s.value: 0 for s in DifficultyState}, "total": 0}
              for k in DifficultyKind}
    for row in section.get("counts", []):
        cell = totals.setdefault(row["kind"], {"total": 0})
        cell[row["state"]] = cell.get(row["state"], 0) + row["n"]
        cell["total"] += row["n"]
    totals["all"] = sum(cell["total"] for cell in totals.values())
    return totals


def compute_figures(start: dt.date, end: dt.date, unit_ids=None,
                    overdue_limit: int | None = None) -> dict:
    """The figures of the window [start, end], in the shape stored in ``PeriodReport.data``;
    a window that has not ended is counted as of today (``end`` is then today, ``to_date``).
    With ``overdue_limit`` only the first rows of the overdue list are listed (a screen);
    ``overdue_count`` always says how many there are."""
    to_date = is_to_date(end)
    # A closed window's "assigned in this period" is stored with its facts.
    stored = None if to_date else facts.stored_unit_figures(start, end)
    end = effective_end(end)
    rows = unit_statistics(start, end, unit_ids)
    if stored is not None:
        assigned = {unit_id: f[ASSIGNED] for unit_id, f in stored.items()}
    else:
        assigned = assigned_in_period(start, end, unit_ids)
    names = dict(db.session.execute(
        sa.select(Unit.id, Unit.name).where(Unit.id.in_([r["unit_id"] for r in rows]))).all())
    # The units' duties within the window (Đ8.1b missed updates, Đ8.2a returns, cooperating
    # units' requests): counts beside the classes, not classes (docs/figures.md, "Duties").
    duties = statistics.duty_counts(start, end, unit_ids)
    table = [with_rates({**row, "unit": names.get(row["unit_id"], ""),
                         ASSIGNED: assigned.get(row["unit_id"], 0),
                         **duties.get(row["unit_id"], dict.fromkeys(statistics.DUTY_COUNTS, 0))})
             for row in rows]
    total = total_row(rows)
    total[ASSIGNED] = sum(assigned.get(row["unit_id"], 0) for row in rows)
    for name in statistics.DUTY_COUNTS:
        total[name] = sum(row[name] for row in table)
    return {"format": DATA_FORMAT, "start": start.isoformat(), "end": end.isoformat(),
            "to_date": to_date, "rows": table, "total": with_rates(total),
            "overdue": overdue_tasks(start, end, unit_ids, overdue_limit),
            "overdue_count": total["open_overdue"],
            "difficulties": difficulties_section(start, end, unit_ids)}


def is_frozen(report: PeriodReport) -> bool:
    return report.status in FROZEN


def figures(report: PeriodReport, unit_ids=None, overdue_limit: int | None = None) -> dict:
    """What a report shows: the frozen figures once issued, the live ones before.

    ``unit_ids`` (from ``policy.statistics_unit_ids``) narrows the rows, the overdue list and
    the difficulties to those units. With ``overdue_limit`` (a screen) only the first overdue
    rows are listed and a frozen report is read from its ``PeriodReportFigures`` (its big
    ``data`` is not loaded); without it (the workbook) the whole list. ``overdue_count`` says
    how many tasks the list has.
    """
    if not is_frozen(report):
        return compute_figures(report.start_on, report.end_on, unit_ids, overdue_limit)
    if unit_ids is None:
        return frozen_figures(report, overdue_limit)
    data = report.data
    if unit_ids is None:
        return data
    wanted = set(unit_ids)
    rows = [r for r in data["rows"] if r["unit_id"] in wanted]
    total = with_rates({name: sum(r.get(name, 0) for r in rows) for name in (*COLUMNS, ASSIGNED)})
    section = data.get("difficulties") or {"counts": [], "open": []}
    mine = {"counts": [r for r in section["counts"] if r["unit_id"] in wanted],
            "open": [r for r in section["open"] if r["unit_id"] in wanted]}
    overdue = [r for r in data.get("overdue") or [] if r.get("unit_id") in wanted]
    return {**data, "rows": rows, "total": total, "difficulties": mine,
            "overdue": overdue if overdue_limit is None else overdue[:overdue_limit],
            "overdue_count": len(overdue)}


def frozen_figures(report: PeriodReport, overdue_limit: int | None = None) -> dict:
    """A frozen report's figures: from its stored summary when only the first overdue rows
    are wanted (and the summary holds that many), else from ``PeriodReport.data``."""
    if overdue_limit is not None and overdue_limit <= OVERDUE_SHOWN:
        summary = db.session.get(PeriodReportFigures, report.id)
        if summary is not None:
            return {**summary.figures, "overdue": summary.overdue_head[:overdue_limit],
                    "overdue_count": summary.overdue_count}
    data = report.data
    overdue = data.get("overdue") or []
    return {**data, "overdue": overdue if overdue_limit is None else overdue[:overdue_limit],
            "overdue_count": len(overdue)}


def store_report_figures(report: PeriodReport) -> PeriodReportFigures:
    """Store a frozen report's public figures apart from its overdue list (issue 13 §5)."""
    data = report.data
    summary = db.session.get(PeriodReportFigures, report.id) or PeriodReportFigures(
        report_id=report.id)
    overdue = data.get("overdue") or []
    summary.total = data["total"]
    summary.figures = {key: value for key, value in data.items() if key != "overdue"}
    summary.overdue_count = len(overdue)
    summary.overdue_head = overdue[:OVERDUE_SHOWN]
    db.session.add(summary)
    return summary


def public_figures(report: PeriodReport) -> dict:
    """A published report's aggregate figures, without the overdue list (it names tasks)."""
    summary = db.session.get(PeriodReportFigures, report.id)
    if summary is not None:
        return dict(summary.figures)
    return {key: value for key, value in report.data.items() if key != "overdue"}


def public_totals(reports: list[PeriodReport]) -> dict[int, dict]:
    """The total row of each report, by id, without loading their ``data`` (one query)."""
    ids = [r.id for r in reports]
    found = dict(db.session.execute(sa.select(PeriodReportFigures.report_id,
                                              PeriodReportFigures.total)
                                    .where(PeriodReportFigures.report_id.in_(ids))).all())
    return {r.id: found[r.id] if r.id in found else r.data["total"] for r in reports}


def frozen_ranking(report: PeriodReport) -> dict | None:
    """The ranking stored with a frozen report, read from its summary (not the big ``data``)."""
    summary = db.session.get(PeriodReportFigures, report.id)
    source = summary.figures if summary is not None else report.data
    return source.get("ranking")


def report_ranking(report: PeriodReport, unit_ids=None) -> dict:
    """The report's ranking: frozen with it once issued (its rows and weights as they were),
    live before. ``unit_ids`` narrows it to those units' rows."""
    frozen = frozen_ranking(report) if is_frozen(report) else None
    if frozen:
        return ranking.only_units(frozen, unit_ids)
    return ranking.only_units({**ranking.snapshot(report.start_on, report.end_on),
                               "live": True}, unit_ids)


def issued_for_window(start: dt.date, end: dt.date) -> PeriodReport | None:
    """The newest issued (or published) report of exactly this window, if any: its ranking
    is the period's ranking (``period_ranking``)."""
    return db.session.scalar(
        sa.select(PeriodReport).where(PeriodReport.start_on == start, PeriodReport.end_on == end,
                                      PeriodReport.kind.is_not(None),
                                      PeriodReport.status.in_(FROZEN))
        .order_by(PeriodReport.version.desc()).limit(1))


def period_ranking(start: dt.date, end: dt.date, unit_ids=None) -> tuple[dict, PeriodReport | None]:
    """The ranking of a period: frozen with its issued report when there is one (an
    extension approved later does not change a closed period), live otherwise."""
    report = issued_for_window(start, end)
    frozen = frozen_ranking(report) if report is not None else None
    if frozen:
        return ranking.only_units(frozen, unit_ids), report
    return ranking.only_units({**ranking.snapshot(start, end), "live": True}, unit_ids), None


def chart_data(data: dict) -> dict:
    """The aggregate figures a chart needs (no task): the timeliness split per unit."""
    keys = [t.value for t in Timeliness]
    return {"units": [row["unit"] for row in data["rows"]],
            "series": {key: [row[key] for row in data["rows"]] for key in keys},
            "total": {key: data["total"][key] for key in keys}}


# --- the life of a report --------------------------------------------------------------------

def latest_version(kind, year: int, number: int) -> PeriodReport | None:
    kind_clause = (PeriodReport.kind.is_(None) if kind is None
                   else PeriodReport.kind == period_kind(kind))
    return db.session.scalar(
        sa.select(PeriodReport).where(kind_clause, PeriodReport.year == year,
                                      PeriodReport.number == number)
        .order_by(PeriodReport.version.desc()).limit(1))


def due_date(end: dt.date, cal: WorkingCalendar | None = None) -> dt.date:
    """A report's due date: ``report_due_working_days`` working days after its cut-off."""
    return (cal or transaction_calendar()).add_working_days(
        end, int(get_setting("report_due_working_days")))


def _new_report(kind, year: int, number: int, start: dt.date, end: dt.date,
                version: int, cal: WorkingCalendar | None = None) -> PeriodReport:
    report = PeriodReport(kind=kind, year=year, number=number, start_on=start, end_on=end,
                          version=version, status=ReportStatus.draft, data={},
                          due_on=due_date(end, cal))
    report.difficulties = prefill_difficulties(report)
    db.session.add(report)
    db.session.flush()
    return report


def draft_report(kind, year: int, number: int, user=None,
                 cal: WorkingCalendar | None = None) -> PeriodReport:
    """The period's open report (not yet issued), or a new draft (version 1, or the next
    after an issued one). ``kind`` None reopens an ad-hoc report's series."""
    if kind is None:
        latest = latest_version(None, year, number)
        if latest is None:
            raise DomainError(_("Choose an existing period."), code="invalid_period")
        start, end = latest.start_on, latest.end_on
    else:
        kind = period_kind(kind)
        start, end = period_bounds(kind, year, number)
        latest = latest_version(kind, year, number)
    if latest is not None and not is_frozen(latest):
        return latest
    report = _new_report(kind, year, number, start, end,
                         (latest.version + 1) if latest else 1, cal)
    _record(report, user, "draft", None, ReportStatus.draft)
    return report


def draft_ad_hoc_report(user, start, end, cal: WorkingCalendar | None = None) -> PeriodReport:
    """An ad-hoc report (Đ15.2 "đột xuất") over any window [start, end]."""
    from .tasks import parse_date

    start = parse_date(start, "start_on")
    end = parse_date(end, "end_on")
    if start is None or end is None:
        raise DomainError(_("Enter the first and the last day of the report's window."),
                          fields={"start_on": "required", "end_on": "required"})
    if end < start:
        raise DomainError(_("The last day must not be before the first day."),
                          fields={"end_on": "before_start"})
    number = (db.session.scalar(
        sa.select(sa.func.max(PeriodReport.number))
        .where(PeriodReport.kind.is_(None), PeriodReport.year == start.year)) or 0) + 1
    report = _new_report(None, start.year, number, start, end, 1, cal)
    _record(report, user, "draft", None, ReportStatus.draft)
    return report


def new_version(user, report: PeriodReport) -> PeriodReport:
    """Open a new version of an issued report, as a draft (or the open one)."""
    return draft_report(report.kind, report.year, report.number, user)


def _record(report: PeriodReport, user, action: str, from_status, to_status,
            comment: str = "") -> PeriodReportEvent:
    event = PeriodReportEvent(report_id=report.id, action=action,
                              from_status=from_status.value if from_status else None,
                              to_status=to_status.value if to_status else None,
                              actor_id=getattr(user, "id", None), at=utcnow(),
                              comment=comment or "")
    db.session.add(event)
    db.session.flush()
    return event


def _move(report: PeriodReport, user, action: str, allowed: tuple, to_status: ReportStatus,
          message: str, comment: str = "") -> None:
    if report.status not in allowed:
        raise Conflict(message, code="wrong_state")
    before = report.status
    report.status = to_status
    _record(report, user, action, before, to_status, comment)


def history(report: PeriodReport) -> list[PeriodReportEvent]:
    """The report's steps, oldest first."""
    return list(db.session.scalars(
        sa.select(PeriodReportEvent).where(PeriodReportEvent.report_id == report.id)
        .order_by(PeriodReportEvent.at, PeriodReportEvent.id)))


def save_narrative(user, report: PeriodReport, **sections) -> PeriodReport:
    """The specialist writes the narrative sections while the report is a draft or returned."""
    if not policy.may_write_reports(user):
        raise NotAllowed(_("Only an Office specialist writes the report."))
    if report.status not in EDITABLE:
        raise Conflict(_("The report can be changed only while it is a draft or returned."),
                       code="wrong_state")
    for name in NARRATIVE:
        if name in sections and sections[name] is not None:
            setattr(report, name, str(sections[name]).strip())
    db.session.flush()
    return report


def submit_report(user, report: PeriodReport, comment: str = "") -> PeriodReport:
    """The specialist submits the draft (or the returned report) to the Office's leader."""
    if not policy.may_write_reports(user):
        raise NotAllowed(_("Only an Office specialist submits the report."))
    if report.status in EDITABLE and not report.assessment.strip():
        raise DomainError(_("Write the assessment before submitting."),
                          fields={"assessment": "required"})
    _move(report, user, "submit", EDITABLE, ReportStatus.submitted,
          _("Only a draft or returned report can be submitted."), comment)
    report.submitted_at = utcnow()
    report.submitted_by_id = user.id
    db.session.flush()
    return report


def approve_report(user, report: PeriodReport, comment: str = "") -> PeriodReport:
    """The Office's leader approves the submitted report."""
    if not policy.may_approve_reports(user):
        raise NotAllowed(_("Only a leader of the Office approves the report."))
    _move(report, user, "approve", (ReportStatus.submitted,), ReportStatus.approved,
          _("Only a submitted report can be approved."), comment)
    report.approved_at = utcnow()
    report.approved_by_id = user.id
    db.session.flush()
    return report


def return_report(user, report: PeriodReport, comment: str) -> PeriodReport:
    """The Office's leader sends the submitted report back with comments."""
    if not policy.may_approve_reports(user):
        raise NotAllowed(_("Only a leader of the Office returns the report."))
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Write your comments for the specialist."),
                          fields={"comment": "required"})
    _move(report, user, "return", (ReportStatus.submitted,), ReportStatus.returned,
          _("Only a submitted report can be returned."), comment)
    db.session.flush()
    return report


def issue_report(user, report: PeriodReport) -> PeriodReport:
    """Issue an approved report: its figures and the ranking of its window are computed one
    last time and stored with it (with the ranking's weights)."""
    if not policy.may_issue_reports(user):
        raise NotAllowed(_("Only the Office issues the report."))
    if is_frozen(report):
        raise Conflict(_("This report is already issued; issue a new version instead."),
                       code="conflict")
    if report.status != ReportStatus.approved:
        raise Conflict(_("Only an approved report can be issued."), code="wrong_state")
    data = compute_figures(report.start_on, report.end_on)
    data["ranking"] = ranking.snapshot(report.start_on, report.end_on)
    report.data = data
    store_report_figures(report)
    _move(report, user, "issue", (ReportStatus.approved,), ReportStatus.issued, "")
    report.issued_at = utcnow()
    report.issued_by_id = user.id
    db.session.flush()
    return report


def publish_report(user, report: PeriodReport) -> PeriodReport:
    """Put an issued report on the public page (Đ15.2)."""
    if not policy.may_issue_reports(user):
        raise NotAllowed(_("Only the Office publishes the report."))
    _move(report, user, "publish", (ReportStatus.issued,), ReportStatus.published,
          _("Only an issued report can be published."))
    report.published_at = utcnow()
    db.session.flush()
    return report


def report_title(report: PeriodReport) -> str:
    """A report's title: its period, or the window of an ad-hoc report."""
    if report.kind is None:
        return _("Ad-hoc report from %(start)s to %(end)s",
                 start=report.start_on.strftime("%d/%m/%Y"),
                 end=report.end_on.strftime("%d/%m/%Y"))
    return period_title(report.kind, report.year, report.number)


def prefill_difficulties(report: PeriodReport) -> str:
    """The difficulties section's first text: the counts of the matters the units raised in
    the window, and the difficulties and proposals of the units' submitted self-inspection
    reports for the period (Đ16.1), one paragraph per unit."""
    end = effective_end(report.end_on)
    totals = difficulty_totals(difficulties_section(report.start_on, end))
    lines = []
    if totals["all"]:
        open_count = sum(totals[k.value][DifficultyState.open.value]
                         + totals[k.value][DifficultyState.proposed.value]
                         for k in DifficultyKind)
        lines.append(_("In the period the units raised %(d)d difficulties, %(p)d proposals "
                       "and %(g)d disagreements; %(o)d are not yet decided.",
                       d=totals["difficulty"]["total"], p=totals["proposal"]["total"],
                       g=totals["disagreement"]["total"], o=open_count))
    query = (sa.select(Unit.name, SelfInspectionReport.difficulties,
                       SelfInspectionReport.proposals)
             .join(Unit, Unit.id == SelfInspectionReport.unit_id)
             .where(SelfInspectionReport.submitted_at.is_not(None))
             .order_by(Unit.sort_order, Unit.name))
    if report.kind is not None:
        query = query.where(SelfInspectionReport.kind == report.kind,
                            SelfInspectionReport.year == report.year,
                            SelfInspectionReport.number == report.number)
    else:
        query = query.where(
            SelfInspectionReport.submitted_at >= start_of_local_day(report.start_on),
            SelfInspectionReport.submitted_at < start_of_local_day(end + dt.timedelta(days=1)))
    for unit, difficulties, proposals in db.session.execute(query):
        parts = [p for p in ((difficulties or "").strip(),
                             _("Proposals: %(text)s", text=proposals.strip())
                             if (proposals or "").strip() else "") if p]
        if parts:
            lines.append(f"- {unit}: " + " ".join(parts))
    return "\n".join(lines)


def due_reports(today: dt.date, limit: int = 5) -> list[dict]:
    """The reports not yet issued whose due date has come or passed (the Office home):
    {report, title, due_on, late}, most overdue first."""
    found = db.session.scalars(
        sa.select(PeriodReport).where(PeriodReport.status.notin_(FROZEN),
                                      PeriodReport.due_on.is_not(None),
                                      PeriodReport.due_on <= today)
        .order_by(PeriodReport.due_on, PeriodReport.id).limit(limit))
    return [{"report": r, "title": report_title(r), "due_on": r.due_on,
             "late": today > r.due_on} for r in found]


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
            draft_report(kind, year, number, cal=cal)
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


def period_measure(measure: str | None) -> str:
    """The figure a period's list shows for a ``?measure=`` value: a statistics column or
    ``ASSIGNED``; anything else is the period's total."""
    if measure == ASSIGNED or (measure in statistics.MEASURES and measure != "total"):
        return measure
    return "total"


def period_conditions(key: str | None, measure: str | None = None,
                      lead_unit_id: int | None = None) -> list:
    """SQL conditions for the tasks behind one figure: with a period key, the tasks the
    period counts (as of its end, or today while it runs) and, with ``measure`` (a column
    name), those in that column; without a period, ``measure`` is a figure as of today (the
    dashboard). A key that names no period gives no condition at all rather than an error (it
    comes from a URL). ``lead_unit_id``: the figure is that unit's row (the caller says so
    on the tasks), and a done class's completion dates are said for its index
    (``statistics.completed_in_window``)."""
    today = local_today()
    if not key:
        if measure in statistics.MEASURES:
            return [measure_clause(measure, None, today, today)]
        return []
    window = period_window(key)
    if window is None:
        return []
    return window_conditions(*window, measure, lead_unit_id, today)


def window_conditions(start: dt.date, end: dt.date, measure: str | None,
                      lead_unit_id: int | None = None, today: dt.date | None = None) -> list:
    """``period_conditions`` of a period's window (its first and last days)."""
    today = today or local_today()
    as_of = effective_end(end, today)
    conditions = [counted_clause(start, as_of)]
    measure = period_measure(measure)
    if end < today:
        # Implied (facts.stored_last_id): a closed figure's tasks, newest first, start here.
        last = facts.stored_last_id(start, end, measure, lead_unit_id)
        if last is not None:
            conditions.append(Task.id <= last)
    if measure == ASSIGNED:
        conditions.append(Task.assigned_at >= start_of_local_day(start))
    elif measure != "total":
        conditions.append(class_clause(measure, as_of, today))
        if lead_unit_id is not None:
            conditions.extend(statistics.completed_in_window(measure, start, as_of, today))
    return conditions


def stored_figure_count(start: dt.date, end: dt.date, measure: str,
                        lead_unit_id: int | None = None,
                        priority: str | None = None) -> sa.Select | None:
    """The count of a closed period's figure (the tasks of ``window_conditions``, the lead
    unit's where one is named), from its stored fact (facts.stored_figure): with a
    ``priority``, a unit's figure's urgent and flash tasks counted from its own rows of them,
    and its normal ones as the rest (a unit's overdue figure of a closed month with
    "normal" at 1M: its 11,371 tasks due before the month's end read from the table, 15
    ms). None when the figure is not stored, and for the whole table's with a priority
    (counted live, as the list's other filters are)."""
    figure = facts.stored_figure(start, end, measure, lead_unit_id)
    if figure is None:
        return None
    if priority is None:
        return sa.select(sa.literal(figure))
    if lead_unit_id is None:
        # The whole table's: not counted apart. Where one task in nine is urgent, the
        # figure's among the 110,000 took 390 ms at 1M; counted with the list, up to its
        # cap, as any filtered list is.
        return None
    from .scope import rows_of_priority_count

    # The unit's own rows of those tasks (``ix_task_unit_special``), each task then checked
    # against the figure (OFFSET 0 keeps that check a look-up of each, not a read of the
    # figure's tasks: where one in nine is urgent, the planner met the figure with them,
    # its 14,348 tasks due before the end read from the table, 18 ms at 1M).
    of_figure = sa.select(sa.literal(1)).where(
        Task.id == task_unit.c.task_id, Task.lead_unit_id == lead_unit_id,
        *window_conditions(start, end, measure, lead_unit_id)).offset(0)
    return rows_of_priority_count(lead_unit_id, TaskUnitRole.lead, priority,
                                  sa.literal(figure), of_figure.exists())


def dashboard_totals(today: dt.date, rows: list[dict] | None = None) -> dict:
    """The dashboard's headline figures as of today (also on the leaders' and the
    administrator's home): the statistics total row, with ``awaiting_verification``."""
    if rows is None:
        rows = unit_statistics(None, today, today=today)
    totals = total_row(rows)
    totals[statistics.AWAITING] = statistics.awaiting_count(today)
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
    months_shown = []
    year, number = today.year, today.month
    if today > period_bounds(PeriodKind.month, year, number)[1]:
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    for _i in range(months):
        months_shown.append((year, number, *period_bounds(PeriodKind.month, year, number)))
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    # Every task as of today and the running month (the last one shown) in one scan; the
    # ended months' totals from their stored facts, in one query.
    running_start = months_shown[0][2]
    rows, running = statistics.windows_to_date([None, running_start], today)
    names = dict(db.session.execute(
        sa.select(Unit.id, Unit.name).where(Unit.id.in_([r["unit_id"] for r in rows]))).all())
    by_unit = [{**row, "unit": names.get(row["unit_id"], "")} for row in rows]
    totals = dashboard_totals(today, rows)
    trend = []
    stored = facts.stored_totals([(s, e) for _y, _n, s, e in months_shown if e < today])
    stored[months_shown[0][2:]] = total_row(running)
    for year, number, start, end in months_shown:
        total = stored.get((start, end)) or total_row(unit_statistics(start, end, today=today))
        to_date = is_to_date(end, today)
        label = f"{number:02d}/{year}"
        trend.append({"key": period_key(PeriodKind.month, year, number),
                      "label": _("%(month)s (to date)", month=label) if to_date else label,
                      "to_date": to_date, "total": total["total"],
                      "done_on_time": total["done_on_time"], "done_late": total["done_late"],
                      "open_overdue": total["open_overdue"]})
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
