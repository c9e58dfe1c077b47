"""Issue 14 §4, one test per clause, on real Vietnamese holidays of 2026 (holidays.VN and the
app's calendar): Tết 16–20/02 (with the weekends around it, 14–22/02 off), Giỗ Tổ Hùng Vương
26/04 (a Sunday, observed Monday 27/04), 30/04–01/05 (Thursday–Friday), 02/09.

- A deadline on a day off runs to the next working day (Bộ luật Dân sự 2015, Điều 148): one
  rule (calendar.effective_deadline) for timeliness, the overdue job, the figures and the
  ranking; the document's deadline is kept.
- Đ8.2a: the lead unit may return a task within N working days after receipt; a cooperating
  unit asks the Office to be removed or replaced; both are recorded and counted.
- Đ15.5/Đ16.4: any district-level unit files feedback on a department's handling of a
  matter in its area, not only one named on a task.
- Đ5, Đ8.1b: a completed task without deadline is completed in the rates, and the update
  windows it missed count against its unit.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from cddh.auth import policy
from cddh.models import (
    CalendarOverride,
    CalendarOverrideKind,
    CooperationRequest,
    ExtensionStatus,
    Feedback,
    ProgressUpdate,
    Role,
    Task,
    TaskHistory,
    TaskState,
    UnitCategory,
    UpdateFrequency,
    db,
)
from cddh.services import Conflict, DomainError, NotAllowed, duties, ranking, statistics, workflow
from cddh.services import feedback as feedback_service
from cddh.services.calendar import (
    effective_deadline,
    first_deadline_due_by,
    refresh_effective_deadlines,
)
from cddh.services.timeliness import timeliness

from .conftest import make_task, make_unit, make_user

D = dt.date
S = TaskState


def _local(day: dt.date, hour: int = 9) -> dt.datetime:
    """A moment of a local (UTC+7) day, as stored (UTC)."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC) - dt.timedelta(hours=7)


def _today(monkeypatch, day: dt.date) -> None:
    for where in ("cddh.services.workflow.local_today", "cddh.services.statistics.local_today",
                  "cddh.services.feedback.local_today"):
        monkeypatch.setattr(where, lambda: day)


# --- Điều 148: a deadline on a day off ---------------------------------------------------------

