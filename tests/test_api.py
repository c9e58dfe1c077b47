"""The JSON API v1 (api.md), as a script calling it would: every endpoint for a role that may
and one that may not, what a unit must never see, conflicts, validation, malformed input,
tokens, languages, paging and cookies."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from cddh.models import (
    ApiToken,
    AuditLog,
    Document,
    ExtensionRequest,
    ProgressUpdate,
    Role,
    Task,
    TaskState,
    UnitCategory,
    User,
    db,
)
from cddh.services import tokens
from cddh.services.clock import local_today

from .conftest import make_document, make_task, make_unit, make_user

S = TaskState


class Api:
    """A test client speaking to /api/v1 with one user's bearer token (or none)."""

    def __init__(self, app, token: str | None, language: str | None = None):
        self.client = app.test_client()
        self.headers = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if language:
            self.headers["Accept-Language"] = language

    def call(self, method, path, *, json=None, data=None, headers=None):
        return self.client.open("/api/v1" + path, method=method, json=json, data=data,
                                headers={**self.headers, **(headers or {})})

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json=json, **kw)


def error_of(resp) -> dict:
    body = resp.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]


@pytest.fixture
def world(app):
    """Four units, a user of each role with a token, and tasks of SNV in several states (one
    shared with STC), plus a task and a document that concern only HBT."""
    with app.app_context():
        today = local_today()
        vp = make_unit("VP", UnitCategory.office, name="Văn phòng UBND tỉnh")
        snv = make_unit("SNV", name="Sở Nội vụ")
        stc = make_unit("STC", name="Sở Tài chính")
        hbt = make_unit("HBT", UnitCategory.district, name="UBND huyện Ba Tri")
        people = {
            "specialist": make_user(Role.office_specialist, vp, "chuyenvien"),
            "leader": make_user(Role.leader, vp, "lanhdao"),
            "admin": make_user(Role.admin, vp, "quantri"),
            "inspector": make_user(Role.inspector, vp, "kiemtra"),
            "snv_leader": make_user(Role.unit_leader, snv, "giamdoc.snv"),
            "snv_staff": make_user(Role.unit_staff, snv, "canbo.snv"),
            "stc_staff": make_user(Role.unit_staff, stc, "canbo.stc"),
            "hbt_staff": make_user(Role.unit_staff, hbt, "canbo.hbt"),
        }
        doc = make_document(number="15/UBND-TH", summary="Về việc triển khai nhiệm vụ năm 2026")
        later = today + dt.timedelta(days=30)
        t = {
            "draft": make_task(snv, state=S.draft, document=doc, deadline=later),
            "assigned": make_task(snv, state=S.assigned, document=doc, cooperating=[stc],
                                  deadline=later),
            "in_progress": make_task(snv, state=S.in_progress, document=doc, cooperating=[stc],
                                     deadline=later, content="Rà soát biên chế"),
            "pending": make_task(snv, state=S.pending_verification, document=doc,
                                 deadline=later, completed_on=today),
            "returned": make_task(snv, state=S.returned, document=doc, deadline=later),
        }
        hbt_doc = make_document(number="99/UBND-KT", summary="Về việc của huyện Ba Tri")
        t["hbt"] = make_task(hbt, state=S.in_progress, document=hbt_doc, deadline=later,
                             content="Nhiệm vụ riêng của Ba Tri")
        hbt_update = ProgressUpdate(task=t["hbt"], unit=hbt, author=people["hbt_staff"],
                                    content="Đã triển khai", percent=20)
        hbt_extension = ExtensionRequest(task=t["hbt"], unit=hbt, requested_by=people["hbt_staff"],
                                         current_deadline=later, reason="Chờ ý kiến",
                                         proposed_deadline=later + dt.timedelta(days=30))
        snv_extension = ExtensionRequest(task=t["in_progress"], unit=snv,
                                         requested_by=people["snv_staff"], current_deadline=later,
                                         proposed_deadline=later + dt.timedelta(days=10),
                                         reason="Chờ số liệu")
        db.session.add_all([hbt_update, hbt_extension, snv_extension])
        plaintext = {name: tokens.issue_token(user, f"test {name}")[1]
                     for name, user in people.items()}
        db.session.commit()
        return SimpleNamespace(
            today=today, later=later, doc=doc.id, hbt_doc=hbt_doc.id,
            units=SimpleNamespace(vp=vp.id, snv=snv.id, stc=stc.id, hbt=hbt.id),
            users={name: user.id for name, user in people.items()},
            tasks={name: task.id for name, task in t.items()},
            hbt_update=hbt_update.id, hbt_extension=hbt_extension.id,
            snv_extension=snv_extension.id, tokens=plaintext,
            as_=lambda name, language=None: Api(app, plaintext[name], language), app=app,
        )


def task_row(app, task_id) -> Task:
    with app.app_context():
        task = db.session.get(Task, task_id)
        db.session.expunge(task)
        return task


