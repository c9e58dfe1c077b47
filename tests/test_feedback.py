"""District feedback (Đ15.5, Đ16.4) through the screens, and the clock on its answer."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from cddh.jobs import run_job
from cddh.models import (
    Feedback,
    FeedbackAnswerKind,
    Notification,
    Role,
    TaskState,
    UnitCategory,
    User,
    db,
)
from cddh.services import Conflict, DomainError, NotAllowed
from cddh.services import feedback as service
from cddh.services.calendar import WorkingCalendar, seed_overrides
from cddh.services.clock import local_today

from .conftest import make_task, make_unit, make_user

D = dt.date


def _world():
    """Sở Nội vụ leads a task; the district UBND huyện Ba Tri cooperates on it."""
    seed_overrides()
    office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
    snv = make_unit("SNV", name="Sở Nội vụ")
    bt = make_unit("HBT", UnitCategory.district, "UBND huyện Ba Tri")
    cl = make_unit("HCL", UnitCategory.district, "UBND huyện Chợ Lách")
    users = SimpleNamespace(
        specialist=make_user(Role.office_specialist, office),
        leader=make_user(Role.leader, office),
        snv_staff=make_user(Role.unit_staff, snv),
        bt_staff=make_user(Role.unit_staff, bt),
        bt_head=make_user(Role.unit_leader, bt),
        cl_staff=make_user(Role.unit_staff, cl),
    )
    task = make_task(snv, state=TaskState.in_progress, cooperating=[bt],
                     content="Sắp xếp đơn vị hành chính cấp xã", specialist_id=users.specialist.id)
    db.session.commit()
    for user in vars(users).values():
        user.id, user.unit.id  # noqa: B018  (loads the row before the context ends)
    return SimpleNamespace(task=task.id, snv=snv.id, bt=bt.id, **vars(users))


def _kinds(user_id) -> list[str]:
    return sorted(db.session.scalars(sa.select(Notification.kind)
                                     .where(Notification.user_id == user_id)))


def test_a_district_files_feedback_and_reads_the_office_s_answer(app, browser):
    with app.test_request_context():
        w = _world()
    district = browser(w.bt_staff)
    page = district.get(f"/tasks/details/?id={w.task}").get_data(as_text=True)
    assert 'id="feedback-form"' in page and "Sở Nội vụ" in page
    resp = district.post("/feedback/file/", {"task_id": w.task, "about_unit_id": w.snv,
                                             "content": "Sở Nội vụ chưa hướng dẫn huyện lập đề án."})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/tasks/details/?id={w.task}")
    with app.app_context():
        item = db.session.scalar(sa.select(Feedback))
        assert (item.from_unit_id, item.about_unit_id, item.author_id) == (w.bt, w.snv, w.bt_staff.id)
        assert item.answer_due_on == WorkingCalendar().add_working_days(local_today(), 7)
        assert _kinds(w.specialist.id) == ["feedback_filed"]
        feedback_id = item.id
    assert "chưa hướng dẫn huyện" in district.get("/feedback/").get_data(as_text=True)

    # The department it is about, and another district, neither see nor file it.
    department = browser(w.snv_staff)
    assert "chưa hướng dẫn huyện" not in department.get("/feedback/").get_data(as_text=True)
    assert 'id="feedback-form"' not in department.get(f"/tasks/details/?id={w.task}").get_data(as_text=True)
    department.post("/feedback/file/", {"task_id": w.task, "content": "Tự phản hồi"})
    assert browser(w.cl_staff).post("/feedback/file/", {"task_id": w.task, "content": "x"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 1

    # A leader reads it but does not answer; the specialist does.
    leader = browser(w.leader)
    assert 'id="feedback-answer"' not in leader.get(f"/feedback/details/?id={feedback_id}").get_data(as_text=True)
    leader.post("/feedback/answer/", {"id": feedback_id, "answer_kind": "urging_document",
                                      "answer": "Đã đôn đốc", "answer_document_number": "1/VP"})
    specialist = browser(w.specialist)
    assert 'id="feedback-answer"' in specialist.get(f"/feedback/details/?id={feedback_id}").get_data(as_text=True)
    specialist.post("/feedback/answer/", {"id": feedback_id, "answer_kind": "urging_document",
                                          "answer": "Không số văn bản"})
    with app.app_context():
        assert db.session.get(Feedback, feedback_id).answered_at is None
    specialist.post("/feedback/answer/", {
        "id": feedback_id, "answer_kind": "urging_document",
        "answer": "Đã có văn bản đôn đốc Sở Nội vụ hướng dẫn huyện trước ngày 15/3.",
        "answer_document_number": "812/VP-TH"})
    with app.app_context():
        item = db.session.get(Feedback, feedback_id)
        assert item.answer_kind == "urging_document" and item.answered_by_id == w.specialist.id
        assert _kinds(w.bt_staff.id) == _kinds(w.bt_head.id) == ["feedback_answered"]
        assert _kinds(w.snv_staff.id) == ["feedback_urging"]  # the department is urged
        assert _kinds(w.leader.id) == []
    answer_page = district.get(f"/feedback/details/?id={feedback_id}").get_data(as_text=True)
    assert "812/VP-TH" in answer_page and "trước ngày 15/3" in answer_page
    assert "812/VP-TH" in district.get(f"/tasks/details/?id={w.task}").get_data(as_text=True)


def test_a_report_to_the_leaders_goes_to_the_leaders(app):
    with app.test_request_context():
        w = _world()
        from cddh.models import Task

        task = db.session.get(Task, w.task)
        item = service.file_feedback(db.session.get(User, w.bt_staff.id), task, content="Chậm")
        service.answer_feedback(db.session.get(User, w.specialist.id), item,
                                kind=FeedbackAnswerKind.report_to_leaders.value,
                                answer="Báo cáo xin ý kiến chỉ đạo", document_number="55/BC-VP")
        db.session.commit()
        assert _kinds(w.leader.id) == ["feedback_report"]
        assert _kinds(w.snv_staff.id) == []
        with pytest.raises(Conflict):
            service.answer_feedback(db.session.get(User, w.specialist.id), item,
                                    kind="urging_document", answer="Lại", document_number="1")


def test_who_may_file_and_about_whom(app):
    with app.test_request_context():
        w = _world()
        from cddh.models import Task

        task = db.session.get(Task, w.task)
        district = db.session.get(User, w.bt_staff.id)
        with pytest.raises(NotAllowed):
            service.file_feedback(db.session.get(User, w.snv_staff.id), task, content="x")
        with pytest.raises(DomainError):
            service.file_feedback(district, task, content="  ")
        with pytest.raises(DomainError):  # itself is not a unit it may report on
            service.file_feedback(district, task, content="x", about_unit_id=w.bt)
        item = service.file_feedback(district, task, content="Chậm")
        assert item.about_unit_id == w.snv  # the lead unit by default
        task.state = TaskState.cancelled
        with pytest.raises(Conflict):
            service.file_feedback(district, task, content="x")


@pytest.mark.parametrize("filed, due", [
    (D(2026, 3, 4), D(2026, 3, 13)),   # Wednesday: seven working days
    (D(2026, 3, 7), D(2026, 3, 17)),   # Saturday: counted from the next working day
    (D(2026, 2, 12), D(2026, 3, 2)),   # across Tết
], ids=["weekdays", "weekend", "tet"])
def test_unanswered_feedback_is_escalated_after_seven_working_days(app, filed, due):
    with app.test_request_context():
        w = _world()
        from cddh.models import Task

        task = db.session.get(Task, w.task)
        district = db.session.get(User, w.bt_staff.id)
        late = service.file_feedback(district, task, content="Chậm", today=filed)
        answered = service.file_feedback(district, task, content="Sai", today=filed)
        service.answer_feedback(db.session.get(User, w.specialist.id), answered,
                                kind="urging_document", answer="Đã đôn đốc", document_number="9/VP")
        db.session.commit()
        assert late.answer_due_on == due
        assert run_job("feedback_answers", today=due).counts["escalated"] == 0
        counts = run_job("feedback_answers", today=due + dt.timedelta(days=1)).counts
        assert counts == {"escalated": 1, "notified": 2, "today": (due + dt.timedelta(days=1)).isoformat()}
        db.session.expire_all()
        assert db.session.get(Feedback, late.id).escalated_at is not None
        assert db.session.get(Feedback, answered.id).escalated_at is None
        assert "feedback_late" in _kinds(w.leader.id) and "feedback_late" in _kinds(w.specialist.id)
        again = run_job("feedback_answers", today=due + dt.timedelta(days=2)).counts
        assert (again["escalated"], again["notified"]) == (0, 0)
