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