def test_a_deadline_on_a_day_off_runs_to_the_next_working_day_everywhere(app, monkeypatch):
    with app.test_request_context():
        assert effective_deadline(D(2026, 4, 30)) == D(2026, 5, 4)   # Thu 30/4, Fri 1/5, weekend
        assert effective_deadline(D(2026, 2, 16)) == D(2026, 2, 23)  # Tết and its weekends
        assert effective_deadline(D(2026, 4, 26)) == D(2026, 4, 28)  # Giỗ Tổ, observed Mon 27/4
        assert effective_deadline(D(2026, 9, 2)) == D(2026, 9, 3)    # National Day
        assert effective_deadline(D(2026, 4, 29)) == D(2026, 4, 29)  # a working Wednesday
        assert effective_deadline(None) is None

        lead = make_unit("SNV")
        other = make_unit("STC")
        on_time = make_task(lead, state=S.completed, deadline=D(2026, 4, 30),
                            completed_on=D(2026, 5, 4), assigned_at=_local(D(2026, 4, 1)))
        late = make_task(lead, state=S.completed, deadline=D(2026, 4, 30),
                         completed_on=D(2026, 5, 5), assigned_at=_local(D(2026, 4, 1)))
        open_ = make_task(lead, state=S.in_progress, deadline=D(2026, 4, 30),
                          assigned_at=_local(D(2026, 4, 1)))
        later = make_task(other, state=S.in_progress, deadline=D(2026, 5, 29),
                          assigned_at=_local(D(2026, 4, 1)))
        db.session.commit()
        # The document's deadline is kept; the effective one is stored beside it.
        assert (open_.deadline, open_.effective_deadline) == (D(2026, 4, 30), D(2026, 5, 4))
        assert timeliness(on_time, D(2026, 5, 4)).value == "done_on_time"
        assert timeliness(late, D(2026, 5, 5)).value == "done_late"
        assert timeliness(open_, D(2026, 5, 4)).value == "open_on_time"
        assert timeliness(open_, D(2026, 5, 5)).value == "open_overdue"

        def row(day):
            return statistics.unit_statistics(None, day, [lead.id], today=day)[0]

        monday, tuesday = row(D(2026, 5, 4)), row(D(2026, 5, 5))
        assert (monday["done_on_time"], monday["done_late"]) == (1, 1)
        assert (monday["open_on_time"], monday["open_overdue"]) == (1, 0)
        assert (tuesday["open_on_time"], tuesday["open_overdue"]) == (0, 1)
        # The list behind the figure is the same clause: the task is not overdue on Monday.
        overdue_monday = db.session.scalars(sa.select(Task.id).where(
            statistics.measure_clause("open_overdue", None, D(2026, 5, 4), D(2026, 5, 4)))).all()
        assert overdue_monday == []

        def listed(measure, day):
            return set(db.session.scalars(sa.select(Task.id).where(
                statistics.measure_clause(measure, None, day, day))))

        # The lists say the open classes on the deadline too: on Monday the time of every
        # deadline from Thursday's holiday on is still running.
        assert first_deadline_due_by(D(2026, 5, 4)) == D(2026, 4, 30)
        assert first_deadline_due_by(D(2026, 4, 29)) == D(2026, 4, 29)
        assert listed("open_on_time", D(2026, 5, 4)) == {open_.id, later.id}
        assert listed("open_overdue", D(2026, 5, 5)) == {open_.id}

        # The overdue job: nothing on Monday 04/05, the task turns overdue on Tuesday 05/05.
        assert duties.mark_overdue(D(2026, 5, 4))["became_overdue"] == 0
        assert duties.mark_overdue(D(2026, 5, 5))["became_overdue"] == 1
        db.session.expire_all()
        assert db.session.get(Task, open_.id).overdue_since == D(2026, 5, 5)

        # The ranking counts the same: no overdue task on the day the time runs out.
        monkeypatch.setattr("cddh.services.statistics.local_today", lambda: D(2026, 5, 4))
        by_unit = {r["unit_id"]: r for r in ranking.unit_ranking(D(2026, 4, 15), D(2026, 5, 4))}
        assert by_unit[lead.id]["overdue"] == 0
        monkeypatch.setattr("cddh.services.statistics.local_today", lambda: D(2026, 5, 5))
        by_unit = {r["unit_id"]: r for r in ranking.unit_ranking(D(2026, 4, 15), D(2026, 5, 5))}
        assert by_unit[lead.id]["overdue"] == 1

        # The admin calendar: a day off added on 04/05 moves the deadline on; removed, back.
        override = CalendarOverride(day=D(2026, 5, 4), kind=CalendarOverrideKind.day_off,
                                    name="Nghỉ bù (thử)", legal_basis="Thông báo thử")
        db.session.add(override)
        db.session.flush()  # the transaction's calendar is read again after the change
        assert listed("open_on_time", D(2026, 5, 5)) == {open_.id, later.id}
        assert listed("open_overdue", D(2026, 5, 5)) == set()
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Task, open_.id).effective_deadline == D(2026, 5, 5)
        db.session.delete(override)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Task, open_.id).effective_deadline == D(2026, 5, 4)

        # A bulk loader's rows (written without the ORM) are filled in by the refresh.
        db.session.execute(sa.update(Task).values(effective_deadline=None))
        assert refresh_effective_deadlines(db.session.connection()) == 4
        db.session.expire_all()
        assert db.session.get(Task, open_.id).effective_deadline == D(2026, 5, 4)


