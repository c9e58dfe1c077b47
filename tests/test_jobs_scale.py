"""The night's jobs at scale (issue 13 §6): they walk the tasks in bounded batches (here a
batch of 4, over more tasks than that), never send a statement with a long parameter list,
and tell each person once per job and kind ("9 tasks became overdue", with a link to the
list) instead of once per task; the unread badge counts those notices."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event

from cddh.jobs import run_job
from cddh.models import (
    NoticeMark,
    Notification,
    Role,
    Task,
    TaskHistory,
    TaskState,
    UnitCategory,
    User,
    db,
)
from cddh.services import duties
from cddh.services.notifications import unread_count
from cddh.services.workflow import timeline

from .conftest import (
    make_document,
    make_task,
    make_unit,
    make_user,
    overdue_entries,
    recorded_statements,
)

D = dt.date
S = TaskState
TODAY = D(2026, 3, 20)


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(duties, "BATCH", 4)
    monkeypatch.setattr(duties, "NOTICE_ROWS", 3)
    monkeypatch.setattr(duties, "STALE_AFTER", 4)  # PostgreSQL: ANALYZE inside the job too


@pytest.fixture
def w(ctx):
    office = make_unit("VP", UnitCategory.office)
    lead, other = make_unit("SNV"), make_unit("STC")
    world = {
        "lead": lead, "other": other,
        "specialist": make_user(Role.office_specialist, office),
        "leader": make_user(Role.leader, office),
        "staff": make_user(Role.unit_staff, lead),
        "head": make_user(Role.unit_leader, lead),
        "other_staff": make_user(Role.unit_staff, other),
        "other_head": make_user(Role.unit_leader, other),
    }
    db.session.commit()
    return world


@pytest.fixture
def statements(app):
    """The parameters of every statement sent while the test runs."""
    sizes = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if executemany:
            sizes.extend(len(p) for p in parameters)
        else:
            sizes.append(len(parameters or ()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    yield sizes
    event.remove(engine, "before_cursor_execute", count)


def run(name: str, today: dt.date = TODAY) -> dict:
    db.session.commit()
    outcome = run_job(name, today=today)
    db.session.expire_all()
    assert outcome.status == "ok", outcome.error
    return outcome.counts


def notices(user) -> list[tuple[str, int | None, int | None, str]]:
    return sorted(db.session.execute(
        sa.select(Notification.kind, Notification.task_id, Notification.task_count,
                  Notification.message).where(Notification.user_id == user.id)).all())


def test_mark_overdue_over_many_batches_marks_every_task_once(w, small_batches, statements):
    late = [make_task(w["lead"], state=S.in_progress, deadline=D(2026, 3, 1) + dt.timedelta(i))
            for i in range(9)]
    waiting = [make_task(w["other"], state=S.pending_verification, deadline=D(2026, 3, 2),
                         specialist_id=w["specialist"].id) for _ in range(5)]
    one = make_task(w["other"], state=S.assigned, deadline=D(2026, 3, 3))
    on_time = [make_task(w["lead"], deadline=D(2026, 4, 1)) for _ in range(3)]
    counts = run("mark_overdue")
    assert counts["became_overdue"] == 15
    overdue = set(db.session.scalars(sa.select(Task.id).where(Task.overdue_since.is_not(None))))
    assert overdue == {t.id for t in (*late, *waiting, one)}
    assert not overdue & {t.id for t in on_time}
    assert overdue_entries() == sorted(overdue)  # one entry each, none twice across batches
    # Grouped: one notice per person for the night, counting that person's tasks.
    for user in (w["staff"], w["head"]):
        [(kind, task_id, count, message)] = notices(user)
        assert (kind, task_id, count) == ("overdue", None, 9)
        assert "9" in message
    [(_kind, task_id, count, _message)] = notices(w["specialist"])
    assert (task_id, count) == (None, 5)
    # A single task is named, as before.
    for user in (w["other_staff"], w["other_head"]):
        [(_kind, task_id, count, message)] = notices(user)
        assert (task_id, count) == (one.id, 1)
        assert f"#{one.id}" in message
    assert counts["notified"] == 5
    assert max(statements) <= 100  # no id lists: every statement carries a few bounds
    # The second run finds nothing to do and tells nobody again.
    again = run("mark_overdue")
    assert (again["became_overdue"], again["notified"]) == (0, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 5


def test_each_person_is_told_of_their_own_tasks_among_many(w, small_batches):
    """The night's notices are counted per group of tasks sharing their recipients (a unit,
    a task with handling officers, a specialist, no specialist) and then per person: each
    person's count is still the tasks they would have been told of one by one."""
    lead, other = w["lead"], w["other"]
    staff2 = make_user(Role.unit_staff, lead)
    other_staff2 = make_user(Role.unit_staff, other)
    specialist2 = make_user(Role.office_specialist, w["specialist"].unit)
    retired = make_user(Role.unit_staff, lead)
    retired.active = False
    overdue = dict(state=S.in_progress, deadline=D(2026, 3, 2))
    for _ in range(4):  # no officers: the whole unit
        make_task(lead, **overdue)
    for _ in range(2):
        make_task(lead, **overdue).officers = [w["staff"]]
    make_task(lead, **overdue).officers = [staff2]
    named = make_task(other, **overdue)
    named.officers = [w["other_staff"]]
    for _ in range(3):  # held by the Office: their specialist, or every specialist
        make_task(other, state=S.pending_verification, deadline=D(2026, 3, 2),
                  specialist_id=w["specialist"].id)
    make_task(other, state=S.returned, deadline=D(2026, 3, 2), specialist_id=None)
    make_task(other, state=S.returned, deadline=D(2026, 3, 2), specialist_id=None)
    counts = run("mark_overdue")
    assert counts["became_overdue"] == 13
    told = {user: [(kind, task_id, count) for kind, task_id, count, _m in notices(user)]
            for user in (w["head"], w["staff"], staff2, retired, w["other_head"],
                         w["other_staff"], other_staff2, w["specialist"], specialist2)}
    assert told == {
        w["head"]: [("overdue", None, 7)],
        w["staff"]: [("overdue", None, 6)],  # the four of the unit and their own two
        staff2: [("overdue", None, 5)],
        retired: [],
        w["other_head"]: [("overdue", named.id, 1)],  # the leader is told of every task
        w["other_staff"]: [("overdue", named.id, 1)],
        other_staff2: [],  # not named on it
        w["specialist"]: [("overdue", None, 5)],  # theirs and the two without specialist
        specialist2: [("overdue", None, 2)],
    }
    assert counts["notified"] == 7


