"""The lifecycle through the screens: entry form, task page actions, refusals."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cddh.models import Document, Role, Task, TaskHistory, TaskState, Unit, UnitCategory, db
from cddh.services.clock import local_today

from .conftest import make_task, make_unit, make_user


def _setup(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        division = make_unit("VP-TH", UnitCategory.office_division, "Phòng Tổng hợp")
        snv, stc = make_unit("SNV", name="Sở Nội vụ"), make_unit("STC", name="Sở Tài chính")
        users = {
            "specialist": make_user(Role.office_specialist, office),
            "snv_leader": make_user(Role.unit_leader, snv),
            "snv_staff": make_user(Role.unit_staff, snv),
            "stc_staff": make_user(Role.unit_staff, stc),
        }
        db.session.commit()
        for user in users.values():  # load attributes before the session ends
            user.id, user.unit.id  # noqa: B018  (loads the row before the context ends)
        return {"office": office.id, "division": division.id, "snv": snv.id, "stc": stc.id}, users


def _entry_form(units, **over):
    data = {
        "doc_type": "ke_hoach", "number": "45/KH-UBND", "issued_on": "2026-11-20",
        "summary": "Kế hoạch cải cách hành chính năm 2027", "confidentiality": "none",
        "tracked": "y", "submit": "forward",
        "tasks-0-content": "Xây dựng kế hoạch cải cách hành chính",
        "tasks-0-lead_unit_id": str(units["snv"]), "tasks-0-deadline_kind": "with",
        "tasks-0-deadline": "2027-01-15", "tasks-0-monitoring_unit_id": str(units["division"]),
        "tasks-1-content": "Bố trí kinh phí thực hiện",
        "tasks-1-lead_unit_id": str(units["stc"]), "tasks-1-cooperating_unit_ids": str(units["snv"]),
        "tasks-1-deadline_kind": "without", "tasks-1-update_frequency": "quarterly",
    }
    data.update(over)
    return data


def test_enter_document_with_two_tasks_and_forward(app, browser):
    units, users = _setup(app)
    br = browser(users["specialist"])
    resp = br.post("/documents/enter/", data=_entry_form(units))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    with app.app_context():
        doc = db.session.scalar(sa.select(Document))
        assert doc.number == "45/KH-UBND" and doc.entry_due_on == dt.date(2026, 11, 23)
        states = sorted((t.content, t.state, t.has_deadline) for t in doc.tasks)
        assert states == [("Bố trí kinh phí thực hiện", TaskState.assigned, False),
                          ("Xây dựng kế hoạch cải cách hành chính", TaskState.assigned, True)]
        assert doc.forwarded_at is not None


def test_secret_document_is_refused_and_nothing_stored(app, browser):
    units, users = _setup(app)
    br = browser(users["specialist"])
    resp = br.post("/documents/enter/", data=_entry_form(units, confidentiality="mat"))
    assert resp.status_code == 422
    assert "Mật" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_missing_lead_unit_is_shown_beside_the_task_and_nothing_stored(app, browser):
    units, users = _setup(app)
    br = browser(users["specialist"])
    resp = br.post("/documents/enter/", data=_entry_form(units, **{"tasks-1-lead_unit_id": ""}))
    assert resp.status_code == 422
    assert "invalid-feedback" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


def test_unit_user_cannot_open_the_entry_form(app, browser):
    units, users = _setup(app)
    assert browser(users["snv_staff"]).get("/documents/enter/").status_code == 403


def _act(br, task_id, version, action, **fields):
    return br.post("/tasks/act/", data={"id": task_id, "version": version, "action": action, **fields})


def test_return_then_forward_elsewhere_then_complete_and_verify(app, browser):
    units, users = _setup(app)
    with app.app_context():
        task = make_task(db.session.get(Unit, units["snv"]),
                         state=TaskState.assigned, specialist_id=users["specialist"].id)
        db.session.commit()
        tid, doc_id = task.id, task.document_id
    leader, specialist = browser(users["snv_leader"]), browser(users["specialist"])

    def version():
        with app.app_context():
            return db.session.get(Task, tid).version

    # The return needs a reason: refused without one, nothing changes.
    _act(leader, tid, version(), "return", reason_category="outside_remit", reason="")
    with app.app_context():
        assert db.session.get(Task, tid).state == TaskState.assigned
    _act(leader, tid, version(), "return", reason_category="outside_remit",
         reason="Nhiệm vụ thuộc chức năng của Sở Tài chính")
    # The specialist moves it to STC through the edit screen, then forwards it.
    resp = specialist.post(f"/tasks/edit/?id={tid}", data={
        "document": str(doc_id), "content": "Báo cáo tình hình tài chính",
        "lead_unit": str(units["stc"]),
        "expected_product": "report", "has_deadline": "y", "deadline": "2026-12-31",
        "update_frequency": "monthly", "priority": "normal"})
    assert resp.status_code == 302, _alerts(resp)
    _act(specialist, tid, version(), "forward")
    with app.app_context():
        t = db.session.get(Task, tid)
        assert (t.state, t.lead_unit_id) == (TaskState.assigned, units["stc"])
    stc = browser(users["stc_staff"])
    _act(stc, tid, version(), "receive")
    _act(stc, tid, version(), "progress", content="Đã tổng hợp số liệu", percent="50")
    with app.app_context():
        today = local_today().isoformat()
    _act(stc, tid, version(), "report_completion", completed_on=today,
         result_summary="Đã gửi báo cáo", result_document_number="99/BC-STC")
    _act(specialist, tid, version(), "verify", accepted="no", comment="Thiếu số liệu quý IV")
    with app.app_context():
        t = db.session.get(Task, tid)
        assert t.state == TaskState.in_progress
        actions = [h.action for h in db.session.scalars(
            sa.select(TaskHistory).where(TaskHistory.task_id == tid).order_by(TaskHistory.id))]
    assert actions == ["return", "edit", "forward", "receive", "progress", "report_completion", "verify"]
    page = specialist.get(f"/tasks/details/?id={tid}").get_data(as_text=True)
    assert "Nhiệm vụ thuộc chức năng của Sở Tài chính" in page  # on the timeline
    # SNV no longer sees the task it returned and that now belongs to STC.
    assert browser(users["snv_staff"]).get(f"/tasks/details/?id={tid}").status_code in (302, 404)


def test_the_bulk_forward_never_sends_a_returned_task_back_unseen(app, browser):
    """Đ8.2a: a returned task's lead unit is reviewed on its page; the list's bulk "Forward"
    refuses it (as the row's quick buttons never offer it) and forwards nothing."""
    units, users = _setup(app)
    with app.app_context():
        snv = db.session.get(Unit, units["snv"])
        returned = make_task(snv, state=TaskState.returned, specialist_id=users["specialist"].id)
        draft = make_task(snv, state=TaskState.draft, specialist_id=users["specialist"].id)
        db.session.commit()
        returned_id, draft_id = returned.id, draft.id
    specialist = browser(users["specialist"])
    resp = specialist.post("/tasks/action/", data={"action": "forward",
                                                   "rowid": [str(draft_id), str(returned_id)]},
                           follow_redirects=True)
    assert resp.status_code == 200
    assert f"#{returned_id}" in resp.get_data(as_text=True)  # the message names it
    with app.app_context():
        assert db.session.get(Task, returned_id).state == TaskState.returned
        assert db.session.get(Task, draft_id).state == TaskState.draft  # all or nothing
    specialist.post("/tasks/action/", data={"action": "forward", "rowid": [str(draft_id)]})
    with app.app_context():
        assert db.session.get(Task, draft_id).state == TaskState.assigned


def test_stale_form_gets_a_conflict_and_changes_nothing(app, browser):
    units, users = _setup(app)
    with app.app_context():
        task = make_task(db.session.get(Unit, units["snv"]),
                         state=TaskState.in_progress)
        db.session.commit()
        tid, v = task.id, task.version
    staff, leader = browser(users["snv_staff"]), browser(users["snv_leader"])
    _act(staff, tid, v, "progress", content="Cập nhật của cán bộ", percent="30")
    resp = _act(leader, tid, v, "progress", content="Cập nhật của lãnh đạo từ trang cũ",
                percent="40", follow_redirects=False)
    assert resp.status_code == 302
    with app.app_context():
        t = db.session.get(Task, tid)
        assert t.percent_complete == 30
    page = leader.get(f"/tasks/details/?id={tid}").get_data(as_text=True)
    assert "Cập nhật của cán bộ" in page and "Cập nhật của lãnh đạo từ trang cũ" not in page


def _alerts(resp):
    import re
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))
    return re.findall(r"(?:Lỗi|lỗi|không|Không|This field|Not a valid)[^.]{0,120}", text)


