"""End to end in real Chromium (issue 14 §3): the specialist drafts the quarter's report,
writes its text and submits it; the Office's leader returns it with comments, then approves
the corrected one; the specialist issues and publishes it. Each step asks a question naming
what happens (static/js/confirm.js). Screenshots are kept in test-artifacts/e2e-report/."""

from __future__ import annotations

import datetime as dt

from cddh.models import (
    LeaderPosition,
    PeriodReport,
    ReportStatus,
    Role,
    TaskState,
    UnitCategory,
    db,
)

from .browser import Screens, chromium, live_server  # noqa: F401 - fixtures
from .conftest import make_task, make_unit, make_user
from .test_e2e_lifecycle import _login


def _people(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        snv = make_unit("SNV", name="Sở Nội vụ")
        make_user(Role.office_specialist, office, "chuyenvien")
        boss = make_user(Role.leader, office, "chanhvanphong")
        boss.full_name, boss.position = "Lê Chánh Văn", LeaderPosition.office_chief
        make_user(Role.unit_staff, snv, "canbo.snv")
        make_task(snv, state=TaskState.in_progress, deadline=dt.date(2026, 5, 1),
                  assigned_at=dt.datetime(2026, 3, 20, 2, tzinfo=dt.UTC), content="Nhiệm vụ trễ")
        db.session.commit()


def _step(page, endpoint, comment=None):
    form = page.locator(f"#report-actions form[action$='/period_reports/{endpoint}/']")
    if comment is not None:
        form.locator("input[name=comment]").fill(comment)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_the_office_submits_approves_issues_and_publishes_its_report(
        app, chromium, live_server):  # noqa: F811
    with app.app_context():
        _people(app)
    shots = Screens("e2e-report")
    spec = _login(chromium, live_server, "chuyenvien")
    spec.goto(f"{live_server.url}/period_reports/")
    form = spec.locator("#draft-report")
    form.locator("select[name=kind]").select_option("quarter")
    form.locator("[name=year]").fill("2026")
    form.locator("[name=number]").fill("2")
    form.locator("button[type=submit]").click()
    spec.wait_for_load_state()
    spec.fill("#n-assessment", "Các sở thực hiện cơ bản đúng tiến độ.")
    spec.fill("#n-causes", "Một số nhiệm vụ chờ kinh phí.")
    spec.locator("#narrative-form button[type=submit]").click()
    spec.wait_for_load_state()
    shots.shot(spec, "draft")
    _step(spec, "submit")
    assert spec.questions[-1].startswith("Trình báo cáo này lên lãnh đạo Văn phòng")
    with app.app_context():
        report_id = db.session.scalar(db.select(PeriodReport.id))
    url = f"{live_server.url}/period_reports/details/?id={report_id}"
    boss = _login(chromium, live_server, "chanhvanphong")
    boss.goto(url)
    _step(boss, "return", "Bổ sung kiến nghị")
    assert "kèm ý kiến" in boss.questions[-1]
    spec.goto(url)
    spec.fill("#n-recommendations", "Đề nghị bố trí kinh phí.")
    spec.locator("#narrative-form button[type=submit]").click()
    spec.wait_for_load_state()
    _step(spec, "submit")
    boss.goto(url)
    _step(boss, "approve", "Đồng ý")
    assert boss.questions[-1].startswith("Duyệt báo cáo này?")
    spec.goto(url)
    _step(spec, "issue")
    assert "chốt" in spec.questions[-1]
    _step(spec, "publish")
    shots.shot(spec, "published")
    history = spec.locator("#report-history").inner_text()
    for text in ("Bổ sung kiến nghị", "Đồng ý", "Lê Chánh Văn", "Trình duyệt"):
        assert text in history
    approval = spec.locator("#report-approval").inner_text()
    assert "Duyệt bởi Lê Chánh Văn (Chánh Văn phòng)" in approval
    with app.app_context():
        report = db.session.get(PeriodReport, report_id)
        assert report.status == ReportStatus.published
        assert report.recommendations == "Đề nghị bố trí kinh phí."
    # The unit opens it and sees its own row.
    unit = _login(chromium, live_server, "canbo.snv")
    unit.goto(url)
    assert "Sở Nội vụ" in unit.locator("#ranking-table").inner_text()
