"""Unit ranking (Đ20.2): the weighted formula on a hand-built dataset, the weights as a
setting, and the page that shows the numbers behind each score."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from cddh.models import (
    InspectionFinding,
    InspectionKind,
    InspectionTeam,
    Role,
    Task,
    TaskHistory,
    TaskState,
    UnitCategory,
    db,
)
from cddh.services import ranking
from cddh.services.settings import set_setting

from .conftest import make_task, make_unit, make_user

D = dt.date
S = TaskState
VN = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = D(2026, 3, 15), D(2026, 6, 14)  # quarter 2 of 2026


def at(y, m, d) -> dt.datetime:
    return dt.datetime(y, m, d, 9, tzinfo=VN)


@pytest.fixture
def world(app):
    with app.app_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng")
        a = make_unit("A", name="Sở A")
        b = make_unit("B", UnitCategory.district, "Huyện B")
        c = make_unit("C", name="Sở C")
        for order, unit in enumerate((a, b, c)):
            unit.sort_order = order
        make_user(Role.unit_staff, a)
        make_user(Role.unit_leader, a)
        make_user(Role.unit_staff, b)
        make_user(Role.unit_staff, c)
        inspector = make_user(Role.inspector, office)
        assigned = at(2026, 3, 20)

        def task(unit, state, deadline, completed=None, content="x"):
            return make_task(unit, state=state, assigned_at=assigned, deadline=deadline,
                             completed_on=completed, content=content)

        task(a, S.completed, D(2026, 4, 30), D(2026, 4, 25))
        task(a, S.completed, D(2026, 5, 31), D(2026, 5, 30))
        a_late = task(a, S.in_progress, D(2026, 5, 1), content="a overdue")
        task(a, S.in_progress, None)
        task(b, S.completed, D(2026, 4, 30), D(2026, 4, 20))
        b_ret = task(b, S.returned, D(2026, 6, 30))
        # One task flagged twice for a late update inside the window (the job's timeline
        # entries, duties._flag_late), once before: counted once.
        for day in (5, 6):
            db.session.add(TaskHistory(task=a_late, action="late_update", at=at(2026, 5, day)))
        db.session.add(TaskHistory(task=a_late, action="late_update", at=at(2026, 3, 1)))
        # B returned a task inside the window; the Office refused the return (sent it back to
        # B unchanged, after the window); B returned it again after the window.
        db.session.add(TaskHistory(task=b_ret, action="return", to_state="returned",
                                   at=at(2026, 4, 1), data={"lead_unit_id": b.id}))
        db.session.add(TaskHistory(task=b_ret, action="forward", to_state="assigned",
                                   at=at(2026, 6, 16), data={"lead_unit_id": b.id}))
        db.session.add(TaskHistory(task=b_ret, action="return", to_state="returned",
                                   at=at(2026, 6, 20), data={"lead_unit_id": b.id}))
        team = InspectionTeam(name="Đoàn 1", kind=InspectionKind.ad_hoc, lead_id=inspector.id)
        db.session.add(team)
        db.session.flush()
        db.session.add(InspectionFinding(team_id=team.id, unit_id=a.id, content="Chậm cập nhật",
                                         is_shortcoming=True, recorded_at=at(2026, 5, 10)))
        db.session.add(InspectionFinding(team_id=team.id, unit_id=b.id, content="Tốt",
                                         is_shortcoming=False, recorded_at=at(2026, 5, 10)))
        db.session.commit()
        return {"A": a.id, "B": b.id, "C": c.id}


def test_the_ranking_by_hand(app, world):
    with app.app_context():
        rows = ranking.unit_ranking(START, END)
    # A: 2 on time of 3 due = 66.7; −2×1 overdue −1×1 late update −3×1 shortcoming = 60.7
    # B: its returned task stood with the Office at the end (not B's): 1 of 1 = 100.0;
    # −1×1 refused return = 99.0.  C: nothing due, no rate: 0.
    assert rows == [
        {"unit_id": world["B"], "unit": "Huyện B", "done_on_time": 1, "due": 1,
         "on_time_rate": 100.0, "overdue": 0, "late_updates": 0, "returns": 1, "findings": 0,
         "no_account": False, "score": 99.0, "rank": 1},
        {"unit_id": world["A"], "unit": "Sở A", "done_on_time": 2, "due": 3,
         "on_time_rate": 66.7, "overdue": 1, "late_updates": 1, "returns": 0, "findings": 1,
         "no_account": False, "score": 60.7, "rank": 2},
        {"unit_id": world["C"], "unit": "Sở C", "done_on_time": 0, "due": 0,
         "on_time_rate": None, "overdue": 0, "late_updates": 0, "returns": 0, "findings": 0,
         "no_account": False, "score": 0.0, "rank": 3},
    ]


def test_the_weights_are_a_setting_and_ties_share_a_rank(app, world):
    with app.app_context():
        set_setting("ranking_weights", {"on_time_rate": 0, "overdue": 0, "late_updates": 0,
                                        "returns": 10})  # findings: the default weight (3)
        db.session.commit()
        rows = ranking.unit_ranking(START, END)
    assert [(r["unit_id"], r["score"], r["rank"]) for r in rows] == [
        (world["C"], 0.0, 1), (world["A"], -3.0, 2), (world["B"], -10.0, 3)]


def test_the_ranking_page_shows_the_numbers_behind_each_score(app, world, browser):
    with app.app_context():
        leader = make_user(Role.leader, make_unit("VP2", UnitCategory.office))
        db.session.commit()
        leader.id  # noqa: B018  (loads the row before the context ends)
    page = browser(leader).get("/ranking/?kind=quarter&year=2026&number=2")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Quý 2 năm 2026" in body and 'id="ranking-formula"' in body
    row_a = body.split(f'data-unit="{world["A"]}"', 1)[1].split("</tr>", 1)[0]
    for figure in (">2<", ">3<", "66,7", ">1<", "60,7"):
        assert figure in row_a
    assert "measure=open_overdue" in row_a


# --- the rules that make the ranking defensible (issue 14 §5) ---------------------------------

@pytest.mark.parametrize("after_return,counted", [
    # Nothing yet: the return is still with the Office, not judged: not counted.
    ([], 0),
    # The Office sent it back to the same unit unchanged: refused, counted.
    ([("forward", "same")], 1),
    # The Office re-forwarded it to another unit: the return was right, not counted.
    ([("forward", "other")], 0),
    # The Office corrected the task before sending it back: accepted, not counted.
    ([("edit", None), ("forward", "same")], 0),
    ([("change_content", None), ("forward", "same")], 0),
    # The Office cancelled it: accepted, not counted.
    ([("cancel", None)], 0),
    # Sent back to the same unit unchanged, then a later edit: the first forward decides.
    ([("forward", "same"), ("edit", None)], 1),
])
def test_only_a_refused_return_counts_against_the_unit(app, after_return, counted):
    with app.app_context():
        a, other = make_unit("A"), make_unit("O")
        make_user(Role.unit_staff, a)
        task = make_task(a, state=S.in_progress, assigned_at=at(2026, 3, 20),
                         deadline=D(2026, 9, 30))
        db.session.add(TaskHistory(task=task, action="return", to_state="returned",
                                   at=at(2026, 4, 1), data={"lead_unit_id": a.id}))
        for day, (action, to) in enumerate(after_return, start=2):
            data = {"lead_unit_id": a.id if to == "same" else other.id} if to else {}
            db.session.add(TaskHistory(task=task, action=action, at=at(2026, 4, day), data=data,
                                       to_state="assigned" if action == "forward" else None))
        db.session.commit()
        assert ranking.returns_by_unit(START, END).get(a.id, 0) == counted


def test_a_return_a_leader_decided_on_is_not_counted(app):
    """A difficulty asking for another lead unit, approved by the directing leader, sends the
    task back to the Office (a return carrying the difficulty): never the unit's fault."""
    with app.app_context():
        a = make_unit("A")
        task = make_task(a, state=S.in_progress, assigned_at=at(2026, 3, 20))
        db.session.add(TaskHistory(task=task, action="return", to_state="returned",
                                   at=at(2026, 4, 1),
                                   data={"lead_unit_id": a.id, "difficulty_id": 7}))
        db.session.add(TaskHistory(task=task, action="forward", to_state="assigned",
                                   at=at(2026, 4, 2), data={"lead_unit_id": a.id}))
        db.session.commit()
        assert ranking.returns_by_unit(START, END) == {}


