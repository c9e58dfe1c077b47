"""The demo data set: a tester logs in with every role and finds Bến Tre's units, tasks in
every state and timeliness class, and consistent stories behind them."""

from __future__ import annotations

import collections
import datetime as dt

import pytest
import sqlalchemy as sa

from cddh.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from cddh.models import (
    OPEN_STATES,
    Document,
    ExtensionRequest,
    ExtensionStatus,
    ProgressUpdate,
    Role,
    Task,
    TaskHistory,
    TaskState,
    Timeliness,
    Unit,
    UnitCategory,
    UnitKind,
    db,
)
from cddh.services import DomainError
from cddh.services.accounts import authenticate
from cddh.services.calendar import calendar
from cddh.services.clock import local_tz
from cddh.services.timeliness import timeliness

TODAY = dt.date(2026, 11, 25)

DISTRICT_NAMES = {
    "HBT": "UBND thành phố Bến Tre",
    "HBTR": "UBND huyện Ba Tri",
    "HBD": "UBND huyện Bình Đại",
    "HCT": "UBND huyện Châu Thành",
    "HCL": "UBND huyện Chợ Lách",
    "HGT": "UBND huyện Giồng Trôm",
    "HMCB": "UBND huyện Mỏ Cày Bắc",
    "HMCN": "UBND huyện Mỏ Cày Nam",
    "HTP": "UBND huyện Thạnh Phú",
}


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo(task_count=120, today=TODAY)
        db.session.commit()


def _tasks() -> list[Task]:
    return list(db.session.scalars(sa.select(Task).where(Task.parent_task_id.is_(None))))


def _unit(code: str) -> Unit:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def test_every_role_has_a_demo_account_that_logs_in(demo, ctx):
    assert {role for _username, role, _unit, _name in DEMO_ACCOUNTS} == set(Role)
    for username, role, unit_code, full_name in DEMO_ACCOUNTS:
        user = authenticate(username, DEMO_PASSWORD)
        assert (user.role, user.unit.code, user.full_name) == (role, unit_code, full_name)
    with pytest.raises(DomainError):
        authenticate("admin", "Sai-mat-khau-1")


def test_two_unit_staff_accounts_see_a_department_and_a_district(demo, ctx):
    staff_units = [_unit(code) for _u, role, code, _n in DEMO_ACCOUNTS if role == Role.unit_staff]
    assert sorted(u.category.value for u in staff_units) == ["department", "district"]


def test_bentre_units_are_loaded_with_their_names(demo, ctx):
    districts = db.session.scalars(sa.select(Unit).join(Unit.kind)
                                   .where(UnitKind.code == "district"))
    assert {u.code: u.name for u in districts} == DISTRICT_NAMES
    office = _unit("VP")
    assert office.category == UnitCategory.office
    divisions = db.session.scalars(sa.select(Unit).where(Unit.parent_id == office.id)).all()
    assert {"VP-TH", "VP-KT", "VP-KGVX", "VP-NC"} <= {d.code for d in divisions}
    assert all(d.category == UnitCategory.office_division for d in divisions)
    assert (_unit("SNV").name, _unit("SLDTBXH").name) == (
        "Sở Nội vụ", "Sở Lao động - Thương binh và Xã hội")


def test_every_state_and_timeliness_class_is_present(demo, ctx):
    tasks = _tasks()
    assert len(tasks) == 120
    assert {t.state for t in tasks} == set(TaskState)
    assert {timeliness(t, TODAY) for t in tasks} - {None} == set(Timeliness)
    soon = calendar().add_working_days(TODAY, 3)
    assert any(t.state in OPEN_STATES and t.deadline and TODAY <= t.deadline <= soon for t in tasks)


def test_demo_units_lead_every_state_and_cooperate(demo, ctx):
    tasks = _tasks()
    for code in {code for _u, role, code, _n in DEMO_ACCOUNTS if role == Role.unit_staff}:
        unit = _unit(code)
        assert {t.state for t in tasks if t.lead_unit_id == unit.id} == set(TaskState), code
        assert any(unit in t.cooperating_units for t in tasks if t.state in OPEN_STATES), code
    contributions = db.session.scalars(
        sa.select(ProgressUpdate).where(ProgressUpdate.is_contribution.is_(True))).all()
    assert contributions
    assert all(p.unit_id != p.task.lead_unit_id for p in contributions)


def test_each_task_history_leads_to_its_state_before_today(demo, ctx):
    tz = local_tz()
    history = collections.defaultdict(list)
    for entry in db.session.scalars(sa.select(TaskHistory).order_by(TaskHistory.at, TaskHistory.id)):
        history[entry.task_id].append(entry)
    for task in _tasks():
        state = TaskState.draft.value
        for entry in history[task.id]:
            assert entry.at.astimezone(tz).date() < TODAY
            if entry.to_state:
                assert entry.from_state == state, (task.id, entry.action)
                state = entry.to_state
        assert state == task.state.value, task.id
        forwarded = any(entry.action == "forward" for entry in history[task.id])
        assert (task.assigned_at is not None) == forwarded, task.id
        if task.state == TaskState.completed:
            assert task.verified_by_id and task.completed_on < TODAY
        if task.state == TaskState.cancelled:
            assert task.cancel_reason and task.cancelled_at


def test_extensions_keep_the_original_deadline(demo, ctx):
    requests = db.session.scalars(sa.select(ExtensionRequest)).all()
    by_status = collections.defaultdict(list)
    for request in requests:
        by_status[request.status].append(request)
    assert by_status[ExtensionStatus.pending]
    approved = by_status[ExtensionStatus.approved]
    assert approved
    for request in approved:
        assert request.task.deadline == request.proposed_deadline
        assert request.task.original_deadline == request.current_deadline != request.task.deadline


def test_documents_tracked_untracked_and_late_entries(demo, ctx):
    tz = local_tz()
    docs = db.session.scalars(sa.select(Document)).all()
    untracked = [d for d in docs if not d.tracked]
    assert untracked and all(not d.tasks and d.entry_due_on is None for d in untracked)
    tracked = [d for d in docs if d.tracked]
    assert all(d.tasks and d.entry_due_on > d.issued_on for d in tracked)
    assert any(d.created_at.astimezone(tz).date() > d.entry_due_on for d in tracked)
    for doc in tracked:
        waiting = any(t.state in (TaskState.draft, TaskState.returned) for t in doc.tasks)
        assert not (waiting and doc.forwarded_at), doc.number


def test_the_demo_leaders_have_their_positions_and_sign_the_documents(demo, ctx):
    from cddh.demo import LEADER_ACCOUNTS
    from cddh.models import Document, LeaderPosition, Task, User

    positions = {u.username: u.position for u in db.session.scalars(
        sa.select(User).where(User.role == Role.leader))}
    assert positions["lanhdao"] == LeaderPosition.office_chief
    assert {positions[name] for name, *_ in LEADER_ACCOUNTS} == set(LeaderPosition) - {
        LeaderPosition.office_chief}
    vice = db.session.scalar(sa.select(User).where(User.username == "pct.khang"))
    assert "Kinh tế" in vice.sector_list
    docs = db.session.scalars(sa.select(Document).where(Document.tracked.is_(True))).all()
    assert all(d.directing_leader is not None and d.signer.endswith(d.directing_leader.full_name)
               for d in docs)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task).join(Document).where(
        Task.directing_leader_id.is_distinct_from(Document.directing_leader_id))) == 0
