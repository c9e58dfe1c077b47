"""End to end in real Chromium: a specialist enters a document with two tasks and forwards
them; a department returns one; the specialist forwards it to another department; units
post progress and report completion; the specialist verifies one and rejects the other.
Screenshots of each step are kept in test-artifacts/e2e-lifecycle/."""

from __future__ import annotations

import sqlalchemy as sa

from cddh.models import Role, Task, TaskState, UnitCategory, db
from cddh.services.clock import local_today

from .browser import Screens, chromium, live_server  # noqa: F401 - fixtures
from .conftest import TEST_PASSWORD, make_unit, make_user


def _people(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        make_unit("VP-TH", UnitCategory.office_division, "Phòng Tổng hợp")
        snv = make_unit("SNV", name="Sở Nội vụ")
        stc = make_unit("STC", name="Sở Tài chính")
        make_unit("STTTT", name="Sở Thông tin và Truyền thông")
        people = {
            "chuyenvien": make_user(Role.office_specialist, office, "chuyenvien"),
            "giamdoc.snv": make_user(Role.unit_leader, snv, "giamdoc.snv"),
            "canbo.snv": make_user(Role.unit_staff, snv, "canbo.snv"),
            "canbo.stc": make_user(Role.unit_staff, stc, "canbo.stc"),
        }
        db.session.commit()
        return list(people)


def _login(browser, server, username):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    # Irreversible steps ask first (static/js/confirm.js); the users here say yes, and each
    # question is kept to check it names what will happen.
    page.questions = []
    page.on("dialog", lambda d: (page.questions.append(d.message), d.accept()))
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{server.url}/")
    return page


def _open_task(page, server, content):
    page.goto(f"{server.url}/tasks/")
    page.click(f"text={content}")
    page.wait_for_selector("#timeline")


def _act(page, action, fill=None):
    form = page.locator(f"form.task-action[data-action={action}]")
    for selector, value in (fill or {}).items():
        field = form.locator(selector)
        if field.evaluate("el => el.tagName") == "SELECT":
            # by value or by visible label; a unit picker's <select> sits behind its Select2 box
            field.select_option(value, force=True)
        elif field.get_attribute("type") == "radio":
            field.check()
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    alert = page.locator(".alert-danger")
    assert alert.count() == 0, alert.first.inner_text()


def _state(app, content):
    with app.app_context():
        return db.session.scalar(sa.select(Task.state).where(Task.content == content))


def test_lifecycle_in_chromium(app, chromium, live_server):  # noqa: F811
    _people(app)
    shots = Screens("e2e-lifecycle")
    task_one, task_two = "Xây dựng Kế hoạch cải cách hành chính năm 2027", "Bố trí kinh phí thực hiện"

    # 1. The specialist enters a document with two tasks and forwards them.
    spec = _login(chromium, live_server, "chuyenvien")
    spec.goto(f"{live_server.url}/documents/enter/")
    spec.select_option("#doc_type", "ke_hoach")
    spec.fill("#number", "45/KH-UBND")
    spec.fill("#issued_on", local_today().isoformat())
    spec.fill("#summary", "Kế hoạch cải cách hành chính năm 2027")
    spec.fill("#tasks-0-content", task_one)
    # The unit pickers are Select2 boxes (static/js/unit_picker.js) over the <select>s.
    spec.select_option("#tasks-0-lead_unit_id", label="Sở Nội vụ", force=True)
    spec.fill("#tasks-0-deadline", "2027-01-15")
    spec.click("#add-task")
    spec.fill("#tasks-1-content", task_two)
    spec.select_option("#tasks-1-lead_unit_id", label="Sở Nội vụ", force=True)
    spec.select_option("#tasks-1-cooperating_unit_ids", label="Sở Thông tin và Truyền thông",
                       force=True)
    spec.fill("#tasks-1-deadline", "2027-02-28")
    shots.shot(spec, "specialist-enters-document")
    spec.click("button[value=forward]")
    spec.wait_for_load_state()
    shots.shot(spec, "document-saved-and-forwarded")
    assert _state(app, task_one) == TaskState.assigned == _state(app, task_two)

    # 2. The department leader returns the second task with a reason.
    leader = _login(chromium, live_server, "giamdoc.snv")
    shots.shot(leader, "department-home")
    _open_task(leader, live_server, task_two)
    _act(leader, "return", {"select[name=reason_category]": "outside_remit",
                            "textarea[name=reason]": "Nội dung thuộc chức năng của Sở Tài chính"})
    shots.shot(leader, "department-returned-task")
    assert _state(app, task_two) == TaskState.returned

    # 3. The specialist forwards it to another department.
    _open_task(spec, live_server, task_two)
    shots.shot(spec, "specialist-sees-return")
    _act(spec, "forward", {"#forward-lead-unit": "Sở Tài chính"})
    shots.shot(spec, "specialist-forwarded-elsewhere")
    assert _state(app, task_two) == TaskState.assigned

    # 4. Units receive, post progress and report completion.
    today = local_today().isoformat()
    staff_snv = _login(chromium, live_server, "canbo.snv")
    _open_task(staff_snv, live_server, task_one)
    _act(staff_snv, "receive")
    _act(staff_snv, "progress", {"textarea[name=content]": "Đã dự thảo kế hoạch", "input[name=percent]": "60"})
    _act(staff_snv, "report_completion", {"input[name=completed_on]": today,
                                          "textarea[name=result_summary]": "Đã trình UBND tỉnh ban hành kế hoạch",
                                          "input[name=result_document_number]": "120/TTr-SNV"})
    shots.shot(staff_snv, "snv-reported-completion")
    staff_stc = _login(chromium, live_server, "canbo.stc")
    _open_task(staff_stc, live_server, task_two)
    _act(staff_stc, "receive")
    _act(staff_stc, "progress", {"textarea[name=content]": "Đã rà soát nguồn kinh phí"})
    _act(staff_stc, "report_completion", {"input[name=completed_on]": today,
                                          "textarea[name=result_summary]": "Đã bố trí kinh phí"})
    shots.shot(staff_stc, "stc-reported-completion")
    assert _state(app, task_one) == TaskState.pending_verification == _state(app, task_two)

    # 5. The specialist verifies one and rejects the other. Nothing is pre-selected: a
    # verification without an answer is stopped and changes nothing.
    _open_task(spec, live_server, task_one)
    form = spec.locator("form.task-action[data-action=verify]")
    assert form.locator("input[name=accepted]:checked").count() == 0
    form.locator("button[type=submit]").click()
    assert _state(app, task_one) == TaskState.pending_verification
    _act(spec, "verify", {"input[name=accepted][value=yes]": "yes",
                          "textarea[name=comment]": "Đạt yêu cầu"})
    shots.shot(spec, "verified")
    _open_task(spec, live_server, task_two)
    _act(spec, "verify", {"input[name=accepted][value=no]": "no",
                          "textarea[name=comment]": "Chưa nêu rõ nguồn kinh phí"})
    shots.shot(spec, "rejected")
    assert _state(app, task_one) == TaskState.completed
    assert _state(app, task_two) == TaskState.in_progress
    assert any("không đạt yêu cầu" in q for q in spec.questions), spec.questions
    assert "Chưa nêu rõ nguồn kinh phí" in spec.locator("#task-notice").inner_text()
    timeline = spec.locator("#timeline").inner_text()
    assert "không đạt yêu cầu" in timeline
    assert "Chưa nêu rõ nguồn kinh phí" in timeline
