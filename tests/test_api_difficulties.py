"""The API additions of issue 14 (api.md "Additions"): GET /leaders, position on /me,
directing_leader_id on documents and tasks, and the difficulties endpoints with their
403/404/422 answers and scope."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cddh.models import LeaderPosition, Role, TaskState, UnitCategory, db
from cddh.services import tokens

from .conftest import make_document, make_task, make_unit, make_user
from .test_api import Api, error_of

S = TaskState


@pytest.fixture
def w(app):
    with app.app_context():
        vp = make_unit("VP", UnitCategory.office)
        snv, stc, hbt = make_unit("SNV"), make_unit("STC"), make_unit("HBT", UnitCategory.district)
        people = {
            "specialist": make_user(Role.office_specialist, vp, "chuyenvien"),
            "chairman": make_user(Role.leader, vp, "chutich"),
            "vice": make_user(Role.leader, vp, "pct.a"),
            "other_vice": make_user(Role.leader, vp, "pct.b"),
            "plain_leader": make_user(Role.leader, vp, "lanhdao"),
            "snv_staff": make_user(Role.unit_staff, snv, "canbo.snv"),
            "stc_staff": make_user(Role.unit_staff, stc, "canbo.stc"),
            "hbt_staff": make_user(Role.unit_staff, hbt, "canbo.hbt"),
            "inspector": make_user(Role.inspector, vp, "kiemtra"),
        }
        people["chairman"].position = LeaderPosition.chairman
        people["vice"].position = LeaderPosition.vice_chairman
        people["vice"].sectors = "Kinh tế\nNông nghiệp"
        people["other_vice"].position = LeaderPosition.vice_chairman
        doc = make_document(directing_leader_id=people["vice"].id)
        task = make_task(snv, state=S.in_progress, cooperating=[stc], document=doc,
                         directing_leader_id=people["vice"].id)
        hbt_task = make_task(hbt, state=S.in_progress)
        plaintext = {n: tokens.issue_token(u, n)[1] for n, u in people.items()}
        db.session.commit()
        return SimpleNamespace(
            users={n: u.id for n, u in people.items()}, task=task.id, hbt_task=hbt_task.id,
            units=SimpleNamespace(snv=snv.id, stc=stc.id),
            as_=lambda name: Api(app, plaintext[name]))


def _raise(w, who="snv_staff", task=None, **body):
    data = {"kind": "difficulty", "content": "Thiếu kinh phí", "asks": "more_time",
            "proposed_deadline": "2026-12-31", **body}
    return w.as_(who).post(f"/tasks/{task or w.task}/difficulties", json=data)


def test_leaders_by_position_and_me_shows_position(w):
    body = w.as_("snv_staff").get("/leaders").get_json()
    assert body["items"] == [
        {"user_id": w.users["chairman"], "full_name": "Người dùng leader", "position": "chairman",
         "sectors": []},
        {"user_id": w.users["vice"], "full_name": "Người dùng leader",
         "position": "vice_chairman", "sectors": ["Kinh tế", "Nông nghiệp"]},
        {"user_id": w.users["other_vice"], "full_name": "Người dùng leader",
         "position": "vice_chairman", "sectors": []},
    ]  # a leader without a position is not listed
    assert w.as_("vice").get("/me").get_json()["position"] == "vice_chairman"
    assert w.as_("snv_staff").get("/me").get_json()["position"] is None


def test_documents_and_tasks_carry_the_directing_leader(w):
    data = {"doc_type": "ke_hoach", "number": "7/KH-UBND", "summary": "Kế hoạch",
            "issued_on": "2026-03-02", "directing_leader_id": w.users["vice"],
            "tasks": [{"content": "Một", "lead_unit_id": w.units.snv},
                      {"content": "Hai", "lead_unit_id": w.units.snv,
                       "directing_leader_id": w.users["chairman"]}]}
    resp = w.as_("specialist").post("/documents", json=data)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["directing_leader_id"] == w.users["vice"]
    assert [t["directing_leader_id"] for t in body["tasks"]] == [w.users["vice"],
                                                                w.users["chairman"]]
    task = w.as_("specialist").get(f"/tasks/{body['tasks'][0]['id']}").get_json()
    assert task["directing_leader_id"] == w.users["vice"]


@pytest.mark.parametrize("value,code", [("plain_leader", 422), ("snv_staff", 422),
                                        ("text", 422)])
def test_a_directing_leader_that_is_not_one_is_refused(w, value, code):
    leader = "x" if value == "text" else w.users[value]
    data = {"doc_type": "ke_hoach", "number": "8/KH-UBND", "summary": "Kế hoạch",
            "issued_on": "2026-03-02", "directing_leader_id": leader,
            "tasks": [{"content": "Một", "lead_unit_id": w.units.snv}]}
    resp = w.as_("specialist").post("/documents", json=data)
    assert resp.status_code == code
    assert "directing_leader_id" in error_of(resp).get("fields", {})


def test_the_flow_through_the_api(w):
    resp = _raise(w)
    assert resp.status_code == 201, resp.get_json()
    item = resp.get_json()
    assert {k: item[k] for k in ("task_id", "kind", "content", "asks", "state", "unit_id",
                                 "directing_leader_id")} == {
        "task_id": w.task, "kind": "difficulty", "content": "Thiếu kinh phí",
        "asks": "more_time", "state": "open", "unit_id": w.units.snv,
        "directing_leader_id": w.users["vice"]}
    path = f"/difficulties/{item['id']}"
    assert w.as_("vice").post(path + "/propose", json={"proposal": "x"}).status_code == 403
    resp = w.as_("specialist").post(path + "/propose", json={"proposal": "Đề xuất gia hạn"})
    assert resp.status_code == 200 and resp.get_json()["state"] == "proposed"
    assert w.as_("specialist").post(path + "/propose", json={"proposal": "y"}).status_code == 409
    for other in ("other_vice", "plain_leader", "specialist"):
        refused = w.as_(other).post(path + "/decide", json={"approved": True, "decision": "x"})
        assert refused.status_code == 403, other
    assert w.as_("vice").post(path + "/decide", json={"approved": "yes",
                                                      "decision": "x"}).status_code == 422
    resp = w.as_("vice").post(path + "/decide", json={"approved": True, "decision": "Đồng ý"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["state"] == "decided" and body["approved"] is True
    assert body["history_action"] == "change_deadline"
    task = w.as_("snv_staff").get(f"/tasks/{w.task}").get_json()
    assert task["deadline"] == "2026-12-31"
    assert [h["action"] for h in task["history"]][-2:] == ["raise_difficulty", "change_deadline"]
    again = w.as_("chairman").post(path + "/decide", json={"approved": False, "decision": "x"})
    assert again.status_code == 409


def test_the_chairman_may_always_decide(w):
    item = _raise(w, asks="resources").get_json()
    w.as_("specialist").post(f"/difficulties/{item['id']}/propose", json={"proposal": "p"})
    resp = w.as_("chairman").post(f"/difficulties/{item['id']}/decide",
                                  json={"approved": False, "decision": "Chưa"})
    assert resp.status_code == 200 and resp.get_json()["approved"] is False


@pytest.mark.parametrize("who,status", [("snv_staff", 201), ("stc_staff", 201),
                                        ("hbt_staff", 404), ("specialist", 403),
                                        ("vice", 403), ("inspector", 404)])
def test_who_may_raise(w, who, status):
    assert _raise(w, who).status_code == status


@pytest.mark.parametrize("body,field", [({"kind": "complaint"}, "kind"), ({"asks": "money"}, "asks"),
                                        ({"content": ""}, "content"), ({"content": 5}, "content"),
                                        ({"proposed_deadline": "31/02/2026"}, "proposed_deadline")])
def test_bad_input_is_422_with_its_field(w, body, field):
    resp = _raise(w, **body)
    assert resp.status_code == 422
    assert field in error_of(resp).get("fields", {})


def test_units_see_only_their_own(w):
    snv = _raise(w).get_json()["id"]
    stc = _raise(w, "stc_staff", kind="disagreement", asks="leader_decision").get_json()["id"]
    hbt = _raise(w, "hbt_staff", task=w.hbt_task).get_json()["id"]
    ids = lambda who, q="": [d["id"] for d in w.as_(who).get("/difficulties" + q).get_json()["items"]]  # noqa: E731
    assert ids("snv_staff") == [snv]
    assert ids("stc_staff") == [stc]
    assert ids("hbt_staff") == [hbt]
    assert ids("inspector") == []
    assert ids("specialist") == [hbt, stc, snv]
    assert ids("plain_leader", f"?task_id={w.task}") == [stc, snv]
    assert ids("specialist", "?state=decided") == []
    assert w.as_("specialist").get("/difficulties?state=nope").status_code == 400
    # Another unit's difficulty does not exist for a unit user (404, never 403).
    assert w.as_("snv_staff").post(f"/difficulties/{hbt}/propose",
                                   json={"proposal": "x"}).status_code == 404
    assert w.as_("snv_staff").post(f"/difficulties/{hbt}/decide",
                                   json={"approved": True, "decision": "x"}).status_code == 404
    assert w.as_("specialist").post("/difficulties/999999/propose",
                                    json={"proposal": "x"}).status_code == 404


# --- a stale "version" (api.md: the task's version from its last read) --------------------
def _stale_version(w) -> int:
    """The task's version as read, then made stale by a progress update of the lead unit."""
    seen = w.as_("snv_staff").get(f"/tasks/{w.task}").get_json()["version"]
    resp = w.as_("snv_staff").post(f"/tasks/{w.task}/progress", json={"content": "Đang làm",
                                                                      "version": seen})
    assert resp.status_code == 201, resp.get_json()
    assert w.as_("snv_staff").get(f"/tasks/{w.task}").get_json()["version"] != seen
    return seen