def test_refreshing_effective_deadlines_updates_only_the_deadlines_that_are_wrong(app):
    """``refresh_effective_deadlines`` reads the stored (deadline, effective deadline) pairs
    first and updates the deadlines of which some task is wrong, no other: a night with
    nothing to move sends no update per deadline; a task written wrong in SQL (a bulk
    loader's) is put right, and its unit's row with it."""
    from cddh.models import task_unit

    from .conftest import recorded_statements

    with app.test_request_context():
        lead = make_unit("SNV")
        # Friday 01/05/2026 is a holiday: due the next working day, Monday 04/05.
        tasks = [make_task(lead, deadline=day) for day in
                 (D(2026, 5, 1), D(2026, 5, 1), D(2026, 5, 6), D(2026, 5, 7))]
        db.session.commit()
        ids = [t.id for t in tasks]
        with recorded_statements(app) as seen:
            assert refresh_effective_deadlines(db.session.connection()) == 0
        assert not [s for s in seen if s.startswith("UPDATE task SET")
                    and "task.deadline =" in s]
        db.session.execute(sa.update(Task).where(Task.id == ids[1])
                           .values(effective_deadline=D(2026, 5, 1)))
        db.session.execute(sa.update(task_unit).where(task_unit.c.task_id == ids[1])
                           .values(deadline=D(2026, 5, 1)))
        with recorded_statements(app) as seen:
            assert refresh_effective_deadlines(db.session.connection()) == 1
        assert len([s for s in seen if s.startswith("UPDATE task SET")
                    and "task.deadline =" in s]) == 1
        db.session.expire_all()
        assert [db.session.get(Task, i).effective_deadline for i in ids] == [
            D(2026, 5, 4), D(2026, 5, 4), D(2026, 5, 6), D(2026, 5, 7)]
        assert db.session.scalar(sa.select(task_unit.c.deadline).where(
            task_unit.c.task_id == ids[1])) == D(2026, 5, 4)


def test_deadlines_follow_an_upgrade_of_the_holiday_calendar(app):
    """The stored effective deadlines follow the holidays package the app reads: the nightly
    ``follow_calendar`` job derives again the deadlines near the days an upgrade changed.
    Here the record is one a package that did not know National Day 2026 left, with the
    deadline on it stored as due that day: the row's badge (the stored date) called the task
    overdue on 03/09 while the list, read with the calendar, called it on time."""
    from cddh.jobs import run_job
    from cddh.models import Setting, task_unit
    from cddh.services import calendar

    sept_3 = D(2026, 9, 3)
    with app.test_request_context():
        lead = make_unit("SNV")
        task = make_task(lead, state=S.in_progress, deadline=D(2026, 9, 2),
                         assigned_at=_local(D(2026, 8, 3)))
        db.session.commit()
        task_id = task.id
        assert task.effective_deadline == sept_3
        first = run_job("follow_calendar", today=D(2026, 9, 1))
        assert (first.status, first.counts["every_deadline"], first.counts["deadlines_moved"]) == (
            "ok", True, 0)
        row = db.session.get(Setting, calendar.PACKAGE_CALENDAR)
        assert "2026-09-02" in row.value["v"]["2026"]
        older = {**row.value["v"], "2026": [d for d in row.value["v"]["2026"] if d != "2026-09-02"]}
        row.value = {"v": older}
        db.session.execute(sa.update(Task).values(effective_deadline=D(2026, 9, 2)))
        db.session.execute(sa.update(task_unit).values(deadline=D(2026, 9, 2)))
        db.session.commit()

        def stored_class():
            db.session.expire_all()
            task = db.session.get(Task, task_id)
            return statistics.classify(task.state, task.effective_deadline, None, sept_3)

        def listed(measure):
            return task_id in db.session.scalars(sa.select(Task.id).where(
                statistics.measure_clause(measure, None, sept_3, sept_3))).all()

        assert (stored_class(), listed("open_on_time")) == ("open_overdue", True)  # disagree
        run = run_job("follow_calendar", today=D(2026, 9, 1))
        assert (run.counts["every_deadline"], run.counts["days_changed"],
                run.counts["deadlines_moved"]) == (False, 1, 1)
        assert (stored_class(), listed("open_on_time"), listed("open_overdue")) == (
            "open_on_time", True, False)
        assert db.session.scalar(sa.select(task_unit.c.deadline).where(
            task_unit.c.task_id == task_id)) == sept_3
        again = run_job("follow_calendar", today=D(2026, 9, 1))
        assert (again.counts["days_changed"], again.counts["deadlines_moved"]) == (0, 0)


