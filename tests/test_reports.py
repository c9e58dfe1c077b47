"""Period reports (Đ15.2, Đ17): the table on a hand-built dataset, freezing and versions, the
drafting job, the official workbook read back cell by cell against the screen, click-through
and who may open what."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from html import unescape
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from cddh.jobs import run_job
from cddh.models import (
    PeriodKind,
    PeriodReport,
    ReportStatus,
    Role,
    Task,
    TaskState,
    Unit,
    User,
    db,
)
from cddh.services import DomainError, report_export, reports
from cddh.services.report_export import TABLE_TOP
from cddh.services.settings import set_setting

from .conftest import make_task, make_unit, make_user
from .report_steps import approve, issue
from .test_api_reports import END, START, dataset  # noqa: F401  (the hand-built dataset)

D = dt.date

# The report of quarter 2 of 2026 on the dataset of test_api_reports, written out by hand:
# No., unit, total, assigned in the period, done on time, done late, open on time, open
# overdue, without deadline, returned, cancelled, completion rate, on-time rate.
# A: assigned in the window = late, assigned_last_minute, returned, returned_then_forwarded,
# returned_after_end (5); completion 3 done of 12 due (14 − 1 cancelled − 1 without
# deadline) = 25.0 %; on time 2 of 3 done = 66.7 %.
# B: both tasks assigned 20/03; 1 done of 1 due = 100.0 %; 0 of 1 on time.
# Total: 4 done of 13 due = 30.8 %; 2 of 4 on time = 50.0 %.
EXPECTED_TABLE = [
    # The returned task is its own column; the completion rate counts B's task done without
    # deadline as done, over the tasks the unit held (total − cancelled − returned).
    [1, "A đơn vị", 14, 5, 2, 1, 5, 3, 1, 1, 1, 25.0, 66.7],
    [2, "B đơn vị", 2, 2, 0, 1, 0, 0, 1, 0, 0, 100.0, 0.0],
    ["", "Tổng cộng", 16, 7, 2, 2, 5, 3, 2, 1, 1, 35.7, 50.0],
]
# Open and overdue on 14/06/2026, most overdue first, with days overdue.
EXPECTED_OVERDUE = [
    # 01/05/2026 is Labour Day (a Friday): the time runs to Monday 04/05 (Điều 148), so
    # 41 days overdue on 14/06, not 44.
    (1, "A đơn vị", "cancelled_after_end", "01/05/2026", 41),
    (2, "A đơn vị", "overdue", "01/06/2026", 13),
    (3, "A đơn vị", "done_after_end", "10/06/2026", 4),
]


def _users(app):
    with app.app_context():
        office = db.session.scalar(db.select(Unit).where(Unit.code == "VP"))
        spec = make_user(Role.office_specialist, office)
        leader = make_user(Role.leader, office)
        db.session.commit()
        spec.id, leader.id  # noqa: B018  (loads the row before the context ends)
        return spec, leader


def _report(app, kind="quarter", year=2026, number=2) -> int:
    with app.app_context():
        report = reports.draft_report(kind, year, number)
        db.session.commit()
        return report.id


def test_the_report_table_matches_the_hand_count(app, dataset):  # noqa: F811
    with app.app_context(), app.test_request_context():
        report = reports.draft_report("quarter", 2026, 2)
        assert (report.start_on, report.end_on) == (START, END)
        data = reports.figures(report)
        assert report_export.table_rows(data) == EXPECTED_TABLE
        rows = report_export.overdue_rows(data)
        assert [(r[0], r[1], r[3], r[4], r[5]) for r in rows] == EXPECTED_OVERDUE


def test_an_issued_report_is_frozen_and_a_reissue_is_a_new_version(app, dataset):  # noqa: F811
    unit_ids, _tokens = dataset
    with app.app_context(), app.test_request_context():
        spec = make_user(Role.office_specialist, db.session.get(Unit, unit_ids["VP"]))
        report = reports.draft_report("quarter", 2026, 2)
        issue(report, spec)
        db.session.commit()
        frozen = report_export.table_rows(reports.figures(report))
        assert frozen == EXPECTED_TABLE
        assert report.status == ReportStatus.issued and report.issued_by_id == spec.id
        # Later edits: a task completed on time inside the window, a new task in it.
        task = db.session.scalar(db.select(Task).where(Task.content == "overdue"))
        task.state, task.completed_on = TaskState.completed, D(2026, 5, 30)
        make_task(db.session.get(Unit, unit_ids["B"]),
                  assigned_at=dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC), content="new")
        db.session.commit()
        db.session.expire_all()
        assert report_export.table_rows(reports.figures(report)) == frozen
        with pytest.raises(DomainError):
            reports.issue_report(spec, report)
        # A re-issue is version 2, a draft with today's figures; version 1 stays as it was.
        second = reports.draft_report("quarter", 2026, 2)
        assert second.id != report.id and second.version == 2
        assert reports.draft_report("quarter", 2026, 2).id == second.id  # one open draft
        live = report_export.table_rows(reports.figures(second))
        assert live[0][4:8] == [3, 1, 5, 2]  # A: one more on time, one less overdue
        assert live[1][2:4] == [3, 3]  # B: the new task, assigned in the window
        issue(second, spec)
        reports.publish_report(spec, second)
        db.session.commit()
        assert report_export.table_rows(reports.figures(report)) == frozen
        assert [r.id for r in reports.published_reports()] == [second.id]
        with pytest.raises(DomainError):
            reports.publish_report(spec, reports.draft_report("month", 2026, 6))


@pytest.mark.parametrize("today,expected", [
    # 20/06/2026: June's window (to 14/06) and Q2 have ended; the half year ends 14/06 too.
    (D(2026, 6, 20), {PeriodKind.month: (2026, 6), PeriodKind.quarter: (2026, 2),
                      PeriodKind.half: (2026, 1), PeriodKind.nine_months: (2025, 1),
                      PeriodKind.year: (2025, 1)}),
    # 10/01/2026: January of 2026 runs 15/12/2025 → 14/01/2026, so December 2025 is the last.
    (D(2026, 1, 10), {PeriodKind.month: (2025, 12), PeriodKind.quarter: (2025, 4),
                      PeriodKind.half: (2025, 1), PeriodKind.nine_months: (2025, 1),
                      PeriodKind.year: (2025, 1)}),
    # 15/12/2025: the year 2025 ended yesterday (its window closes on 14/12/2025).
    (D(2025, 12, 15), {PeriodKind.month: (2025, 12), PeriodKind.quarter: (2025, 4),
                       PeriodKind.half: (2025, 1), PeriodKind.nine_months: (2025, 1),
                       PeriodKind.year: (2025, 1)}),
    # 14/03/2026 is Q1's last day: Q1 has not ended yet.
    (D(2026, 3, 14), {PeriodKind.month: (2026, 2), PeriodKind.quarter: (2025, 4),
                      PeriodKind.half: (2025, 1), PeriodKind.nine_months: (2025, 1),
                      PeriodKind.year: (2025, 1)}),
])
def test_the_last_ended_period_of_each_kind(ctx, today, expected):
    assert {kind: reports.last_ended_period(kind, today) for kind in PeriodKind} == expected


def test_the_job_drafts_each_ended_period_once(app):
    outcome = run_job("draft_period_reports", today=D(2026, 6, 20), app=app)
    assert outcome.status == "ok", outcome.error
    assert outcome.counts["drafted"] == 5
    with app.app_context():
        drafted = {(r.kind, r.year, r.number, r.version, r.status)
                   for r in db.session.scalars(db.select(PeriodReport))}
    assert drafted == {(PeriodKind.month, 2026, 6, 1, ReportStatus.draft),
                       (PeriodKind.quarter, 2026, 2, 1, ReportStatus.draft),
                       (PeriodKind.half, 2026, 1, 1, ReportStatus.draft),
                       (PeriodKind.nine_months, 2025, 1, 1, ReportStatus.draft),
                       (PeriodKind.year, 2025, 1, 1, ReportStatus.draft)}
    again = run_job("draft_period_reports", today=D(2026, 6, 21), app=app)
    assert again.counts["drafted"] == 0
    # A province that reports only quarterly and yearly changes the setting.
    with app.app_context():
        set_setting("report_period_kinds", ["quarter", "year"])
        db.session.commit()
    later = run_job("draft_period_reports", today=D(2026, 9, 20), app=app)
    assert later.counts["drafted"] == 1  # Q3; not month 9 nor the nine months


# --- the screen and the workbook ---------------------------------------------------------------

CELL_RE = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
ROW_RE = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
TAG_RE = re.compile(r"<[^>]+>")


def html_table(page: str, table_id: str) -> list[list[str]]:
    """The body cells of one table of a page, as the user reads them."""
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [[unescape(TAG_RE.sub("", cell)).strip() for cell in CELL_RE.findall(row)]
            for row in ROW_RE.findall(body)]


def canon(value) -> str:
    """A cell as text, numbers written one way (the sheet stores 25.0 as 25; the screen writes
    it the Vietnamese way, 25,0 and 1.234)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = value.replace(".", "").replace(",", ".")
    try:
        return f"{float(value):g}"
    except ValueError:
        return str(value)