def _task_seen(w) -> dict:
    task = w.as_("specialist").get(f"/tasks/{w.task}").get_json()
    return {k: task[k] for k in ("state", "deadline", "content", "version", "history")}


def _assert_stale(resp) -> None:
    assert resp.status_code == 409, resp.get_json()
    assert error_of(resp)["code"] == "stale_version"


def test_raising_with_a_stale_version_is_refused_and_stores_nothing(w):
    stale = _stale_version(w)
    before = _task_seen(w)
    _assert_stale(_raise(w, version=stale))
    _assert_stale(_raise(w, version=0))
    assert w.as_("specialist").get("/difficulties").get_json()["items"] == []
    assert _task_seen(w) == before
    current = before["version"]
    assert _raise(w, version=current).status_code == 201
    assert _raise(w, version="x").status_code == 422  # not a number: the field's error


def test_proposing_with_a_stale_task_version_is_refused_and_changes_nothing(w):
    item = _raise(w).get_json()
    stale = _stale_version(w)
    before = _task_seen(w)
    path = f"/difficulties/{item['id']}/propose"
    _assert_stale(w.as_("specialist").post(path, json={"proposal": "Đề xuất", "version": stale}))
    got = w.as_("specialist").get(f"/difficulties?task_id={w.task}").get_json()["items"][0]
    assert (got["state"], got["proposal"]) == ("open", "")
    assert _task_seen(w) == before
    resp = w.as_("specialist").post(path, json={"proposal": "Đề xuất",
                                                "version": before["version"]})
    assert resp.status_code == 200 and resp.get_json()["state"] == "proposed"