# --- Đ8.2a: returns after receipt, cooperating units' requests --------------------------------

def _return_world():
    office = make_unit("VP", UnitCategory.office)
    lead, coop, other, spare = make_unit("SNV"), make_unit("STC"), make_unit("SXD"), make_unit("SYT")
    w = SimpleNamespace(
        specialist=make_user(Role.office_specialist, office),
        lead_head=make_user(Role.unit_leader, lead),
        coop_staff=make_user(Role.unit_staff, coop),
        other_staff=make_user(Role.unit_staff, other),
        lead=lead, coop=coop, other=other, spare=spare)
    return w


def test_a_received_task_may_be_returned_within_n_working_days_across_tet(app, monkeypatch):
    with app.test_request_context():
        w = _return_world()
        # Received on Friday 13/02/2026, the last working day before Tết: the 5 working days
        # are 23, 24, 25, 26 and 27/02.
        received = _local(D(2026, 2, 13), 10)

        def received_task():
            task = make_task(w.lead, state=S.in_progress, deadline=D(2026, 6, 30),
                             assigned_at=_local(D(2026, 2, 12)), received_at=received)
            db.session.commit()
            return task

        inside = received_task()
        assert workflow.return_deadline(inside) == D(2026, 2, 27)
        _today(monkeypatch, D(2026, 2, 27))
        assert "return" in workflow.allowed_actions(w.lead_head, inside)
        workflow.return_task(w.lead_head, inside, "outside_remit", "Không thuộc chức năng của Sở")
        db.session.commit()
        assert inside.state == S.returned
        entry = db.session.scalars(sa.select(TaskHistory).where(
            TaskHistory.task_id == inside.id, TaskHistory.action == "return")).one()
        assert (entry.from_state, entry.data["received_on"]) == ("in_progress", "2026-02-13")

        outside = received_task()
        _today(monkeypatch, D(2026, 3, 2))
        assert "return" not in workflow.allowed_actions(w.lead_head, outside)
        version = outside.version
        with pytest.raises(Conflict) as err:
            workflow.return_task(w.lead_head, outside, "outside_remit", "Quá hạn trả lại")
        db.session.rollback()
        assert err.value.code == "return_window_closed"
        assert "13/02/2026" in err.value.message and "27/02/2026" in err.value.message
        assert "tiếp nhận" in err.value.message  # Vietnamese, the deployment's language
        db.session.refresh(outside)
        assert (outside.state, outside.version) == (S.in_progress, version)

        # Before receipt a task is returned whatever the day.
        assigned = make_task(w.lead, state=S.assigned, assigned_at=_local(D(2026, 1, 5)))
        db.session.commit()
        workflow.return_task(w.lead_head, assigned, "missing_task", "Thiếu nội dung giao")
        db.session.commit()

        # Both returns are counted for the lead unit, one of them after receipt (the history
        # is written at the real time, so the window is wide).
        window = statistics.duty_counts(D(2000, 1, 1), D(2100, 1, 1), today=D(2100, 1, 2))
        assert (window[w.lead.id]["returns"], window[w.lead.id]["returns_after_receipt"]) == (2, 1)