def test_a_night_marks_the_new_overdue_tasks_and_clears_the_extended_ones(w, small_batches):
    kept = [make_task(w["lead"], state=S.in_progress, deadline=D(2026, 3, 2)) for _ in range(5)]
    extended = [make_task(w["lead"], state=S.in_progress, deadline=D(2026, 3, 2))
                for _ in range(3)]
    run("mark_overdue", D(2026, 3, 4))
    shown = {t.id: [e.at for e in timeline(db.session.get(Task, t.id)) if e.action == "overdue"]
             for t in extended}
    for t in extended:
        db.session.get(Task, t.id).deadline = D(2026, 4, 30)
    new = [make_task(w["other"], state=S.assigned, deadline=D(2026, 3, 10)) for _ in range(6)]
    counts = run("mark_overdue", D(2026, 3, 12))
    assert (counts["became_overdue"], counts["no_longer_overdue"]) == (6, 3)
    since = dict(db.session.execute(sa.select(Task.id, Task.overdue_since)).all())
    assert {since[t.id] for t in kept} == {D(2026, 3, 3)}  # kept from the first night
    assert {since[t.id] for t in new} == {D(2026, 3, 11)}
    assert {since[t.id] for t in extended} == {None}
    assert overdue_entries() == sorted(t.id for t in (*kept, *extended, *new))
    # The extended tasks' spells ended: their entries are now rows of the history.
    # The extended tasks' spells ended: their entries are now rows of the history, at the
    # moment the timeline showed while the mark lasted.
    stored = db.session.execute(sa.select(TaskHistory.task_id, TaskHistory.at)
                                .where(TaskHistory.action == "overdue")).all()
    assert sorted(stored) == sorted((task_id, at) for task_id, [at] in shown.items())
    [(_kind, task_id, count, _message)] = notices(w["other_head"])
    assert (task_id, count) == (None, 6)


