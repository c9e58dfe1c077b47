"""The leaders by name (Đ3.2, Đ12.1b, Đ16.3): positions, the directing leader of documents
and tasks, and the one routing rule: each matter reaches the task's directing leader, not
every leader; an inspection team reaches the Chairman."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from cddh.cli import cddh_cli
from cddh.models import (
    InspectionKind,
    InspectionTeam,
    LeaderPosition,
    Notification,
    Role,
    Task,
    TaskState,
    UnitCategory,
    User,
    db,
)
from cddh.services import DomainError, accounts, difficulties, documents, inspection, workflow
from cddh.services.calendar import WorkingCalendar
from cddh.services.duties import escalate_overdue

from .conftest import make_document, make_task, make_unit, make_user

S = TaskState


def _leader(unit, position, username):
    user = make_user(Role.leader, unit, username)
    user.position = position
    db.session.flush()
    return user


@pytest.fixture
def w(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        lead = make_unit("LEAD")
        w = SimpleNamespace(
            office=office, lead=lead,
            specialist=make_user(Role.office_specialist, office, "chuyenvien"),
            chairman=_leader(office, LeaderPosition.chairman, "chutich"),
            vice_a=_leader(office, LeaderPosition.vice_chairman, "pct.a"),
            vice_b=_leader(office, LeaderPosition.vice_chairman, "pct.b"),
            chief=_leader(office, LeaderPosition.office_chief, "cvp"),
            staff=make_user(Role.unit_staff, lead, "canbo.lead"),
            head=make_user(Role.unit_leader, lead, "giamdoc.lead"),
            inspector=make_user(Role.inspector, office, "kiemtra"),
        )
        db.session.commit()
        yield w


def _told(kind_prefix: str) -> set[str]:
    return set(db.session.scalars(
        sa.select(User.username).join(Notification, Notification.user_id == User.id)
        .where(Notification.kind.startswith(kind_prefix))))


LEADERS = {"chutich", "pct.a", "pct.b", "cvp"}


def _task(w, directing, **kw):
    return make_task(w.lead, state=S.in_progress, specialist_id=w.specialist.id,
                     directing_leader_id=directing.id if directing else None, **kw)


# --- routing, one matter at a time -----------------------------------------------------------
@pytest.mark.parametrize("directing,expected", [
    ("vice_a", {"pct.a"}), ("chief", {"cvp"}), ("chairman", {"chutich"}), (None, LEADERS)])
def test_an_extension_request_reaches_the_directing_leader(app, w, directing, expected):
    task = _task(w, getattr(w, directing) if directing else None)
    workflow.request_extension(w.staff, task, proposed_deadline=task.deadline + dt.timedelta(days=30),
                               reason="Chờ vốn")
    db.session.commit()
    assert _told("extension_requested") & LEADERS == expected


@pytest.mark.parametrize("directing,expected", [("vice_b", {"pct.b"}), (None, LEADERS)])
def test_an_overdue_escalation_reaches_the_directing_leader(app, w, directing, expected):
    _task(w, getattr(w, directing) if directing else None, deadline=dt.date(2026, 3, 2))
    db.session.commit()
    counts = escalate_overdue(dt.date(2026, 3, 16), WorkingCalendar())  # 10th working day
    assert counts["escalated_office"] == 1  # one task, told to each of its leaders
    assert _told("escalated_office") == expected


@pytest.mark.parametrize("directing,expected", [("vice_a", {"pct.a"}), (None, LEADERS)])
def test_a_difficulty_reaches_the_directing_leader(app, w, directing, expected):
    task = _task(w, getattr(w, directing) if directing else None)
    item = difficulties.raise_difficulty(w.staff, task, kind="difficulty", asks="resources",
                                         content="Thiếu nhân lực")
    assert _told("difficulty_raised") == {"chuyenvien"}  # the Office first
    difficulties.propose(w.specialist, item, proposal="Đề xuất bổ sung")
    db.session.commit()
    assert _told("difficulty_proposed") == expected


def test_an_inspection_team_reaches_the_chairman(app, w):
    team = InspectionTeam(name="Đoàn kiểm tra số 1", kind=InspectionKind.ad_hoc, ground="Chỉ đạo", covers_task_results=True,
                          lead=w.inspector, start_on=dt.date(2026, 4, 1),
                          end_on=dt.date(2026, 4, 10))
    db.session.add(team)
    inspection.prepare_team(w.specialist, team, is_created=True)
    db.session.commit()
    assert _told("inspection_team_drafted") == {"chutich"}


def test_without_a_chairman_account_an_inspection_team_reaches_every_leader(app, w):
    w.chairman.position = None
    team = InspectionTeam(name="Đoàn 2", kind=InspectionKind.ad_hoc, lead=w.inspector, ground="x", covers_task_results=True,
                          start_on=dt.date(2026, 4, 1), end_on=dt.date(2026, 4, 10))
    db.session.add(team)
    inspection.prepare_team(w.specialist, team, is_created=True)
    db.session.commit()
    assert _told("inspection_team_drafted") == LEADERS



@pytest.mark.parametrize("approver,allowed", [("chairman", True), ("vice_a", False),
                                              ("chief", False)])
def test_only_the_chairman_establishes_an_inspection_team(app, w, approver, allowed):
    """Đ12.1b: the team is established by the Chairman's decision; another leader's approval
    is refused and the team stays a draft."""
    from cddh.models import InspectedUnit, InspectionStatus
    from cddh.services import NotAllowed

    team = InspectionTeam(name="Đoàn 3", kind=InspectionKind.ad_hoc, lead=w.inspector,
                          ground="Chỉ đạo", covers_task_results=True,
                          start_on=dt.date(2026, 4, 1), end_on=dt.date(2026, 4, 10))
    db.session.add(team)
    inspection.prepare_team(w.specialist, team, is_created=True)
    db.session.add(InspectedUnit(team=team, unit=w.lead))
    db.session.commit()
    leader = getattr(w, approver)
    if allowed:
        inspection.approve_team(leader, team, decision_number="12/QĐ-UBND",
                                decision_date="2026-03-30")
        assert team.status == InspectionStatus.approved
    else:
        with pytest.raises(NotAllowed):
            inspection.approve_team(leader, team, decision_number="12/QĐ-UBND",
                                    decision_date="2026-03-30")
        assert team.status == InspectionStatus.draft

# --- the directing leader of documents and tasks -----------------------------------------------
def _doc_data(w, **task):
    return {"doc_type": "ke_hoach", "number": "1/KH-UBND", "summary": "Kế hoạch",
            "issued_on": "2026-03-02", "directing_leader_id": w.vice_a.id,
            "tasks": [{"content": "Việc một", "lead_unit_id": w.lead.id, **task}]}


def test_a_task_inherits_its_documents_directing_leader_unless_given(app, w):
    doc = documents.create_document(w.specialist, _doc_data(w))
    assert doc.directing_leader_id == w.vice_a.id and doc.tasks[0].directing_leader_id == w.vice_a.id
    other = documents.create_document(w.specialist, {**_doc_data(w, directing_leader_id=w.vice_b.id),
                                                     "number": "2/KH-UBND"})
    assert other.tasks[0].directing_leader_id == w.vice_b.id


@pytest.mark.parametrize("who", ["staff", "specialist", "unpositioned"])
def test_a_directing_leader_must_be_a_leader_with_a_position(app, w, who):
    user = make_user(Role.leader, w.office) if who == "unpositioned" else getattr(w, who)
    with pytest.raises(DomainError) as err:
        documents.create_document(w.specialist, {**_doc_data(w), "directing_leader_id": user.id})
    assert "directing_leader_id" in err.value.fields
    with pytest.raises(DomainError) as err:
        documents.create_document(w.specialist, _doc_data(w, directing_leader_id=user.id))
    assert "tasks.0.directing_leader_id" in err.value.fields


def test_generic_task_screen_inherits_and_the_list_filters_the_tasks_i_direct(app, w):
    doc = make_document(directing_leader_id=w.vice_a.id)
    task = Task(document=doc, content="Nhập trên màn hình", lead_unit=w.lead)
    db.session.add(task)
    workflow.add_task(w.specialist, task)
    db.session.commit()
    assert task.directing_leader_id == w.vice_a.id


def test_tasks_i_direct_on_the_list(app, browser):
    with app.app_context():
        office, lead = make_unit("VP", UnitCategory.office), make_unit("LEAD")
        mine_leader = _leader(office, LeaderPosition.vice_chairman, "pct.a")
        other = _leader(office, LeaderPosition.vice_chairman, "pct.b")
        make_task(lead, content="zqminezq", directing_leader_id=mine_leader.id)
        make_task(lead, content="zqotherzq", directing_leader_id=other.id)
        db.session.commit()
        db.session.refresh(mine_leader)
        db.session.expunge(mine_leader)
    page = browser(mine_leader)
    assert 'id="tasks-i-direct"' in page.get("/").get_data(as_text=True)
    body = page.get("/tasks/?directed=me").get_data(as_text=True)
    assert "zqminezq" in body and "zqotherzq" not in body


# --- positions ----------------------------------------------------------------------------------
def test_only_a_leader_holds_a_position_and_only_a_vice_chairman_sectors(app, w):
    with pytest.raises(DomainError):
        accounts.set_position(w.staff, "chairman")
    with pytest.raises(DomainError):
        accounts.set_position(w.vice_a, "king")
    accounts.set_position(w.vice_a, "vice_chairman", "Kinh tế\nNông nghiệp")
    assert w.vice_a.sector_list == ["Kinh tế", "Nông nghiệp"]
    accounts.set_position(w.chief, "office_chief", "Kinh tế")
    assert w.chief.sectors is None


def test_create_user_with_a_position(app):
    with app.app_context():
        make_unit("VP", UnitCategory.office)
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(cddh_cli, ["create-user", "pct.moi", "--role", "leader",
                                      "--unit-code", "VP", "--password", "Chu-tich-Ben-Tre-7q",
                                      "--full-name", "Lưu Văn Khang", "--position",
                                      "vice_chairman", "--sectors", "Kinh tế; Nông nghiệp"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "pct.moi"))
        assert user.position == LeaderPosition.vice_chairman
        assert user.sector_list == ["Kinh tế", "Nông nghiệp"]
    refused = runner.invoke(cddh_cli, ["create-user", "canbo.x", "--role", "unit_staff",
                                       "--unit-code", "VP", "--password", "Chu-tich-Ben-Tre-7q",
                                       "--position", "chairman"])
    assert refused.exit_code != 0


def test_the_admin_names_positions_and_sectors_on_the_users_screen(app, browser):
    with app.app_context():
        office = make_unit("VP", UnitCategory.office)
        admin = make_user(Role.admin, office)
        db.session.commit()
        db.session.refresh(admin)
        db.session.expunge(admin)
        office_id = office.id
    br = browser(admin)
    base = {"full_name": "Lưu Văn Khang", "unit": str(office_id), "password": "Mat-khau-moi-1",
            "language": ""}
    resp = br.post("/users/new/", data={**base, "username": "pct.khang", "role": "leader",
                                        "position": "vice_chairman",
                                        "sectors": "Kinh tế\r\nNông nghiệp"})
    assert resp.status_code == 302
    br.post("/users/new/", data={**base, "username": "canbo.x", "role": "unit_staff",
                                 "position": "chairman"})
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(sa.select(User))}
        assert users["pct.khang"].position == LeaderPosition.vice_chairman
        assert users["pct.khang"].sector_list == ["Kinh tế", "Nông nghiệp"]
        assert "canbo.x" not in users  # a unit officer holds no position
        leader_id = users["pct.khang"].id
    br.post(f"/users/edit/?id={leader_id}", data={
        "full_name": "Lưu Văn Khang", "email": "", "phone": "", "role": "leader",
        "position": "chairman", "sectors": "", "unit": str(office_id), "language": ""})
    with app.app_context():
        assert db.session.get(User, leader_id).position == LeaderPosition.chairman
