"""A notification shows its task only while the reader may still see it (issue 10, finding 3):
once a task is given to another unit, the unit that had it sees ``#id (no longer assigned to
your unit)`` in its notification list and its digest mail, not the task's text nor a link."""

from __future__ import annotations

import sqlalchemy as sa

from cddh.jobs import run_job
from cddh.models import Notification, Role, Task, TaskState, UnitCategory, User, db
from cddh.services import workflow
from cddh.services.calendar import seed_overrides

from .conftest import make_task, make_unit, make_user
from .test_mail import MONDAY, inbox  # noqa: F401 - the loopback SMTP server

OLD, NEW = "Rà soát biên chế zqoldzq", "Nội dung mới của đơn vị B zqnewzq"


def _reassign(task_id: int, unit_id: int) -> None:
    task = db.session.get(Task, task_id)
    task.lead_unit_id = unit_id
    task.content = NEW
    db.session.commit()


def _world(app):
    with app.test_request_context():
        seed_overrides()
        office = make_unit("VP", UnitCategory.office)
        a, b = make_unit("SA"), make_unit("SB")
        specialist = make_user(Role.office_specialist, office)
        staff_a, staff_b = make_user(Role.unit_staff, a), make_user(Role.unit_staff, b)
        staff_a.email = "a@sa.vn"
        task = make_task(a, state=TaskState.draft, content=OLD)
        db.session.commit()
        workflow.forward(specialist, task)
        db.session.commit()
        for u in (staff_a, staff_b, specialist):
            u.id  # noqa: B018  (loads the row before the context ends)
        return task.id, b.id, staff_a, staff_b, specialist


def test_the_notification_list_hides_a_task_given_to_another_unit(app, browser):
    task_id, b_id, staff_a, staff_b, specialist = _world(app)
    page = browser(staff_a).get("/notifications/").get_data(as_text=True)
    # While it is A's, the task opens from the notification (issue 12 §4: a POST that marks
    # it read, then the task page).
    assert OLD in page and 'action="/notifications/open/"' in page
    with app.app_context():
        _reassign(task_id, b_id)
    page = browser(staff_a).get("/notifications/").get_data(as_text=True)
    assert NEW not in page and "zqoldzq" not in page
    assert f"/tasks/details/?id={task_id}" not in page
    assert 'action="/notifications/open/"' not in page
    assert f"#{task_id} (không còn giao cho đơn vị của bạn)" in page
    # The Office still sees its own notifications with the task.
    with app.app_context():
        db.session.add(Notification(user_id=specialist.id, kind="returned", task_id=task_id,
                                    message=f"#{task_id} {OLD}"))
        db.session.commit()
    office_page = browser(specialist).get("/notifications/").get_data(as_text=True)
    assert NEW in office_page and 'action="/notifications/open/"' in office_page


def test_the_digest_hides_a_task_given_to_another_unit(app, inbox):  # noqa: F811
    task_id, b_id, staff_a, *_ = _world(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).join(User)
                                 .where(User.id == staff_a.id)) == 1
        _reassign(task_id, b_id)
    outcome = run_job("mail_digest", today=MONDAY, app=app)
    assert outcome.status == "ok", outcome.error
    [mail] = inbox.to("a@sa.vn")
    body = mail.get_body().get_content()
    assert "zqoldzq" not in body and "zqnewzq" not in body
    assert f"id={task_id}" not in body
    assert f"#{task_id} (không còn giao cho đơn vị của bạn)" in body