def vi_text(value) -> str:
    """A figure as the Vietnamese screen writes it: 1.234 and 14,2."""
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def test_the_workbook_matches_the_screen_cell_by_cell(app, dataset, browser):  # noqa: F811
    spec, leader = _users(app)
    report_id = _report(app)
    with app.app_context(), app.test_request_context():
        approve(db.session.get(PeriodReport, report_id), db.session.get(User, spec.id),
                db.session.get(User, leader.id))
        db.session.commit()
    me = browser(spec)
    assert me.post("/period_reports/issue/", data={"id": report_id}).status_code == 302
    page = me.get(f"/period_reports/details/?id={report_id}").get_data(as_text=True)
    screen = html_table(page, "report-table")
    assert screen == [[vi_text(c) for c in row] for row in EXPECTED_TABLE]
    resp = me.get(f"/period_reports/export/?id={report_id}")
    assert resp.status_code == 200
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    with zipfile.ZipFile(io.BytesIO(resp.data)) as package:  # constant-memory mode writes
        assert 't="inlineStr"' in package.read("xl/worksheets/sheet2.xml").decode()  # inline
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    summary, overdue, *_more = book.worksheets
    # The table, cell by cell: every body row of the screen is a row of the sheet.
    first = TABLE_TOP + 3  # openpyxl counts from 1; two header rows
    sheet_rows = [[canon(summary.cell(row=first + i, column=c + 1).value)
                   for c in range(len(screen[0]))] for i in range(len(screen))]
    assert sheet_rows == [[canon(c) for c in row] for row in screen]
    assert summary.cell(row=first + len(screen), column=2).value is None  # nothing after total
    # The header: merged cells as on the screen's two header rows.
    merged = {str(r) for r in summary.merged_cells.ranges}
    assert {"A9:A10", "B9:B10", "C9:C10", "D9:D10", "E9:F9", "G9:H9", "I9:I10", "J9:J10",
            "K9:K10", "L9:M9"} <= merged
    head = [summary.cell(row=9, column=c).value for c in range(1, 14)]
    assert head == ["Số TT", "Đơn vị", "Tổng số nhiệm vụ", "Trong đó: giao trong kỳ",
                    "Đã hoàn thành", None, "Đang thực hiện", None, "Không có thời hạn",
                    "Bị trả lại", "Đã hủy", "Tỷ lệ (%)", None]
    assert [summary.cell(row=10, column=c).value for c in (5, 6, 7, 8, 12, 13)] == [
        "Đúng hạn", "Quá hạn", "Trong hạn", "Quá hạn", "Hoàn thành", "Đúng hạn"]
    # The official heading, the window, the signature; A4 landscape, header rows repeated.
    assert summary["A1"].value == "UBND TỈNH BẾN TRE" and summary["A2"].value == "VĂN PHÒNG"
    assert summary["F1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert summary["F2"].value == "Độc lập - Tự do - Hạnh phúc"
    assert summary["A6"].value == "Quý 2 năm 2026"
    assert summary["A7"].value == "(Số liệu tính từ ngày 15/03/2026 đến ngày 14/06/2026)"
    assert "(Số liệu tính từ ngày 15/03/2026 đến ngày 14/06/2026)" in page
    texts = [c.value for row in summary.iter_rows() for c in row]
    assert "CHÁNH VĂN PHÒNG" in texts and "Nơi nhận:" in texts
    assert summary.page_setup.orientation == "landscape"
    assert summary.page_setup.paperSize == 9
    assert summary.print_title_rows == "$9:$10"
    # The second sheet: the overdue tasks, as on the screen.
    screen_overdue = html_table(page, "overdue-table")
    sheet_overdue = [[canon(c.value) for c in row]
                     for row in overdue.iter_rows(min_row=5, max_col=6)]
    assert sheet_overdue == [[canon(c) for c in row] for row in screen_overdue]
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in sheet_overdue] == [
        (str(i), unit, content, deadline, str(days))
        for i, unit, content, deadline, days in EXPECTED_OVERDUE]
    assert overdue.print_title_rows == "$4:$4"