def new_document(world, **changes) -> dict:
    task = {"content": "Báo cáo kết quả rà soát", "lead_unit_id": world.units.snv,
            "cooperating_unit_ids": [world.units.stc], "deadline": "2026-12-31",
            "priority": "urgent"}
    task.update(changes.pop("task", {}))
    data = {"doc_type": "ke_hoach", "number": "120/KH-UBND", "summary": "Kế hoạch rà soát",
            "issued_on": "2026-03-02", "signer": "Trần Văn Phúc", "tracked": True,
            "confidentiality": "none", "submitting_unit_id": world.units.snv, "tasks": [task]}
    data.update(changes)
    return data


# --- authentication ----------------------------------------------------------------------

def test_me_answers_with_the_tokens_user(world):
    resp = world.as_("snv_staff").get("/me")
    assert resp.status_code == 200
    assert resp.get_json() == {"id": world.users["snv_staff"], "username": "canbo.snv",
                               "full_name": "Người dùng unit_staff", "role": "unit_staff",
                               "unit_id": world.units.snv, "parent_id": None, "unit_parent_id": None,
                               "position": None}


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Basic abc", "Token x",
                                    "Bearer not-a-token", "Bearer " + "x" * 500])
def test_no_or_bad_token_is_401(app, world, header):
    client = Api(app, None)
    resp = client.get("/me", headers={"Authorization": header} if header else None)
    assert resp.status_code == 401
    assert error_of(resp)["code"] in ("unauthorized", "invalid_token")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_and_a_deactivated_account_are_refused(app, world):
    with app.app_context():
        tokens.revoke_token(db.session.scalar(sa.select(ApiToken).where(
            ApiToken.user_id == world.users["snv_staff"])))
        db.session.get(User, world.users["stc_staff"]).active = False
        db.session.commit()
    for name in ("snv_staff", "stc_staff"):
        resp = world.as_(name).get("/tasks")
        assert resp.status_code == 401
        assert error_of(resp)["code"] == "invalid_token"
    assert world.as_("snv_leader").get("/me").status_code == 200


def test_only_the_hash_of_a_token_is_stored(app, world):
    with app.app_context():
        stored = db.session.scalar(sa.select(ApiToken.token_hash).where(
            ApiToken.user_id == world.users["specialist"]))
    assert stored == tokens.hash_token(world.tokens["specialist"])
    assert world.tokens["specialist"] not in stored
    assert len(world.tokens["specialist"]) >= 40  # 32 random bytes, url-safe


def test_last_use_is_recorded_at_most_once_a_minute(app, world):
    def last_used():
        with app.app_context():
            return db.session.scalar(sa.select(ApiToken.last_used_at).where(
                ApiToken.user_id == world.users["leader"]))

    assert last_used() is None
    world.as_("leader").get("/me")
    first = last_used()
    assert first is not None
    world.as_("leader").get("/me")
    assert last_used() == first
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == world.users["leader"]))
        token.last_used_at = first - dt.timedelta(minutes=2)
        db.session.commit()
    world.as_("leader").get("/me")
    assert last_used() > first - dt.timedelta(minutes=2)


def test_no_cookie_is_read_or_set(app, world, browser):
    resp = world.as_("specialist").post(f"/tasks/{world.tasks['draft']}/forward")
    assert resp.status_code == 200
    assert "Set-Cookie" not in resp.headers
    assert "Set-Cookie" not in world.as_("specialist").get("/nothing-here").headers
    assert "Set-Cookie" not in Api(app, None).get("/me").headers
    # A logged-in browser's session cookie does not authenticate an API call.
    with app.app_context():
        user = db.session.get(User, world.users["specialist"])
    logged_in = browser(user)
    resp = logged_in.client.get("/api/v1/me")
    assert resp.status_code == 401
    assert "Set-Cookie" not in resp.headers
    assert logged_in.client.post(f"/api/v1/tasks/{world.tasks['draft']}/forward").status_code == 401


def test_changes_are_audited_as_the_tokens_user(app, world):
    resp = world.as_("specialist").post(f"/tasks/{world.tasks['draft']}/forward")
    assert resp.status_code == 200
    with app.app_context():
        actors = set(db.session.scalars(sa.select(AuditLog.actor_id).where(
            AuditLog.entity == "task", AuditLog.entity_id == str(world.tasks["draft"]),
            AuditLog.action == "update")))
    assert actors == {world.users["specialist"]}