def test_document_page_shows_its_tasks_files_and_late_entry(app, browser):
    units, users = _setup(app)
    br = browser(users["specialist"])
    form = _entry_form(units, issued_on="2026-01-05")  # entered long after its deadline
    br.post("/documents/enter/", data=form)
    with app.app_context():
        doc_id = db.session.scalar(sa.select(Document.id))
    page = br.get(f"/documents/details/?id={doc_id}").get_data(as_text=True)
    assert "Xây dựng kế hoạch cải cách hành chính" in page and "Bố trí kinh phí thực hiện" in page
    assert "Đ7.1a" in page
    # A unit sees only its own task of the document.
    stc_page = browser(users["stc_staff"]).get(f"/documents/details/?id={doc_id}").get_data(as_text=True)
    assert "Bố trí kinh phí thực hiện" in stc_page
    assert "Xây dựng kế hoạch cải cách hành chính" not in stc_page
    assert browser(users["stc_staff"]).get(f"/tasks/new/?document={doc_id}").status_code in (302, 403)


def test_list_rows_offer_receive_to_the_lead_unit_only(app, browser):
    units, users = _setup(app)
    with app.app_context():
        task = make_task(db.session.get(Unit, units["snv"]), state=TaskState.assigned,
                         cooperating=[db.session.get(Unit, units["stc"])])
        db.session.commit()
        tid = task.id
    snv_list = browser(users["snv_staff"]).get("/tasks/").get_data(as_text=True)
    assert 'name="action" value="receive"' in snv_list
    stc_list = browser(users["stc_staff"]).get("/tasks/").get_data(as_text=True)
    assert 'name="action" value="receive"' not in stc_list  # cooperating unit
    staff = browser(users["snv_staff"])
    with app.app_context():
        version = db.session.get(Task, tid).version
    _act(staff, tid, version, "receive")
    with app.app_context():
        assert db.session.get(Task, tid).state == TaskState.in_progress


