"""Unit self-inspection reports (Đ16.1–2): a unit drafts, its leader submits, the Office sees
who submitted on time, late, or not at all."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from cddh.models import PeriodKind, Role, SelfInspectionReport, UnitCategory, db
from cddh.services import reports
from cddh.services.calendar import WorkingCalendar

from .conftest import make_unit, make_user

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FORM = {"kind": "quarter", "year": "2026", "number": "2", "assessment": "Hoàn thành cơ bản",
        "shortcomings": "Cập nhật chậm", "difficulties": "Thiếu người", "proposals": "Tập huấn"}


def _world(app):
    with app.app_context():
        a, b = make_unit("A", name="Sở A"), make_unit("B", name="Sở B")
        users = {"staff": make_user(Role.unit_staff, a), "head": make_user(Role.unit_leader, a),
                 "b_head": make_user(Role.unit_leader, b),
                 "spec": make_user(Role.office_specialist,
                                   make_unit("VP", UnitCategory.office))}
        db.session.commit()
        for user in users.values():
            user.id  # noqa: B018  (loads the row before the context ends)
        return users, a.id


def _only_report():
    return db.session.scalar(db.select(SelfInspectionReport))


def test_a_unit_drafts_and_its_leader_submits(app, browser):
    users, unit_a = _world(app)
    staff = browser(users["staff"])
    assert staff.get("/self_inspection/").status_code == 200
    assert 'name="assessment"' in staff.get("/self_inspection/new/").get_data(as_text=True)
    assert staff.post("/self_inspection/new/", data=FORM).status_code == 302
    with app.app_context():
        report = _only_report()
        assert (report.unit_id, report.kind, report.number, report.submitted_at) == (
            unit_a, PeriodKind.quarter, 2, None)
        report_id = report.id
    # A second report of the same period for the same unit is refused.
    staff.post("/self_inspection/new/", data=FORM)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SelfInspectionReport.id))) == 1
    # Another unit neither sees nor submits it; the staff may not submit it.
    other = browser(users["b_head"])
    assert other.get(f"/self_inspection/details/?id={report_id}").status_code in (302, 404)
    assert other.post("/self_inspection/submit/", data={"id": report_id}).status_code == 404
    assert staff.post("/self_inspection/submit/", data={"id": report_id}).status_code == 403
    head = browser(users["head"])
    assert head.post("/self_inspection/submit/", data={"id": report_id}).status_code == 302
    with app.app_context():
        report = _only_report()
        assert report.submitted_at is not None and report.submitted_by_id == users["head"].id
    # Submitted: it no longer changes.
    edit = {**FORM, "assessment": "Sửa sau khi gửi"}
    staff.post(f"/self_inspection/edit/?id={report_id}", data=edit)
    with app.app_context():
        assert _only_report().assessment == "Hoàn thành cơ bản"
    # The Office reads it and the status page.
    spec = browser(users["spec"])
    details = spec.get(f"/self_inspection/details/?id={report_id}").get_data(as_text=True)
    assert "Cập nhật chậm" in details and "submit-self-inspection" not in details
    assert "self-inspection-status" in spec.get("/self_inspection/").get_data(as_text=True)
    status = spec.get("/self_inspection/status/?kind=quarter&year=2026&number=2")
    assert status.status_code == 200
    assert 'data-status="late"' in status.get_data(as_text=True)  # submitted in November
    assert staff.get("/self_inspection/status/").status_code == 403


def test_who_is_on_time_late_or_missing(app):
    with app.app_context():
        units = [make_unit(code, name=f"Sở {code}") for code in "ABC"]
        for unit, submitted in ((units[0], dt.datetime(2026, 6, 19, 16, tzinfo=VN)),
                                (units[1], dt.datetime(2026, 6, 22, 8, tzinfo=VN))):
            db.session.add(SelfInspectionReport(unit_id=unit.id, kind=PeriodKind.quarter,
                                                year=2026, number=2, assessment="x",
                                                submitted_at=submitted))
        db.session.add(SelfInspectionReport(unit_id=units[2].id, kind=PeriodKind.quarter,
                                            year=2026, number=2, assessment="draft only"))
        db.session.commit()
        status = reports.self_inspection_status("quarter", 2026, 2, [u.id for u in units],
                                                WorkingCalendar())
    # Q2 ends on Sunday 14/06/2026; five working days later is Friday 19/06.
    assert status["due"] == dt.date(2026, 6, 19)
    assert [r["status"] for r in status["rows"]] == ["on_time", "late", "missing"]
