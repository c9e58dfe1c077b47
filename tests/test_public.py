"""The public results page (Đ15.2): no login, published reports only, no task of any unit."""

from __future__ import annotations

import datetime as dt

from cddh.models import PeriodReport, ReportStatus, Role, TaskState, UnitCategory, db
from cddh.services import reports

from .conftest import make_document, make_task, make_unit, make_user
from .report_steps import issue, office_leader

VN = dt.timezone(dt.timedelta(hours=7))


def _world(app) -> dict:
    """Two units with tasks (one overdue) and a report of Q2 2026 in each state:
    month 4 published, month 5 issued, month 6 a draft, and Q2 published then re-issued."""
    with app.app_context(), app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        spec = make_user(Role.office_specialist, office)
        leader = office_leader(office)
        units = {"A": make_unit("SXA", name="Sở Xây dựng"), "B": make_unit("HBT", name="Huyện Ba Tri")}
        assigned = dt.datetime(2026, 3, 20, 9, tzinfo=VN)
        for key, unit in units.items():
            doc = make_document(number=f"99{key}/BIMAT-UBND")
            make_task(unit, state=TaskState.in_progress, document=doc, assigned_at=assigned,
                      deadline=dt.date(2026, 4, 10), content=f"Nội dung nhiệm vụ kín {key}")
        ids = {}
        for number, final in ((4, ReportStatus.published), (5, ReportStatus.issued),
                              (6, ReportStatus.draft)):
            report = reports.draft_report("month", 2026, number)
            if final != ReportStatus.draft:
                issue(report, spec, leader)
            if final == ReportStatus.published:
                reports.publish_report(spec, report)
            ids[number] = report.id
        quarter = reports.draft_report("quarter", 2026, 2)
        issue(quarter, spec, leader)
        reports.publish_report(spec, quarter)
        ids["q2v1"] = quarter.id
        ids["q2v2"] = issue(reports.draft_report("quarter", 2026, 2), spec, leader).id
        db.session.commit()
        return ids


def test_the_public_page_shows_only_published_figures_and_no_task(app):
    ids = _world(app)
    client = app.test_client()  # nobody logged in
    index = client.get("/public/")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    assert f"/public/reports/{ids[4]}" in page and f"/public/reports/{ids['q2v1']}" in page
    for unpublished in (ids[5], ids[6], ids["q2v2"]):
        assert f"/public/reports/{unpublished}" not in page
        assert client.get(f"/public/reports/{unpublished}").status_code == 404
    assert "Tháng 4 năm 2026" in page and "Tháng 5 năm 2026" not in page
    assert client.get("/public/reports/99999").status_code == 404
    pages = [page]
    for published in (ids[4], ids["q2v1"]):
        resp = client.get(f"/public/reports/{published}")
        assert resp.status_code == 200
        body = resp.get_data(as_text=True)
        assert 'id="report-table"' in body and "vendor/chartjs/chart.umd.min.js" in body
        assert "Sở Xây dựng" in body  # the aggregate row per unit is public
        pages.append(body)
    with app.app_context():
        frozen = db.session.get(PeriodReport, ids[4]).data
        assert frozen["overdue"]  # the report holds overdue tasks…
    for body in pages:  # …and none of them, nor any link to a task or a unit's list, is shown
        assert "Nội dung nhiệm vụ kín" not in body
        assert "BIMAT" not in body
        assert "/tasks/" not in body and "/documents/" not in body
        assert "unit_id=" not in body and "period_reports" not in body


def test_the_private_screens_stay_closed_to_the_public(app):
    ids = _world(app)
    client = app.test_client()
    for url in ("/period_reports/", f"/period_reports/details/?id={ids[4]}",
                f"/period_reports/export/?id={ids[4]}", "/dashboard/", "/ranking/",
                "/self_inspection/"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