def test_each_figure_clicks_through_to_its_tasks(app, dataset, browser):  # noqa: F811
    unit_ids, _tokens = dataset
    spec, _leader = _users(app)
    report_id = _report(app)
    page = browser(spec).get(f"/period_reports/details/?id={report_id}").get_data(as_text=True)
    table = page.split('id="report-table"', 1)[1].split("</table>", 1)[0]  # not the ranking's
    links = [unescape(h) for h in re.findall(r'href="(/tasks/\?[^"]*)"', table)]
    wanted = {"period": ["quarter:2026:2"], "unit_id": [str(unit_ids["A"])],
              "measure": ["open_overdue"]}
    (link,) = [h for h in links if parse_qs(urlsplit(h).query) == wanted]
    listing = browser(spec).get(link).get_data(as_text=True)
    shown = set(re.findall(r'/tasks/details/\?id=\d+[^>]*>([^<]+)</a>', listing))
    assert shown == {"overdue", "done_after_end", "cancelled_after_end"}
    heading = listing.split('id="list-heading"', 1)[1].split("</span>", 1)[0]
    assert "Quý 2 năm 2026" in heading and "A đơn vị" in heading
    assigned = browser(spec).get(
        f"/tasks/?period=quarter:2026:2&measure=assigned_in_period&unit_id={unit_ids['B']}")
    assert set(re.findall(r'/tasks/details/\?id=\d+[^>]*>([^<]+)</a>',
                          assigned.get_data(as_text=True))) == {"b_reported_late",
                                                                "b_no_deadline_done"}