def test_the_openapi_document_is_public_and_names_every_endpoint(app):
    resp = Api(app, None).get("/openapi.json")
    assert resp.status_code == 200
    spec = resp.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    served = {rule.rule.removeprefix("/api/v1") for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.")}
    described = set(spec["paths"])

    def shape(path):  # /tasks/<int(max=…):task_id>/forward and /tasks/{task_id}/forward alike
        return "/".join("*" if part[:1] in "<{" else part for part in path.split("/"))

    assert {shape(p) for p in served} == {shape(p) for p in described}


# --- reading -------------------------------------------------------------------------------

def test_units_lists_active_units_with_their_kind(app, world):
    with app.app_context():
        retired = make_unit("CU", name="Đơn vị đã giải thể")
        retired.active = False
        db.session.commit()
    resp = world.as_("hbt_staff").get("/units")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["next_cursor"] is None
    assert [(u["code"], u["kind"]) for u in body["items"]] == [
        ("VP", "office"), ("SNV", "department"), ("STC", "department"), ("HBT", "district")]
    assert body["items"][1] == {"id": world.units.snv, "code": "SNV", "name": "Sở Nội vụ",
                                "kind": "department", "parent_id": None}


def test_a_unit_lists_only_its_own_non_draft_tasks(world):
    office = {t["id"] for t in world.as_("leader").get("/tasks").get_json()["items"]}
    assert office == set(world.tasks.values())
    snv = {t["id"] for t in world.as_("snv_staff").get("/tasks").get_json()["items"]}
    assert snv == {world.tasks[k] for k in ("assigned", "in_progress", "pending", "returned")}
    stc = {t["id"] for t in world.as_("stc_staff").get("/tasks").get_json()["items"]}
    assert stc == {world.tasks["assigned"], world.tasks["in_progress"]}
    assert world.as_("inspector").get("/tasks").get_json() == {"items": [], "next_cursor": None}


def test_task_filters(world):
    def ids(query, who="specialist"):
        resp = world.as_(who).get("/tasks?" + query)
        assert resp.status_code == 200, resp.get_json()
        return {t["id"] for t in resp.get_json()["items"]}

    t = world.tasks
    assert ids("state=returned") == {t["returned"]}
    # Open: a task reported complete is done; a returned one is open (domain.md), as its
    # ``timeliness`` says, though the figures count it apart.
    assert ids("timeliness=open_on_time") == {t["assigned"], t["in_progress"], t["hbt"],
                                              t["returned"]}
    assert ids("timeliness=open_on_time&state=returned") == {t["returned"]}
    assert ids("timeliness=done_on_time&state=returned") == set()
    assert ids(f"unit_id={world.units.stc}") == {t["assigned"], t["in_progress"]}
    assert ids(f"unit_id={world.units.hbt}") == {t["hbt"]}
    assert ids(f"unit_id={world.units.hbt}", "snv_staff") == set()  # scope still applies
    assert ids(f"document_id={world.hbt_doc}") == {t["hbt"]}
    assert ids(f"document_id={world.hbt_doc}", "snv_staff") == set()
    later = world.later.isoformat()
    assert ids(f"deadline_from={later}&deadline_to={later}") == set(t.values())
    assert ids(f"deadline_to={world.today.isoformat()}") == set()
    assert ids("q=biên chế") == {t["in_progress"]}
    assert ids("q=%25") == set()  # a LIKE wildcard is searched for literally
    assert ids("q=Ba Tri", "snv_staff") == set()


def test_a_task_shows_its_fields_history_progress_and_extensions(world):
    api = world.as_("snv_staff")
    task_id = world.tasks["in_progress"]
    assert api.post(f"/tasks/{task_id}/progress", {"content": "Đã xong 50%", "percent": 50}).status_code == 201
    resp = api.get(f"/tasks/{task_id}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"id", "document_id", "content", "state", "timeliness", "deadline",
                         "original_deadline", "lead_unit_id", "directing_leader_id",
                         "cooperating_unit_ids", "officer_ids", "parent_task_id", "subtask_ids",
                         "signoff_pending", "completed_on", "version", "created_at",
                         "updated_at", "history", "progress", "extensions"}
    assert body["state"] == "in_progress" and body["timeliness"] == "open_on_time"
    assert body["cooperating_unit_ids"] == [world.units.stc]
    assert body["deadline"] == world.later.isoformat()
    assert dt.datetime.fromisoformat(body["created_at"]).utcoffset() == dt.timedelta(0)
    assert [h["action"] for h in body["history"]] == ["progress"]
    assert body["history"][0]["actor_id"] == world.users["snv_staff"]
    assert [(p["content"], p["percent"]) for p in body["progress"]] == [("Đã xong 50%", 50)]
    assert [e["id"] for e in body["extensions"]] == [world.snv_extension]


def test_a_document_shows_only_the_tasks_the_caller_may_see(world):
    office = world.as_("specialist").get(f"/documents/{world.doc}").get_json()
    assert len(office["tasks"]) == 5
    stc = world.as_("stc_staff").get(f"/documents/{world.doc}")
    assert stc.status_code == 200
    assert {t["id"] for t in stc.get_json()["tasks"]} == {world.tasks["assigned"],
                                                          world.tasks["in_progress"]}


# --- not visible is not found ----------------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("GET", "/tasks/{hbt}"), ("GET", "/documents/{hbt_doc}"),
    ("POST", "/tasks/{hbt}/progress"), ("POST", "/tasks/{hbt}/receive"),
    ("POST", "/tasks/{hbt}/complete"), ("POST", "/tasks/{hbt}/extensions"),
    ("POST", "/extensions/{hbt_extension}/decide"), ("GET", "/tasks/{draft}"),
    ("POST", "/tasks/{draft}/forward"), ("GET", "/tasks/999999"), ("GET", "/documents/999999"),
    ("POST", "/extensions/999999/decide"), ("GET", "/tasks/99999999999999999999"),
])
def test_another_units_rows_are_not_found(app, world, method, path):
    ids = {"hbt": world.tasks["hbt"], "hbt_doc": world.hbt_doc, "draft": world.tasks["draft"],
           "hbt_extension": world.hbt_extension}
    before = snapshot(app)
    resp = world.as_("snv_leader").call(method, path.format(**ids),
                                        json={"content": "x", "percent": 1, "approved": True,
                                              "reason": "x", "completed_on": "2026-01-01",
                                              "result_summary": "x"})
    assert resp.status_code == 404
    assert error_of(resp) == {"code": "not_found", "message": "Không tìm thấy trang hoặc bản ghi."}
    assert snapshot(app) == before