def test_missed_periodic_updates_count_and_a_unit_without_account_is_flagged(app):
    """Đ8.1b: the notice of a missed periodic update (a task without deadline) counts like a
    late update, once per task; a unit nobody can log into is flagged and not ranked."""
    with app.app_context():
        a, ghost = make_unit("A", name="Sở A"), make_unit("G", name="Sở Không Người")
        make_user(Role.unit_staff, a)
        idle = make_user(Role.unit_staff, ghost)
        idle.active = False
        no_deadline = make_task(a, state=S.in_progress, assigned_at=at(2026, 1, 5))
        for day in (16, 17):  # flagged twice (Đ8.1b), one task: counted once
            db.session.add(TaskHistory(task=no_deadline, action="update_due",
                                       at=at(2026, 4, day)))
        make_task(ghost, state=S.completed, assigned_at=at(2026, 3, 20),
                  deadline=D(2026, 4, 30), completed_on=D(2026, 4, 1))
        db.session.commit()
        ordered = ranking.unit_ranking(START, END)
        rows = {r["unit_id"]: r for r in ordered}
        assert rows[a.id]["late_updates"] == 1 and rows[a.id]["rank"] == 1
        assert rows[ghost.id]["no_account"] is True and rows[ghost.id]["rank"] is None
        # Its 100 % on time would have put it first: flagged, it comes last.
        assert rows[ghost.id]["score"] > rows[a.id]["score"]
        assert [r["unit_id"] for r in ordered] == [a.id, ghost.id]


