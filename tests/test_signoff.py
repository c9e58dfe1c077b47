"""The head's sign-off (issue 15 §3, Đ9.2c): where the lead unit's kind asks for it, an
officer's completion report or proposed return waits for the unit leader, who approves it
(it then reaches the Office) or sends it back to the officer with a comment."""

from __future__ import annotations

import sqlalchemy as sa

from cddh.models import Notification, Task, TaskHistory, TaskState, Unit, User, db
from cddh.services.reference import SIGNOFF_KINDS, seed_unit_kinds

from . import inside_units as iu
from .conftest import Browser
from .test_api import Api

S = TaskState


def _signoff_on(app, unit_code="D"):
    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
        unit.kind.signoff_required = True
        db.session.commit()


def _task(app, task_id):
    with app.app_context():
        task = db.session.get(Task, task_id)
        db.session.expunge(task)
        return task


def _browser(app, world, key):
    with app.app_context():
        return Browser(app, db.session.get(User, world.users[key]))


def _act(br, task_id, action, **fields):
    return br.post("/tasks/act/", data={"id": task_id, "action": action, **fields})


def _actions(app, task_id):
    with app.app_context():
        return [h.action for h in db.session.scalars(sa.select(TaskHistory).where(
            TaskHistory.task_id == task_id).order_by(TaskHistory.id))]


def test_defaults_on_for_departments_and_districts(app):
    with app.app_context():
        kinds = seed_unit_kinds()
        db.session.flush()
        assert {code for code, k in kinds.items() if k.signoff_required} == SIGNOFF_KINDS
        assert SIGNOFF_KINDS == {"department", "district"}
        db.session.rollback()


def test_a_report_waits_for_the_leader_then_reaches_the_office(app):
    world = iu.build(app)
    _signoff_on(app)
    p = world.tasks["P"]
    officer = _browser(app, world, "d_officer")
    resp = _act(officer, p, "report_completion", completed_on=world.today.isoformat(),
                result_summary="Đã hoàn thành báo cáo")
    assert resp.status_code == 302
    task = _task(app, p)
    assert (task.state, task.signoff_action) == (S.in_progress, "report_completion")
    assert task.completed_on is None  # nothing reached the Office; the figures do not move
    with app.app_context():
        told = set(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.task_id == p, Notification.kind == "signoff_requested")))
    assert told == {world.users["d_leader"]}
    # the Office sees nothing to verify yet
    assert Api(app, world.tokens["specialist"]).post(
        f"/tasks/{p}/verify", {"accepted": True}).status_code == 409
    # the leader's home and page
    leader = _browser(app, world, "d_leader")
    home = leader.get("/").get_data(as_text=True)
    assert "Chờ anh/chị duyệt" in home or "Waiting for your sign-off" in home
    page = leader.get(f"/tasks/details/?id={p}").get_data(as_text=True)
    assert 'data-action="approve_signoff"' in page and "Đã hoàn thành báo cáo" in page
    # another staff member cannot sign off; the officer cannot either
    assert _act(officer, p, "approve_signoff").status_code == 302
    assert _task(app, p).signoff_action == "report_completion"
    # the leader signs off: the report reaches the Office as the unit's
    assert _act(leader, p, "approve_signoff", comment="Đồng ý").status_code == 302
    task = _task(app, p)
    assert (task.state, task.signoff_action, task.completed_on) == (
        S.pending_verification, None, world.today)
    assert _actions(app, p)[-3:] == ["submit_signoff", "approve_signoff", "report_completion"]
    assert Api(app, world.tokens["specialist"]).post(
        f"/tasks/{p}/verify", {"accepted": True}).status_code == 200


def test_the_leader_sends_a_report_back_with_a_comment(app):
    world = iu.build(app)
    _signoff_on(app)
    p = world.tasks["P"]
    officer = _browser(app, world, "d_officer")
    _act(officer, p, "report_completion", completed_on=world.today.isoformat(),
         result_summary="Bản nháp")
    leader = _browser(app, world, "d_leader")
    # a comment is required, and a refusal changes nothing
    _act(leader, p, "send_back_signoff", comment=" ")
    assert _task(app, p).signoff_action == "report_completion"
    _act(leader, p, "send_back_signoff", comment="Bổ sung số liệu quý III")
    task = _task(app, p)
    assert (task.state, task.signoff_action) == (S.in_progress, None)
    with app.app_context():
        entry = db.session.scalar(sa.select(TaskHistory).where(
            TaskHistory.task_id == p, TaskHistory.action == "send_back_signoff"))
        assert entry.reason == "Bổ sung số liệu quý III"
        told = set(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.task_id == p, Notification.kind == "signoff_sent_back")))
    assert told == {world.users["d_officer"]}  # the named officer, not the other staff
    page = officer.get(f"/tasks/details/?id={p}").get_data(as_text=True)
    assert "Bổ sung số liệu quý III" in page and 'data-action="report_completion"' in page