@pytest.mark.parametrize("role", [Role.unit_staff, Role.unit_leader, Role.inspector])
def test_only_the_office_opens_the_reports(app, browser, role):
    """A unit opens issued reports only (test_report_workflow.py); a draft, the dashboard,
    the exports and every step are refused. An inspector opens nothing."""
    with app.app_context():
        unit = make_unit()
        user = make_user(role, unit)
        report = reports.draft_report("month", 2026, 6)
        db.session.commit()
        report_id, _id = report.id, user.id
    me = browser(user)
    refused = (302, 403, 404) if role != Role.inspector else (403,)  # 302: "no such record"
    for url in (f"/period_reports/details/?id={report_id}",
                f"/period_reports/export/?id={report_id}", "/dashboard/"):
        assert me.get(url).status_code in refused, url
    if role == Role.inspector:
        for url in ("/period_reports/", "/ranking/"):
            assert me.get(url).status_code == 403, url
    for step in ("submit", "approve", "return", "issue", "publish", "reissue", "narrative"):
        assert me.post(f"/period_reports/{step}/", data={"id": report_id}).status_code == 403
    assert me.post("/period_reports/draft/", data={"kind": "month", "year": 2026,
                                                   "number": 5}).status_code == 403
    with app.app_context():
        assert db.session.get(PeriodReport, report_id).status == ReportStatus.draft
        assert db.session.scalar(db.select(db.func.count(PeriodReport.id))) == 1


def test_the_office_drafts_issues_and_publishes_on_screen(app, browser):
    with app.app_context():
        office = make_unit("VP")
        spec = make_user(Role.office_specialist, office)
        leader_id = make_user(Role.leader, office)
        db.session.commit()
        spec.id, leader_id.id  # noqa: B018  (loads the rows before the context ends)
    me = browser(spec)
    resp = me.post("/period_reports/draft/", data={"kind": "quarter", "year": 2026, "number": 2})
    assert resp.status_code == 302
    with app.app_context():
        report_id = db.session.scalar(db.select(PeriodReport.id))
    assert me.get("/period_reports/").status_code == 200
    assert me.post("/period_reports/publish/", data={"id": report_id}).status_code == 302
    assert me.post("/period_reports/issue/", data={"id": report_id}).status_code == 302
    with app.app_context():
        assert db.session.get(PeriodReport, report_id).status == ReportStatus.draft  # not issued
    me.post("/period_reports/narrative/", data={"id": report_id, "assessment": "Tốt."})
    me.post("/period_reports/submit/", data={"id": report_id})
    boss = browser(leader_id)
    boss.post("/period_reports/approve/", data={"id": report_id, "comment": "Đồng ý"})
    me.post("/period_reports/issue/", data={"id": report_id})
    me.post("/period_reports/publish/", data={"id": report_id})
    with app.app_context():
        assert db.session.get(PeriodReport, report_id).status == ReportStatus.published
    resp = me.post("/period_reports/reissue/", data={"id": report_id})
    with app.app_context():
        versions = db.session.scalars(db.select(PeriodReport.version)
                                      .order_by(PeriodReport.version)).all()
    assert versions == [1, 2]
    assert me.post("/period_reports/draft/", data={"kind": "quarter", "year": 2026,
                                                   "number": 9}).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PeriodReport.id))) == 2