def test_a_foreign_progress_update_is_not_shown(world):
    body = world.as_("specialist").get(f"/tasks/{world.tasks['hbt']}").get_json()
    assert [p["id"] for p in body["progress"]] == [world.hbt_update]
    assert world.as_("snv_staff").get(f"/tasks/{world.tasks['hbt']}").status_code == 404


def snapshot(app) -> tuple:
    """What the API may change: tasks, documents, progress, extensions."""
    with app.app_context():
        return (
            sorted(db.session.execute(sa.select(Task.id, Task.state, Task.version, Task.deadline)).all()),
            db.session.scalar(sa.select(sa.func.count()).select_from(Document)),
            db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)),
            sorted(db.session.execute(sa.select(ExtensionRequest.id, ExtensionRequest.status)).all()),
        )


# --- every action: one role that may, one that may not -------------------------------------

ACTIONS = [
    # (endpoint, task, body, allowed user, refused user, expected state after)
    ("forward", "draft", {}, "specialist", "leader", "assigned"),
    ("forward", "returned", {}, "specialist", "snv_leader", "assigned"),
    ("receive", "assigned", {}, "snv_staff", "stc_staff", "in_progress"),
    ("return", "assigned", {"reason_category": "outside_remit", "reason": "Không thuộc thẩm quyền"},
     "snv_leader", "snv_staff", "returned"),
    ("progress", "in_progress", {"content": "Đã họp triển khai", "percent": 30}, "stc_staff",
     "specialist", "in_progress"),
    ("complete", "in_progress", {"completed_on": "{today}", "result_summary": "Đã ban hành",
                                 "result_document_number": "45/BC-SNV"},
     "snv_staff", "stc_staff", "pending_verification"),
    ("verify", "pending", {"accepted": True, "comment": "Đạt yêu cầu"}, "specialist", "leader",
     "completed"),
    ("verify", "pending", {"accepted": False, "comment": "Thiếu số liệu"}, "specialist",
     "snv_leader", "in_progress"),
    ("extensions", "assigned", {"proposed_deadline": "{much_later}", "reason": "Chờ số liệu"},
     "snv_staff", "stc_staff", "assigned"),
    ("cancel", "in_progress", {"reason": "Theo Quyết định 10/QĐ-UBND"}, "specialist", "leader",
     "cancelled"),
]


def _body(world, body):
    values = {"today": world.today.isoformat(),
              "much_later": (world.later + dt.timedelta(days=60)).isoformat()}
    return {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}


@pytest.mark.parametrize("endpoint,task,body,allowed,refused,after",
                         ACTIONS, ids=[f"{a[0]}-{a[1]}-{a[2].get('accepted', '')}" for a in ACTIONS])
def test_task_action_allowed_and_refused(app, world, endpoint, task, body, allowed, refused, after):
    task_id = world.tasks[task]
    before = snapshot(app)
    resp = world.as_(refused).post(f"/tasks/{task_id}/{endpoint}", _body(world, body))
    assert resp.status_code == 403, resp.get_json()
    assert error_of(resp)["code"] == "forbidden"
    assert snapshot(app) == before

    version = task_row(app, task_id).version
    resp = world.as_(allowed).post(f"/tasks/{task_id}/{endpoint}",
                                   {**_body(world, body), "version": version})
    assert resp.status_code in (200, 201), resp.get_json()
    row = task_row(app, task_id)
    assert row.state.value == after
    out = resp.get_json()
    if endpoint == "progress":
        assert resp.status_code == 201 and out["is_contribution"] is True
    elif endpoint == "extensions":
        assert resp.status_code == 201 and out["status"] == "pending"
        assert out["proposed_deadline"] == _body(world, body)["proposed_deadline"]
    else:
        assert out["id"] == task_id and out["state"] == after and out["version"] == row.version


