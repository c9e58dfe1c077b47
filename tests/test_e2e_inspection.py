"""End to end in real Chromium: a specialist drafts an inspection plan and a leader approves
it; the inspector who will lead forms a team under it (a member, an invited person, the
unit to inspect) and the leader approves the team's decision; the lead starts and asks Sở Nội
vụ for a report, which the department uploads; the lead records a finding citing the
department's task, a conclusion and a recommendation, and turns it into a follow-up task that
the specialist forwards to the department. Screenshots are kept in
test-artifacts/e2e-inspection/."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cddh.models import (
    Attachment,
    InspectionFinding,
    InspectionPlan,
    InspectionRecommendation,
    InspectionStatus,
    InspectionTeam,
    Role,
    Task,
    TaskState,
    UnitCategory,
    db,
)
from cddh.services.clock import local_today

from .browser import Screens, chromium, live_server  # noqa: F401 - fixtures
from .conftest import make_document, make_task, make_unit, make_user
from .test_e2e_lifecycle import _login
from .test_inspection import PDF

TASK = "Triển khai cập nhật tiến độ nhiệm vụ trên Hệ thống thông tin chỉ đạo điều hành"
FOLLOW_UP = "Phân công cán bộ cập nhật tiến độ nhiệm vụ hằng tháng"


def _people(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        snv = make_unit("SNV", name="Sở Nội vụ")
        make_unit("STC", name="Sở Tài chính")
        make_user(Role.office_specialist, office, "chuyenvien")
        make_user(Role.leader, office, "lanhdao")
        make_user(Role.inspector, office, "truongdoan").full_name = "Nguyễn Văn Trưởng"
        make_user(Role.inspector, office, "thanhvien").full_name = "Trần Thị Thành"
        make_user(Role.unit_staff, snv, "canbo.snv")
        make_task(snv, document=make_document(number="15/KH-UBND"), content=TASK,
                  state=TaskState.in_progress)
        db.session.commit()


def _open_all(page):
    """The team page keeps the lead's forms folded; unfold them."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")


def _submit(page, form):
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    alert = page.locator(".alert-danger")
    assert alert.count() == 0, alert.first.inner_text()


def _team_act(page, action, fill=None, within=""):
    _open_all(page)
    form = page.locator(f"{within} form.team-action[data-action={action}]".strip()).first
    for selector, value in (fill or {}).items():
        field = form.locator(selector)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    _submit(page, form)


def _value(app, query):
    with app.app_context():
        return db.session.scalar(query)


