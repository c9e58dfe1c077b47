"""The task state machine, table-driven: every action × every role (with its unit's part in
the task) × every state. Allowed moves land in the expected state with a history entry;
refused ones raise a DomainError and change nothing."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from cddh.models import (
    ExtensionRequest,
    ExtensionStatus,
    Notification,
    Role,
    TaskHistory,
    TaskState,
    UnitCategory,
    db,
)
from cddh.services import Conflict, DomainError, workflow

from .conftest import make_task, make_unit, make_user

S = TaskState
TODAY = dt.date(2026, 11, 25)

# Who acts: (role, the acting unit's part in the task)
ACTORS = [
    (Role.admin, None), (Role.office_specialist, None), (Role.leader, None),
    (Role.inspector, None),
    (Role.unit_leader, "lead"), (Role.unit_staff, "lead"),
    (Role.unit_leader, "cooperating"), (Role.unit_staff, "cooperating"),
    (Role.unit_leader, "other"), (Role.unit_staff, "other"),
]

# The rule, written out independently of the code: action -> (allowed actors, from states, to)
RULES = {
    "forward": ({(Role.office_specialist, None)}, {S.draft, S.returned}, S.assigned),
    "receive": ({(Role.unit_leader, "lead"), (Role.unit_staff, "lead")}, {S.assigned}, S.in_progress),
    # Đ8.2a: also from in_progress, but only within N working days after receipt; the tasks
    # here were received long ago (tests/test_regulation_clauses.py tests the window).
    "return": ({(Role.unit_leader, "lead")}, {S.assigned}, S.returned),
    "progress": ({(Role.unit_leader, "lead"), (Role.unit_staff, "lead"),
                  (Role.unit_leader, "cooperating"), (Role.unit_staff, "cooperating")},
                 {S.in_progress}, S.in_progress),
    "report_completion": ({(Role.unit_leader, "lead"), (Role.unit_staff, "lead")},
                          {S.in_progress}, S.pending_verification),
    "verify_accept": ({(Role.office_specialist, None)}, {S.pending_verification}, S.completed),
    "verify_reject": ({(Role.office_specialist, None)}, {S.pending_verification}, S.in_progress),
    "request_extension": ({(Role.unit_leader, "lead"), (Role.unit_staff, "lead")},
                          {S.assigned, S.in_progress}, None),
    "cancel": ({(Role.office_specialist, None)},
               {S.draft, S.assigned, S.in_progress, S.pending_verification, S.returned},
               S.cancelled),
    # Đ8.2a, Đ10.2: a cooperating unit asks the Office to remove or replace it.
    "request_cooperation_change": ({(Role.unit_leader, "cooperating"),
                                    (Role.unit_staff, "cooperating")},
                                   {S.assigned, S.in_progress}, None),
}


def _call(action, user, task):
    if action == "forward":
        workflow.forward(user, task)
    elif action == "receive":
        workflow.receive(user, task)
    elif action == "return":
        workflow.return_task(user, task, "outside_remit", "Không thuộc chức năng của đơn vị")
    elif action == "progress":
        workflow.post_progress(user, task, "Đã tổ chức họp triển khai", 40)
    elif action == "report_completion":
        workflow.report_completion(user, task, completed_on=TODAY - dt.timedelta(days=1),
                                   result_summary="Đã ban hành kế hoạch",
                                   result_document_number="12/KH-SNV")
    elif action == "verify_accept":
        workflow.verify(user, task, accepted=True, comment="Đạt yêu cầu")
    elif action == "verify_reject":
        workflow.verify(user, task, accepted=False, comment="Chưa đạt, bổ sung số liệu")
    elif action == "request_extension":
        workflow.request_extension(user, task, proposed_deadline=task.deadline + dt.timedelta(days=30),
                                   reason="Chờ ý kiến của Bộ")
    elif action == "request_cooperation_change":
        workflow.request_cooperation_change(user, task, kind="remove",
                                            reason="Không thuộc lĩnh vực của đơn vị")
    elif action == "cancel":
        workflow.cancel(user, task, reason="Nhiệm vụ không còn phù hợp", deciding_document="99/UBND")


CASES = [
    pytest.param(action, role, relation, state,
                 id=f"{action}-{role.value}-{relation or 'office'}-{state.value}")
    for action, (role, relation), state in itertools.product(RULES, ACTORS, list(S))
]


@pytest.mark.parametrize("action,role,relation,state", CASES)
def test_transition_table(app, monkeypatch, action, role, relation, state):
    monkeypatch.setattr("cddh.services.workflow.local_today", lambda: TODAY)
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        lead, coop, other = make_unit("LEAD"), make_unit("COOP"), make_unit("OTHER")
        unit = {None: office, "lead": lead, "cooperating": coop, "other": other}[relation]
        user = make_user(role, unit)
        task = make_task(lead, state=state, cooperating=[coop], deadline=TODAY + dt.timedelta(days=20),
                         assigned_at=None if state == S.draft else
                         dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
        db.session.commit()
        history_before = db.session.scalar(sa.select(sa.func.count()).select_from(TaskHistory))
        allowed_actors, from_states, to_state = RULES[action]
        allowed = (role, relation) in allowed_actors and state in from_states
        version = task.version
        if allowed:
            _call(action, user, task)
            db.session.commit()
            db.session.refresh(task)
            assert task.state == (to_state or state)
            history = db.session.scalar(sa.select(sa.func.count()).select_from(TaskHistory))
            assert history == history_before + 1
            if action == "request_extension":
                assert db.session.scalar(sa.select(sa.func.count()).select_from(ExtensionRequest)) == 1
        else:
            with pytest.raises(DomainError) as err:
                _call(action, user, task)
            assert err.value.message  # a message for the user
            db.session.rollback()
            db.session.refresh(task)
            assert task.state == state
            assert task.version == version
            assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskHistory)) == history_before


def test_allowed_actions_matches_the_table(app):
    """The buttons shown are exactly the moves the services accept."""
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        lead, coop = make_unit("LEAD"), make_unit("COOP")
        for role, relation in ACTORS:
            unit = {None: office, "lead": lead, "cooperating": coop, "other": make_unit()}[relation]
            user = make_user(role, unit)
            for state in S:
                task = make_task(lead, state=state, cooperating=[coop])
                shown = set(workflow.allowed_actions(user, task)) - {
                    "edit", "urge", "decide_extension", "raise_difficulty",
                    "decide_cooperation_change"}  # the last: test_difficulties
                # inside the unit (issue 15): test_officers, test_subunits, test_signoff
                shown -= {"assign", "delegate", "propose_return", "approve_signoff",
                          "send_back_signoff"}
                expected = {a.split("_")[0] if a.startswith("verify") else a
                            for a, (actors, states, _t) in RULES.items()
                            if (role, relation) in actors and state in states}
                assert shown == expected, (role, relation, state)


def _setup_forwardable(app):
    office = make_unit("VP", UnitCategory.office)
    lead = make_unit("LEAD")
    specialist = make_user(Role.office_specialist, office)
    staff = make_user(Role.unit_staff, lead)
    return office, lead, specialist, staff


def test_forward_refuses_incomplete_task_and_lists_what_is_missing(app):
    with app.test_request_context():
        _office, lead, specialist, _staff = _setup_forwardable(app)
        task = make_task(None, state=S.draft, deadline=None, has_deadline=True)
        db.session.commit()
        with pytest.raises(DomainError) as err:
            workflow.forward(specialist, task)
        assert "đơn vị chủ trì" in err.value.message.lower() or "lead unit" in err.value.message
        assert "thời hạn" in err.value.message.lower() or "deadline" in err.value.message
        db.session.rollback()
        assert db.session.get(type(task), task.id).state == S.draft


def test_forward_notifies_lead_unit_users(app):
    with app.test_request_context():
        _office, lead, specialist, staff = _setup_forwardable(app)
        task = make_task(lead, state=S.draft)
        db.session.commit()
        workflow.forward(specialist, task)
        db.session.commit()
        notes = db.session.scalars(sa.select(Notification)).all()
        assert [n.user_id for n in notes] == [staff.id]
        assert task.assigned_at is not None and task.specialist_id == specialist.id


def test_return_requires_reason_and_category(app):
    with app.test_request_context():
        lead = make_unit("LEAD")
        leader = make_user(Role.unit_leader, lead)
        task = make_task(lead, state=S.assigned)
        db.session.commit()
        with pytest.raises(DomainError):
            workflow.return_task(leader, task, "outside_remit", "   ")
        with pytest.raises(DomainError):
            workflow.return_task(leader, task, "nonsense", "Lý do")
        db.session.rollback()
        assert db.session.get(type(task), task.id).state == S.assigned


def test_extension_approval_moves_deadline_and_keeps_original(app):
    with app.test_request_context():
        office, lead, specialist, staff = _setup_forwardable(app)
        leader = make_user(Role.leader, office)
        task = make_task(lead, state=S.in_progress, deadline=dt.date(2026, 12, 31))
        db.session.commit()
        req = workflow.request_extension(staff, task, proposed_deadline=dt.date(2027, 2, 28),
                                         reason="Chờ hướng dẫn của Bộ")
        db.session.commit()
        with pytest.raises(Conflict):
            workflow.request_extension(staff, task, proposed_deadline=dt.date(2027, 3, 31),
                                       reason="Lần hai")
        db.session.rollback()
        with pytest.raises(DomainError):
            workflow.decide_extension(leader, req, approved=False, reason="")
        db.session.rollback()
        workflow.decide_extension(leader, req, approved=True)
        db.session.commit()
        assert task.deadline == dt.date(2027, 2, 28)
        assert task.original_deadline == dt.date(2026, 12, 31)
        assert req.status == ExtensionStatus.approved
        with pytest.raises(Conflict):
            workflow.decide_extension(leader, req, approved=True)


def test_extension_must_be_later_than_current_deadline(app):
    with app.test_request_context():
        _office, lead, _specialist, staff = _setup_forwardable(app)
        task = make_task(lead, state=S.in_progress, deadline=dt.date(2026, 12, 31))
        db.session.commit()
        with pytest.raises(DomainError):
            workflow.request_extension(staff, task, proposed_deadline=dt.date(2026, 12, 1),
                                       reason="Sớm hơn")


def test_completion_date_in_future_is_refused(app, monkeypatch):
    monkeypatch.setattr("cddh.services.workflow.local_today", lambda: TODAY)
    with app.test_request_context():
        _office, lead, _specialist, staff = _setup_forwardable(app)
        task = make_task(lead, state=S.in_progress)
        db.session.commit()
        with pytest.raises(DomainError):
            workflow.report_completion(staff, task, completed_on=TODAY + dt.timedelta(days=1),
                                       result_summary="Xong")


def test_stale_version_is_refused(app):
    with app.test_request_context():
        _office, lead, _specialist, staff = _setup_forwardable(app)
        task = make_task(lead, state=S.assigned)
        db.session.commit()
        with pytest.raises(Conflict):
            workflow.receive(staff, task, version=task.version - 1 if task.version > 1 else 99)
        db.session.rollback()
        workflow.receive(staff, task, version=task.version)
        db.session.commit()
        assert task.state == S.in_progress