def test_a_cooperating_unit_asks_to_be_removed_or_replaced(app, monkeypatch):
    with app.test_request_context():
        w = _return_world()
        task = make_task(w.lead, state=S.in_progress, cooperating=[w.coop, w.other],
                         specialist_id=w.specialist.id, assigned_at=_local(D(2026, 4, 1)))
        db.session.commit()
        # Only a cooperating unit asks; the lead unit and the Office do not.
        assert "request_cooperation_change" in workflow.allowed_actions(w.coop_staff, task)
        with pytest.raises(NotAllowed):
            workflow.request_cooperation_change(w.lead_head, task, kind="remove", reason="x")
        with pytest.raises(DomainError):
            workflow.request_cooperation_change(w.coop_staff, task, kind="remove", reason=" ")
        with pytest.raises(DomainError):  # replace needs a unit not yet on the task
            workflow.request_cooperation_change(w.other_staff, task, kind="replace",
                                                reason="Thuộc lĩnh vực y tế",
                                                proposed_unit_id=w.lead.id)
        db.session.rollback()

        removal = workflow.request_cooperation_change(
            w.coop_staff, task, kind="remove", reason="Không liên quan đến tài chính")
        replacement = workflow.request_cooperation_change(
            w.other_staff, task, kind="replace", reason="Thuộc lĩnh vực y tế",
            proposed_unit_id=w.spare.id)
        db.session.commit()
        with pytest.raises(Conflict):  # one waiting request per unit
            workflow.request_cooperation_change(w.coop_staff, task, kind="remove", reason="Lần 2")
        db.session.rollback()
        assert "decide_cooperation_change" in workflow.allowed_actions(w.specialist, task)

        workflow.decide_cooperation_change(w.specialist, removal, accepted=True)
        db.session.commit()
        with pytest.raises(DomainError):  # a rejection states its reason
            workflow.decide_cooperation_change(w.specialist, replacement, accepted=False)
        db.session.rollback()
        db.session.refresh(task)
        workflow.decide_cooperation_change(w.specialist, replacement, accepted=True)
        db.session.commit()
        db.session.refresh(task)
        assert sorted(u.id for u in task.cooperating_units) == [w.spare.id]
        assert removal.status == ExtensionStatus.approved
        # Removed: the unit no longer sees the task through any door.
        visible = db.session.scalars(sa.select(Task.id).where(policy.task_scope(w.coop_staff)))
        assert task.id not in list(visible)
        actions = [h.action for h in db.session.scalars(
            sa.select(TaskHistory).where(TaskHistory.task_id == task.id).order_by(TaskHistory.id))]
        assert actions.count("request_cooperation_change") == 2
        assert actions.count("decide_cooperation_change") == 2

        # A rejected request changes nothing but is recorded and counted.
        task2 = make_task(w.lead, state=S.assigned, cooperating=[w.coop])
        db.session.commit()
        item = workflow.request_cooperation_change(w.coop_staff, task2, kind="remove",
                                                   reason="Đã có đơn vị khác làm")
        workflow.decide_cooperation_change(w.specialist, item, accepted=False,
                                           reason="Cần số liệu tài chính")
        db.session.commit()
        assert [u.id for u in task2.cooperating_units] == [w.coop.id]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CooperationRequest)
                                 .where(CooperationRequest.status == ExtensionStatus.refused)) == 1
        counts = statistics.duty_counts(D(2000, 1, 1), D(2100, 1, 1), today=D(2100, 1, 2))
        assert (counts[w.coop.id]["cooperation_requests"],
                counts[w.coop.id]["cooperation_changes_accepted"]) == (2, 1)
        assert (counts[w.other.id]["cooperation_requests"],
                counts[w.other.id]["cooperation_changes_accepted"]) == (1, 1)


# --- Đ15.5, Đ16.4: any district files feedback -------------------------------------------------