def test_deciding_with_a_stale_task_version_is_refused_and_changes_nothing(w):
    item = _raise(w).get_json()
    w.as_("specialist").post(f"/difficulties/{item['id']}/propose", json={"proposal": "p"})
    stale = _stale_version(w)
    before = _task_seen(w)
    path = f"/difficulties/{item['id']}/decide"
    body = {"approved": True, "decision": "ok", "new_deadline": "2027-02-15"}
    resp = w.as_("vice").post(path, json={**body, "version": 0})
    _assert_stale(resp)
    _assert_stale(w.as_("vice").post(path, json={**body, "version": stale}))
    english = w.as_("vice").post(path, json={**body, "version": stale},
                                 headers={"Accept-Language": "en"})
    assert "nothing was saved" in error_of(english)["message"]
    assert error_of(resp)["message"] != error_of(english)["message"]  # Vietnamese by default
    got = w.as_("specialist").get(f"/difficulties?task_id={w.task}").get_json()["items"][0]
    assert (got["state"], got["approved"]) == ("proposed", None)
    assert _task_seen(w) == before
    resp = w.as_("vice").post(path, json={**body, "version": before["version"]})
    assert resp.status_code == 200, resp.get_json()
    assert w.as_("snv_staff").get(f"/tasks/{w.task}").get_json()["deadline"] == "2027-02-15"