def test_inspection_in_chromium(app, chromium, live_server):  # noqa: F811
    _people(app)
    shots = Screens("e2e-inspection")
    url = live_server.url
    today = local_today()
    unit = ".inspected-unit[data-unit='Sở Nội vụ']"

    # 1. The specialist drafts the year's plan; a leader approves it by decision.
    spec = _login(chromium, live_server, "chuyenvien")
    spec.goto(f"{url}/inspection_plans/new/")
    spec.fill("#year", str(today.year))
    spec.fill("#title", f"Kế hoạch kiểm tra việc thực hiện nhiệm vụ năm {today.year}")
    spec.fill("#period", "Quý II và quý III")
    spec.fill("#content", "Kiểm tra các sở, ngành theo Điều 13 Quy chế")
    spec.click("input[type=submit].btn-primary")
    spec.wait_for_load_state()
    shots.shot(spec, "specialist-drafted-plan")
    plan_id = _value(app, sa.select(InspectionPlan.id))

    leader = _login(chromium, live_server, "lanhdao")
    leader.goto(f"{url}/inspection_plans/details/?id={plan_id}")
    leader.fill("#plan-decision-number", "120/QĐ-UBND")
    _submit(leader, leader.locator("#approve-plan"))
    shots.shot(leader, "leader-approved-plan")
    assert _value(app, sa.select(InspectionPlan.status)) == InspectionStatus.approved

    # 2. The inspector who will lead forms a team under the plan.
    lead = _login(chromium, live_server, "truongdoan")
    lead.goto(f"{url}/inspection_plans/details/?id={plan_id}")
    lead.click("#form-team")
    lead.wait_for_selector("#name")
    lead.fill("#name", "Đoàn kiểm tra số 1 - Sở Nội vụ")
    lead.uncheck("#covers_reporting")
    lead.fill("#start_on", today.isoformat())
    lead.fill("#end_on", (today + dt.timedelta(days=30)).isoformat())
    lead.click("#name")  # close the date picker
    shots.shot(lead, "lead-forms-team")
    lead.click("input[type=submit].btn-primary")
    lead.wait_for_selector("#member-list")
    _team_act(lead, "add_member", {"#member-user": "Trần Thị Thành (Văn phòng UBND tỉnh)",
                                   "input[name=position]": "Thành viên"})
    _team_act(lead, "add_member", {"input[name=external_name]": "Lê Văn Mời",
                                   "input[name=external_organisation]": "Sở Tư pháp"})
    _team_act(lead, "add_unit", {"select[name=unit_id]": "Sở Nội vụ",
                                 "input[name=scheduled_on]": (today + dt.timedelta(days=7)).isoformat()})
    shots.shot(lead, "team-composed")
    team_id = _value(app, sa.select(InspectionTeam.id))
    assert _value(app, sa.select(InspectionTeam.lead_id)) is not None

    leader.goto(f"{url}/inspection_teams/details/?id={team_id}")
    _team_act(leader, "approve", {"input[name=decision_number]": "135/QĐ-UBND"})
    shots.shot(leader, "leader-approved-team")
    assert _value(app, sa.select(InspectionTeam.status)) == InspectionStatus.approved

    # 3. The lead starts and asks the department for its report.
    lead.goto(f"{url}/inspection_teams/details/?id={team_id}")
    _team_act(lead, "start")
    _team_act(lead, "request", {"textarea[name=what]": "Báo cáo tự kiểm tra 6 tháng đầu năm",
                                "input[name=due_on]": (today + dt.timedelta(days=5)).isoformat()},
              within=unit)
    shots.shot(lead, "lead-requested-report")

    # 4. The department uploads the requested report.
    staff = _login(chromium, live_server, "canbo.snv")
    staff.goto(f"{url}/inspection_requests/")
    shots.shot(staff, "department-sees-request")
    staff.click("text=Báo cáo tự kiểm tra 6 tháng đầu năm")
    staff.wait_for_selector("#upload-documents")
    staff.set_input_files("#upload-documents input[type=file]", files=[{
        "name": "bao-cao-tu-kiem-tra.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    _submit(staff, staff.locator("#upload-documents"))
    shots.shot(staff, "department-uploaded-report")
    assert "bao-cao-tu-kiem-tra.pdf" in staff.locator("#request-files").inner_text()
    assert _value(app, sa.select(Attachment.inspection_request_id)) is not None

    # 5. The lead records a finding citing the task, a conclusion, a recommendation, and
    #    turns the recommendation into a follow-up task.
    lead.goto(f"{url}/inspection_teams/details/?id={team_id}")
    assert "bao-cao-tu-kiem-tra.pdf" in lead.locator(unit).inner_text()
    task_id = _value(app, sa.select(Task.id).where(Task.content == TASK))
    _team_act(lead, "finding", {"textarea[name=content]": "Chưa cập nhật tiến độ hằng tháng "
                                "đúng quy định", "select[name=task_ids]": str(task_id)}, within=unit)
    _team_act(lead, "conclusion", {"textarea[name=conclusion]": "Sở Nội vụ cơ bản thực hiện "
                                   "đúng Quy chế; còn chậm cập nhật tiến độ."}, within=unit)
    _team_act(lead, "recommendation", {"textarea[name=content]": FOLLOW_UP}, within=unit)
    deadline = today + dt.timedelta(days=45)
    _team_act(lead, "follow_up", {"input[name=deadline]": deadline.isoformat(),
                                  "input[name=notice_number]": "45/TB-VPUBND"}, within=unit)
    shots.shot(lead, "lead-recorded-findings-and-follow-up")
    with app.app_context():
        finding = db.session.scalar(sa.select(InspectionFinding))
        assert [t.id for t in finding.tasks] == [task_id]
        follow_up = db.session.get(Task, db.session.scalar(
            sa.select(InspectionRecommendation.follow_up_task_id)))
        assert (follow_up.state, follow_up.deadline, follow_up.content) == (
            TaskState.draft, deadline, FOLLOW_UP)
    lead.goto(f"{url}/inspection_teams/conclusion/?id={team_id}")
    assert "Chưa cập nhật tiến độ hằng tháng" in lead.content()
    shots.shot(lead, "printable-conclusions")

    # 6. The specialist forwards the follow-up task; the department has it in its list.
    spec.goto(f"{url}/")
    spec.click(f"text={FOLLOW_UP}")
    spec.wait_for_selector("#timeline")
    _submit(spec, spec.locator("form.task-action[data-action=forward]"))
    shots.shot(spec, "specialist-forwarded-follow-up")
    assert _value(app, sa.select(Task.state).where(Task.content == FOLLOW_UP)) == TaskState.assigned
    staff.goto(f"{url}/tasks/")
    assert FOLLOW_UP in staff.content()
    shots.shot(staff, "department-has-follow-up-task")
