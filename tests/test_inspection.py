"""Inspection screens (Đ12–14): who may see and do what, for every screen and action.

The world: team T (open, led by ``lead`` with ``member``) inspects Sở Nội vụ (SNV); team O
(open, led by ``other``, an inspector of another team) inspects Sở Tài chính; team D is a
draft of ``lead``; Sở Y tế (SYT) is inspected by nobody. Every row carries a marker
(``zq…zq``), so a leak is found by looking for markers in response bodies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from cddh.models import (
    Attachment,
    InspectedUnit,
    InspectionDocumentRequest,
    InspectionFinding,
    InspectionKind,
    InspectionMember,
    InspectionPlan,
    InspectionRecommendation,
    InspectionStatus,
    InspectionTeam,
    Role,
    Task,
    TaskState,
    UnitCategory,
    db,
    utcnow,
)
from cddh.services import attachments

from .conftest import make_document, make_task, make_unit, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PERSONAS = ("admin", "specialist", "leader", "lead", "member", "other", "snv_staff",
            "syt_staff")
OFFICE = {"admin", "specialist", "leader"}
UNIT_USERS = {"snv_staff", "syt_staff"}
St = InspectionStatus


@dataclasses.dataclass
class World:
    users: dict
    ids: dict

    def __getitem__(self, key):
        return self.ids[key]


def build_world(app) -> World:
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        snv = make_unit("SNV", name="Sở Nội vụ")
        stc = make_unit("STC", name="Sở Tài chính")
        syt = make_unit("SYT", name="Sở Y tế")
        users = {
            "admin": make_user(Role.admin, office, "admin"),
            "specialist": make_user(Role.office_specialist, office, "chuyenvien"),
            "leader": make_user(Role.leader, office, "lanhdao"),
            "lead": make_user(Role.inspector, office, "truongdoan"),
            "member": make_user(Role.inspector, office, "thanhvien"),
            "other": make_user(Role.inspector, office, "doankhac"),
            "snv_staff": make_user(Role.unit_staff, snv, "canbo.snv"),
            "syt_staff": make_user(Role.unit_staff, syt, "canbo.syt"),
        }
        doc = make_document()
        tasks = {key: make_task(unit, document=doc, content=f"zqtask{key}zq Báo cáo")
                 for key, unit in (("snv", snv), ("stc", stc), ("syt", syt))}
        plan = InspectionPlan(year=2026, title="zqplanpzq Kế hoạch kiểm tra năm 2026",
                              status=St.approved, decision_number="10/QĐ-UBND",
                              decision_date=dt.date(2026, 1, 15))
        draft_plan = InspectionPlan(year=2027, title="zqplandpzq Dự thảo kế hoạch 2027")
        db.session.add_all([plan, draft_plan])
        db.session.flush()
        teams = {
            "T": InspectionTeam(name="zqteamtzq Đoàn kiểm tra số 1", plan_id=plan.id,
                                kind=InspectionKind.regular, lead_id=users["lead"].id,
                                decision_number="25/QĐ-UBND", decision_date=dt.date(2026, 3, 1),
                                start_on=dt.date(2026, 3, 2), end_on=dt.date(2026, 12, 30),
                                status=St.in_progress),
            "O": InspectionTeam(name="zqteamozq Đoàn kiểm tra đột xuất", kind=InspectionKind.ad_hoc,
                                ground="Chỉ đạo của Chủ tịch", lead_id=users["other"].id,
                                decision_number="26/QĐ-UBND", status=St.in_progress),
            "D": InspectionTeam(name="zqteamdzq Đoàn dự kiến", plan_id=plan.id,
                                kind=InspectionKind.regular, lead_id=users["lead"].id),
        }
        db.session.add_all(teams.values())
        db.session.flush()
        db.session.add_all([
            InspectionMember(team_id=teams["T"].id, user_id=users["member"].id),
            InspectionMember(team_id=teams["T"].id, external_name="zqinviteezq Ông Khách",
                             external_organisation="Sở Tư pháp"),
        ])
        inspected = {"T": InspectedUnit(team_id=teams["T"].id, unit_id=snv.id),
                     "O": InspectedUnit(team_id=teams["O"].id, unit_id=stc.id),
                     "D": InspectedUnit(team_id=teams["D"].id, unit_id=snv.id)}
        db.session.add_all(inspected.values())
        requests = {"T": InspectionDocumentRequest(team_id=teams["T"].id, unit_id=snv.id,
                                                   what="zqreqtzq Báo cáo tự kiểm tra",
                                                   due_on=dt.date(2026, 12, 1)),
                    "O": InspectionDocumentRequest(team_id=teams["O"].id, unit_id=stc.id,
                                                   what="zqreqozq Báo cáo", due_on=dt.date(2026, 12, 1))}
        db.session.add_all(requests.values())
        db.session.flush()
        file = attachments.store("bao-cao.pdf", PDF, uploader=users["snv_staff"],
                                 inspection_request_id=requests["T"].id)
        findings = {"T": InspectionFinding(team_id=teams["T"].id, unit_id=snv.id,
                                           content="zqfindtzq Chậm cập nhật", tasks=[tasks["snv"]],
                                           recorded_by_id=users["lead"].id, recorded_at=utcnow()),
                    "O": InspectionFinding(team_id=teams["O"].id, unit_id=stc.id,
                                           content="zqfindozq Thiếu báo cáo", recorded_at=utcnow())}
        recs = {"T": InspectionRecommendation(team_id=teams["T"].id, unit_id=snv.id,
                                              content="zqrectzq Cập nhật đầy đủ tiến độ"),
                "O": InspectionRecommendation(team_id=teams["O"].id, unit_id=stc.id,
                                              content="zqrecozq Báo cáo đúng hạn")}
        db.session.add_all([*findings.values(), *recs.values()])
        db.session.commit()
        for user in users.values():
            user.id, user.unit.id  # noqa: B018  (loads the row before the context ends)
        ids = {"plan": plan.id, "draft_plan": draft_plan.id, "file": file.id,
               "snv": snv.id, "stc": stc.id, "syt": syt.id}
        for key in teams:
            ids[f"team_{key}"] = teams[key].id
            ids[f"inspected_{key}"] = inspected[key].id
        for key in ("T", "O"):
            ids[f"request_{key}"] = requests[key].id
            ids[f"finding_{key}"] = findings[key].id
            ids[f"rec_{key}"] = recs[key].id
        for key, task in tasks.items():
            ids[f"task_{key}"] = task.id
        ids["member_row"] = db.session.scalar(sa.select(InspectionMember.id).where(
            InspectionMember.user_id == users["member"].id))
        return World(users, ids)


@pytest.fixture
def world(app):
    return build_world(app)


# --- what each persona may read ------------------------------------------------------------------

# screen -> {row key: marker}
ROWS = {
    "inspection_plans": {"plan": "zqplanpzq", "draft_plan": "zqplandpzq"},
    "inspection_teams": {"team_T": "zqteamtzq", "team_O": "zqteamozq", "team_D": "zqteamdzq"},
    "inspection_requests": {"request_T": "zqreqtzq", "request_O": "zqreqozq"},
    "inspection_findings": {"finding_T": "zqfindtzq", "finding_O": "zqfindozq"},
    "inspection_recommendations": {"rec_T": "zqrectzq", "rec_O": "zqrecozq"},
}
ALL_ROWS = {k for rows in ROWS.values() for k in rows}
TEAM_T = {"team_T", "request_T", "finding_T", "rec_T"}
TEAM_O = {"team_O", "request_O", "finding_O", "rec_O"}
READS = {
    **{p: ALL_ROWS for p in OFFICE},
    "lead": {"plan", "team_D"} | TEAM_T,
    "member": {"plan"} | TEAM_T,
    "other": {"plan"} | TEAM_O,
    "snv_staff": {"request_T"},
    "syt_staff": set(),
}
# What may appear as context of a readable row: the request names its team.
CONTEXT = {"snv_staff": {"team_T"}}
OPEN_TO = {
    "inspection_plans": OFFICE | {"lead", "member", "other"},
    "inspection_teams": OFFICE | {"lead", "member", "other"},
    "inspection_findings": OFFICE | {"lead", "member", "other"},
    "inspection_recommendations": OFFICE | {"lead", "member", "other"},
    "inspection_requests": set(PERSONAS),
}
TASK_MARKERS = {"snv": "zqtasksnvzq", "stc": "zqtaskstczq", "syt": "zqtasksytzq"}
READS_TASKS = {**{p: set(TASK_MARKERS) for p in OFFICE}, "lead": {"snv"}, "member": {"snv"},
               "other": {"stc"}, "snv_staff": {"snv"}, "syt_staff": {"syt"}}


def forbidden(persona) -> set[str]:
    """Markers this persona must never be shown, on any inspection page."""
    allowed = READS[persona] | CONTEXT.get(persona, set())
    rows = {m for screen in ROWS.values() for k, m in screen.items() if k not in allowed}
    tasks = {m for k, m in TASK_MARKERS.items() if k not in READS_TASKS[persona]}
    invitee = set() if READS[persona] & {"team_T"} else {"zqinviteezq"}
    return rows | tasks | invitee


def body(resp) -> str:
    return resp.get_data().decode("utf-8", "replace")


def no_leak(resp, persona, what):
    found = sorted(m for m in forbidden(persona) if m in body(resp))
    assert not found, f"{persona} {what}: HTTP {resp.status_code} shows {found}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("screen", sorted(ROWS))
def test_lists_show_exactly_the_rows_in_scope(world, browser, app, screen, persona):
    br = browser(world.users[persona])
    resp = br.get(f"/{screen.replace('_', '_', 1)}/")
    if persona not in OPEN_TO[screen]:
        assert resp.status_code == 403
        return
    assert resp.status_code == 200
    no_leak(resp, persona, f"list of {screen}")
    for key, marker in ROWS[screen].items():
        assert (marker in body(resp)) == (key in READS[persona]), (persona, screen, key)


@pytest.mark.parametrize("persona", PERSONAS)
def test_details_pages_open_only_rows_in_scope(world, browser, persona):
    br = browser(world.users[persona])
    for screen, rows in ROWS.items():
        for key, marker in rows.items():
            resp = br.get(f"/{screen}/details/?id={world[key]}")
            if persona not in OPEN_TO[screen]:
                assert resp.status_code == 403, (persona, key)
            elif key in READS[persona]:
                assert resp.status_code == 200 and marker in body(resp), (persona, key)
            else:  # absent: Flask-Admin's "record does not exist" redirect
                assert resp.status_code == 302, (persona, key)
            no_leak(resp, persona, f"details of {key}")


def test_team_page_shows_the_team_work_to_its_members(world, browser):
    page = body(browser(world.users["member"]).get(f"/inspection_teams/details/?id={world['team_T']}"))
    for marker in ("zqreqtzq", "zqfindtzq", "zqrectzq", "zqinviteezq", "bao-cao.pdf", "zqtasksnvzq"):
        assert marker in page
    # a member reads; the lead's forms are not offered
    assert 'data-action="finding"' not in page and 'data-action="request"' not in page
    lead_page = body(browser(world.users["lead"]).get(f"/inspection_teams/details/?id={world['team_T']}"))
    for action in ("request", "finding", "conclusion", "recommendation", "follow_up", "close",
                   "add_member"):
        assert f'data-action="{action}"' in lead_page, action
    assert 'data-action="add_unit"' not in lead_page  # the decision fixed the units


def test_cited_tasks_are_shown_by_number_only_once_the_inspection_is_closed(world, browser, app):
    with app.app_context():
        db.session.get(InspectionTeam, world["team_T"]).status = St.closed
        db.session.commit()
    page = body(browser(world.users["member"]).get(f"/inspection_teams/details/?id={world['team_T']}"))
    assert "zqfindtzq" in page and "zqtasksnvzq" not in page
    assert f"#{world['task_snv']}" in page


def test_search_and_filters_do_not_reach_other_teams(world, browser):
    br = browser(world.users["other"])
    for query in ("teamt", "25/QĐ-UBND", "số 1"):  # the page echoes the term: not the marker
        resp = br.get("/inspection_teams/", query_string={"search": query})
        assert resp.status_code == 200 and "zqteamtzq" not in body(resp)
    resp = br.get("/inspection_requests/", query_string={"flt0_0": world["snv"]})
    no_leak(resp, "other", "filtered requests")


def test_generic_doors_are_closed(world, browser):
    """No delete, no inline edit, no export of inspection rows, for anyone."""
    for persona in ("admin", "specialist", "leader", "lead"):
        br = browser(world.users[persona])
        for screen, rows in ROWS.items():
            key = next(iter(rows))
            assert br.post(f"/{screen}/delete/", data={"id": world[key]}).status_code in (302, 403)
            assert br.post(f"/{screen}/ajax/update/", data={
                "list_form_pk": world[key], "name": "x"}).status_code in (403, 404, 405)
            export = br.get(f"/{screen}/export/csv/")
            assert export.status_code in (302, 403), (persona, screen)
            for field in ("team", "plan", "lead", "unit", "tasks", "follow_up_task"):
                lookup = br.get(f"/{screen}/ajax/lookup/", query_string={"name": field, "query": ""})
                assert lookup.status_code == 404, (persona, screen, field)  # no ajax field
    with br.client.application.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InspectionTeam)) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InspectionPlan)) == 2


# --- who may do what ------------------------------------------------------------------------------

@dataclasses.dataclass
class Act:
    """One action: who may, how to post it, on which row, and how to see that it happened."""

    allowed: set[str]
    url: str
    target: str | None  # the row key the action loads (None: a new row)
    data: callable = None  # World -> dict
    done: callable = None  # World -> bool (in an app context)
    setup: callable = None  # World -> None (in an app context), before the request
    method: str = "post"


def _team(key):
    return lambda w: db.session.get(InspectionTeam, w[f"team_{key}"])


def _count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _act(team_key, action, **fields):
    return lambda w: {"id": w[f"team_{team_key}"], "action": action,
                      **{k: (v(w) if callable(v) else v) for k, v in fields.items()}}


def _conclude_T(w):
    db.session.get(InspectedUnit, w["inspected_T"]).conclusion = "Đạt yêu cầu"


def _approve_D(w):
    team = db.session.get(InspectionTeam, w["team_D"])
    team.status, team.decision_number, team.decision_date = St.approved, "30/QĐ", dt.date(2026, 4, 1)


TEAM_FORM = {"name": "zqnewteamzq Đoàn kiểm tra mới", "kind": "regular",
             "covers_task_results": "y", "start_on": "2026-05-04", "end_on": "2026-05-29"}

ACTIONS = {
    "create_plan": Act({"specialist"}, "/inspection_plans/new/", None,
                       lambda w: {"year": "2027", "title": "zqnewplanzq Kế hoạch 2027"},
                       lambda w: _count(InspectionPlan, InspectionPlan.title.like("zqnewplanzq%")) == 1),
    "edit_draft_plan": Act({"specialist"}, "/inspection_plans/edit/?id={draft_plan}", "draft_plan",
                           lambda w: {"year": "2027", "title": "zqeditedzq"},
                           lambda w: _count(InspectionPlan, InspectionPlan.title == "zqeditedzq") == 1),
    "edit_approved_plan": Act(set(), "/inspection_plans/edit/?id={plan}", "plan",
                              lambda w: {"year": "2026", "title": "zqeditedzq"},
                              lambda w: _count(InspectionPlan, InspectionPlan.title == "zqeditedzq") == 1),
    "approve_plan": Act({"leader"}, "/inspection_plans/approve/", "draft_plan",
                        lambda w: {"id": w["draft_plan"], "decision_number": "99/QĐ-UBND",
                                   "decision_date": "2026-12-20"},
                        lambda w: db.session.get(InspectionPlan, w["draft_plan"]).status == St.approved),
    "create_team": Act({"specialist", "lead", "member", "other"}, "/inspection_teams/new/", None,
                       lambda w: {**TEAM_FORM, "plan": w["plan"], "lead": w.users["lead"].id},
                       lambda w: _count(InspectionTeam, InspectionTeam.name.like("zqnewteamzq%")) == 1),
    "edit_draft_team": Act({"specialist", "lead"}, "/inspection_teams/edit/?id={team_D}", "team_D",
                           lambda w: {**TEAM_FORM, "name": "zqeditedzq", "plan": w["plan"],
                                      "lead": w.users["lead"].id},
                           lambda w: _count(InspectionTeam, InspectionTeam.name == "zqeditedzq") == 1),
    "edit_open_team": Act(set(), "/inspection_teams/edit/?id={team_T}", "team_T",
                          lambda w: {**TEAM_FORM, "name": "zqeditedzq", "plan": w["plan"],
                                     "lead": w.users["lead"].id},
                          lambda w: _count(InspectionTeam, InspectionTeam.name == "zqeditedzq") == 1),
    "approve_team": Act({"leader"}, "/inspection_teams/act/", "team_D",
                        _act("D", "approve", decision_number="31/QĐ-UBND", decision_date="2026-04-01"),
                        lambda w: _team("D")(w).status == St.approved),
    "start": Act({"lead"}, "/inspection_teams/act/", "team_D", _act("D", "start"),
                 lambda w: _team("D")(w).status == St.in_progress, setup=_approve_D),
    "close": Act({"lead"}, "/inspection_teams/act/", "team_T", _act("T", "close"),
                 lambda w: _team("T")(w).status == St.closed, setup=_conclude_T),
    "add_member_open": Act({"lead"}, "/inspection_teams/act/", "team_T",
                           _act("T", "add_member", external_name="Bà Mời", external_organisation="Sở Tư pháp"),
                           lambda w: _count(InspectionMember, InspectionMember.external_name == "Bà Mời") == 1),
    "add_member_draft": Act({"specialist", "lead"}, "/inspection_teams/act/", "team_D",
                            _act("D", "add_member", user_id=lambda w: w.users["member"].id),
                            lambda w: _count(InspectionMember, InspectionMember.team_id == w["team_D"]) == 1),
    "remove_member": Act({"lead"}, "/inspection_teams/act/", "team_T",
                         _act("T", "remove_member", member_id=lambda w: w["member_row"]),
                         lambda w: _count(InspectionMember, InspectionMember.id == w["member_row"]) == 0),
    "add_unit": Act({"specialist", "lead"}, "/inspection_teams/act/", "team_D",
                    _act("D", "add_unit", unit_id=lambda w: w["syt"]),
                    lambda w: _count(InspectedUnit, InspectedUnit.team_id == w["team_D"]) == 2),
    "add_unit_open": Act(set(), "/inspection_teams/act/", "team_T",
                         _act("T", "add_unit", unit_id=lambda w: w["syt"]),
                         lambda w: _count(InspectedUnit, InspectedUnit.team_id == w["team_T"]) == 2),
    "remove_unit": Act({"specialist", "lead"}, "/inspection_teams/act/", "team_D",
                       _act("D", "remove_unit", inspected_unit_id=lambda w: w["inspected_D"]),
                       lambda w: _count(InspectedUnit, InspectedUnit.team_id == w["team_D"]) == 0),
    "request": Act({"lead"}, "/inspection_teams/act/", "team_T",
                   _act("T", "request", inspected_unit_id=lambda w: w["inspected_T"],
                        what="Báo cáo kết quả 6 tháng", due_on="2099-01-01"),
                   lambda w: _count(InspectionDocumentRequest,
                                    InspectionDocumentRequest.team_id == w["team_T"]) == 2),
    "finding": Act({"lead"}, "/inspection_teams/act/", "team_T",
                   _act("T", "finding", inspected_unit_id=lambda w: w["inspected_T"],
                        content="Chưa cập nhật tiến độ", is_shortcoming="y",
                        task_ids=lambda w: [str(w["task_snv"])]),
                   lambda w: _count(InspectionFinding, InspectionFinding.team_id == w["team_T"]) == 2),
    "conclusion": Act({"lead"}, "/inspection_teams/act/", "team_T",
                      _act("T", "conclusion", inspected_unit_id=lambda w: w["inspected_T"],
                           conclusion="Cơ bản hoàn thành"),
                      lambda w: db.session.get(InspectedUnit, w["inspected_T"]).conclusion == "Cơ bản hoàn thành"),
    "recommendation": Act({"lead"}, "/inspection_teams/act/", "team_T",
                          _act("T", "recommendation", inspected_unit_id=lambda w: w["inspected_T"],
                               content="Bố trí cán bộ cập nhật"),
                          lambda w: _count(InspectionRecommendation,
                                           InspectionRecommendation.team_id == w["team_T"]) == 2),
    "follow_up": Act({"lead"}, "/inspection_teams/act/", "team_T",
                     _act("T", "follow_up", recommendation_id=lambda w: w["rec_T"], deadline="2099-06-30",
                          notice_number="12/TB-VPUBND", notice_date="2026-06-01"),
                     lambda w: db.session.get(InspectionRecommendation, w["rec_T"]).follow_up_task_id is not None),
    "upload": Act({"snv_staff"}, "/inspection_requests/upload/", "request_T",
                  lambda w: {"id": w["request_T"], "files": (io.BytesIO(PDF), "bo-sung.pdf")},
                  lambda w: _count(Attachment, Attachment.filename == "bo-sung.pdf") == 1),
    "conclusion_html": Act(OFFICE | {"lead", "member"}, "/inspection_teams/conclusion/?id={team_T}",
                           "team_T", method="get"),
    "conclusion_xlsx": Act(OFFICE | {"lead", "member"}, "/inspection_teams/conclusion.xlsx?id={team_T}",
                           "team_T", method="get"),
    "download_request_file": Act(OFFICE | {"lead", "member", "snv_staff"}, "/attachments/{file}",
                                 "request_T", method="get"),
}


def expected_refusal(act: Act, persona: str) -> set[int]:
    """How a refused action answers: 403 on a closed screen, 404 (302 from Flask-Admin's own
    edit) for a row out of scope, else the page again (200) or back to it (302)."""
    screen = act.url.split("/")[1]
    if screen in OPEN_TO and persona not in OPEN_TO[screen]:
        return {403}
    if act.target and act.target not in READS[persona]:
        return {302} if "/edit/" in act.url else {404}
    return {200, 302}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_who_may_do_what(world, browser, app, name, persona):
    act = ACTIONS[name]
    if act.setup:
        with app.app_context():
            act.setup(world)
            db.session.commit()
    br = browser(world.users[persona])
    url = act.url.format(**world.ids)
    if act.method == "get":
        resp = br.get(url)
        expected = {200} if persona in act.allowed else {403, 404}
        assert resp.status_code in expected, (name, persona, resp.status_code)
        no_leak(resp, persona, name)
        return
    resp = br.post(url, data=act.data(world), content_type="multipart/form-data")
    expected = {302} if persona in act.allowed else expected_refusal(act, persona)
    assert resp.status_code in expected, (name, persona, resp.status_code, _flashes(br))
    no_leak(resp, persona, name)
    with app.app_context():
        happened = act.done(world)
    assert happened == (persona in act.allowed), (name, persona, resp.status_code, _flashes(br))


def _flashes(br):
    with br.client.session_transaction() as sess:
        return sess.get("_flashes", [])


def test_refused_screens_answer_403_to_unit_users(world, browser):
    for persona in UNIT_USERS:
        br = browser(world.users[persona])
        for url in ("/inspection_teams/act/", "/inspection_plans/approve/"):
            assert br.post(url, data={"id": world["team_T"], "action": "finding"}).status_code == 403
        for url in ("/inspection_teams/new/", f"/inspection_teams/conclusion/?id={world['team_T']}"):
            assert br.get(url).status_code == 403


def test_an_inspector_leads_the_team_they_form(world, browser, app):
    br = browser(world.users["member"])
    resp = br.post("/inspection_teams/new/", data={**TEAM_FORM, "plan": world["plan"],
                                                   "lead": world.users["other"].id})
    assert resp.status_code == 302
    with app.app_context():
        team = db.session.scalar(sa.select(InspectionTeam).where(InspectionTeam.name.like("zqnew%")))
        assert team.lead_id == world.users["member"].id and team.status == St.draft
    form = body(br.get("/inspection_teams/new/"))
    assert 'name="lead"' not in form and "zqplandpzq" not in form  # no lead field; no draft plan


def test_the_other_inspector_cannot_reach_team_T_by_any_id(world, browser, app):
    br = browser(world.users["other"])
    for action in ("finding", "request", "conclusion", "recommendation", "follow_up", "close",
                   "add_member", "remove_member"):
        resp = br.post("/inspection_teams/act/", data={
            "id": world["team_T"], "action": action, "inspected_unit_id": world["inspected_T"],
            "content": "x", "what": "x", "due_on": "2099-01-01", "conclusion": "x",
            "recommendation_id": world["rec_T"], "deadline": "2099-01-01"})
        assert resp.status_code == 404, action
    # nor point its own team's actions at team T's rows
    resp = br.post("/inspection_teams/act/", data={
        "id": world["team_O"], "action": "finding", "inspected_unit_id": world["inspected_T"],
        "content": "zqsneakzq"})
    assert resp.status_code == 302
    resp = br.post("/inspection_teams/act/", data={
        "id": world["team_O"], "action": "follow_up", "recommendation_id": world["rec_T"],
        "deadline": "2099-01-01", "notice_number": "1/TB", "notice_date": "2026-06-01"})
    with app.app_context():
        assert _count(InspectionFinding, InspectionFinding.content == "zqsneakzq") == 0
        assert db.session.get(InspectionRecommendation, world["rec_T"]).follow_up_task_id is None


def test_a_finding_cites_only_tasks_of_its_unit(world, browser, app):
    br = browser(world.users["lead"])
    br.post("/inspection_teams/act/", data={
        "id": world["team_T"], "action": "finding", "inspected_unit_id": world["inspected_T"],
        "content": "zqwrongtaskzq", "task_ids": [str(world["task_syt"])]})
    with app.app_context():
        assert _count(InspectionFinding, InspectionFinding.content == "zqwrongtaskzq") == 0
    assert [c for c, _m in _flashes(br)] == ["error"]


def test_inspected_unit_user_cannot_upload_to_another_units_request(world, browser, app):
    br = browser(world.users["syt_staff"])
    resp = br.post("/inspection_requests/upload/", data={
        "id": world["request_T"], "files": (io.BytesIO(PDF), "la.pdf")},
        content_type="multipart/form-data")
    assert resp.status_code == 404
    with app.app_context():
        assert _count(Attachment, Attachment.filename == "la.pdf") == 0


def test_inspector_reads_inspected_tasks_only_while_the_team_is_open(world, browser, app):
    for persona in ("lead", "member"):
        br = browser(world.users[persona])
        assert "zqtasksnvzq" in body(br.get("/tasks/"))
        assert br.get(f"/tasks/details/?id={world['task_snv']}").status_code == 200
        # read-only: no action is offered and none is accepted
        page = body(br.get(f"/tasks/details/?id={world['task_snv']}"))
        assert "task-action" not in page
        br.post("/tasks/act/", data={"id": world["task_snv"], "action": "receive"})
    other = browser(world.users["other"])
    assert "zqtasksnvzq" not in body(other.get("/tasks/"))
    assert other.get(f"/tasks/details/?id={world['task_snv']}").status_code == 302
    with app.app_context():
        assert db.session.get(Task, world["task_snv"]).state == TaskState.assigned
        db.session.get(InspectionTeam, world["team_T"]).status = St.closed
        db.session.commit()
    assert "zqtasksnvzq" not in body(browser(world.users["lead"]).get("/tasks/"))


def test_every_inspection_screen_is_scoped_and_every_custom_door_is_tested(app):
    """A new inspection endpoint must join the tables above before it ships."""
    from cddh.views.base import ScopedModelView

    admin = app.extensions["admin"][0]
    views = {v.endpoint: v for v in admin._views if v.endpoint.startswith("inspection_")}
    assert set(views) == set(ROWS)
    assert all(isinstance(v, ScopedModelView) for v in views.values())
    custom = {f"{ep}.{name}" for ep, v in views.items() for _url, name, _m in v._urls
              if name not in {"index_view", "create_view", "edit_view", "details_view",
                              "delete_view", "action_view", "export", "ajax_lookup",
                              "ajax_update"}}
    assert custom == {"inspection_plans.approve_view", "inspection_teams.act_view",
                      "inspection_teams.conclusion_view", "inspection_teams.conclusion_xlsx_view",
                      "inspection_requests.upload_view"}
    assert all(not v.action_roles for v in views.values())  # no bulk action for anyone
