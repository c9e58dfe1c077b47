"""The urging log (Đ11.2): the Office records an urging by any channel; the unit sees it on
the task's timeline and is told."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cddh.models import (
    Notification,
    Role,
    TaskHistory,
    TaskState,
    UnitCategory,
    Urging,
    UrgingChannel,
    User,
    db,
)
from cddh.services import Conflict, DomainError, NotAllowed, workflow

from .conftest import make_task, make_unit, make_user


def _setup(app, state=TaskState.in_progress):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        lead, coop = make_unit("SNV", name="Sở Nội vụ"), make_unit("STC")
        users = {"specialist": make_user(Role.office_specialist, office),
                 "staff": make_user(Role.unit_staff, lead),
                 "coop": make_user(Role.unit_staff, coop)}
        task = make_task(lead, state=state, cooperating=[coop], content="Rà soát biên chế")
        db.session.commit()
        for u in users.values():
            u.id  # noqa: B018  (loads the row before the context ends)
        return task.id, task.version, users


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_specialist_records_a_phone_urging_and_the_unit_sees_it(app, browser):
    task_id, version, users = _setup(app)
    specialist = browser(users["specialist"])
    page = specialist.get(f"/tasks/details/?id={task_id}").get_data(as_text=True)
    assert 'data-action="urge"' in page
    resp = specialist.post("/tasks/act/", {
        "id": task_id, "version": version, "action": "urge", "channel": "phone",
        "note": "Đề nghị Sở Nội vụ báo cáo tiến độ trước thứ Sáu.",
        "document_number": ""})
    assert resp.status_code == 302
    with app.app_context():
        urging = db.session.scalar(sa.select(Urging))
        assert (urging.channel, urging.by_id) == (UrgingChannel.phone, users["specialist"].id)
        entry = db.session.scalar(sa.select(TaskHistory).where(TaskHistory.action == "urge"))
        assert entry.data == {"channel": "phone", "document_number": ""}
        told = db.session.execute(sa.select(Notification.user_id, Notification.kind)).all()
        assert told == [(users["staff"].id, "urged")]  # the lead unit, not the cooperating one
    unit_page = browser(users["staff"]).get(f"/tasks/details/?id={task_id}").get_data(as_text=True)
    assert "báo cáo tiến độ trước thứ Sáu" in unit_page
    assert "Qua điện thoại" in unit_page  # the channel, in Vietnamese
    assert 'data-action="urge"' not in unit_page


def test_a_unit_cannot_urge_and_a_bad_channel_is_refused(app, browser):
    task_id, version, users = _setup(app)
    for user, channel in ((users["staff"], "phone"), (users["specialist"], "pigeon")):
        browser(user).post("/tasks/act/", {"id": task_id, "version": version, "action": "urge",
                                           "channel": channel, "note": "Khẩn trương"})
    with app.app_context():
        assert _count(Urging) == _count(Notification) == 0


@pytest.mark.parametrize("channel", list(UrgingChannel))
def test_every_channel_of_article_11_2_is_accepted(app, channel):
    task_id, _version, users = _setup(app)
    with app.test_request_context():
        from cddh.models import Task

        workflow.urge(db.session.get(User, users["specialist"].id), db.session.get(Task, task_id),
                      channel.value, "Đôn đốc thực hiện", "15/VP-TH")
        db.session.commit()
        assert db.session.scalar(sa.select(Urging.document_number)) == "15/VP-TH"


def test_urging_needs_a_note_an_open_task_and_the_office(app):
    task_id, _version, users = _setup(app, state=TaskState.completed)
    with app.test_request_context():
        from cddh.models import Task

        task = db.session.get(Task, task_id)
        specialist = db.session.get(User, users["specialist"].id)
        with pytest.raises(Conflict):
            workflow.urge(specialist, task, "phone", "Đã xong rồi")
        task.state = TaskState.in_progress
        with pytest.raises(DomainError):
            workflow.urge(specialist, task, "phone", "   ")
        with pytest.raises(NotAllowed):
            workflow.urge(db.session.get(User, users["staff"].id), task, "phone", "Tự nhắc")
