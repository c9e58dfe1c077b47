"""The API of issue 15 exactly as api.md "Additions" says: POST /tasks/{id}/assign,
POST /tasks/{id}/subtasks, Task out's officer_ids, parent_task_id and subtask_ids, the units'
parent_id and /me's unit parent, and the OpenAPI document describing them."""

from __future__ import annotations

import datetime as dt

from . import inside_units as iu
from .test_api import Api


def test_task_out_carries_officers_parent_and_subtasks(app):
    world = iu.build(app)
    api = Api(app, world.tokens["d_leader"])
    p = api.get(f"/tasks/{world.tasks['P']}").get_json()
    assert p["officer_ids"] == [world.users["d_officer"]]
    assert p["parent_task_id"] is None
    assert p["subtask_ids"] == sorted([world.tasks["S1"], world.tasks["S2"]])
    s1 = api.get(f"/tasks/{world.tasks['S1']}").get_json()
    assert (s1["parent_task_id"], s1["subtask_ids"], s1["officer_ids"]) == (
        world.tasks["P"], [], [])
    # the list carries the same fields (read for the whole page at once)
    items = {t["id"]: t for t in api.get("/tasks?limit=100").get_json()["items"]}
    assert items[world.tasks["P"]]["subtask_ids"] == p["subtask_ids"]
    assert items[world.tasks["S2"]]["parent_task_id"] == world.tasks["P"]
    # a document lists its tasks with the same shape
    doc = api.get(f"/documents/{p['document_id']}").get_json()
    assert {t["id"]: t["officer_ids"] for t in doc["tasks"]}[world.tasks["P"]] == \
        [world.users["d_officer"]]


def test_assign_and_subtasks_answer_as_the_contract_says(app):
    world = iu.build(app)
    api = Api(app, world.tokens["d_leader"])
    q = world.tasks["Q"]
    version = api.get(f"/tasks/{q}").get_json()["version"]
    resp = api.post(f"/tasks/{q}/assign", {"officer_ids": [world.users["d_staff"]],
                                           "version": version})
    assert resp.status_code == 200 and resp.get_json()["officer_ids"] == [world.users["d_staff"]]
    stale = api.post(f"/tasks/{q}/assign", {"officer_ids": [world.users["d_officer"]],
                                            "version": version})
    assert stale.status_code == 409  # the version the caller saw is gone
    deadline = (world.today + dt.timedelta(days=7)).isoformat()
    sub = api.post(f"/tasks/{q}/subtasks", {"unit_id": world.units.C2, "content": "Phần xã",
                                            "deadline": deadline})
    assert sub.status_code == 201
    body = sub.get_json()
    assert (body["state"], body["parent_task_id"], body["lead_unit_id"]) == (
        "assigned", q, world.units.C2)
    assert body["id"] in api.get(f"/tasks/{q}").get_json()["subtask_ids"]
    # wrong types are refused field by field
    bad = api.post(f"/tasks/{q}/subtasks", {"unit_id": "C2", "content": 5, "deadline": "x"})
    assert bad.status_code in (400, 422)
    assert {"unit_id", "content", "deadline"} <= set(bad.get_json()["error"]["fields"])


def test_the_openapi_document_describes_the_additions(app):
    doc = Api(app, None).get("/openapi.json").get_json()
    assert "/tasks/{task_id}/assign" in doc["paths"]
    assert "/tasks/{task_id}/subtasks" in doc["paths"]
    assert "201" in doc["paths"]["/tasks/{task_id}/subtasks"]["post"]["responses"]
    task = doc["components"]["schemas"]["Task"]["properties"]
    assert {"officer_ids", "parent_task_id", "subtask_ids"} <= set(task)
    assert "parent_id" in doc["components"]["schemas"]["Unit"]["properties"]
    assert "unit_parent_id" in doc["components"]["schemas"]["Me"]["properties"]


def _cooperating_on_p(app, world, *codes):
    """B (a department) and C1 (a commune of D) also cooperate on P."""
    from cddh.models import Task, Unit, db

    with app.app_context():
        p = db.session.get(Task, world.tasks["P"])
        p.cooperating_units = [db.session.get(Unit, getattr(world.units, c)) for c in codes]
        db.session.commit()