def test_a_task_added_on_the_task_screen_is_a_draft_without_a_stray_deadline(app, browser):
    units, users = _setup(app)
    with app.app_context():
        doc_id = make_task(db.session.get(Unit, units["snv"]), state=TaskState.draft).document_id
        db.session.commit()
    resp = browser(users["specialist"]).post("/tasks/new/", data={
        "document": str(doc_id), "content": "Nhiệm vụ bổ sung không thời hạn",
        "lead_unit": str(units["stc"]), "expected_product": "report", "deadline": "2026-12-31",
        "update_frequency": "quarterly", "priority": "normal"})  # has_deadline unticked
    assert resp.status_code == 302, _alerts(resp)
    with app.app_context():
        task = db.session.scalar(sa.select(Task).where(Task.content == "Nhiệm vụ bổ sung không thời hạn"))
        assert (task.state, task.deadline, task.has_deadline) == (TaskState.draft, None, False)
        assert task.specialist_id == users["specialist"].id
        assert [h.action for h in db.session.scalars(
            sa.select(TaskHistory).where(TaskHistory.task_id == task.id))] == ["create"]


def test_nothing_irreversible_by_accident(app, browser):
    """Issue 12 §2: verification has no pre-selected answer and refuses a missing one; the
    page asks before accepting, rejecting, returning and cancelling, with Cancel apart; the
    history tells accept and reject apart; the return reason and the verification comment
    stand at the top of the page while they matter."""
    units, users = _setup(app)
    with app.app_context():
        snv = db.session.get(Unit, units["snv"])
        done = make_task(snv, state=TaskState.pending_verification, content="Đã báo cáo",
                         completed_on=local_today(), specialist_id=users["specialist"].id)
        fresh = make_task(snv, state=TaskState.assigned, content="Mới giao")
        db.session.commit()
        tid, fid = done.id, fresh.id
    specialist, leader = browser(users["specialist"]), browser(users["snv_leader"])

    def version(task_id):
        with app.app_context():
            return db.session.get(Task, task_id).version

    page = specialist.get(f"/tasks/details/?id={tid}").get_data(as_text=True)
    verify = page[page.index('data-action="verify"'):]
    verify = verify[:verify.index("</form>")]
    assert "checked" not in verify
    assert verify.count("data-confirm=") == 2  # accept and reject each name what follows
    assert "Đã báo cáo hoàn thành quá hạn — chờ Văn phòng xác nhận" in page  # deadline 30/06
    cancel = page.index('id="task-cancel"')
    assert page.index('data-action="verify"') < cancel  # Cancel sits apart, below
    assert "data-confirm=" in page[cancel:page.index("</details>", cancel)]
    # No answer: refused with a message, nothing changes.
    _act(specialist, tid, version(tid), "verify", comment="")
    page = specialist.get(f"/tasks/details/?id={tid}").get_data(as_text=True)
    assert "Hãy chọn kết quả có đạt yêu cầu hay không." in page
    with app.app_context():
        assert db.session.get(Task, tid).state == TaskState.pending_verification
    _act(specialist, tid, version(tid), "verify", accepted="no", comment="Thiếu phụ lục số liệu")
    page = specialist.get(f"/tasks/details/?id={tid}").get_data(as_text=True)
    notice = page[page.index('id="task-notice"'):]
    assert "Thiếu phụ lục số liệu" in notice[:notice.index("</div>\n")+200]
    assert "Xác nhận: không đạt yêu cầu" in page[page.index('id="timeline"'):]
    # The return asks first, and its reason heads the page while the task stands returned.
    page = leader.get(f"/tasks/details/?id={fid}").get_data(as_text=True)
    ret = page[page.index('data-action="return"'):page.index('data-action="return"') + 400]
    assert "data-confirm=" in ret
    _act(leader, fid, version(fid), "return", reason_category="outside_remit",
         reason="Thuộc chức năng của Sở Tài chính")
    page = specialist.get(f"/tasks/details/?id={fid}").get_data(as_text=True)
    assert 'data-kind="returned"' in page
    assert "Thuộc chức năng của Sở Tài chính" in page[page.index('id="task-notice"'):
                                                      page.index('id="task-notice"') + 800]
    assert "Đã trả lại Văn phòng" in page