def test_a_task_the_office_holds_is_not_the_units_overdue_task(app):
    """A task returned to the Office before its deadline passed stands with the Office at the
    end of the period: not the unit's overdue task, not in its tasks with a deadline."""
    with app.app_context():
        a = make_unit("A")
        make_user(Role.unit_staff, a)
        held = make_task(a, state=S.returned, assigned_at=at(2026, 3, 20),
                         deadline=D(2026, 4, 30))
        db.session.add(TaskHistory(task=held, action="return", to_state="returned",
                                   at=at(2026, 4, 10), data={"lead_unit_id": a.id}))
        make_task(a, state=S.in_progress, assigned_at=at(2026, 3, 20), deadline=D(2026, 5, 5))
        db.session.commit()
        (row,) = ranking.unit_ranking(START, END)
    assert (row["overdue"], row["due"], row["returns"]) == (1, 1, 0)
    assert row["no_account"] is False


def test_a_task_forwarded_again_after_a_return_stood_returned_on_the_days_between(app):
    """A past day's class asks the history only of tasks returned at some time
    (``Task.ever_returned``, or returned now): the flag is kept as each return is written,
    by the workflow or as an entry of its own, so a task returned and forwarded again since
    still stood returned on the days between (the Office's, not the unit's overdue task)."""
    from cddh.services import statistics, workflow

    with app.test_request_context():
        a = make_unit("A")
        staff, leader = make_user(Role.unit_staff, a), make_user(Role.unit_leader, a)
        # Returned on 10 April, forwarded again to A on 10 May: at the end of April it stood
        # with the Office; at the end of May it was A's again, overdue.
        again = make_task(a, state=S.in_progress, assigned_at=at(2026, 3, 20),
                          deadline=D(2026, 4, 20))
        plain = make_task(a, state=S.in_progress, assigned_at=at(2026, 3, 20),
                          deadline=D(2026, 4, 20))
        db.session.add(TaskHistory(task=again, action="forward", to_state="assigned",
                                   at=at(2026, 3, 20)))
        db.session.add(TaskHistory(task=again, action="return", to_state="returned",
                                   at=at(2026, 4, 10), data={"lead_unit_id": a.id}))
        db.session.add(TaskHistory(task=again, action="forward", to_state="assigned",
                                   at=at(2026, 5, 10), data={"lead_unit_id": a.id}))
        # Returned by the workflow now (received first), then sent back to A.
        now = make_task(a, state=S.assigned, assigned_at=at(2026, 3, 20),
                        deadline=D(2026, 12, 31))
        db.session.commit()
        assert again.ever_returned is True  # the object says it as the row does
        workflow.receive(staff, now)
        workflow.return_task(leader, now, "outside_remit", "Không thuộc chức năng của đơn vị")
        db.session.commit()
        now.state = S.assigned
        db.session.commit()
        ids = {"again": again.id, "now": now.id, "plain": plain.id}
        flagged = dict(db.session.execute(sa.select(Task.id, Task.ever_returned)).all())
        april = statistics.live_unit_statistics(D(2026, 4, 1), D(2026, 4, 30), count_tasks=True)
        may = statistics.live_unit_statistics(D(2026, 5, 1), D(2026, 5, 31), count_tasks=True)
    assert flagged == {ids["again"]: True, ids["now"]: True, ids["plain"]: False}
    (april,), (may,) = april, may
    assert (april["returned"], april["open_overdue"], april["open_on_time"]) == (1, 1, 1)
    assert (may["returned"], may["open_overdue"], may["open_on_time"]) == (0, 2, 1)
