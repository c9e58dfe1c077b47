"""The period report as the Office submits it (issue 14 §3) and a ranking that can be defended
(§5): each step allowed or refused by role and state, the history, the narrative, ad-hoc
windows, the due date, the frozen ranking and figures, the workbook read back, and a unit
seeing only its own row."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from cddh.models import (
    Difficulty,
    DifficultyAsk,
    DifficultyKind,
    DifficultyState,
    ExtensionRequest,
    LeaderPosition,
    PeriodReport,
    PeriodReportEvent,
    ReportStatus,
    Role,
    SelfInspectionReport,
    TaskState,
    Unit,
    UnitCategory,
    User,
    db,
)
from cddh.services import DomainError, ranking, report_export, reports, workflow
from cddh.services.calendar import WorkingCalendar

from .conftest import make_task, make_unit, make_user
from .report_steps import approve

St = ReportStatus
VN = ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date
START, END = D(2026, 3, 15), D(2026, 6, 14)  # quarter 2 of 2026, long closed


def at(y, m, d) -> dt.datetime:
    return dt.datetime(y, m, d, 9, tzinfo=VN)


@pytest.fixture
def people(app):
    """The Office (specialist, an Office leader, admin) and two units A and B with users and
    tasks in quarter 2: A has one task done on time and one overdue at the end."""
    with app.app_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng")
        a, b = make_unit("SA", name="Sở Alpha"), make_unit("SB", name="Sở Beta")
        spec = make_user(Role.office_specialist, office)
        spec.full_name = "Trần Chuyên Viên"
        boss = make_user(Role.leader, office)
        boss.full_name, boss.position = "Nguyễn Chánh Văn", LeaderPosition.office_chief
        admin = make_user(Role.admin, office)
        a_staff, a_leader = make_user(Role.unit_staff, a), make_user(Role.unit_leader, a)
        b_staff = make_user(Role.unit_staff, b)
        assigned = at(2026, 3, 20)
        make_task(a, state=TaskState.completed, assigned_at=assigned, deadline=D(2026, 4, 30),
                  completed_on=D(2026, 4, 20), content="A xong")
        make_task(a, state=TaskState.in_progress, assigned_at=assigned, deadline=D(2026, 5, 1),
                  content="A trễ hạn")
        make_task(b, state=TaskState.completed, assigned_at=assigned, deadline=D(2026, 4, 30),
                  completed_on=D(2026, 4, 29), content="B xong")
        db.session.commit()
        return {name: u.id for name, u in (
            ("spec", spec), ("boss", boss), ("admin", admin), ("a_staff", a_staff),
            ("a_leader", a_leader), ("b_staff", b_staff))} | {"A": a.id, "B": b.id}


def user(ids, name) -> User:
    return db.session.get(User, ids[name])


def new_report(status: ReportStatus = St.draft) -> PeriodReport:
    report = reports.draft_report("quarter", 2026, 2)
    report.assessment = "Đánh giá"
    report.status = status
    if status in reports.FROZEN:
        report.data = reports.compute_figures(report.start_on, report.end_on)
    db.session.flush()
    return report


# --- each step, by role and state -----------------------------------------------------------
STEPS = {
    # step: (service call, the states it starts from, the roles allowed, the state it leads to)
    "submit": (lambda u, r: reports.submit_report(u, r, ""), (St.draft, St.returned),
               {"spec"}, St.submitted),
    "approve": (lambda u, r: reports.approve_report(u, r, "Đồng ý"), (St.submitted,),
                {"boss"}, St.approved),
    "return": (lambda u, r: reports.return_report(u, r, "Bổ sung nguyên nhân"),
               (St.submitted,), {"boss"}, St.returned),
    "issue": (lambda u, r: reports.issue_report(u, r), (St.approved,), {"spec", "boss"},
              St.issued),
    "publish": (lambda u, r: reports.publish_report(u, r), (St.issued,), {"spec", "boss"},
                St.published),
}
ACTORS = ("spec", "boss", "admin", "a_leader")
CELLS = [(step, who, state) for step in STEPS for who in ACTORS for state in St]


@pytest.mark.parametrize("step,who,state", CELLS, ids=[f"{s}-{w}-{st.value}" for s, w, st in CELLS])
def test_each_step_is_allowed_only_to_its_role_from_its_state(app, people, step, who, state):
    call, starts, roles, leads_to = STEPS[step]
    with app.app_context(), app.test_request_context():
        report = new_report(state)
        db.session.commit()
        actor = user(people, who)
        allowed = who in roles and state in starts
        if allowed:
            call(actor, report)
            db.session.commit()
            assert report.status == leads_to
            (event,) = db.session.scalars(db.select(PeriodReportEvent).where(
                PeriodReportEvent.report_id == report.id,
                PeriodReportEvent.action == step)).all()
            assert (event.actor_id, event.from_status, event.to_status) == (
                actor.id, state.value, leads_to.value)
        else:
            with pytest.raises(DomainError):
                call(actor, report)
            db.session.rollback()
            db.session.expire_all()
            assert db.session.get(PeriodReport, report.id).status == state
            assert db.session.scalar(db.select(db.func.count(PeriodReportEvent.id)).where(
                PeriodReportEvent.action == step)) == 0


def test_a_return_needs_comments_and_a_submission_an_assessment(app, people):
    with app.app_context(), app.test_request_context():
        report = reports.draft_report("quarter", 2026, 2)
        with pytest.raises(DomainError) as refused:
            reports.submit_report(user(people, "spec"), report)
        assert refused.value.fields == {"assessment": "required"}
        reports.save_narrative(user(people, "spec"), report, assessment="Đánh giá")
        reports.submit_report(user(people, "spec"), report)
        with pytest.raises(DomainError) as refused:
            reports.return_report(user(people, "boss"), report, "   ")
        assert refused.value.fields == {"comment": "required"}
        assert report.status == St.submitted
        # Submitted: the text can no longer be changed, nor by a leader at any time.
        with pytest.raises(DomainError):
            reports.save_narrative(user(people, "spec"), report, assessment="Sửa")
        with pytest.raises(DomainError):
            reports.save_narrative(user(people, "boss"), report, assessment="Sửa")
        assert report.assessment == "Đánh giá"


def test_the_whole_path_is_in_the_history_and_on_the_page(app, people, browser):
    with app.app_context():
        report_id = reports.draft_report("quarter", 2026, 2, user(people, "spec")).id
        db.session.commit()
        spec, boss = user(people, "spec"), user(people, "boss")
    me, chief = browser(spec), browser(boss)
    page = me.get(f"/period_reports/details/?id={report_id}").get_data(as_text=True)
    assert 'id="narrative-form"' in page and "/period_reports/submit/" in page
    assert "/period_reports/approve/" not in page  # not the specialist's step
    # Each button asks for a confirmation naming what happens (static/js/confirm.js).
    assert 'data-confirm="Trình báo cáo này' in page
    me.post("/period_reports/narrative/", data={
        "id": report_id, "assessment": "Kết quả khá <b>tốt</b>", "causes": "Do thiếu nhân lực",
        "recommendations": "Đề nghị UBND tỉnh chỉ đạo"})
    me.post("/period_reports/submit/", data={"id": report_id})
    page = chief.get(f"/period_reports/details/?id={report_id}").get_data(as_text=True)
    assert "/period_reports/approve/" in page and "/period_reports/return/" in page
    assert 'id="narrative-form"' not in page  # submitted: read-only
    assert "Kết quả khá &lt;b&gt;tốt&lt;/b&gt;" in page  # escaped
    chief.post("/period_reports/return/", data={"id": report_id, "comment": "Bổ sung số liệu"})
    me.post("/period_reports/narrative/", data={"id": report_id, "assessment": "Đã bổ sung"})
    me.post("/period_reports/submit/", data={"id": report_id})
    chief.post("/period_reports/approve/", data={"id": report_id, "comment": "Đồng ý ban hành"})
    me.post("/period_reports/issue/", data={"id": report_id})
    me.post("/period_reports/publish/", data={"id": report_id})
    with app.app_context():
        report = db.session.get(PeriodReport, report_id)
        assert report.status == St.published and report.assessment == "Đã bổ sung"
        assert report.approved_by_id == people["boss"] and report.submitted_by_id == people["spec"]
        steps = [(e.action, e.actor_id, e.comment) for e in reports.history(report)]
    assert steps == [("draft", people["spec"], ""), ("submit", people["spec"], ""),
                     ("return", people["boss"], "Bổ sung số liệu"),
                     ("submit", people["spec"], ""),
                     ("approve", people["boss"], "Đồng ý ban hành"),
                     ("issue", people["spec"], ""), ("publish", people["spec"], "")]
    page = me.get(f"/period_reports/details/?id={report_id}").get_data(as_text=True)
    history = page.split('id="report-history"', 1)[1].split("</table>", 1)[0]
    for text in ("Bổ sung số liệu", "Đồng ý ban hành", "Nguyễn Chánh Văn", "Trần Chuyên Viên",
                 "Trả lại kèm ý kiến"):
        assert text in history
    assert "Duyệt bởi Nguyễn Chánh Văn (Chánh Văn phòng)" in page


# --- narrative prefill, ad-hoc windows, the due date ------------------------------------------

def test_the_difficulties_section_is_prefilled_and_counted(app, people):
    with app.app_context(), app.test_request_context():
        a = db.session.get(Unit, people["A"])
        task = make_task(a, state=TaskState.in_progress, assigned_at=at(2026, 3, 20))
        for kind, state in ((DifficultyKind.difficulty, DifficultyState.open),
                            (DifficultyKind.difficulty, DifficultyState.decided),
                            (DifficultyKind.proposal, DifficultyState.proposed)):
            db.session.add(Difficulty(task=task, unit_id=a.id, author_id=people["a_staff"],
                                      kind=kind, asks=DifficultyAsk.resources,
                                      content=f"Vướng mắc {kind.value}", state=state,
                                      due_on=D(2026, 4, 20), created_at=at(2026, 4, 10)))
        db.session.add(SelfInspectionReport(
            unit_id=a.id, kind="quarter", year=2026, number=2, assessment="Tự đánh giá",
            difficulties="Thiếu kinh phí.", proposals="Bổ sung biên chế.",
            submitted_at=at(2026, 6, 16), submitted_by_id=people["a_leader"]))
        db.session.flush()
        report = reports.draft_report("quarter", 2026, 2)
        assert "2 khó khăn, 1 đề xuất và 0 ý kiến khác nhau; 2 chưa được quyết định" \
            in report.difficulties
        assert "- Sở Alpha: Thiếu kinh phí. Kiến nghị: Bổ sung biên chế." in report.difficulties
        data = reports.figures(report)
        totals = reports.difficulty_totals(data["difficulties"])
        assert totals["difficulty"] == {"open": 1, "proposed": 0, "decided": 1, "total": 2}
        assert totals["proposal"]["proposed"] == 1 and totals["all"] == 3
        assert sorted(d["content"] for d in data["difficulties"]["open"]) == [
            "Vướng mắc difficulty", "Vướng mắc proposal"]
        # A unit's view of the section holds its own matters only.
        assert reports.figures(report, [people["B"]])["difficulties"]["open"] == []


def test_an_ad_hoc_report_covers_any_window_and_each_report_has_its_due_date(app, people,
                                                                              browser):
    with app.app_context(), app.test_request_context():
        spec = user(people, "spec")
        with pytest.raises(DomainError):
            reports.draft_ad_hoc_report(spec, "2026-05-10", "2026-05-01")
        first = reports.draft_ad_hoc_report(spec, "2026-04-01", "2026-04-30")
        second = reports.draft_ad_hoc_report(spec, D(2026, 5, 1), D(2026, 5, 31))
        assert (first.kind, first.number, second.number) == (None, 1, 2)
        assert reports.report_title(first) == "Báo cáo đột xuất từ 01/04/2026 đến 30/04/2026"
        # Figures over the window: A's two tasks and B's one were assigned before it.
        assert reports.figures(first)["total"]["total"] == 3
        # Due one working day after the cut-off: 30/04 and 01/05 are holidays in 2026 (and
        # 02–03/05 a weekend), so the report of April is due on Monday 04/05.
        cal = WorkingCalendar()
        assert first.due_on == cal.add_working_days(D(2026, 4, 30), 1) == D(2026, 5, 4)
        quarter = reports.draft_report("quarter", 2026, 2)
        assert quarter.due_on == D(2026, 6, 15)  # 14/06/2026 is a Sunday: Monday
        db.session.commit()
        due = reports.due_reports(D(2026, 6, 15))
        assert [(d["report"].id, d["late"]) for d in due] == [
            (first.id, True), (second.id, True), (quarter.id, False)]
        first_id = first.id
    page = browser(_db_user(app, people, "spec")).get("/").get_data(as_text=True)
    block = page.split('id="home-reports-due"', 1)[1].split("</ul>", 1)[0]
    assert "Báo cáo đột xuất từ 01/04/2026" in block and "Quý 2 năm 2026" in block
    assert f"/period_reports/details/?id={first_id}" in block
    assert "home-reports-due" not in browser(_db_user(app, people, "a_staff")).get("/").get_data(
        as_text=True)
    # On screen: the ad-hoc form refuses a bad window with a message, nothing is made.
    me = browser(_db_user(app, people, "spec"))
    resp = me.post("/period_reports/adhoc/", data={"start_on": "x", "end_on": ""},
                   follow_redirects=True)
    assert resp.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PeriodReport.id))) == 3


# --- frozen with the issued report (issue 14 §5) --------------------------------------------

def test_an_extension_approved_later_changes_neither_the_frozen_ranking_nor_figures(
        app, people, browser):
    with app.app_context(), app.test_request_context():
        report = reports.draft_report("quarter", 2026, 2)
        approve(report, user(people, "spec"), user(people, "boss"))
        reports.issue_report(user(people, "spec"), report)
        db.session.commit()
        frozen_table = report_export.table_rows(reports.figures(report))
        frozen = reports.report_ranking(report)
        row_a = next(r for r in frozen["rows"] if r["unit_id"] == people["A"])
        assert (row_a["overdue"], row_a["due"]) == (1, 2)
        assert frozen["weights"] == ranking.weights() and frozen["format"] == 1
        # Months later the leader approves an extension of A's overdue task, inside the
        # closed period: the deadline moves beyond its end.
        task = next(t for t in db.session.scalars(db.select(workflow.Task))
                    if t.content == "A trễ hạn")
        request = workflow.request_extension(user(people, "a_staff"), task,
                                             proposed_deadline=D(2026, 12, 31),
                                             reason="Chờ vốn")
        workflow.decide_extension(user(people, "boss"), request, approved=True, reason="Đồng ý")
        db.session.commit()
        assert db.session.get(ExtensionRequest, request.id).status.value == "approved"
        db.session.expire_all()
        report = db.session.get(PeriodReport, report.id)
        # The live figures and ranking of the window changed ...
        live = reports.compute_figures(START, END)
        live_a = next(r for r in ranking.unit_ranking(START, END) if r["unit_id"] == people["A"])
        assert live["total"]["open_overdue"] == 0 and live_a["overdue"] == 0
        assert live_a["score"] != row_a["score"]
        # ... the issued report's did not.
        assert report_export.table_rows(reports.figures(report)) == frozen_table
        assert reports.report_ranking(report) == frozen
        period, found = reports.period_ranking(START, END)
        assert found.id == report.id and period == frozen
        # A later change of the weights does not change it either.
        from cddh.services.settings import set_setting
        set_setting("ranking_weights", {"overdue": 50})
        db.session.commit()
        assert reports.report_ranking(report)["weights"]["overdue"] == 2.0
        score_a = row_a["score"]
    page = browser(_db_user(app, people, "boss")).get("/ranking/?kind=quarter&year=2026&number=2")
    body = page.get_data(as_text=True)
    assert 'id="ranking-status"' in body and "Đã chốt theo báo cáo ban hành" in body
    row = body.split(f'data-unit="{people["A"]}"', 1)[1].split("</tr>", 1)[0]
    assert f">{score_a:.1f}<".replace(".", ",") in row  # 48,0: the Vietnamese format


# --- the workbook read back ------------------------------------------------------------------

def test_the_workbook_carries_the_narrative_the_approval_line_and_the_ranking(app, people,
                                                                           browser):
    with app.app_context(), app.test_request_context():
        report = reports.draft_report("quarter", 2026, 2)
        spec = user(people, "spec")
        reports.save_narrative(spec, report, assessment="Hoàn thành phần lớn nhiệm vụ",
                               causes="Một số sở chậm cập nhật", difficulties="Thiếu vốn",
                               recommendations="=HYPERLINK(\"x\") Chỉ đạo các sở")
        reports.submit_report(spec, report)
        reports.approve_report(user(people, "boss"), report, "Đồng ý")
        reports.issue_report(spec, report)
        db.session.commit()
        report_id = report.id
        approved_at = report.approved_at.astimezone(VN).strftime("%d/%m/%Y %H:%M")
    resp = browser(_db_user(app, people, "spec")).get(f"/period_reports/export/?id={report_id}")
    assert resp.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    summary = book.worksheets[0]
    texts = [c.value for row in summary.iter_rows() for c in row if c.value is not None]
    for heading, body in (("I. Đánh giá", "Hoàn thành phần lớn nhiệm vụ"),
                          ("II. Nguyên nhân", "Một số sở chậm cập nhật"),
                          ("III. Khó khăn, vướng mắc và kiến nghị", "Thiếu vốn"),
                          ("IV. Đề xuất", "=HYPERLINK(\"x\") Chỉ đạo các sở")):
        assert texts.index(body) == texts.index(heading) + 1
    assert f"Duyệt bởi Nguyễn Chánh Văn (Chánh Văn phòng) lúc {approved_at}" in texts
    assert texts.index("CHÁNH VĂN PHÒNG") > texts.index("IV. Đề xuất")
    # Text is never a formula.
    cell = next(c for row in summary.iter_rows() for c in row
                if c.value == "=HYPERLINK(\"x\") Chỉ đạo các sở")
    assert cell.data_type == "s"
    names = book.sheetnames
    assert names[2:] == ["Khó khăn, vướng mắc", "Xếp hạng"]
    sheet = book["Xếp hạng"]
    header = [c.value for c in sheet[6]]
    assert header[:3] == ["Hạng", "Đơn vị", "Hoàn thành đúng hạn"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=7, values_only=True)}
    # Sở Alpha: 1 of 2 on time = 50.0 − 2 × 1 overdue = 48.0; Sở Beta 1 of 1 = 100.0.
    assert rows["Sở Beta"][:10] == (1, "Sở Beta", 1, 1, 100.0, 0, 0, 0, 0, 100.0)
    assert rows["Sở Alpha"][:10] == (2, "Sở Alpha", 1, 2, 50.0, 1, 0, 0, 0, 48.0)
    assert "Đã chốt theo báo cáo ban hành" in sheet["A4"].value


def test_the_ranking_exports_with_the_numbers_behind_each_score(app, people, browser):
    resp = browser(_db_user(app, people, "boss")).get(
        "/ranking/export/?kind=quarter&year=2026&number=2")
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    rows = [r for r in sheet.iter_rows(min_row=7, values_only=True)]
    assert [r[1] for r in rows] == ["Sở Beta", "Sở Alpha"]
    assert rows[1][2:10] == (1, 2, 50.0, 1, 0, 0, 0, 48.0)
    assert "Xếp hạng tạm tính" in sheet["A4"].value  # no issued report: live
    assert "Điểm = 1,0 × tỉ lệ" in sheet["A3"].value  # the weights in the Vietnamese format
    for who in ("a_staff", "a_leader"):
        assert browser(_db_user(app, people, who)).get(
            "/ranking/export/?kind=quarter&year=2026&number=2").status_code == 403


def _db_user(app, people, name) -> User:
    with app.app_context():
        found = db.session.get(User, people[name])
        found.id  # noqa: B018  (loads the row before the context ends)
        return found


# --- a unit sees its own row ------------------------------------------------------------------

def test_a_unit_opens_the_issued_report_and_sees_only_its_own_rows(app, people, browser):
    with app.app_context(), app.test_request_context():
        draft = reports.draft_report("month", 2026, 5)
        report = reports.draft_report("quarter", 2026, 2)
        report.causes = "Nguyên nhân nội bộ Văn phòng"
        approve(report, user(people, "spec"), user(people, "boss"))
        reports.issue_report(user(people, "spec"), report)
        db.session.commit()
        report_id, draft_id = report.id, draft.id
    for who in ("a_staff", "a_leader"):
        me = browser(_db_user(app, people, who))
        listing = me.get("/period_reports/").get_data(as_text=True)
        assert f"details/?id={report_id}" in listing and f"details/?id={draft_id}" not in listing
        resp = me.get(f"/period_reports/details/?id={report_id}")
        assert resp.status_code == 200
        page = resp.get_data(as_text=True)
        table = page.split('id="report-table"', 1)[1].split("</table>", 1)[0]
        assert "Sở Alpha" in table and "Sở Beta" not in table
        ranking_table = page.split('id="ranking-table"', 1)[1].split("</table>", 1)[0]
        assert f'data-unit="{people["A"]}"' in ranking_table
        assert f'data-unit="{people["B"]}"' not in ranking_table and "Sở Beta" not in page
        # Its own row and the numbers behind it: 1 of 2 on time, 1 overdue, 48.0; rank 2.
        row = ranking_table.split(f'data-unit="{people["A"]}"', 1)[1].split("</tr>", 1)[0]
        for figure in (">2<", ">50,0<", ">48,0<"):  # the Vietnamese number format
            assert figure in row
        assert "A trễ hạn" in page  # its own overdue task
        # The Office's narrative and history are not for the unit (until published).
        assert "Nguyên nhân nội bộ Văn phòng" not in page and 'id="report-history"' not in page
        assert "/period_reports/submit/" not in page and "/period_reports/issue/" not in page
        # A draft is not opened; the export is the Office's.
        draft_page = me.get(f"/period_reports/details/?id={draft_id}")
        assert draft_page.status_code in (302, 404)
        assert me.get(f"/period_reports/export/?id={report_id}").status_code == 403
        ranking_page = me.get("/ranking/?kind=quarter&year=2026&number=2").get_data(as_text=True)
        assert f'data-unit="{people["A"]}"' in ranking_page
        assert f'data-unit="{people["B"]}"' not in ranking_page and "Sở Beta" not in ranking_page


def test_a_published_ad_hoc_report_reaches_the_public_page(app, people, browser):
    with app.app_context(), app.test_request_context():
        spec = user(people, "spec")
        report = reports.draft_ad_hoc_report(spec, "2026-04-01", "2026-04-30")
        approve(report, spec, user(people, "boss"))
        reports.issue_report(spec, report)
        reports.publish_report(spec, report)
        db.session.commit()
        report_id = report.id
    anonymous = browser(None)
    assert "Báo cáo đột xuất từ 01/04/2026 đến 30/04/2026" in anonymous.get(
        "/public/").get_data(as_text=True)
    page = anonymous.get(f"/public/reports/{report_id}")
    assert page.status_code == 200 and "Sở Alpha" in page.get_data(as_text=True)
