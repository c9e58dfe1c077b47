"""Home pages: a unit user's tasks grouped by urgency; what waits for the Office."""

from __future__ import annotations

import datetime as dt

from cddh.models import Document, Role, TaskState, UnitCategory, db
from cddh.services.clock import local_today

from .conftest import make_document, make_task, make_unit, make_user


def test_unit_home_groups_tasks_and_links_to_filtered_lists(app, browser):
    with app.test_request_context():
        today = local_today()
        a, b = make_unit("SA"), make_unit("SB")
        staff = make_user(Role.unit_staff, a)
        make_task(a, content="VIEC-QUA-HAN", state=TaskState.in_progress,
                  deadline=today - dt.timedelta(days=5))
        make_task(a, content="VIEC-SAP-DEN-HAN", state=TaskState.assigned, deadline=today)
        make_task(a, content="VIEC-CON-XA", state=TaskState.in_progress,
                  deadline=today + dt.timedelta(days=60))
        make_task(a, content="VIEC-KHONG-THOI-HAN", state=TaskState.in_progress, deadline=None,
                  has_deadline=False)
        make_task(a, content="VIEC-CHO-XAC-NHAN", state=TaskState.pending_verification)
        make_task(b, content="VIEC-DON-VI-KHAC", state=TaskState.in_progress,
                  deadline=today - dt.timedelta(days=5))
        db.session.commit()
        br = browser(staff)
    page = br.get("/").get_data(as_text=True)
    for marker in ("VIEC-QUA-HAN", "VIEC-SAP-DEN-HAN", "VIEC-CON-XA", "VIEC-KHONG-THOI-HAN",
                   "VIEC-CHO-XAC-NHAN"):
        assert marker in page
    assert "VIEC-DON-VI-KHAC" not in page
    assert "(quá 5 ngày)" in page
    overdue = br.get("/tasks/?group=overdue").get_data(as_text=True)
    assert "VIEC-QUA-HAN" in overdue
    assert "VIEC-CON-XA" not in overdue and "VIEC-DON-VI-KHAC" not in overdue
    soon = br.get("/tasks/?group=due_soon").get_data(as_text=True)
    assert "VIEC-SAP-DEN-HAN" in soon and "VIEC-QUA-HAN" not in soon
    assert "VIEC-QUA-HAN" in br.get("/tasks/?timeliness=open_overdue").get_data(as_text=True)


def test_office_home_shows_returns_verifications_and_late_entries(app, browser):
    with app.test_request_context():
        today = local_today()
        office = make_unit("VP", UnitCategory.office)
        unit = make_unit("SA")
        specialist = make_user(Role.office_specialist, office, username="chuyenvien1")
        specialist.full_name = "Nguyễn Văn Tổng Hợp"
        make_task(unit, content="VIEC-BI-TRA-LAI", state=TaskState.returned,
                  specialist_id=specialist.id)
        make_task(unit, content="VIEC-BAO-CAO-HOAN-THANH", state=TaskState.pending_verification,
                  specialist_id=specialist.id)
        make_document(specialist_id=specialist.id, tracked=True,
                      entry_due_on=today - dt.timedelta(days=3))
        db.session.commit()
        br = browser(specialist)
    page = br.get("/").get_data(as_text=True)
    assert "VIEC-BI-TRA-LAI" in page and "VIEC-BAO-CAO-HOAN-THANH" in page
    assert "Nguyễn Văn Tổng Hợp" in page  # counted among late entries
    with app.app_context():
        assert db.session.query(Document).count() >= 1