def test_decide_an_extension(app, world):
    ext = world.snv_extension
    refused = world.as_("snv_staff").post(f"/extensions/{ext}/decide", {"approved": True})
    assert refused.status_code == 403
    resp = world.as_("leader").post(f"/extensions/{ext}/decide",
                                    {"approved": True, "reason": "Đồng ý"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "approved"
    task = task_row(app, world.tasks["in_progress"])
    assert task.deadline == world.later + dt.timedelta(days=10)
    assert task.original_deadline == world.later
    again = world.as_("specialist").post(f"/extensions/{ext}/decide", {"approved": False,
                                                                       "reason": "Không"})
    assert again.status_code == 409
    assert error_of(again)["code"] == "already_decided"
    assert resp.get_json()["task_version"] == task.version


def test_a_change_answered_with_another_shape_gives_the_tasks_new_version(world):
    """Progress and an extension request answer with their own rows, and say the task's
    version after the change: the client's next call sends it without reading the task."""
    api, task_id = world.as_("snv_staff"), world.tasks["in_progress"]
    version = api.get(f"/tasks/{task_id}").get_json()["version"]
    resp = api.post(f"/tasks/{task_id}/progress", {"content": "Đạt 40%", "percent": 40,
                                                   "version": version})
    assert resp.status_code == 201, resp.get_json()
    after = resp.get_json()["task_version"]
    assert after == api.get(f"/tasks/{task_id}").get_json()["version"]
    resp = api.post(f"/tasks/{task_id}/progress", {"content": "Đạt 60%", "version": after})
    assert resp.status_code == 201, resp.get_json()


def test_create_a_document_with_its_tasks(app, world):
    resp = world.as_("specialist").post("/documents", new_document(world))
    assert resp.status_code == 201, resp.get_json()
    doc = resp.get_json()
    assert resp.headers["Location"].endswith(f"/api/v1/documents/{doc['id']}")
    assert doc["entry_due_on"] == "2026-03-03"  # 1 working day after Monday 2 March
    assert doc["confidentiality"] == "none" and doc["tracked"] is True
    assert doc["submitting_unit_id"] == world.units.snv
    [task] = doc["tasks"]
    assert task["state"] == "draft" and task["timeliness"] is None
    assert task["lead_unit_id"] == world.units.snv
    assert task["cooperating_unit_ids"] == [world.units.stc]
    assert task["deadline"] == task["original_deadline"] == "2026-12-31"
    assert world.as_("specialist").get(f"/documents/{doc['id']}").get_json() == doc
    forwarded = world.as_("specialist").post(f"/tasks/{task['id']}/forward", {"version": 1})
    assert forwarded.get_json()["state"] == "assigned"
    with app.app_context():
        created_by = db.session.scalar(sa.select(Document.created_by_id).where(Document.id == doc["id"]))
    assert created_by == world.users["specialist"]


def test_a_task_without_deadline_and_a_document_that_is_not_tracked(world):
    api = world.as_("specialist")
    resp = api.post("/documents", new_document(world, task={"deadline": None,
                                                            "update_frequency": "quarterly"}))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["tasks"][0]["deadline"] is None
    resp = api.post("/documents", new_document(world, number="7/TB", tracked=False, tasks=[]))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["entry_due_on"] is None


def test_only_the_office_specialist_enters_documents(app, world):
    before = snapshot(app)
    for who in ("leader", "snv_leader", "admin"):
        resp = world.as_(who).post("/documents", new_document(world))
        assert resp.status_code == 403, who
    assert snapshot(app) == before


# --- conflicts -------------------------------------------------------------------------------

def test_a_stale_version_is_refused_and_changes_nothing(app, world):
    task_id = world.tasks["assigned"]
    api = world.as_("snv_staff")
    stale = task_row(app, task_id).version
    assert world.as_("snv_staff").post(f"/tasks/{task_id}/progress",
                                       {"content": "x"}).status_code == 409  # wrong state
    assert api.post(f"/tasks/{task_id}/receive", {"version": stale}).status_code == 200
    before = snapshot(app)
    resp = api.post(f"/tasks/{task_id}/progress", {"content": "Cập nhật", "version": stale})
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "stale_version"
    assert snapshot(app) == before


def test_a_wrong_state_is_a_conflict(app, world):
    before = snapshot(app)
    resp = world.as_("specialist").post(f"/tasks/{world.tasks['in_progress']}/forward")
    assert resp.status_code == 409
    error = error_of(resp)
    assert error["code"] == "wrong_state"
    assert "Đang thực hiện" in error["message"]
    assert snapshot(app) == before


# --- validation: 422 with a message per field, nothing stored ----------------------------------

@pytest.mark.parametrize("changes,code,field", [
    ({"confidentiality": "mat"}, "secret_document_not_allowed", "confidentiality"),
    ({"confidentiality": "tuyet_mat"}, "secret_document_not_allowed", "confidentiality"),
    ({"number": ""}, "validation_failed", "number"),
    ({"summary": None}, "validation_failed", "summary"),
    ({"doc_type": "thu_moi"}, "validation_failed", "doc_type"),
    ({"issued_on": "31/02/2026"}, "validation_failed", "issued_on"),
    ({"submitting_unit_id": 999999}, "validation_failed", "submitting_unit_id"),
    ({"task": {"lead_unit_id": 999999}}, "validation_failed", "tasks.0.lead_unit_id"),
    ({"task": {"lead_unit_id": None}}, "validation_failed", "tasks.0.lead_unit_id"),
    ({"task": {"content": "  "}}, "validation_failed", "tasks.0.content"),
    ({"task": {"deadline": "2026-03-01"}}, "validation_failed", "tasks.0.deadline"),
    ({"task": {"cooperating_unit_ids": [999999]}}, "validation_failed",
     "tasks.0.cooperating_unit_ids"),
    ({"task": {"priority": "very"}}, "validation_failed", "tasks.0.priority"),
    ({"tasks": []}, "validation_failed", "tasks"),
    ({"tracked": False}, "validation_failed", "tasks"),
    ({"tasks": ["not an object"]}, "validation_failed", "tasks.0"),
    # wrong JSON types are refused before any rule runs
    ({"number": 120}, "validation_failed", "number"),
    ({"tracked": "yes"}, "validation_failed", "tracked"),
    ({"tasks": {"content": "x"}}, "validation_failed", "tasks"),
    ({"task": {"lead_unit_id": "SNV"}}, "validation_failed", "tasks.0.lead_unit_id"),
    ({"task": {"lead_unit_id": 2**40}}, "validation_failed", "tasks.0.lead_unit_id"),
    ({"task": {"cooperating_unit_ids": "STC"}}, "validation_failed",
     "tasks.0.cooperating_unit_ids"),
    ({"task": {"content": ["x"]}}, "validation_failed", "tasks.0.content"),
    ({"confidentiality": "bogus"}, "validation_failed", "confidentiality"),
    # dates are YYYY-MM-DD (api.md), nothing else
    ({"issued_on": "01/12/2026"}, "validation_failed", "issued_on"),
    ({"issued_on": "2026-1-2"}, "validation_failed", "issued_on"),
    ({"issued_on": "\uff12\uff10\uff12\uff16-12-01"}, "validation_failed", "issued_on"),
    ({"task": {"deadline": "5/1/2027"}}, "validation_failed", "tasks.0.deadline"),
    ({"task": {"deadline": "2027-02-30"}}, "validation_failed", "tasks.0.deadline"),
])
def test_document_validation(app, world, changes, code, field):
    before = snapshot(app)
    resp = world.as_("specialist").post("/documents", new_document(world, **changes))
    assert resp.status_code == 422, resp.get_json()
    error = error_of(resp)
    assert error["code"] == code
    assert field in error["fields"], error
    assert error["fields"][field]
    assert snapshot(app) == before


def test_a_secret_document_is_refused_with_a_clear_message(world):
    resp = world.as_("specialist").post("/documents", new_document(world, confidentiality="toi_mat"))
    assert resp.status_code == 422
    assert "Mật" in error_of(resp)["message"]


def test_the_same_number_twice_is_refused(world):
    api = world.as_("specialist")
    assert api.post("/documents", new_document(world)).status_code == 201
    resp = api.post("/documents", new_document(world))
    assert resp.status_code == 422
    assert "number" in error_of(resp)["fields"]


@pytest.mark.parametrize("who,endpoint,task,body,field", [
    ("snv_leader", "return", "assigned", {"reason_category": "other", "reason": " "}, "reason"),
    ("snv_leader", "return", "assigned", {"reason_category": "bored", "reason": "x"},
     "reason_category"),
    ("snv_staff", "progress", "in_progress", {"content": "x", "percent": 101}, "percent"),
    ("snv_staff", "progress", "in_progress", {"content": "x", "percent": -1}, "percent"),
    ("snv_staff", "progress", "in_progress", {"content": "x", "percent": "50"}, "percent"),
    ("snv_staff", "progress", "in_progress", {"content": ""}, "content"),
    ("snv_staff", "complete", "in_progress", {"completed_on": "{tomorrow}",
                                              "result_summary": "x"}, "completed_on"),
    ("snv_staff", "complete", "in_progress", {"result_summary": "x"}, "completed_on"),
    ("snv_staff", "complete", "in_progress", {"completed_on": "hôm qua",
                                              "result_summary": "x"}, "completed_on"),
    ("snv_staff", "complete", "in_progress", {"completed_on": "{today}"}, "result_summary"),
    ("specialist", "verify", "pending", {"accepted": False, "comment": ""}, "comment"),
    ("specialist", "verify", "pending", {"comment": "Đạt"}, "accepted"),
    ("specialist", "verify", "pending", {"accepted": "yes"}, "accepted"),
    ("snv_staff", "extensions", "assigned", {"proposed_deadline": "{later}", "reason": "x"},
     "proposed_deadline"),
    ("snv_staff", "extensions", "assigned", {"proposed_deadline": "{much_later}", "reason": ""},
     "reason"),
    ("specialist", "cancel", "assigned", {"reason": ""}, "reason"),
    ("specialist", "forward", "draft", {"version": "1"}, "version"),
])
def test_action_validation(app, world, who, endpoint, task, body, field):
    values = {"today": world.today.isoformat(), "later": world.later.isoformat(),
              "tomorrow": (world.today + dt.timedelta(days=1)).isoformat(),
              "much_later": (world.later + dt.timedelta(days=60)).isoformat()}
    body = {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}
    before = snapshot(app)
    resp = world.as_(who).post(f"/tasks/{world.tasks[task]}/{endpoint}", body)
    assert resp.status_code == 422, resp.get_json()
    error = error_of(resp)
    assert field in error.get("fields", {}), error
    assert snapshot(app) == before


def test_refusing_an_extension_needs_a_reason(app, world):
    before = snapshot(app)
    resp = world.as_("leader").post(f"/extensions/{world.snv_extension}/decide", {"approved": False})
    assert resp.status_code == 422
    assert "reason" in error_of(resp)["fields"]
    resp = world.as_("leader").post(f"/extensions/{world.snv_extension}/decide", {"reason": "x"})
    assert resp.status_code == 422
    assert "approved" in error_of(resp)["fields"]
    assert snapshot(app) == before


def test_a_second_pending_extension_is_a_conflict(world):
    resp = world.as_("snv_staff").post(f"/tasks/{world.tasks['in_progress']}/extensions",
                                       {"proposed_deadline": "2099-01-01", "reason": "Thêm"})
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "extension_pending"


def test_an_extension_of_a_task_without_deadline_is_a_conflict(app, world):
    """The task's own state refuses it (no deadline to move), not the request's fields: 409
    wrong_state, as every other state conflict, and nothing is written."""
    with app.app_context():
        task = db.session.get(Task, world.tasks["assigned"])
        task.deadline, task.has_deadline = None, False
        db.session.commit()
    before = snapshot(app)
    resp = world.as_("snv_staff").post(f"/tasks/{world.tasks['assigned']}/extensions",
                                       {"proposed_deadline": "2099-01-01", "reason": "Thêm"})
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "wrong_state"
    assert snapshot(app) == before


# --- malformed input: 400, never 500 ---------------------------------------------------------

MALFORMED = {
    "not JSON": b"{bad json", "an array": b"[1, 2]", "a string": b'"text"', "null": b"null",
    "a number": b"42", "NaN": b'{"content": NaN}', "not UTF-8": b"\xff\xfe\xfa",
    "nested too deep": b"[" * 100000, "a NUL character": b'{"content": "a\\u0000b"}',
    "a lone surrogate": b'{"content": "\\ud800"}',
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_body_is_400(app, world, data):
    before = snapshot(app)
    resp = world.as_("stc_staff").call("POST", f"/tasks/{world.tasks['in_progress']}/progress",
                                       data=data, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert error_of(resp)["code"] in ("malformed_json", "unstorable_text")
    assert snapshot(app) == before


def test_a_non_object_document_body_is_400(world):
    resp = world.as_("specialist").call("POST", "/documents", data=b"[]",
                                        headers={"Content-Type": "application/json"})
    assert resp.status_code == 400


@pytest.mark.parametrize("query", [
    "/tasks?limit=0", "/tasks?limit=201", "/tasks?limit=abc", "/tasks?limit=-1",
    "/tasks?limit=%D9%A1", "/tasks?cursor=%%%", "/tasks?cursor=bm90aGluZw",
    "/tasks?cursor=aWQ6LTE", "/tasks?state=open", "/tasks?state=", "/tasks?timeliness=late",
    "/tasks?unit_id=x", "/tasks?unit_id=99999999999", "/tasks?document_id=1.5",
    "/tasks?deadline_from=2026-13-01", "/tasks?deadline_to=", "/tasks?q=a%00b",
    "/tasks?deadline_from=01/12/2026", "/calendar/working-day?date=02/01/2026",
    "/calendar/working-day?date=2026-1-2", "/calendar/add-working-days?start=1/9/2026&days=1",
    "/units?limit=1000", "/calendar/working-day", "/calendar/working-day?date=tomorrow",
    "/calendar/add-working-days?start=2026-01-01", "/calendar/add-working-days?start=2026-01-01&days=-1",
    "/calendar/add-working-days?start=2026-01-01&days=100000",
    "/calendar/add-working-days?start=9999-12-30&days=5",
    "/reports/period?kind=week&year=2026&number=1", "/reports/period?kind=month&year=2026&number=13",
    "/reports/period?kind=quarter&year=2026&number=5", "/reports/period?kind=half&year=2026&number=2",
    "/reports/period?kind=year&year=1&number=1", "/reports/period?kind=year&year=2026",
    "/reports/period?kind=month&year=abc&number=1", "/reports/statistics?kind=month&year=2026&number=0",
])
def test_a_bad_query_parameter_is_400(world, query):
    resp = world.as_("leader").get(query)
    assert resp.status_code == 400, resp.get_json()
    error = error_of(resp)
    assert error["message"]
    assert error.get("fields"), error


def test_a_date_not_written_yyyy_mm_dd_is_refused_saying_how_to_write_it(world):
    resp = world.as_("leader").get("/calendar/working-day?date=02/01/2026")
    assert "YYYY-MM-DD" in error_of(resp)["fields"]["date"]
    resp = world.as_("specialist", "en").post("/documents", new_document(
        world, issued_on="01/12/2026"))
    assert error_of(resp)["fields"]["issued_on"] == (
        "“01/12/2026” is not a valid date (use YYYY-MM-DD).")


def test_unknown_paths_and_methods_answer_json(world):
    resp = world.as_("leader").get("/no/such/path")
    assert resp.status_code == 404 and error_of(resp)["code"] == "not_found"
    resp = world.as_("leader").call("DELETE", f"/tasks/{world.tasks['assigned']}")
    assert resp.status_code == 405 and error_of(resp)["code"] == "method_not_allowed"
    resp = world.as_("leader").get("/tasks/abc")
    assert resp.status_code == 404 and error_of(resp)["code"] == "not_found"
    resp = Api(world.app, None).post("/no/such/path", {"x": 1})  # not a CSRF refusal
    assert resp.status_code == 404 and error_of(resp)["code"] == "not_found"


# --- languages -------------------------------------------------------------------------------

def test_messages_are_vietnamese_by_default_and_english_on_request(app, world):
    path = f"/tasks/{world.tasks['in_progress']}/forward"
    vi = error_of(world.as_("specialist").post(path))["message"]
    en = error_of(world.as_("specialist", "en").post(path))["message"]
    assert vi.startswith("Không thể thực hiện") and "Đang thực hiện" in vi
    assert en.startswith("This cannot be done") and "In progress" in en
    assert error_of(Api(app, None, "en").get("/me"))["message"].startswith("Send an API token")
    assert error_of(Api(app, None).get("/me"))["message"].startswith("Gửi mã truy cập API")
    resp = world.as_("specialist", "en-GB,en;q=0.9").post("/documents",
                                                          new_document(world, confidentiality="mat"))
    assert error_of(resp)["message"].startswith("Secret documents")


# --- paging ----------------------------------------------------------------------------------

def test_cursor_paging_walks_every_task_once(world):
    api = world.as_("specialist")
    seen, cursor, pages = [], None, 0
    while True:
        resp = api.get("/tasks?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert resp.status_code == 200
        body = resp.get_json()
        assert len(body["items"]) <= 2
        seen += [t["id"] for t in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(world.tasks.values(), reverse=True)


def test_paging_keeps_the_filters_and_the_scope(world):
    api = world.as_("snv_staff")
    first = api.get("/tasks?limit=1&state=assigned").get_json()
    assert [t["id"] for t in first["items"]] == [world.tasks["assigned"]]
    assert first["next_cursor"] is None
    page = api.get("/tasks?limit=3").get_json()
    rest = api.get(f"/tasks?limit=3&cursor={page['next_cursor']}").get_json()
    assert [t["id"] for t in page["items"] + rest["items"]] == sorted(
        (world.tasks[k] for k in ("assigned", "in_progress", "pending", "returned")), reverse=True)


def test_units_are_paged_too(world):
    first = world.as_("snv_staff").get("/units?limit=3").get_json()
    second = world.as_("snv_staff").get(f"/units?limit=3&cursor={first['next_cursor']}").get_json()
    assert [u["code"] for u in first["items"] + second["items"]] == ["VP", "SNV", "STC", "HBT"]
    assert second["next_cursor"] is None


# --- calendar --------------------------------------------------------------------------------

def test_working_day_calendar(world):
    api = world.as_("hbt_staff")
    assert api.get("/calendar/working-day?date=2026-09-02").get_json() == {
        "date": "2026-09-02", "is_working_day": False, "name": "Quốc khánh"}
    assert api.get("/calendar/working-day?date=2026-03-03").get_json() == {
        "date": "2026-03-03", "is_working_day": True}
    resp = api.get("/calendar/add-working-days?start=2026-09-01&days=1").get_json()
    assert resp == {"start": "2026-09-01", "days": 1, "result": "2026-09-03"}
    assert api.get("/calendar/add-working-days?start=2026-09-01&days=0").get_json()["result"] == "2026-09-01"