def test_clearing_the_mark_walks_every_batch(w, small_batches):
    tasks = [make_task(w["lead"], state=S.in_progress, deadline=D(2026, 3, 1)) for _ in range(10)]
    run("mark_overdue")
    for t in tasks:
        db.session.get(Task, t.id).deadline = D(2026, 5, 1)  # extended
    assert run("mark_overdue")["no_longer_overdue"] == 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)
                             .where(Task.overdue_since.is_not(None))) == 0


def test_escalation_and_reminders_are_grouped_and_given_once(w, small_batches, statements):
    for i in range(11):
        make_task(w["lead"], state=S.in_progress, deadline=D(2026, 3, 2) + dt.timedelta(i % 2))
    counts = run("escalate_overdue")
    assert counts["escalated_unit"] == 11 and counts["escalated_office"] == 11
    [(kind, task_id, count, message)] = notices(w["head"])
    assert (kind, task_id, count) == ("escalated_unit", None, 11)
    assert "11" in message
    leader = [n for n in notices(w["leader"]) if n[0] == "escalated_office"]
    assert [(n[1], n[2]) for n in leader] == [(None, 11)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeMark)) == 22
    with recorded_statements(current_app) as seen:
        assert run("escalate_overdue")["notified"] == 0  # once per deadline
    # A night that marks no task counts no notices (the backlog is not read again for them).
    assert not [s for s in seen if "sum(" in s], seen
    # A later night escalates only the tasks not escalated yet, and tells of those alone.
    for _ in range(3):
        make_task(w["lead"], state=S.in_progress, deadline=D(2026, 3, 9))
    later = run("escalate_overdue", D(2026, 3, 27))
    assert (later["escalated_unit"], later["escalated_office"]) == (3, 3)
    for user, level in ((w["head"], "escalated_unit"), (w["leader"], "escalated_office")):
        told = [n for n in notices(user) if n[0] == level]
        assert sorted((n[1], n[2]) for n in told) == [(None, 3), (None, 11)]
    soon = [make_task(w["lead"], state=S.assigned, deadline=D(2026, 3, 23)) for _ in range(6)]
    assert run("due_soon")["tasks"] == 6
    [(kind, task_id, count, _message)] = [n for n in notices(w["staff"]) if n[0] == "due_soon"]
    assert (task_id, count) == (None, len(soon))
    assert run("due_soon")["tasks"] == 0
    assert max(statements) <= 100


def test_late_entries_are_grouped_per_specialist(w, small_batches):
    docs = [make_document(issued_on=D(2026, 3, 2), entry_due_on=D(2026, 3, 3),
                          specialist_id=w["specialist"].id) for _ in range(7)]
    counts = run("late_entries")
    assert (counts["documents"], counts["notified"]) == (7, 1)
    [(kind, task_id, count, message)] = notices(w["specialist"])
    assert (kind, task_id, count) == ("late_entry", None, 7)
    assert "7" in message
    assert run("late_entries")["notified"] == 0
    assert len(docs) == 7


def test_the_badge_counts_unread_notices_and_the_list_links_to_the_tasks(app, small_batches,
                                                                         browser):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        lead = make_unit("SNV")
        make_user(Role.leader, office)
        staff, head = make_user(Role.unit_staff, lead), make_user(Role.unit_leader, lead)
        for _ in range(12):
            make_task(lead, state=S.in_progress, deadline=D(2026, 3, 1))
        run("mark_overdue")
        run("escalate_overdue")
        staff, head = db.session.get(User, staff.id), db.session.get(User, head.id)
        assert unread_count(staff) == 1  # not 12
        assert unread_count(head) == 2  # overdue + escalated to the unit leader
        staff.id, head.id  # noqa: B018  (loads the rows before the context ends)
    page = browser(staff).get("/notifications/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, page.headers.get("Location")
    assert "12 nhiệm vụ chuyển quá hạn" in html
    assert "/tasks/?timeliness=open_overdue" in html
    assert 'class="badge' in html and ">1<" in html.replace(" ", "")
    with app.app_context():
        db.session.execute(sa.update(Notification).where(Notification.user_id == head.id,
                                                         Notification.kind == "overdue")
                           .values(read_at=sa.func.now()))
        db.session.commit()
        assert unread_count(db.session.get(User, head.id)) == 1