def test_subtask_ids_list_only_the_sub_tasks_the_caller_may_read(app):
    """api.md: a sub-task is visible to its own unit, the parent task's unit and the Office,
    never to a sibling unit; 404 for a row not visible, so its id is never shown either."""
    world = iu.build(app)
    _cooperating_on_p(app, world, "B", "C1")
    p, s1, s2 = world.tasks["P"], world.tasks["S1"], world.tasks["S2"]
    seen = {}
    for who in ("specialist", "leader", "d_leader", "b_leader", "c1_leader", "c1_staff"):
        api = Api(app, world.tokens[who])
        readable = [s for s in (s1, s2) if api.get(f"/tasks/{s}").status_code == 200]
        task = api.get(f"/tasks/{p}").get_json()
        listed = {t["id"]: t for t in api.get("/tasks?limit=200").get_json()["items"]}[p]
        doc = {t["id"]: t for t in api.get(f"/documents/{task['document_id']}")
               .get_json()["tasks"]}[p]
        assert task["subtask_ids"] == listed["subtask_ids"] == doc["subtask_ids"] == readable, who
        seen[who] = readable
    assert seen == {"specialist": [s1, s2], "leader": [s1, s2], "d_leader": [s1, s2],
                    "b_leader": [], "c1_leader": [s1], "c1_staff": [s1]}


def test_the_parents_timeline_names_only_the_sub_tasks_the_caller_may_read(app, browser):
    """The parent's "delegate" entry carries the sub-task's content: a unit that cannot open
    the sub-task (a cooperating unit of the parent, a sibling commune) does not get it, on
    the API's history nor on the task page; the parent's unit and the Office do."""
    from cddh.models import Task, User, db
    from cddh.services import delegation

    world = iu.build(app)
    _cooperating_on_p(app, world, "B", "C1")
    p = world.tasks["P"]
    deadline = world.today + dt.timedelta(days=7)
    with app.test_request_context():
        leader = db.session.get(User, world.users["d_leader"])
        task = db.session.get(Task, p)
        delegation.add_subtask(leader, task, unit_id=world.units.C1, content="zqdelegonezq",
                               deadline=deadline.isoformat())
        delegation.add_subtask(leader, task, unit_id=world.units.C2, content="zqdelegtwozq",
                               deadline=deadline.isoformat())
        db.session.commit()
    expected = {"specialist": {"zqdelegonezq", "zqdelegtwozq"},
                "d_leader": {"zqdelegonezq", "zqdelegtwozq"},
                "c1_leader": {"zqdelegonezq"}, "b_leader": set()}
    for who, named in expected.items():
        history = Api(app, world.tokens[who]).get(f"/tasks/{p}").get_json()["history"]
        assert {h["reason"] for h in history if h["action"] == "delegate"} == named, who
        with app.app_context():
            user = db.session.get(User, world.users[who])
            db.session.expunge(user)
        page = browser(user).get(f"/tasks/details/?id={p}").get_data(as_text=True)
        assert {m for m in ("zqdelegonezq", "zqdelegtwozq") if m in page} == named, who


def test_a_subtask_of_a_task_past_its_work_is_a_state_conflict(app):
    """Delegating part of a task once it is reported done is refused by the task's state
    (409 wrong_state, as every state conflict), not as a field error; nothing is written."""
    from cddh.models import Task, TaskState, db

    world = iu.build(app)
    q = world.tasks["Q"]
    with app.app_context():
        db.session.get(Task, q).state = TaskState.pending_verification
        db.session.commit()
        before = db.session.query(Task).count()
    resp = Api(app, world.tokens["d_leader"]).post(f"/tasks/{q}/subtasks", {
        "unit_id": world.units.C2, "content": "Phần xã",
        "deadline": (world.today + dt.timedelta(days=7)).isoformat()})
    assert resp.status_code == 409, resp.get_json()
    assert resp.get_json()["error"]["code"] == "wrong_state"
    with app.app_context():
        assert db.session.query(Task).count() == before
