"""Inspection rules (Đ12–14) in the service, the follow-up task's path into the normal
lifecycle and the statistics, the conclusion exports, and the ranking's shortcoming count."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from cddh.models import (
    DocType,
    Document,
    InspectedUnit,
    InspectionFinding,
    InspectionKind,
    InspectionPlan,
    InspectionRecommendation,
    InspectionStatus,
    InspectionTeam,
    Notification,
    Role,
    Task,
    TaskHistory,
    TaskState,
    User,
    db,
)
from cddh.services import Conflict, DomainError, NotAllowed
from cddh.services import inspection as service
from cddh.services.clock import local_today
from cddh.services.statistics import unit_statistics

from .conftest import make_unit, make_user
from .test_inspection import PDF, build_world

St = InspectionStatus
FUTURE = (local_today() + dt.timedelta(days=60)).isoformat()


def refused(call, field: str | None = None, kind=DomainError):
    """The call is refused with ``kind``, naming ``field`` (messages are translated)."""
    with pytest.raises(kind) as exc:
        call()
    if field:
        assert field in exc.value.fields, exc.value.fields
    return exc.value


class Upload:
    """What request.files gives a service: a name and a read()."""

    def __init__(self, filename: str, content: bytes):
        self.filename, self._content = filename, content

    def read(self) -> bytes:
        return self._content


@pytest.fixture
def w(app):
    world = build_world(app)
    with app.test_request_context():
        yield world
        db.session.rollback()


def user(w, persona) -> User:
    return db.session.get(User, w.users[persona].id)


def team(w, key="T") -> InspectionTeam:
    return db.session.get(InspectionTeam, w[f"team_{key}"])


# --- plans and teams ------------------------------------------------------------------------------

def test_plan_is_approved_once_by_a_leader_with_its_decision(w):
    plan = db.session.get(InspectionPlan, w["draft_plan"])
    with pytest.raises(NotAllowed):
        service.approve_plan(user(w, "specialist"), plan, decision_number="1", decision_date="2026-01-02")
    refused(lambda: service.approve_plan(user(w, "leader"), plan, decision_number=" ",
                                         decision_date="2026-01-02"), "decision_number")
    service.approve_plan(user(w, "leader"), plan, decision_number="5/QĐ-UBND", decision_date="02/01/2026")
    assert plan.status == St.approved and plan.decision_date == dt.date(2026, 1, 2)
    assert plan.approved_by_id == w.users["leader"].id and plan.approved_at is not None
    with pytest.raises(Conflict):
        service.approve_plan(user(w, "leader"), plan, decision_number="6", decision_date="2026-01-03")
    with pytest.raises(Conflict):
        service.prepare_plan(user(w, "specialist"), plan, is_created=False)


def _new_team(w, **kw) -> InspectionTeam:
    fields = dict(name="Đoàn mới", kind=InspectionKind.regular, plan_id=w["plan"],
                  covers_task_results=True, covers_system_updates=False, covers_reporting=False)
    fields.update(kw)
    return InspectionTeam(**fields)


@pytest.mark.parametrize("change, field", [
    ({"plan_id": None}, "plan"),
    ({"kind": InspectionKind.ad_hoc, "plan_id": None, "ground": ""}, "ground"),
    ({"covers_task_results": False}, "covers_task_results"),
    ({"start_on": dt.date(2026, 5, 10), "end_on": dt.date(2026, 5, 1)}, "end_on"),
    ({"name": "  "}, "name"),
])
def test_a_team_needs_its_basis_contents_and_schedule(w, change, field):
    refused(lambda: service.prepare_team(user(w, "lead"), _new_team(w, **change), is_created=True),
            field)


def test_a_regular_team_needs_an_approved_plan(w):
    refused(lambda: service.prepare_team(user(w, "lead"), _new_team(w, plan_id=w["draft_plan"]),
                                         is_created=True), "plan")


def test_an_ad_hoc_team_with_its_ground_needs_no_plan(w):
    t = _new_team(w, kind=InspectionKind.ad_hoc, plan_id=None, ground="Yêu cầu của Chủ tịch")
    service.prepare_team(user(w, "lead"), t, is_created=True)
    assert t.lead.id == w.users["lead"].id and t.status == St.draft


def test_a_specialist_names_a_lead_who_may_lead(w):
    t = _new_team(w, lead=user(w, "snv_staff"))
    refused(lambda: service.prepare_team(user(w, "specialist"), t, is_created=True), "lead")
    t.lead = user(w, "member")
    service.prepare_team(user(w, "specialist"), t, is_created=True)


def test_team_approval_needs_units_and_a_decision(w):
    d = team(w, "D")
    with pytest.raises(NotAllowed):
        service.approve_team(user(w, "lead"), d, decision_number="1", decision_date="2026-04-01")
    refused(lambda: service.approve_team(user(w, "leader"), d, decision_number="",
                                         decision_date="2026-04-01"), "decision_number")
    service.remove_inspected_unit(user(w, "lead"), d, w["inspected_D"])
    db.session.flush()
    refused(lambda: service.approve_team(user(w, "leader"), d, decision_number="1",
                                         decision_date="2026-04-01"), "unit_id")


def test_the_decision_fixes_units_and_only_the_lead_invites_afterwards(w):
    t = team(w)
    with pytest.raises(Conflict):
        service.add_inspected_unit(user(w, "lead"), t, unit_id=w["syt"])
    assert refused(lambda: service.add_member(user(w, "specialist"), t, external_name="Ông A"),
                   kind=Conflict).code == "wrong_state"
    refused(lambda: service.add_member(user(w, "lead"), t, user_id=w.users["snv_staff"].id),
            "user_id")  # a unit account does not sit on a team
    refused(lambda: service.add_member(user(w, "lead"), t, user_id=w.users["member"].id),
            "user_id")  # already a member
    refused(lambda: service.add_member(user(w, "lead"), t), "external_name")
    member = service.add_member(user(w, "lead"), t, user_id=w.users["other"].id, position="Thành viên")
    assert member.user_id == w.users["other"].id
    with pytest.raises(Conflict):
        service.prepare_team(user(w, "lead"), t, is_created=False)


def test_an_inspector_cannot_hand_a_draft_team_to_someone_else(w):
    d = team(w, "D")
    d.lead = user(w, "other")
    with pytest.raises(NotAllowed):
        service.prepare_team(user(w, "lead"), d, is_created=False)


def test_closing_needs_every_conclusion_and_freezes_the_team(w):
    t = team(w)
    lead = user(w, "lead")
    assert "Sở Nội vụ" in refused(lambda: service.close_team(lead, t), "conclusion").message
    service.record_conclusion(lead, t, inspected_unit_id=w["inspected_T"], conclusion="Cơ bản đạt")
    service.close_team(lead, t)
    assert t.status == St.closed and t.end_on is not None
    for call in (lambda: service.record_finding(lead, t, inspected_unit_id=w["inspected_T"], content="x"),
                 lambda: service.request_documents(lead, t, inspected_unit_id=w["inspected_T"],
                                                   what="x", due_on=FUTURE),
                 lambda: service.add_member(lead, t, external_name="Ông B")):
        with pytest.raises(Conflict):
            call()


def test_start_needs_an_approved_team(w):
    d = team(w, "D")
    with pytest.raises(Conflict):
        service.start_team(user(w, "lead"), d)
    d.status = St.approved
    with pytest.raises(NotAllowed):
        service.start_team(user(w, "member"), d)
    service.start_team(user(w, "lead"), d)
    assert d.status == St.in_progress and d.start_on == local_today()


# --- requests and uploads (Đ14.3) ------------------------------------------------------------------

def test_a_request_notifies_the_unit_and_an_upload_notifies_the_lead(w):
    t = team(w)
    refused(lambda: service.request_documents(user(w, "lead"), t, inspected_unit_id=w["inspected_T"],
                                              what="Báo cáo", due_on="2020-01-01"), "due_on")
    req = service.request_documents(user(w, "lead"), t, inspected_unit_id=w["inspected_T"],
                                    what="Báo cáo kết quả thực hiện nhiệm vụ 6 tháng", due_on=FUTURE)
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "inspection_request")).all()
    assert {n.user_id for n in notes} == {w.users["snv_staff"].id}
    assert "6 tháng" in notes[0].message
    staff = user(w, "snv_staff")
    refused(lambda: service.upload_requested_documents(staff, req, []), "files")
    stored = service.upload_requested_documents(staff, req, [Upload("bao-cao-6-thang.pdf", PDF)])
    assert stored[0].inspection_request_id == req.id and req.fulfilled_at is not None
    assert db.session.scalar(sa.select(Notification.user_id).where(
        Notification.kind == "inspection_upload")) == w.users["lead"].id
    with pytest.raises(NotAllowed):
        service.upload_requested_documents(user(w, "lead"), req, [Upload("x.pdf", PDF)])
    t.status = St.closed
    with pytest.raises(Conflict):
        service.upload_requested_documents(staff, req, [Upload("muon.pdf", PDF)])


def test_a_unit_sees_requests_only_once_the_decision_is_issued(app, browser):
    world = build_world(app)
    with app.app_context():
        db.session.get(InspectionTeam, world["team_T"]).status = St.draft
        db.session.commit()
    page = browser(world.users["snv_staff"]).get("/inspection_requests/").get_data(as_text=True)
    assert "zqreqtzq" not in page


# --- follow-up tasks ------------------------------------------------------------------------------

def test_follow_up_task_is_a_draft_the_specialist_forwards_and_then_counts(app, browser):
    world = build_world(app)
    lead, spec, staff = (browser(world.users[p]) for p in ("lead", "specialist", "snv_staff"))
    resp = lead.post("/inspection_teams/act/", data={
        "id": world["team_T"], "action": "follow_up", "recommendation_id": world["rec_T"],
        "content": "Bố trí cán bộ cập nhật tiến độ nhiệm vụ trên Hệ thống", "deadline": FUTURE,
        "notice_number": "12/TB-VPUBND", "notice_date": local_today().isoformat()})
    assert resp.status_code == 302
    with app.app_context():
        task = db.session.scalar(sa.select(Task).where(Task.content.like("Bố trí cán bộ%")))
        assert task.state == TaskState.draft and task.lead_unit_id == world["snv"]
        assert task.deadline.isoformat() == FUTURE and task.assigned_at is None
        doc = task.document
        assert (doc.doc_type, doc.number, doc.tracked) == (DocType.thong_bao_ket_luan, "12/TB-VPUBND", True)
        assert "zqteamtzq" in doc.summary
        history = db.session.scalar(sa.select(TaskHistory).where(TaskHistory.task_id == task.id))
        assert history.action == "create" and history.data["inspection_team_id"] == world["team_T"]
        assert db.session.scalar(sa.select(Notification.task_id).where(
            Notification.kind == "inspection_follow_up",
            Notification.user_id == world.users["specialist"].id)) == task.id
        task_id, version = task.id, task.version
    # a draft is the Office's: not yet in the unit's list
    assert "Bố trí cán bộ" not in staff.get("/tasks/").get_data(as_text=True)
    # it waits among the specialist's drafts, and is forwarded like any other task
    assert "Bố trí cán bộ" in spec.get("/").get_data(as_text=True)
    with app.app_context():
        before = {r["unit_id"]: r for r in unit_statistics(
            local_today() - dt.timedelta(days=1), local_today())}.get(world["snv"])
    resp = spec.post("/tasks/act/", data={"id": task_id, "version": version, "action": "forward"})
    assert resp.status_code == 302
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.state == TaskState.assigned and task.assigned_at is not None
    assert "Bố trí cán bộ" in staff.get("/tasks/").get_data(as_text=True)
    assert staff.get(f"/tasks/details/?id={task_id}").status_code == 200
    with app.app_context():
        rows = {r["unit_id"]: r for r in unit_statistics(local_today() - dt.timedelta(days=1),
                                                         local_today())}
        snv = rows[world["snv"]]
        # the draft did not count; forwarded, it counts once more, open and on time
        before = before or {"total": 0, "open_on_time": 0}
        assert snv["total"] == before["total"] + 1
        assert snv["open_on_time"] == before["open_on_time"] + 1
    # the lead sees the task on the team page; a second follow-up joins the same notice
    page = lead.get(f"/inspection_teams/details/?id={world['team_T']}").get_data(as_text=True)
    assert "12/TB-VPUBND" in page and f'href="/tasks/details/?id={task_id}' in page
    with app.test_request_context():
        t = db.session.get(InspectionTeam, world["team_T"])
        rec = service.add_recommendation(db.session.get(User, world.users["lead"].id), t,
                                         inspected_unit_id=world["inspected_T"], content="Rà soát")
        second = service.create_follow_up_task(db.session.get(User, world.users["lead"].id), t,
                                               recommendation_id=rec.id, deadline=FUTURE)
        assert second.document_id == task.document_id
        with pytest.raises(Conflict):
            service.create_follow_up_task(db.session.get(User, world.users["lead"].id), t,
                                          recommendation_id=rec.id, deadline=FUTURE)
        db.session.rollback()


def test_follow_up_needs_a_deadline_and_a_new_notice_number(w):
    lead, t = user(w, "lead"), team(w)
    def follow_up(**kw):
        return lambda: service.create_follow_up_task(lead, t, recommendation_id=w["rec_T"], **kw)

    notice = {"notice_number": "1/TB", "notice_date": "2026-06-01"}
    refused(follow_up(deadline="", **notice), "deadline")
    refused(follow_up(deadline="2020-01-01", **notice), "deadline")
    refused(follow_up(deadline=FUTURE), "notice_number")
    taken = db.session.scalar(sa.select(Document).limit(1))
    refused(follow_up(deadline=FUTURE, notice_number=taken.number, notice_date=taken.issued_on),
            "notice_number")
    with pytest.raises(NotAllowed):
        service.create_follow_up_task(user(w, "specialist"), t, recommendation_id=w["rec_T"],
                                      deadline=FUTURE, notice_number="2/TB", notice_date="2026-06-01")


# --- exports --------------------------------------------------------------------------------------

def test_conclusion_workbook_reads_back(app, browser):
    world = build_world(app)
    with app.test_request_context():
        lead, t = db.session.get(User, world.users["lead"].id), db.session.get(InspectionTeam, world["team_T"])
        service.record_conclusion(lead, t, inspected_unit_id=world["inspected_T"],
                                  conclusion="Sở Nội vụ cơ bản hoàn thành nhiệm vụ")
        db.session.commit()
    resp = browser(world.users["member"]).get(f"/inspection_teams/conclusion.xlsx?id={world['team_T']}")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(resp.data), read_only=True)
    cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c is not None]
    text = "\n".join(cells)
    for expected in ("zqteamtzq", "25/QĐ-UBND", "Sở Nội vụ", "zqfindtzq", "zqtasksnvzq",
                     "Sở Nội vụ cơ bản hoàn thành nhiệm vụ", "zqrectzq", "zqinviteezq"):
        assert expected in text, expected
    assert "zqfindozq" not in text and "zqrecozq" not in text
    html = browser(world.users["leader"]).get(f"/inspection_teams/conclusion/?id={world['team_T']}")
    page = html.get_data(as_text=True)
    assert "zqfindtzq" in page and "Sở Nội vụ cơ bản hoàn thành nhiệm vụ" in page and "js/print.js" in page and "data-print" in page


# --- the ranking's input ---------------------------------------------------------------------------

def test_shortcomings_by_unit_counts_shortcomings_recorded_in_the_window(app):
    with app.test_request_context():
        a, b = make_unit("SA"), make_unit("SB")
        lead = make_user(Role.inspector, a)
        t = InspectionTeam(name="Đoàn", kind=InspectionKind.regular, lead_id=lead.id,
                           status=St.in_progress)
        db.session.add(t)
        db.session.flush()
        # 00:30 on 15/03 in Vietnam is 17:30 UTC on 14/03: it belongs to the 15th
        at = {"in": dt.datetime(2026, 3, 14, 17, 30, tzinfo=dt.UTC),
              "before": dt.datetime(2026, 3, 14, 16, 30, tzinfo=dt.UTC),
              "last": dt.datetime(2026, 6, 14, 16, 59, tzinfo=dt.UTC),
              "after": dt.datetime(2026, 6, 14, 17, 0, tzinfo=dt.UTC)}
        rows = [(a, "in", True), (a, "last", True), (a, "in", False), (a, "before", True),
                (a, "after", True), (b, "in", True)]
        for unit, when, shortcoming in rows:
            db.session.add(InspectionFinding(team_id=t.id, unit_id=unit.id, content="x",
                                             is_shortcoming=shortcoming, recorded_at=at[when]))
        db.session.flush()
        result = service.shortcomings_by_unit(dt.date(2026, 3, 15), dt.date(2026, 6, 14))
        assert result == {a.id: 2, b.id: 1}
        db.session.rollback()


def test_inspected_unit_rows_are_unique_per_team(w):
    refused(lambda: service.add_inspected_unit(user(w, "lead"), team(w, "D"), unit_id=w["snv"]),
            "unit_id")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InspectedUnit)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InspectionRecommendation)) == 2
