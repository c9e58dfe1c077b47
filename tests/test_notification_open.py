"""Notifications that fit the day's work (issue 12 §4): opening a task from a notification
marks that notification read (a POST with CSRF, the owner's own only, idempotent); "mark all
read" is one click; a cooperating unit is told "new task" once, not on every re-forward."""

from __future__ import annotations

import re

import sqlalchemy as sa

from cddh.models import Notification, Role, Task, TaskState, UnitCategory, User, db
from cddh.services import workflow

from .conftest import make_task, make_unit, make_user


def _setup(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        a, b = make_unit("SA"), make_unit("SB")
        specialist = make_user(Role.office_specialist, office, "chuyenvien")
        staff_a, staff_b = make_user(Role.unit_staff, a, "canbo.a"), make_user(Role.unit_staff, b, "canbo.b")
        task = make_task(a, state=TaskState.draft, content="Triển khai chuyển đổi số")
        other = make_task(a, state=TaskState.draft, content="Báo cáo sơ kết")
        db.session.commit()
        workflow.forward(specialist, task)
        workflow.forward(specialist, other)
        db.session.commit()
        notes = dict(db.session.execute(
            sa.select(Notification.task_id, Notification.id)
            .where(Notification.user_id == staff_a.id)).all())
        for u in (staff_a, staff_b):
            u.id  # noqa: B018  (loads the row before the context ends)
        return staff_a, staff_b, task.id, notes[task.id]


def _read_at(app, note_id):
    with app.app_context():
        return db.session.get(Notification, note_id).read_at


def test_opening_a_notification_marks_it_read_and_opens_its_task(app, browser):
    staff_a, staff_b, task_id, note_id = _setup(app)
    owner = browser(staff_a)
    listing = owner.get("/notifications/").get_data(as_text=True)
    # The notification's text and task open through a POST form carrying the CSRF token.
    form = re.search(r'<form method="post" action="/notifications/open/"[^>]*>(.*?)</form>',
                     listing, re.S)
    assert form and 'name="csrf_token"' in form.group(1)
    assert f'name="id" value="{note_id}"' in listing
    # Not by GET: a link followed by a crawler or a prefetch changes nothing.
    assert owner.get(f"/notifications/open/?id={note_id}").status_code == 405
    assert _read_at(app, note_id) is None

    resp = owner.post("/notifications/open/", {"id": note_id})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/tasks/details/?id={task_id}")
    first = _read_at(app, note_id)
    assert first is not None
    # Again: the same answer, the first reading time kept.
    again = owner.post("/notifications/open/", {"id": note_id})
    assert again.status_code == 302 and _read_at(app, note_id) == first
    with app.app_context():  # the other notification is still unread
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == staff_a.id, Notification.read_at.is_(None))) == 1


def test_only_the_owner_opens_a_notification(app, browser):
    staff_a, staff_b, task_id, note_id = _setup(app)
    stranger = browser(staff_b)
    assert stranger.post("/notifications/open/", {"id": note_id}).status_code == 404
    assert stranger.post("/notifications/open/", {"id": "abc"}).status_code == 404
    assert _read_at(app, note_id) is None
    # Without the CSRF token nothing happens either.
    owner = browser(staff_a)
    resp = owner.client.post("/notifications/open/", data={"id": note_id})
    assert resp.status_code == 400 and _read_at(app, note_id) is None


def test_mark_all_read_is_one_click(app, browser):
    staff_a, staff_b, task_id, note_id = _setup(app)
    owner = browser(staff_a)
    listing = owner.get("/notifications/").get_data(as_text=True)
    button = re.search(r'<form method="post" action="(/notifications/read-all/)" [^>]*id="read-all"',
                       listing)
    assert button
    assert owner.post(button.group(1)).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == staff_a.id, Notification.read_at.is_(None))) == 0


def _new_task_notices(unit_code: str, task_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .join(User, User.id == Notification.user_id).join(User.unit)
        .where(Notification.kind == "forwarded", Notification.task_id == task_id,
               User.unit.has(code=unit_code)))


def test_a_cooperating_unit_is_not_told_new_task_again_on_a_re_forward(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        a, b, c, d = (make_unit(code) for code in ("SA", "SB", "SC", "SD"))
        specialist = make_user(Role.office_specialist, office, "chuyenvien")
        # One account per unit: each count below is the number of notices a unit received.
        head_a = make_user(Role.unit_leader, a, "giamdoc.a")
        head_c = make_user(Role.unit_leader, c, "giamdoc.c")
        for unit in (b, d):
            make_user(Role.unit_staff, unit)
        task = make_task(a, state=TaskState.draft, cooperating=[b])
        db.session.commit()
        workflow.forward(specialist, task)
        db.session.commit()
        assert _new_task_notices("SA", task.id) == 1 and _new_task_notices("SB", task.id) == 1
        # A returns it; the Office gives it to C, keeps B and adds D, then forwards again.
        workflow.return_task(head_a, task, "outside_remit", "Không thuộc chức năng")
        db.session.commit()
        task = db.session.get(Task, task.id)
        task.lead_unit = c
        task.cooperating_units = [b, d]
        db.session.commit()
        workflow.forward(specialist, task)
        db.session.commit()
        assert _new_task_notices("SB", task.id) == 1  # told once, not again
        assert _new_task_notices("SD", task.id) == 1  # newly added: told
        assert _new_task_notices("SC", task.id) == 1  # the new lead unit: told
        assert _new_task_notices("SA", task.id) == 1
        # Returned by C and forwarded to C again: the lead unit hears of it each time (the
        # task is once more its to carry out); B and D are not told again.
        workflow.return_task(head_c, task, "other", "Cần làm rõ")
        db.session.commit()
        workflow.forward(specialist, db.session.get(Task, task.id))
        db.session.commit()
        assert _new_task_notices("SC", task.id) == 2
        assert _new_task_notices("SB", task.id) == 1 and _new_task_notices("SD", task.id) == 1
