"""Handling officers (chuyên viên thụ lý, issue 15 §1, Đ8.2b): the unit leader names them and
renames them; the officer sees "my tasks" first; notices and the digest go to the officers
and the leader; the leader's home shows received tasks without an officer."""

from __future__ import annotations

import sqlalchemy as sa

from cddh.models import Notification, Task, TaskHistory, User, db
from cddh.services import duties
from cddh.services import notifications as notify

from . import inside_units as iu
from .conftest import Browser
from .test_api import Api


def _browser(app, world, key):
    with app.app_context():
        return Browser(app, db.session.get(User, world.users[key]))


def _told(app, task_id, kind):
    with app.app_context():
        return set(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.task_id == task_id, Notification.kind == kind)))


def test_the_leader_names_and_renames_officers_on_the_task_page(app):
    world = iu.build(app)
    q = world.tasks["Q"]
    br = _browser(app, world, "d_leader")
    page = br.get(f"/tasks/details/?id={q}").get_data(as_text=True)
    assert 'data-action="assign"' in page and "Phân công chuyên viên thụ lý" in page
    resp = br.post("/tasks/act/", data={"id": q, "action": "assign",
                                        "officer_ids": str(world.users["d_officer"])})
    assert resp.status_code == 302
    with app.app_context():
        assert iu.officer_ids_of(q) == [world.users["d_officer"]]
        entry = db.session.scalar(sa.select(TaskHistory).where(
            TaskHistory.task_id == q, TaskHistory.action == "assign_officers"))
        assert entry.data["officer_ids"] == [world.users["d_officer"]]
    assert _told(app, q, "officer_assigned") == {world.users["d_officer"]}
    # rename: two officers through the API, then one
    api = Api(app, world.tokens["d_leader"])
    both = api.post(f"/tasks/{q}/assign", {"officer_ids": [world.users["d_staff"],
                                                          world.users["d_officer"]]})
    assert both.status_code == 200
    assert both.get_json()["officer_ids"] == sorted([world.users["d_staff"],
                                                     world.users["d_officer"]])
    one = api.post(f"/tasks/{q}/assign", {"officer_ids": [world.users["d_staff"]]})
    assert one.get_json()["officer_ids"] == [world.users["d_staff"]]


def test_an_officer_must_be_an_active_member_of_the_lead_unit(app):
    world = iu.build(app)
    api = Api(app, world.tokens["d_leader"])
    q = world.tasks["Q"]
    with app.app_context():
        gone = db.session.get(User, world.users["d_staff"])
        gone.active = False
        db.session.commit()
    for ids in ([world.users["c1_staff"]], [world.users["d_staff"]], [], [999999]):
        resp = api.post(f"/tasks/{q}/assign", {"officer_ids": ids})
        assert resp.status_code == 422, (ids, resp.get_json())
        assert "officer_ids" in resp.get_json()["error"]["fields"]
    for bad in ("x", [True], ["1"]):
        assert api.post(f"/tasks/{q}/assign", {"officer_ids": bad}).status_code in (400, 422)
    with app.app_context():
        assert iu.officer_ids_of(q) == []
    # a staff member may not name officers, nor an Office specialist
    for key in ("d_officer", "specialist"):
        resp = Api(app, world.tokens[key]).post(f"/tasks/{q}/assign",
                                                 {"officer_ids": [world.users["d_officer"]]})
        assert resp.status_code == 403


def test_notices_go_to_the_officers_and_the_leader_once_named(app):
    world = iu.build(app)
    p, q = world.tasks["P"], world.tasks["Q"]  # P has an officer, Q none
    with app.app_context(), app.test_request_context():
        for tid in (p, q):
            task = db.session.get(Task, tid)
            notify.task_event(task, "extension_approved", to_units=[task.lead_unit_id])
        # the daily jobs' notices take the same path (set-based, correlated); one task per
        # run, so that each notice names its task (a run groups several into one notice)
        for tid in (p, q):
            notices = duties.Notices()
            notices.add("overdue", Task.id == tid, "lead_unit")
            notices.send()
        db.session.commit()
    d_all = {world.users[k] for k in ("d_leader", "d_officer", "d_staff")}
    named = {world.users["d_leader"], world.users["d_officer"]}
    for kind in ("extension_approved", "overdue"):
        assert _told(app, p, kind) == named, kind
        assert _told(app, q, kind) == d_all, kind


def test_a_staff_member_not_named_reads_but_does_not_act(app):
    world = iu.build(app)
    p = world.tasks["P"]
    other = Api(app, world.tokens["d_staff"])
    assert other.get(f"/tasks/{p}").status_code == 200
    assert other.post(f"/tasks/{p}/progress", {"content": "Đã làm"}).status_code == 403
    assert Api(app, world.tokens["d_officer"]).post(
        f"/tasks/{p}/progress", {"content": "Đã làm", "percent": 20}).status_code == 201
    # the unit leader keeps the right to act
    assert Api(app, world.tokens["d_leader"]).post(
        f"/tasks/{p}/progress", {"content": "Chỉ đạo"}).status_code == 201