def test_any_district_files_feedback_on_a_department_not_only_one_named_on_a_task(
        app, monkeypatch, browser):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        snv = make_unit("SNV", name="Sở Nội vụ")
        named = make_unit("HBT", UnitCategory.district, "UBND huyện Ba Tri")
        district = make_unit("HGC", UnitCategory.district, "UBND huyện Giồng Trôm")
        neighbour = make_unit("HCL", UnitCategory.district, "UBND huyện Chợ Lách")
        specialist = make_user(Role.office_specialist, office)
        gt_staff = make_user(Role.unit_staff, district)
        cl_staff = make_user(Role.unit_staff, neighbour)
        snv_staff = make_user(Role.unit_staff, snv)
        task = make_task(snv, state=S.in_progress, cooperating=[named],
                         content="Sắp xếp đơn vị hành chính cấp xã")
        db.session.commit()
        # Giồng Trôm is not named on the task: it cannot see it, so not file on it there...
        assert not policy.may_file_feedback(gt_staff, task)
        # ...but it files feedback on the department's handling of the matter in its area.
        _today(monkeypatch, D(2026, 4, 28))
        item = feedback_service.file_area_feedback(
            gt_staff, about_unit_id=snv.id, matter="Đề án sắp xếp xã Bình Thành",
            content="Sở Nội vụ chưa thẩm định hồ sơ của huyện.")
        db.session.commit()
        # 7 working days from Tuesday 28/04 over 30/04–01/05 and the weekends: 11/05/2026.
        assert item.answer_due_on == D(2026, 5, 11)
        assert item.task_id is None
        # The filer sees its own feedback; another district and the department do not.
        assert db.session.scalars(sa.select(Feedback.id).where(
            policy.row_scope(gt_staff, Feedback))).all() == [item.id]
        assert db.session.scalars(sa.select(Feedback.id).where(
            policy.row_scope(cl_staff, Feedback))).all() == []
        assert db.session.scalars(sa.select(Feedback.id).where(
            policy.row_scope(snv_staff, Feedback))).all() == []
        # A department may not file, and the feedback is about a department.
        with pytest.raises(NotAllowed):
            feedback_service.file_area_feedback(snv_staff, about_unit_id=snv.id, matter="x",
                                                content="y")
        with pytest.raises(DomainError):
            feedback_service.file_area_feedback(gt_staff, about_unit_id=neighbour.id,
                                                matter="x", content="y")
        with pytest.raises(DomainError):
            feedback_service.file_area_feedback(gt_staff, about_unit_id=snv.id, matter=" ",
                                                content="y")
        db.session.rollback()
        # The Office answers it like any feedback; the district is told.
        feedback_service.answer_feedback(specialist, item, kind="urging_document",
                                         answer="Đã đôn đốc Sở Nội vụ", document_number="12/VP-KT")
        db.session.commit()
        ids = SimpleNamespace(snv=snv.id, gt=gt_staff, item=item.id)
    # Through the screen (POST with CSRF), the form is on the feedback list.
    page = browser(ids.gt)
    assert 'id="area-feedback-form"' in page.get("/feedback/").get_data(as_text=True)
    resp = page.post("/feedback/file-area/", {"about_unit_id": ids.snv,
                                              "matter": "Cấp phép xây dựng chợ Giồng Trôm",
                                              "content": "Sở chậm trả lời hồ sơ."})
    assert resp.status_code == 302
    listing = page.get("/feedback/").get_data(as_text=True)
    assert "Cấp phép xây dựng chợ Giồng Trôm" in listing
    assert "Sở chậm trả lời hồ sơ." in listing
    refused = page.post("/feedback/file-area/", {"about_unit_id": ids.snv, "matter": "",
                                                 "content": "x"})
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 2


# --- Đ5, Đ8.1b: a task without deadline -------------------------------------------------------

