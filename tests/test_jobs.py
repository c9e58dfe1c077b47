"""The duties with clocks, run as jobs for an injected day: on working days, over weekends,
across Tết 2026 (16–20/02 off) and the 2026 New Year swap (02/01 off, Saturday 10/01 worked).
Every job, run a second time on the same day, changes nothing."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from cddh.jobs import run_job
from cddh.models import (
    NoticeMark,
    Notification,
    Role,
    Task,
    TaskHistory,
    TaskState,
    UnitCategory,
    UpdateFrequency,
    User,
    db,
)
from cddh.services import tokens, workflow
from cddh.services.calendar import entry_due_on, seed_overrides

from .conftest import make_document, make_task, make_unit, make_user, overdue_entries

D = dt.date
S = TaskState
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment of a local day, as the UTC timestamp the database keeps."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN).astimezone(dt.UTC)


@pytest.fixture
def w(ctx):
    """An Office with a specialist and a leader, a lead department (staff and leader), a
    cooperating department and an unrelated one, with the 2026 calendar swaps seeded."""
    seed_overrides()
    office = make_unit("VP", UnitCategory.office)
    lead, coop, other = make_unit("SNV"), make_unit("STC"), make_unit("SXD")
    world = SimpleNamespace(
        lead=lead, coop=coop, other=other,
        specialist=make_user(Role.office_specialist, office),
        leader=make_user(Role.leader, office),
        staff=make_user(Role.unit_staff, lead),
        head=make_user(Role.unit_leader, lead),
        coop_staff=make_user(Role.unit_staff, coop),
        other_staff=make_user(Role.unit_staff, other),
    )
    db.session.commit()
    return world


def task(w, deadline, state=S.in_progress, **kw) -> Task:
    kw.setdefault("assigned_at", at(D(2026, 1, 5)))
    return make_task(w.lead, state=state, deadline=deadline, cooperating=[w.coop],
                     specialist_id=w.specialist.id, **kw)


def run(name: str, today: dt.date) -> dict:
    db.session.commit()
    outcome = run_job(name, today=today)
    db.session.expire_all()
    assert outcome.status == "ok", outcome.error
    return outcome.counts


def notices(kind_prefix: str = "") -> list[tuple[str, int | None, str]]:
    """(username, task id, kind) of every notification whose kind starts so, sorted."""
    rows = db.session.execute(
        sa.select(Notification.user_id, Notification.task_id, Notification.kind)
        .where(Notification.kind.startswith(kind_prefix))).all()
    from cddh.models import User

    names = dict(db.session.execute(sa.select(User.id, User.username)).all())
    return sorted((names[u], t, k) for u, t, k in rows)


def marks() -> list[tuple[str, int]]:
    """The reminders remembered (mark, task or document id), sorted."""
    return sorted(tuple(r) for r in db.session.execute(
        sa.select(NoticeMark.mark, NoticeMark.subject_id)).all())


def snapshot():
    """Everything a job may change."""
    db.session.expire_all()
    return (
        db.session.execute(sa.select(Task.id, Task.overdue_since, Task.late_update)
                           .order_by(Task.id)).all(),
        db.session.execute(sa.select(TaskHistory.task_id, TaskHistory.action)
                           .order_by(TaskHistory.id)).all(),
        db.session.execute(sa.select(Notification.user_id, Notification.task_id, Notification.kind)
                           .order_by(Notification.id)).all(),
        marks(),
    )


def assert_idempotent(name: str, today: dt.date) -> None:
    before = snapshot()
    run(name, today)
    assert snapshot() == before, f"{name} changed something on its second run"


# --- mark overdue ----------------------------------------------------------------------------

def test_mark_overdue_marks_open_tasks_once_and_tells_who_holds_them(w):
    late = task(w, D(2026, 3, 6))
    waiting = task(w, D(2026, 3, 6), state=S.pending_verification)
    on_time = task(w, D(2026, 3, 20))
    draft = task(w, D(2026, 3, 2), state=S.draft)
    done = task(w, D(2026, 3, 2), state=S.completed, completed_on=D(2026, 3, 5))
    counts = run("mark_overdue", D(2026, 3, 9))
    assert counts["became_overdue"] == 2
    assert db.session.get(Task, late.id).overdue_since == D(2026, 3, 7)  # the day after
    assert db.session.get(Task, waiting.id).overdue_since == D(2026, 3, 7)
    for t in (on_time, draft, done):
        assert db.session.get(Task, t.id).overdue_since is None
    # One timeline entry each: the mark's while it lasts, not yet a row of the history.
    assert overdue_entries() == sorted([late.id, waiting.id])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskHistory)) == 0
    # The unit is told of the task it holds; the specialist of the one the Office holds.
    assert {(n, t) for n, t, _k in notices("overdue")} == {
        (w.staff.username, late.id), (w.head.username, late.id), (w.specialist.username, waiting.id)}
    assert_idempotent("mark_overdue", D(2026, 3, 9))
    assert run("mark_overdue", D(2026, 3, 10))["became_overdue"] == 0


def test_a_task_is_overdue_from_the_day_after_its_deadline_weekend_or_not(w):
    t = task(w, D(2026, 3, 6))  # Friday
    assert run("mark_overdue", D(2026, 3, 6))["became_overdue"] == 0
    assert run("mark_overdue", D(2026, 3, 7))["became_overdue"] == 1  # Saturday
    assert db.session.get(Task, t.id).overdue_since == D(2026, 3, 7)


def test_an_extended_task_is_no_longer_overdue_nor_late(w):
    t = task(w, D(2026, 3, 2))
    run("mark_overdue", D(2026, 3, 9))
    run("late_updates", D(2026, 3, 9))
    assert db.session.get(Task, t.id).late_update is True
    db.session.get(Task, t.id).deadline = D(2026, 4, 30)  # an approved extension
    counts = run("mark_overdue", D(2026, 3, 10))
    assert counts["no_longer_overdue"] == 1
    assert run("late_updates", D(2026, 3, 10))["cleared"] == 1
    row = db.session.get(Task, t.id)
    assert (row.overdue_since, row.late_update) == (None, False)
    assert_idempotent("mark_overdue", D(2026, 3, 10))


def _overdue_moments(task_id: int) -> list[dt.datetime]:
    return [e.at for e in workflow.timeline(db.session.get(Task, task_id)) if e.action == "overdue"]


def test_the_task_page_and_the_api_show_an_open_spell_once(app, browser):
    with app.app_context():
        seed_overrides()
        lead = make_unit("SNV")
        staff = make_user(Role.unit_staff, lead)
        t = make_task(lead, state=S.in_progress, deadline=D(2026, 3, 2))
        token = tokens.issue_token(staff, "test")[1]
        db.session.commit()
        task_id = t.id
        assert run_job("mark_overdue", today=D(2026, 3, 9)).status == "ok"
    page = browser(staff).get(f"/tasks/details/?id={task_id}").get_data(as_text=True)
    assert page.count("Chuyển sang quá hạn") == 1
    body = app.test_client().get(f"/api/v1/tasks/{task_id}",
                                 headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [h["action"] for h in body["history"]] == ["overdue"]


def test_an_overdue_spell_stays_on_the_timeline_once_after_an_approved_extension(w):
    t = task(w, D(2026, 3, 2))
    run("mark_overdue", D(2026, 3, 9))
    [began] = _overdue_moments(t.id)  # the mark's entry: nothing written yet
    assert db.session.get(Task, t.id).overdue_mark.marked_at == began
    request = workflow.request_extension(db.session.get(User, w.staff.id), db.session.get(Task, t.id),
                                         proposed_deadline=D(2026, 4, 30), reason="Chờ số liệu")
    db.session.commit()
    workflow.decide_extension(db.session.get(User, w.specialist.id), request, approved=True)
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Task, t.id)
    assert (row.overdue_since, row.deadline) == (None, D(2026, 4, 30))
    # The spell ended: its entry is a row of the history now, at the same moment, before
    # the request and the decision.
    assert _overdue_moments(t.id) == [began]
    assert [e.action for e in workflow.timeline(row)] == [
        "overdue", "request_extension", "decide_extension"]
    stored = db.session.scalars(sa.select(TaskHistory.at).where(
        TaskHistory.task_id == t.id, TaskHistory.action == "overdue")).all()
    assert stored == [began]
    run("mark_overdue", D(2026, 3, 10))
    assert _overdue_moments(t.id) == [began]


def test_a_spell_whose_entry_an_earlier_version_wrote_is_not_shown_or_written_twice(w):
    t = task(w, D(2026, 3, 2))
    run("mark_overdue", D(2026, 3, 9))
    began = db.session.get(Task, t.id).overdue_mark.marked_at
    # Versions before this one wrote the entry when the spell began.
    db.session.add(TaskHistory(task_id=t.id, at=began, action="overdue", reason="", data={}))
    db.session.commit()
    assert _overdue_moments(t.id) == [began]
    db.session.get(Task, t.id).state = S.cancelled
    assert run("mark_overdue", D(2026, 3, 10))["no_longer_overdue"] == 1
    assert db.session.get(Task, t.id).overdue_mark is None
    assert _overdue_moments(t.id) == [began]


# --- Đ8.1a: late update ----------------------------------------------------------------------

@pytest.mark.parametrize("deadline, last_day_to_update", [
    (D(2026, 3, 3), D(2026, 3, 5)),    # Tue: overdue Wed, one working day: update by Thu
    (D(2026, 3, 5), D(2026, 3, 9)),    # Thu: overdue Fri, the weekend does not count: Mon
    (D(2026, 2, 13), D(2026, 2, 23)),  # Fri before Tết: overdue Sat, 16–20/02 off: Mon 23/02
], ids=["weekdays", "weekend", "tet"])
def test_late_update_flag_after_one_working_day(w, deadline, last_day_to_update):
    silent = task(w, deadline)
    updated = task(w, deadline, last_update_at=at(deadline + dt.timedelta(days=1), 8))
    for day in (deadline + dt.timedelta(days=1), last_day_to_update):
        run("mark_overdue", day)
        assert run("late_updates", day)["flagged"] == 0, day
    run("mark_overdue", last_day_to_update + dt.timedelta(days=1))
    counts = run("late_updates", last_day_to_update + dt.timedelta(days=1))
    assert counts["flagged"] == 1
    assert db.session.get(Task, silent.id).late_update is True
    assert db.session.get(Task, updated.id).late_update is False
    assert {(n, t) for n, t, _k in notices("late_update")} == {
        (w.staff.username, silent.id), (w.head.username, silent.id)}
    assert_idempotent("late_updates", last_day_to_update + dt.timedelta(days=1))


def test_an_officers_late_updates_are_the_flags_on_their_tasks_timelines(w):
    """Đ20.2: an officer's "missed or late updates" are the unit's measure (the ranking's):
    the tasks flagged on the night, however the night's notices were grouped (two flags on
    one night are one notice per person that names no task)."""
    from cddh.services import ranking
    from cddh.services.individual import officer_figures

    other = make_user(Role.unit_staff, w.lead)
    mine = [task(w, D(2026, 3, 3)) for _ in range(2)]
    theirs = task(w, D(2026, 3, 3), last_update_at=at(D(2026, 3, 4)))  # updated in time
    for t in mine:
        t.officers = [w.staff]
    theirs.officers = [other]
    # A sub-task delegated to a child unit, flagged too: never counted (its parent counts).
    child = make_unit()
    child_staff = make_user(Role.unit_staff, child)
    sub = make_task(child, state=S.in_progress, deadline=D(2026, 3, 3), parent_task=mine[0],
                    assigned_at=at(D(2026, 1, 5)), specialist_id=w.specialist.id)
    sub.officers = [child_staff]
    run("mark_overdue", D(2026, 3, 6))
    assert run("late_updates", D(2026, 3, 6))["flagged"] == 3
    # The lead unit's people get one notice each for its two tasks: it names no task.
    assert {t for n, t, _k in notices("late_update")
            if n in (w.staff.username, w.head.username)} == {None}
    # The flags are timeline entries stamped when the job ran (the real clock).
    from cddh.services.clock import local_today

    end = local_today()
    start = end - dt.timedelta(days=30)
    figures = officer_figures([w.staff.id, other.id, child_staff.id], start, end, today=end)
    assert [figures[u.id]["missed_updates"] for u in (w.staff, other, child_staff)] == [2, 0, 0]
    assert ranking.late_updates_by_unit(start, end) == {w.lead.id: 2}


def test_the_lead_units_update_lifts_the_late_update_flag_a_contribution_does_not(w):
    """The flag (a narrow mark of its own, not a column of the task) goes with the lead
    unit's progress update; a cooperating unit's contribution leaves it. The next night
    flags the task again only if it is late again: never twice for one lateness."""
    from cddh.models import NoticeMark
    from cddh.services import workflow as wf

    t, other = task(w, D(2026, 3, 3)), task(w, D(2026, 3, 3))
    run("mark_overdue", D(2026, 3, 6))
    assert run("late_updates", D(2026, 3, 6))["flagged"] == 2
    assert marks() == sorted([("late_update", t.id), ("late_update", other.id)])
    wf.post_progress(w.coop_staff, db.session.get(Task, t.id), "Phối hợp: đã gửi số liệu")
    run("late_updates", D(2026, 3, 9))
    assert db.session.get(Task, t.id).late_update is True
    wf.post_progress(w.staff, db.session.get(Task, t.id), "Đã tổ chức họp triển khai", 40)
    db.session.commit()
    assert db.session.get(Task, t.id).late_update is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeMark)
                             .where(NoticeMark.subject_id == t.id)) == 0
    # Updated after it became overdue: not late again; the other stays flagged, once.
    assert run("late_updates", D(2026, 3, 10))["flagged"] == 0
    assert db.session.execute(sa.select(Task.id).where(Task.late_update)).scalars().all() == [
        other.id]
    assert [a for a in db.session.scalars(sa.select(TaskHistory.action)
                                          .where(TaskHistory.task_id == other.id))] == [
        "late_update"]


def test_an_update_before_the_deadline_does_not_count_as_the_overdue_update(w):
    t = task(w, D(2026, 3, 3), last_update_at=at(D(2026, 3, 3), 23, 30))  # on the deadline day
    run("mark_overdue", D(2026, 3, 6))
    run("late_updates", D(2026, 3, 6))
    assert db.session.get(Task, t.id).late_update is True


# --- Đ8.1b: tasks without deadline -----------------------------------------------------------

def test_monthly_update_due_across_tet(w):
    """The month 15/01–14/02/2026 ends on a Saturday before Tết: the update may come until
    Monday 23/02, the first working day after; the task is flagged on 24/02."""
    silent = task(w, None, assigned_at=at(D(2026, 1, 5)))
    updated_in_tet = task(w, None, assigned_at=at(D(2026, 1, 5)),
                          last_update_at=at(D(2026, 2, 20)))
    assigned_in_period = task(w, None, assigned_at=at(D(2026, 1, 20)))
    # 00:30 on 15/01 in Bến Tre is still 14/01 in UTC: the local date is what counts.
    just_in = task(w, None, assigned_at=at(D(2026, 1, 5)), last_update_at=at(D(2026, 1, 15), 0, 30))
    assert run("periodic_updates", D(2026, 2, 23))["flagged"] == 0
    assert run("periodic_updates", D(2026, 2, 24))["flagged"] == 1
    flags = {t.id: db.session.get(Task, t.id).late_update
             for t in (silent, updated_in_tet, assigned_in_period, just_in)}
    assert flags == {silent.id: True, updated_in_tet.id: False, assigned_in_period.id: False,
                     just_in.id: False}
    assert {t for _n, t, _k in notices("update_due")} == {silent.id}
    assert_idempotent("periodic_updates", D(2026, 2, 24))


def test_quarterly_update_due_after_the_quarter_window(w):
    """Q1 runs 15/12/2025–14/03/2026; 14/03 is a Saturday, so the update is late from 17/03."""
    silent = task(w, None, update_frequency=UpdateFrequency.quarterly,
                  assigned_at=at(D(2025, 12, 1)))
    updated = task(w, None, update_frequency=UpdateFrequency.quarterly,
                   assigned_at=at(D(2025, 12, 1)), last_update_at=at(D(2025, 12, 20)))
    assert run("periodic_updates", D(2026, 3, 16))["flagged"] == 0
    assert run("periodic_updates", D(2026, 3, 17))["flagged"] == 1
    assert db.session.get(Task, silent.id).late_update is True
    assert db.session.get(Task, updated.id).late_update is False


def test_a_closed_task_loses_its_periodic_flag(w):
    t = task(w, None, state=S.completed, late_update=True)
    assert run("periodic_updates", D(2026, 3, 17))["cleared"] == 1
    assert db.session.get(Task, t.id).late_update is False


# --- Đ11.1b: due soon ------------------------------------------------------------------------

@pytest.mark.parametrize("today, last_in_window, first_outside", [
    (D(2026, 3, 4), D(2026, 3, 9), D(2026, 3, 10)),    # Wed: Thu, Fri, Mon
    (D(2026, 3, 7), D(2026, 3, 11), D(2026, 3, 12)),   # Saturday: Mon, Tue, Wed
    (D(2026, 2, 13), D(2026, 2, 25), D(2026, 2, 26)),  # before Tết: 23, 24, 25/02
    (D(2026, 1, 7), D(2026, 1, 10), D(2026, 1, 12)),   # Thu 8, Fri 9, Saturday 10/01 worked
    (D(2025, 12, 31), D(2026, 1, 7), D(2026, 1, 8)),   # 01 and 02/01 off: 5, 6, 7/01
], ids=["weekdays", "weekend", "tet", "make-up-saturday", "new-year"])
def test_due_soon_reminder_n_working_days_ahead(w, today, last_in_window, first_outside):
    inside = task(w, last_in_window)
    outside = task(w, first_outside)
    task(w, today - dt.timedelta(days=1))  # already overdue: another job's business
    task(w, last_in_window, state=S.draft)
    counts = run("due_soon", today)
    assert counts["tasks"] == 1
    assert notices("due_soon") == sorted([
        (w.staff.username, inside.id, "due_soon"), (w.head.username, inside.id, "due_soon")])
    assert marks() == [(f"due_soon@{last_in_window.isoformat()}", inside.id)]
    assert outside.id not in {t for _n, t, _k in notices("due_soon")}
    assert_idempotent("due_soon", today)


@pytest.mark.parametrize("today", [D(2026, 4, 27), D(2026, 4, 29), D(2026, 2, 13),
                                   D(2026, 2, 16), D(2026, 1, 5)],
                         ids=["monday-after-gio-to", "eve-of-30-4", "tet-eve", "tet",
                              "monday-after-new-year"])
def test_the_due_soon_reminder_tells_the_tasks_the_due_soon_list_shows(w, today):
    """One rule (Đ11.1b, on the effective deadline, Điều 148): the night's reminder tells the
    lead unit of exactly the tasks the lists call due soon, on days whose window starts or
    ends beside days off (a deadline on the day off before today runs out today; one on a
    day off after the window's last working day runs out after it)."""
    from cddh.services.calendar import effective_deadline
    from cddh.services.overview import due_soon_clause, due_soon_limit

    tasks = [task(w, today + dt.timedelta(days=n)) for n in range(-9, 15)]
    task(w, today, state=S.pending_verification)  # with the Office: not the unit's to do
    db.session.commit()
    limit = due_soon_limit(today)
    rule = sorted(t.id for t in tasks if today <= effective_deadline(t.deadline) <= limit)
    listed = sorted(db.session.scalars(sa.select(Task.id).where(due_soon_clause(today))))
    assert rule and listed == rule
    assert run("due_soon", today)["tasks"] == len(rule)
    assert sorted(i for _m, i in marks()) == rule  # each task reminded, remembered once
    assert notices("due_soon")  # (grouped: one notice per unit for the night)


def test_due_soon_reminds_again_for_a_new_deadline(w):
    t = task(w, D(2026, 3, 9))
    run("due_soon", D(2026, 3, 4))
    run("due_soon", D(2026, 3, 5))
    assert len(notices("due_soon")) == 2  # staff and leader, once
    db.session.get(Task, t.id).deadline = D(2026, 3, 11)  # extended
    run("due_soon", D(2026, 3, 6))
    assert len(notices("due_soon")) == 4  # and again, once, for the new deadline
    assert marks() == [("due_soon@2026-03-09", t.id), ("due_soon@2026-03-11", t.id)]


# --- escalation ------------------------------------------------------------------------------

def test_escalation_to_the_unit_leader_then_the_leadership(w):
    t = task(w, D(2026, 3, 2))  # Monday
    assert run("escalate_overdue", D(2026, 3, 4)) == {
        "escalated_unit": 0, "escalated_office": 0, "notified": 0, "today": "2026-03-04"}
    assert run("escalate_overdue", D(2026, 3, 5))["escalated_unit"] == 1  # 3rd working day
    assert notices("escalated") == [(w.head.username, t.id, "escalated_unit")]
    assert marks() == [("escalated_unit@2026-03-02", t.id)]
    assert_idempotent("escalate_overdue", D(2026, 3, 7))
    assert run("escalate_overdue", D(2026, 3, 13))["escalated_office"] == 0
    assert run("escalate_overdue", D(2026, 3, 16))["escalated_office"] == 1  # 10th working day
    assert (w.leader.username, t.id, "escalated_office") in notices("escalated")
    assert ("escalated_office@2026-03-02", t.id) in marks()
    assert_idempotent("escalate_overdue", D(2026, 3, 16))


def test_escalation_counts_no_day_of_tet(w):
    t = task(w, D(2026, 2, 12))  # Thursday: Fri 13, then Tết, then Mon 23, Tue 24
    assert run("escalate_overdue", D(2026, 2, 23))["escalated_unit"] == 0
    assert run("escalate_overdue", D(2026, 2, 24))["escalated_unit"] == 1
    assert notices("escalated") == [(w.head.username, t.id, "escalated_unit")]
    assert marks() == [("escalated_unit@2026-02-12", t.id)]


def test_completed_or_returned_tasks_are_not_escalated(w):
    task(w, D(2026, 3, 2), state=S.pending_verification)
    task(w, D(2026, 3, 2), state=S.returned)
    assert run("escalate_overdue", D(2026, 3, 20)) == {
        "escalated_unit": 0, "escalated_office": 0, "notified": 0, "today": "2026-03-20"}


# --- Đ7.1a: late entries ---------------------------------------------------------------------

@pytest.mark.parametrize("issued, due", [
    (D(2026, 3, 4), D(2026, 3, 5)),
    (D(2026, 3, 6), D(2026, 3, 9)),     # Friday: due Monday
    (D(2026, 2, 13), D(2026, 2, 23)),   # before Tết
], ids=["weekdays", "weekend", "tet"])
def test_specialist_is_told_of_a_document_not_forwarded_in_a_working_day(w, issued, due):
    assert entry_due_on(issued) == due
    waiting = make_document(issued_on=issued, entry_due_on=due, specialist_id=w.specialist.id)
    make_task(w.lead, state=S.draft, document=waiting)
    make_document(issued_on=issued, entry_due_on=due, specialist_id=w.specialist.id,
                  forwarded_on=due + dt.timedelta(days=1))  # forwarded late: nothing to remind
    make_document(issued_on=issued, entry_due_on=due, tracked=False)
    assert run("late_entries", due)["notified"] == 0
    assert run("late_entries", due + dt.timedelta(days=1))["notified"] == 1
    [(name, task_id, kind)] = notices("late_entry")
    assert (name, kind) == (w.specialist.username, "late_entry")
    assert marks() == [("late_entry", waiting.id)]
    assert task_id == waiting.tasks[0].id
    message = db.session.scalar(sa.select(Notification.message))
    assert waiting.number in message and "Đ7.1a" in message
    assert_idempotent("late_entries", due + dt.timedelta(days=3))


def test_a_document_nobody_took_goes_to_every_active_specialist_grouped(w):
    """No specialist and nobody who entered it: every active Office specialist is told, one
    notice each for the night's documents, alongside the specialist told of their own."""
    office = db.session.get(User, w.specialist.id).unit
    second = make_user(Role.office_specialist, office)
    gone = make_user(Role.office_specialist, office)
    gone.active = False
    for _ in range(2):
        make_document(issued_on=D(2026, 3, 4), entry_due_on=D(2026, 3, 5))
    make_document(issued_on=D(2026, 3, 4), entry_due_on=D(2026, 3, 5), specialist_id=second.id)
    counts = run("late_entries", D(2026, 3, 6))
    assert (counts["documents"], counts["notified"]) == (3, 2)
    told = db.session.execute(sa.select(Notification.user_id, Notification.task_count)
                              .order_by(Notification.user_id)).all()
    assert told == sorted([(w.specialist.id, 2), (second.id, 3)])


def test_a_document_without_specialist_goes_to_whoever_entered_it(w):
    make_document(issued_on=D(2026, 3, 4), entry_due_on=D(2026, 3, 5), created_by_id=w.leader.id)
    run("late_entries", D(2026, 3, 6))
    assert [n for n, _t, _k in notices("late_entry")] == [w.leader.username]
