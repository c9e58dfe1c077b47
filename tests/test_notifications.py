"""In-app notifications reach who must act next, and only them."""

from __future__ import annotations

import sqlalchemy as sa

from cddh.models import Notification, Role, TaskState, UnitCategory, db
from cddh.services import workflow

from .conftest import make_task, make_unit, make_user


def test_forward_notifies_the_lead_unit_and_only_it(app, browser):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        a, b = make_unit("SA"), make_unit("SB")
        specialist = make_user(Role.office_specialist, office)
        staff_a, staff_b = make_user(Role.unit_staff, a), make_user(Role.unit_staff, b)
        task = make_task(a, state=TaskState.draft, content="Triển khai chuyển đổi số")
        db.session.commit()
        workflow.forward(specialist, task)
        db.session.commit()
        for u in (staff_a, staff_b):
            u.id  # noqa: B018  (loads the row before the context ends)
    br_a, br_b = browser(staff_a), browser(staff_b)
    page = br_a.get("/notifications/").get_data(as_text=True)
    assert "Triển khai chuyển đổi số" in page
    assert 'id="notification-badge"' in br_a.get("/").get_data(as_text=True)
    assert "Triển khai chuyển đổi số" not in br_b.get("/notifications/").get_data(as_text=True)
    with app.app_context():
        note = db.session.scalar(sa.select(Notification))
        note_id = note.id
    # B cannot mark A's notification as read (action ids are scoped).
    br_b.post("/notifications/action/", data={"action": "mark_read", "rowid": note_id})
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is None
    br_a.post("/notifications/action/", data={"action": "mark_read", "rowid": note_id})
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is not None
    unread = br_a.get("/notifications/?flt0_0=1").get_data(as_text=True)
    assert unread.count("Triển khai chuyển đổi số") == 0