def test_a_task_without_deadline_counts_done_and_its_missed_updates_count(app):
    with app.test_request_context():
        lead, coop = make_unit("SNV"), make_unit("STC")
        staff = make_user(Role.unit_staff, lead)
        coop_staff = make_user(Role.unit_staff, coop)
        assigned = _local(D(2025, 12, 1))
        open_task = make_task(lead, state=S.in_progress, deadline=None, has_deadline=False,
                              update_frequency=UpdateFrequency.monthly, assigned_at=assigned,
                              cooperating=[coop])
        done_task = make_task(lead, state=S.completed, deadline=None, has_deadline=False,
                              update_frequency=UpdateFrequency.monthly, assigned_at=assigned,
                              completed_on=D(2026, 2, 10))
        # The lead unit updates on Monday 23/02/2026: the window 15/01–14/02 ends on a
        # Saturday before Tết, so its update is due on 23/02 (Điều 148) and this one counts.
        db.session.add(ProgressUpdate(task=open_task, unit_id=lead.id, author_id=staff.id,
                                      content="Đã triển khai", created_at=_local(D(2026, 2, 23))))
        # A cooperating unit's contribution is not the lead unit's update.
        db.session.add(ProgressUpdate(task=open_task, unit_id=coop.id, author_id=coop_staff.id,
                                      content="Góp ý", is_contribution=True,
                                      created_at=_local(D(2026, 1, 10))))
        db.session.commit()

        windows = statistics.update_windows(D(2025, 12, 15), D(2026, 3, 14), 1, D(2026, 3, 20))
        # November's window ends on Sunday 14/12/2025: due Monday 15/12, inside Q1 2026.
        assert windows == [(D(2025, 11, 15), D(2025, 12, 14), D(2025, 12, 15)),
                           (D(2025, 12, 15), D(2026, 1, 14), D(2026, 1, 14)),
                           (D(2026, 1, 15), D(2026, 2, 14), D(2026, 2, 23))]
        # Q1 2026 (15/12/2025–14/03/2026): November's window began before the tasks were
        # assigned; the open task missed January's window (a contribution is not an update);
        # the done one missed January's too (completed 10/02, before February's was due).
        missed = statistics.missed_updates_by_unit(D(2025, 12, 15), D(2026, 3, 14),
                                                   today=D(2026, 3, 20))
        assert missed == {lead.id: 2}
        # The window 15/02–14/03 (due Monday 16/03) belongs to the next period.
        missed_next = statistics.missed_updates_by_unit(D(2026, 3, 15), D(2026, 4, 14),
                                                        today=D(2026, 4, 20))
        assert missed_next == {lead.id: 1}  # the open task; the done one is done
        assert statistics.missed_updates_by_unit(D(2026, 3, 15), D(2026, 4, 14),
                                                 today=D(2026, 3, 16)) == {}  # not late yet
        # The done task without deadline is completed in the completion rate.
        row = statistics.unit_statistics(D(2025, 12, 15), D(2026, 3, 14), [lead.id],
                                         today=D(2026, 3, 20))[0]
        assert (row["no_deadline"], row["no_deadline_done"]) == (2, 1)
        assert statistics.completion_rate(row) == 50.0
        assert timeliness(done_task, D(2026, 3, 20)).value == "no_deadline"
        # The period report carries the count per unit.
        from cddh.services import reports

        data = reports.compute_figures(D(2025, 12, 15), D(2026, 3, 14))
        assert {r["unit_id"]: r["missed_updates"] for r in data["rows"]}[lead.id] == 2
        assert data["total"]["missed_updates"] == 2


def test_the_task_page_carries_the_cooperating_unit_s_request_and_the_office_s_decision(
        app, browser):
    with app.test_request_context():
        w = _return_world()
        task = make_task(w.lead, state=S.in_progress, cooperating=[w.coop],
                         specialist_id=w.specialist.id)
        db.session.commit()
        ids = SimpleNamespace(task=task.id, coop=w.coop_staff, specialist=w.specialist,
                              other=w.other.id, coop_id=w.coop.id)

    def version():
        with app.app_context():
            return db.session.get(Task, ids.task).version

    coop = browser(ids.coop)
    page = coop.get(f"/tasks/details/?id={ids.task}").get_data(as_text=True)
    assert 'data-action="request_cooperation_change"' in page
    coop.post("/tasks/act/", {"id": ids.task, "version": version(),
                              "action": "request_cooperation_change", "kind": "replace",
                              "proposed_unit_id": ids.other, "reason": "Thuộc lĩnh vực xây dựng"})
    office = browser(ids.specialist)
    page = office.get(f"/tasks/details/?id={ids.task}").get_data(as_text=True)
    assert 'data-action="decide_cooperation_change"' in page and "Thuộc lĩnh vực xây dựng" in page
    with app.app_context():
        request_id = db.session.scalar(sa.select(CooperationRequest.id))
    # No answer chosen: refused with a message, nothing changes.
    office.post("/tasks/act/", {"id": ids.task, "version": version(),
                                "action": "decide_cooperation_change", "request_id": request_id})
    with app.app_context():
        assert db.session.get(CooperationRequest, request_id).status == ExtensionStatus.pending
    office.post("/tasks/act/", {"id": ids.task, "version": version(),
                                "action": "decide_cooperation_change", "request_id": request_id,
                                "accepted": "yes"})
    with app.app_context():
        task = db.session.get(Task, ids.task)
        assert [u.id for u in task.cooperating_units] == [ids.other]
    # The unit that left no longer opens the task.
    assert coop.get(f"/tasks/details/?id={ids.task}").status_code in (302, 404)
