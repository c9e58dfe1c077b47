"""Sub-units and sub-tasks (issue 15 §2, Đ9.2a, Đ10.2c): units have children; a unit
delegates part of its task to a child unit; the child works it through the lifecycle inside
the parent's scope; the parent sees its children's sub-tasks; the figures never count a
sub-task."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cddh.cli import cddh_cli
from cddh.demo import load_demo
from cddh.models import (
    Notification,
    Role,
    Task,
    TaskState,
    Unit,
    UnitKind,
    User,
    db,
)
from cddh.services import statistics
from cddh.services.reference import seed_unit_kinds

from . import inside_units as iu
from .conftest import Browser, make_unit
from .test_api import Api

S = TaskState


def _api(app, world, key):
    return Api(app, world.tokens[key])


# --- units as data -----------------------------------------------------------------------

def test_create_unit_with_a_parent_code(app):
    with app.app_context():
        make_unit("HBT")
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(cddh_cli, ["create-unit", "HBT-PAH", "UBND phường An Hội", "--kind",
                                      "commune", "--parent-code", "HBT"])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(cddh_cli, ["create-unit", "X-1", "Đơn vị lạ", "--kind", "commune",
                                   "--parent-code", "NOPE"])
    assert bad.exit_code != 0 and "NOPE" in bad.output
    with app.app_context():
        child = db.session.scalar(sa.select(Unit).where(Unit.code == "HBT-PAH"))
        assert child.parent.code == "HBT" and child.kind.code == "commune"
        assert db.session.scalar(sa.select(Unit).where(Unit.code == "X-1")) is None


def test_units_and_me_carry_the_parent(app):
    world = iu.build(app)
    body = _api(app, world, "c1_staff").get("/units?limit=100").get_json()
    parents = {u["code"]: u["parent_id"] for u in body["items"]}
    assert parents == {"VP": None, "D": None, "C1": world.units.D, "C2": world.units.D,
                       "B": None}
    me = _api(app, world, "c1_staff").get("/me").get_json()
    assert (me["unit_id"], me["parent_id"], me["unit_parent_id"]) == (
        world.units.C1, world.units.D, world.units.D)
    assert _api(app, world, "d_leader").get("/me").get_json()["unit_parent_id"] is None


def test_demo_2025_is_two_tier(app):
    with app.app_context():
        seed_unit_kinds()
        load_demo(task_count=60, model="2025")
        db.session.commit()
        units = db.session.scalars(sa.select(Unit).join(Unit.kind)).all()
        kinds = {u.code: u.kind.code for u in units}
        assert "district" not in kinds.values()  # no district level any more
        communes = [u for u in units if u.kind.code == "commune"]
        assert len(communes) >= 12 and all(u.parent_id is None for u in communes)
        names = {u.name for u in communes}
        assert {"UBND phường An Hội", "UBND xã Ba Tri", "UBND xã Thạnh Phú"} <= names
        assert "Vĩnh Long" in db.session.scalar(sa.select(Unit.name).where(Unit.code == "BHXH"))
        # a department's divisions are sub-units in both models; one holds a sub-task
        snv = db.session.scalar(sa.select(Unit).where(Unit.code == "SNV"))
        children = db.session.scalars(sa.select(Unit).where(Unit.parent_id == snv.id)).all()
        assert len(children) >= 1
        sub = db.session.scalar(sa.select(Task).where(Task.parent_task_id.is_not(None)))
        assert sub is not None and sub.lead_unit.parent_id == sub.parent_task.lead_unit_id
        # the demo's accounts work in the new structure too
        assert db.session.scalar(sa.select(User).where(User.username == "canbo.hbt")).unit.name \
            == "UBND phường An Hội"


def test_demo_2020_has_divisions_and_communes_under_a_district(app):
    with app.app_context():
        seed_unit_kinds()
        load_demo(task_count=60)
        db.session.commit()
        hbt = db.session.scalar(sa.select(Unit).where(Unit.code == "HBT"))
        assert hbt.kind.code == "district"
        kinds = {u.kind.code for u in db.session.scalars(
            sa.select(Unit).where(Unit.parent_id == hbt.id))}
        assert kinds == {"division", "commune"}
        subs = db.session.scalars(sa.select(Task).where(Task.parent_task_id.is_not(None))).all()
        assert {s.parent_task.lead_unit.code for s in subs} == {"SNV", "HBT"}
        for sub in subs:
            assert sub.deadline <= (sub.parent_task.deadline or sub.deadline)
            assert sub.parent_task.officers  # the officer handles the parent task
        # leaders and staff for every sub-unit
        child_ids = [u.id for u in db.session.scalars(sa.select(Unit).where(
            Unit.parent_id.in_([hbt.id])))]
        roles = set(db.session.execute(sa.select(User.unit_id, User.role).where(
            User.unit_id.in_(child_ids))).all())
        assert {(i, Role.unit_leader) for i in child_ids} <= roles


# --- delegating and working a sub-task ------------------------------------------------------

def test_delegate_then_the_child_works_it_and_the_parent_verifies(app):
    world = iu.build(app)
    leader = _api(app, world, "d_leader")
    p = world.tasks["P"]
    deadline = (world.today + dt.timedelta(days=10)).isoformat()
    resp = leader.post(f"/tasks/{p}/subtasks", {"unit_id": world.units.C1,
                                                "content": "Rà soát hồ sơ phường",
                                                "deadline": deadline})
    assert resp.status_code == 201, resp.get_json()
    sub = resp.get_json()
    assert (sub["state"], sub["parent_task_id"], sub["lead_unit_id"], sub["deadline"]) == (
        "assigned", p, world.units.C1, deadline)
    assert sub["id"] in leader.get(f"/tasks/{p}").get_json()["subtask_ids"]
    sid = sub["id"]
    # the sibling does not see it; the child does; the Office does
    assert _api(app, world, "c2_leader").get(f"/tasks/{sid}").status_code == 404
    assert _api(app, world, "c1_staff").get(f"/tasks/{sid}").status_code == 200
    assert _api(app, world, "specialist").get(f"/tasks/{sid}").status_code == 200
    # the child's lifecycle
    child = _api(app, world, "c1_staff")
    assert child.post(f"/tasks/{sid}/receive").status_code == 200
    assert child.post(f"/tasks/{sid}/progress", {"content": "Đã rà soát 50%",
                                                 "percent": 50}).status_code == 201
    done = child.post(f"/tasks/{sid}/complete", {"completed_on": world.today.isoformat(),
                                                 "result_summary": "Đã rà soát xong"})
    assert done.status_code == 200 and done.get_json()["state"] == "pending_verification"
    with app.app_context():
        told = set(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.task_id == sid, Notification.kind == "completion_reported")))
    # the parent unit (its leader and the officer of the parent task) is told, not the Office
    assert told == {world.users["d_leader"], world.users["d_officer"]}
    # the Office does not verify a sub-task; the parent unit's leader does
    assert _api(app, world, "specialist").post(f"/tasks/{sid}/verify",
                                               {"accepted": True}).status_code == 403
    ok = leader.post(f"/tasks/{sid}/verify", {"accepted": True})
    assert ok.status_code == 200 and ok.get_json()["state"] == "completed"
    # the parent task's page rolls the sub-tasks up, as information
    with app.app_context():
        br = Browser(app, db.session.get(User, world.users["d_leader"]))
    page = br.get(f"/tasks/details/?id={p}").get_data(as_text=True)
    assert "Rà soát hồ sơ phường" in page and "1/3" in page


def test_a_subtask_is_refused_with_a_clear_message_and_changes_nothing(app):
    world = iu.build(app)
    leader = _api(app, world, "d_leader")
    p = world.tasks["P"]
    late = (world.today + dt.timedelta(days=31)).isoformat()  # P's deadline is today + 30
    cases = [
        ({"unit_id": world.units.C1, "content": "X", "deadline": late}, "deadline"),
        ({"unit_id": world.units.B, "content": "X",
          "deadline": world.today.isoformat()}, "unit_id"),  # not a child of D
        ({"unit_id": world.units.C1, "content": " ",
          "deadline": world.today.isoformat()}, "content"),
        ({"unit_id": world.units.C1, "content": "X"}, "deadline"),
        ({"unit_id": world.units.C1, "content": "X",
          "deadline": (world.today - dt.timedelta(days=1)).isoformat()}, "deadline"),
    ]
    for body, field in cases:
        resp = leader.post(f"/tasks/{p}/subtasks", body)
        assert resp.status_code == 422, (body, resp.status_code)
        assert field in resp.get_json()["error"].get("fields", {}), resp.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
            Task.parent_task_id == p)) == 2


def test_statistics_count_a_task_once_never_its_subtasks(app):
    world = iu.build(app)
    with app.app_context(), app.test_request_context():
        rows = {r["unit_id"]: r for r in statistics.unit_statistics(None, world.today)}
        # D leads P and Q; its two sub-tasks (led by C1 and C2) are not counted anywhere
        assert rows[world.units.D]["total"] == 2
        assert world.units.C1 not in rows and world.units.C2 not in rows
        total = statistics.total_row(list(rows.values()))["total"]
        assert total == db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
            Task.parent_task_id.is_(None), Task.assigned_at.is_not(None)))
        # the list behind a figure agrees: no sub-task in it
        listed = set(db.session.scalars(sa.select(Task.id).where(
            statistics.measure_clause("total", None, world.today))))
        assert listed == {world.tasks[k] for k in ("P", "Q", "BT")}


def test_a_commune_kind_is_district_level():
    kinds = {code: category for code, _n, _e, category in
             __import__("cddh.services.reference", fromlist=["x"]).DEFAULT_UNIT_KINDS}
    assert kinds["commune"].value == "district" and kinds["division"].value == "other"
    assert UnitKind  # the kinds are data: a province adds its own without code


def test_the_ranking_never_counts_a_subtask(app):
    from cddh.models import TaskHistory
    from cddh.services import ranking

    world = iu.build(app)
    with app.app_context(), app.test_request_context():
        for key in ("S1", "P"):  # a late update flagged on a sub-task and on its parent
            db.session.add(TaskHistory(task_id=world.tasks[key], action="late_update"))
        db.session.commit()
        late = ranking.late_updates_by_unit(world.today - dt.timedelta(days=1), world.today)
        assert late == {world.units.D: 1}
        rows = {r["unit_id"]: r for r in ranking.unit_ranking(world.today, world.today)}
        assert rows[world.units.C1]["late_updates"] == 0 and rows[world.units.C1]["due"] == 0


def test_a_subtasks_notices_name_the_parent_unit_not_the_office(app):
    world = iu.build(app)
    s1 = world.tasks["S1"]
    leader = _api(app, world, "d_leader")
    with app.app_context():
        task = db.session.get(Task, s1)
        task.state = S.pending_verification
        task.completed_on = world.today
        db.session.commit()
    assert leader.post(f"/tasks/{s1}/verify", {"accepted": False,
                                               "comment": "Thiếu số liệu"}).status_code == 200
    with app.app_context():
        kinds = set(db.session.scalars(sa.select(Notification.kind).where(
            Notification.task_id == s1)))
        text = db.session.scalar(sa.select(Notification.message).where(
            Notification.task_id == s1, Notification.kind == "subtask_rejected"))
    assert kinds == {"subtask_rejected"}
    assert "Văn phòng" not in text


def test_the_subtasks_rollup_counts_overdue_on_the_effective_deadline(app, monkeypatch):
    """The details page's line on the sub-tasks ("… quá hạn") counts them as the lists class
    them: on Sunday 29/11/2026 a sub-task due on Saturday 28/11 runs to Monday (Bộ luật Dân
    sự 2015 Điều 148) and is on time; one due on Friday 27/11 is overdue; a cancelled one and
    a done one are not."""
    from cddh.services import clock
    from cddh.services.delegation import rollup
    from cddh.services.timeliness import task_class

    from .conftest import make_task

    sunday = dt.date(2026, 11, 29)
    moment = dt.datetime.combine(sunday, dt.time(10, 0), tzinfo=clock.local_tz())
    monkeypatch.setattr(clock, "local_now", lambda: moment)
    with app.test_request_context():
        snv = make_unit("SNV")
        division = make_unit("SNV-P1")
        division.parent = snv
        parent = make_task(snv, state=S.in_progress, deadline=sunday + dt.timedelta(days=30))
        subs = [make_task(division, parent_task=parent, state=state, deadline=day)
                for state, day in ((S.in_progress, sunday - dt.timedelta(days=1)),
                                   (S.assigned, sunday - dt.timedelta(days=2)),
                                   (S.cancelled, sunday - dt.timedelta(days=2)),
                                   (S.completed, sunday - dt.timedelta(days=2)))]
        for sub in subs[3:]:
            sub.completed_on = sunday - dt.timedelta(days=3)
        db.session.commit()
        assert [task_class(t, sunday) for t in subs] == [
            "open_on_time", "open_overdue", "cancelled", "done_on_time"]
        figures = rollup(subs)
        assert (figures.total, figures.done, figures.open_overdue) == (3, 1, 1)