def test_a_proposed_return_goes_to_the_leader(app):
    world = iu.build(app)
    _signoff_on(app)
    q = world.tasks["Q"]
    with app.app_context():
        db.session.get(Task, q).state = S.assigned
        db.session.commit()
    staff = _browser(app, world, "d_staff")
    page = staff.get(f"/tasks/details/?id={q}").get_data(as_text=True)
    assert 'data-action="propose_return"' in page and 'data-action="return"' not in page
    _act(staff, q, "propose_return", reason_category="outside_remit",
         reason="Không thuộc thẩm quyền")
    task = _task(app, q)
    assert (task.state, task.signoff_action) == (S.assigned, "return")
    _act(_browser(app, world, "d_leader"), q, "approve_signoff")
    assert _task(app, q).state == S.returned


def test_without_the_setting_the_report_goes_straight_to_the_office(app):
    world = iu.build(app)
    p = world.tasks["P"]
    resp = Api(app, world.tokens["d_officer"]).post(
        f"/tasks/{p}/complete", {"completed_on": world.today.isoformat(),
                                 "result_summary": "Xong"})
    assert resp.status_code == 200 and resp.get_json()["state"] == "pending_verification"


def test_the_leaders_own_report_needs_no_signoff(app):
    world = iu.build(app)
    _signoff_on(app)
    p = world.tasks["P"]
    resp = Api(app, world.tokens["d_leader"]).post(
        f"/tasks/{p}/complete", {"completed_on": world.today.isoformat(),
                                 "result_summary": "Xong"})
    assert resp.status_code == 200 and resp.get_json()["state"] == "pending_verification"


def test_a_received_task_may_be_proposed_for_return_within_the_window_only(app):
    """Đ8.2a as for a direct return: a received task may still be proposed for return
    within the setting's working days after receipt, not after (one rule,
    workflow.check_return)."""
    import datetime as dt

    from cddh.services.clock import local_today

    world = iu.build(app)
    _signoff_on(app)
    q = world.tasks["Q"]
    staff = _browser(app, world, "d_staff")
    for received_days_ago, allowed in ((1, True), (40, False)):
        with app.app_context():
            task = db.session.get(Task, q)
            task.state, task.signoff_action, task.signoff_data = S.in_progress, None, None
            task.received_at = dt.datetime.combine(
                local_today() - dt.timedelta(days=received_days_ago), dt.time(9),
                tzinfo=dt.UTC)
            db.session.commit()
        page = staff.get(f"/tasks/details/?id={q}").get_data(as_text=True)
        assert ('data-action="propose_return"' in page) is allowed, received_days_ago
        _act(staff, q, "propose_return", reason_category="outside_remit",
             reason="Không thuộc thẩm quyền")
        assert (_task(app, q).signoff_action == "return") is allowed, received_days_ago


def test_through_the_api_an_officers_report_waits_then_the_leader_signs_it_off(app):
    """The API's door to the same sign-off: an officer's report is accepted (202) and says
    it waits (``signoff_pending``), the task unchanged; the unit leader decides with
    ``POST /tasks/{id}/signoff``; nobody else may; a stale version changes nothing."""
    world = iu.build(app)
    _signoff_on(app)
    p = world.tasks["P"]
    officer = Api(app, world.tokens["d_officer"])
    leader = Api(app, world.tokens["d_leader"])
    resp = officer.post(f"/tasks/{p}/complete", {"completed_on": world.today.isoformat(),
                                                 "result_summary": "Đã xong"})
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert (body["state"], body["signoff_pending"], body["completed_on"]) == (
        "in_progress", "report_completion", None)
    assert leader.get(f"/tasks/{p}").get_json()["signoff_pending"] == "report_completion"
    # neither the officer nor the Office may sign off
    for api in (officer, Api(app, world.tokens["specialist"])):
        assert api.post(f"/tasks/{p}/signoff", {"approved": True}).status_code == 403
    # a refusal needs a comment; a stale version is a conflict; neither changes anything
    assert leader.post(f"/tasks/{p}/signoff", {"approved": False}).status_code == 422
    version = body["version"]
    assert leader.post(f"/tasks/{p}/signoff",
                       {"approved": True, "version": version - 1}).status_code == 409
    assert _task(app, p).signoff_action == "report_completion"
    resp = leader.post(f"/tasks/{p}/signoff", {"approved": True, "comment": "Đồng ý",
                                               "version": version})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["state"], body["signoff_pending"], body["completed_on"]) == (
        "pending_verification", None, world.today.isoformat())
    # nothing waits any more
    assert leader.post(f"/tasks/{p}/signoff", {"approved": True}).status_code == 409


def test_through_the_api_the_leader_sends_an_officers_report_back(app):
    world = iu.build(app)
    _signoff_on(app)
    p = world.tasks["P"]
    officer = Api(app, world.tokens["d_officer"])
    assert officer.post(f"/tasks/{p}/complete", {"completed_on": world.today.isoformat(),
                                                 "result_summary": "Bản nháp"}).status_code == 202
    resp = Api(app, world.tokens["d_leader"]).post(
        f"/tasks/{p}/signoff", {"approved": False, "comment": "Bổ sung số liệu"})
    assert resp.status_code == 200
    assert (resp.get_json()["state"], resp.get_json()["signoff_pending"]) == (
        "in_progress", None)
    assert _actions(app, p)[-2:] == ["submit_signoff", "send_back_signoff"]
