"""Unit ranking (Đ20.2): the weighted formula on a hand-built dataset, the weights as a
setting, and the page that shows the numbers behind each score."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cddh.models import (
    InspectionFinding,
    InspectionKind,
    InspectionTeam,
    Notification,
    Role,
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
        a_users = [make_user(Role.unit_staff, a), make_user(Role.unit_leader, a)]
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
        # Two notices about one late update (two users of A) inside the window; one before.
        for user in a_users:
            db.session.add(Notification(user_id=user.id, kind="late_update", task_id=a_late.id,
                                        message="m", created_at=at(2026, 5, 5)))
        db.session.add(Notification(user_id=a_users[0].id, kind="late_update",
                                    task_id=a_late.id, message="m", created_at=at(2026, 3, 1)))
        # B returned a task inside the window and again after it.
        db.session.add(TaskHistory(task=b_ret, action="return", to_state="returned",
                                   at=at(2026, 4, 1)))
        db.session.add(TaskHistory(task=b_ret, action="return", to_state="returned",
                                   at=at(2026, 6, 20)))
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
    # −1×1 return = 99.0.  C: nothing due, no rate: 0.
    assert rows == [
        {"unit_id": world["B"], "unit": "Huyện B", "done_on_time": 1, "due": 1,
         "on_time_rate": 100.0, "overdue": 0, "late_updates": 0, "returns": 1, "findings": 0,
         "score": 99.0, "rank": 1},
        {"unit_id": world["A"], "unit": "Sở A", "done_on_time": 2, "due": 3,
         "on_time_rate": 66.7, "overdue": 1, "late_updates": 1, "returns": 0, "findings": 1,
         "score": 60.7, "rank": 2},
        {"unit_id": world["C"], "unit": "Sở C", "done_on_time": 0, "due": 0,
         "on_time_rate": None, "overdue": 0, "late_updates": 0, "returns": 0, "findings": 0,
         "score": 0.0, "rank": 3},
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