def test_homes_my_tasks_first_and_received_without_officer(app):
    world = iu.build(app)
    officer = _browser(app, world, "d_officer").get("/").get_data(as_text=True)
    assert "Nhiệm vụ tôi thụ lý" in officer
    mine = officer.index("Nhiệm vụ tôi thụ lý")
    assert world.markers["P"] in officer[mine:]
    assert officer.index("Nhiệm vụ tôi thụ lý") < officer.index(world.markers["P"])
    # the list behind the group
    listing = _browser(app, world, "d_officer").get("/tasks/?group=mine").get_data(as_text=True)
    assert world.markers["P"] in listing and world.markers["Q"] not in listing
    leader = _browser(app, world, "d_leader").get("/").get_data(as_text=True)
    assert "Đã nhận, chưa phân công chuyên viên thụ lý" in leader
    unassigned = _browser(app, world, "d_leader").get(
        "/tasks/?group=unassigned").get_data(as_text=True)
    assert world.markers["Q"] in unassigned and world.markers["P"] not in unassigned
    # sub-tasks of the children are not the parent unit's unassigned tasks
    assert world.markers["S1"] not in unassigned
    # another unit's leader does not get D's groups
    b = _browser(app, world, "b_leader").get("/tasks/?group=unassigned").get_data(as_text=True)
    assert world.markers["Q"] not in b


def test_officers_appear_on_the_task_page(app):
    world = iu.build(app)
    page = _browser(app, world, "specialist").get(
        f"/tasks/details/?id={world.tasks['P']}").get_data(as_text=True)
    assert 'id="task-officers"' in page and "Người dùng unit_staff" in page
    assert 'data-action="assign"' not in page  # the Office reads, the unit names



# --- individual evaluation (Đ20.2) ------------------------------------------------------------

def _figures_page(app, world, key, unit_code="D"):
    year = world.today.year
    br = _browser(app, world, key)
    unit_id = getattr(world.units, unit_code)
    return br.get(f"/officer-figures/?kind=year&year={year}&number=1&unit_id={unit_id}")


def test_individual_figures_count_the_officers_tasks(app):
    import re

    from cddh.models import TaskState

    world = iu.build(app)
    with app.app_context():
        p = db.session.get(Task, world.tasks["P"])  # the officer's task, done on time
        p.state, p.completed_on = TaskState.pending_verification, world.today
        q = db.session.get(Task, world.tasks["Q"])
        q.officers = [db.session.get(User, world.users["d_officer"])]
        q.deadline = world.today.replace(day=1) if world.today.day > 1 else world.today
        db.session.commit()
    resp = _figures_page(app, world, "specialist")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    row = re.search('data-officer="{}">(.*?)</tr>'.format(world.users["d_officer"]), page, re.S)
    cells = re.findall(r'<td class="text-center">(\d+)</td>', row.group(1))
    overdue = 1 if world.today.day > 1 else 0
    # handled, on time, late, overdue, missed updates, returns by the Office
    assert cells == ["2", "1", "0", str(overdue), "0", "0"]
    # the sub-tasks of C1 and C2 are nobody's in D: the other staff member handles nothing
    other = re.search('data-officer="{}">(.*?)</tr>'.format(world.users["d_staff"]), page, re.S)
    assert re.findall(r'<td class="text-center">(\d+)</td>', other.group(1))[0] == "0"


def test_individual_figures_are_for_the_officer_their_leader_and_the_office(app):
    world = iu.build(app)
    d_people = {world.users[k] for k in ("d_leader", "d_officer", "d_staff")}
    expected = {
        "specialist": d_people, "leader": d_people, "admin": d_people,  # the Office's roles
        "d_leader": d_people,
        "d_officer": {world.users["d_officer"]}, "d_staff": {world.users["d_staff"]},
        "c1_leader": set(), "c2_staff": set(), "b_leader": set(),
    }
    import re

    for key, people in expected.items():
        resp = _figures_page(app, world, key)
        assert resp.status_code == 200, key
        shown = {int(i) for i in re.findall(r'data-officer="(\d+)"', resp.get_data(as_text=True))}
        if key.startswith(("c1", "c2", "b_")):
            # their own unit only, whatever unit_id they ask for
            assert not shown & d_people, key
        else:
            assert shown == people, key
    # the inspector does not open it
    assert _figures_page(app, world, "inspector").status_code in (302, 403)


def test_the_ranking_drills_down_to_the_officers(app):
    world = iu.build(app)
    page = _browser(app, world, "specialist").get("/ranking/").get_data(as_text=True)
    assert f"/officer-figures/?unit_id={world.units.D}" in page
