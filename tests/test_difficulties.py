"""Difficulties, proposals and disagreements (Đ7.2d, Đ10.1a–c, Đ11.1d, Đ16.3), table-driven:
every kind × what it asks for × the leader's decision, with the effect on the task and the
links both ways; then who may raise, propose and decide, and the clock."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from cddh.models import (
    Difficulty,
    DifficultyAsk,
    DifficultyKind,
    DifficultyState,
    LeaderPosition,
    Notification,
    Role,
    TaskHistory,
    TaskState,
    UnitCategory,
    db,
)
from cddh.services import Conflict, DomainError, NotAllowed, difficulties
from cddh.services.settings import set_setting

from .conftest import make_document, make_task, make_unit, make_user

S = TaskState
TODAY = dt.date(2026, 3, 2)  # a Monday
DEADLINE = dt.date(2026, 6, 30)
NEW_DEADLINE = dt.date(2026, 9, 30)


def _leader(unit, position, username):
    user = make_user(Role.leader, unit, username)
    user.position = position
    return user


def _build():
    if True:
        office = make_unit("VP", UnitCategory.office)
        lead, coop, other = make_unit("LEAD"), make_unit("COOP"), make_unit("OTHER")
        people = SimpleNamespace(
            specialist=make_user(Role.office_specialist, office, "chuyenvien"),
            chairman=_leader(office, LeaderPosition.chairman, "chutich"),
            vice=_leader(office, LeaderPosition.vice_chairman, "pct.a"),
            other_vice=_leader(office, LeaderPosition.vice_chairman, "pct.b"),
            lead_staff=make_user(Role.unit_staff, lead, "canbo.lead"),
            lead_head=make_user(Role.unit_leader, lead, "giamdoc.lead"),
            coop_staff=make_user(Role.unit_staff, coop, "canbo.coop"),
            other_staff=make_user(Role.unit_staff, other, "canbo.other"),
        )
        doc = make_document(directing_leader_id=people.vice.id)
        task = make_task(lead, state=S.in_progress, cooperating=[coop], document=doc,
                         deadline=DEADLINE, specialist_id=people.specialist.id,
                         directing_leader_id=people.vice.id, content="Nội dung ban đầu")
        db.session.commit()
        return SimpleNamespace(task=task, lead=lead, coop=coop, other=other, **vars(people))


@pytest.fixture
def w(app):
    """The world, for service calls inside one request context."""
    with app.test_request_context():
        yield _build()


@pytest.fixture
def wb(app):
    """The same world, detached, for logged-in browsers (which push their own contexts)."""
    with app.app_context():
        world = _build()
        for value in vars(world).values():
            db.session.refresh(value)
        db.session.expunge_all()
    return world


def _raise(w, actor, kind=DifficultyKind.difficulty, asks=DifficultyAsk.other, **kw):
    item = difficulties.raise_difficulty(actor, w.task, kind=kind.value, asks=asks.value,
                                         content="Vướng mắc về kinh phí", today=TODAY, **kw)
    db.session.commit()
    return item


def _proposed(w, actor, **kw):
    item = _raise(w, actor, **kw)
    difficulties.propose(w.specialist, item, proposal="Đề xuất lãnh đạo đồng ý")
    db.session.commit()
    return item


def _notified(user) -> set[str]:
    return set(db.session.scalars(sa.select(Notification.kind).where(
        Notification.user_id == user.id)))


# What an approval does, by what the unit asks for: (history action, check on the task).
APPROVED = {
    DifficultyAsk.more_time: ("change_deadline", lambda t: t.deadline == NEW_DEADLINE
                              and t.original_deadline == DEADLINE and t.state == S.in_progress),
    DifficultyAsk.change_content: ("change_content", lambda t: t.content == "Nội dung mới"
                                   and t.deadline == DEADLINE),
    DifficultyAsk.change_lead: ("return", lambda t: t.state == S.returned),
    DifficultyAsk.resources: ("decide_difficulty", None),
    DifficultyAsk.leader_decision: ("decide_difficulty", None),
    DifficultyAsk.other: ("decide_difficulty", None),
}


def _unchanged(task) -> bool:
    return (task.state == S.in_progress and task.deadline == DEADLINE
            and task.content == "Nội dung ban đầu")


@pytest.mark.parametrize("kind,asks,approved", list(itertools.product(
    DifficultyKind, DifficultyAsk, (True, False))),
    ids=lambda v: v.value if hasattr(v, "value") else ("approved" if v else "refused"))
def test_each_kind_and_ask_decided_either_way(app, w, kind, asks, approved):
    with app.test_request_context():
        raiser = w.coop_staff if kind == DifficultyKind.disagreement else w.lead_staff
        item = _proposed(w, raiser, kind=kind, asks=asks,
                         proposed_deadline=NEW_DEADLINE if asks == DifficultyAsk.more_time else None)
        assert item.state == DifficultyState.proposed
        difficulties.decide(w.vice, item, approved=approved, decision="Ý kiến của lãnh đạo",
                            new_content="Nội dung mới")
        db.session.commit()
        db.session.expire_all()
        item, task = db.session.get(Difficulty, item.id), w.task
        assert item.state == DifficultyState.decided and item.approved is approved
        assert item.decided_by_id == w.vice.id
        action, check = APPROVED[asks] if approved else ("decide_difficulty", None)
        entry = db.session.get(TaskHistory, item.history_id)  # difficulty -> history
        assert entry.task_id == task.id and entry.action == action
        assert entry.data["difficulty_id"] == item.id  # history -> difficulty
        assert entry.reason == "Ý kiến của lãnh đạo"
        assert (check or _unchanged)(task)
        # The decision goes back to the unit that raised it (and, for a disagreement, to the
        # lead unit too, Đ10.1c).
        assert "difficulty_decided" in _notified(raiser)
        assert ("difficulty_decided" in _notified(w.lead_staff)) == (
            kind == DifficultyKind.disagreement or raiser == w.lead_staff)
        assert "difficulty_decided" not in _notified(w.other_staff)


def test_an_approval_may_cancel_the_task(app, w):
    with app.test_request_context():
        item = _proposed(w, w.lead_staff, asks=DifficultyAsk.leader_decision)
        difficulties.decide(w.chairman, item, approved=True, decision="Dừng thực hiện",
                            cancel_task=True)
        db.session.commit()
        assert w.task.state == S.cancelled and w.task.cancel_reason == "Dừng thực hiện"
        assert db.session.get(TaskHistory, item.history_id).action == "cancel"


def test_more_time_takes_the_leaders_date_over_the_units(app, w):
    with app.test_request_context():
        item = _proposed(w, w.lead_staff, asks=DifficultyAsk.more_time,
                         proposed_deadline=dt.date(2026, 8, 31))
        difficulties.decide(w.vice, item, approved=True, decision="Đồng ý",
                            new_deadline=NEW_DEADLINE)
        db.session.commit()
        assert w.task.deadline == NEW_DEADLINE


@pytest.mark.parametrize("asks,kw,field", [
    (DifficultyAsk.more_time, {}, "new_deadline"),
    (DifficultyAsk.more_time, {"new_deadline": DEADLINE}, "new_deadline"),
    (DifficultyAsk.change_content, {"new_content": "  "}, "new_content"),
])
def test_an_approval_without_what_it_changes_is_refused(app, w, asks, kw, field):
    with app.test_request_context():
        item = _proposed(w, w.lead_staff, asks=asks)
        with pytest.raises(DomainError) as err:
            difficulties.decide(w.vice, item, approved=True, decision="Đồng ý", **kw)
        assert field in err.value.fields
        db.session.rollback()
        assert db.session.get(Difficulty, item.id).state == DifficultyState.proposed
        assert _unchanged(w.task)


def test_only_the_directing_leader_or_the_chairman_decides(app, w):
    with app.test_request_context():
        item = _proposed(w, w.lead_staff)
        for actor in (w.other_vice, w.specialist, w.lead_head):
            with pytest.raises(NotAllowed):
                difficulties.decide(actor, item, approved=False, decision="Không")
        db.session.rollback()
        difficulties.decide(w.chairman, item, approved=False, decision="Chưa đồng ý")
        db.session.commit()
        assert item.state == DifficultyState.decided and item.decided_by_id == w.chairman.id
        with pytest.raises(Conflict):
            difficulties.decide(w.vice, item, approved=True, decision="Đồng ý")


def test_the_leader_decides_only_after_the_office_proposes(app, w):
    with app.test_request_context():
        item = _raise(w, w.lead_staff)
        with pytest.raises(Conflict):
            difficulties.decide(w.vice, item, approved=True, decision="Đồng ý")
        with pytest.raises(NotAllowed):
            difficulties.propose(w.lead_head, item, proposal="Tự đề xuất")
        with pytest.raises(DomainError):
            difficulties.propose(w.specialist, item, proposal=" ")
        db.session.rollback()
        difficulties.propose(w.specialist, item, proposal="Đề xuất")
        with pytest.raises(Conflict):
            difficulties.propose(w.specialist, item, proposal="Lần hai")


@pytest.mark.parametrize("who,allowed", [
    ("lead_staff", True), ("lead_head", True), ("coop_staff", True), ("other_staff", False),
    ("specialist", False), ("vice", False), ("chairman", False)])
def test_who_may_raise(app, w, who, allowed):
    with app.test_request_context():
        actor = getattr(w, who)
        if allowed:
            item = _raise(w, actor)
            assert item.unit_id == actor.unit_id and item.state == DifficultyState.open
            entry = db.session.scalar(sa.select(TaskHistory).where(
                TaskHistory.action == "raise_difficulty"))
            assert entry.data["difficulty_id"] == item.id
            assert "difficulty_raised" in _notified(w.specialist)
        else:
            with pytest.raises(NotAllowed):
                _raise(w, actor)


@pytest.mark.parametrize("state", [S.draft, S.returned, S.completed, S.cancelled])
def test_no_difficulty_on_a_task_not_being_carried_out(app, w, state):
    with app.test_request_context():
        w.task.state = state
        db.session.commit()
        with pytest.raises(DomainError):
            _raise(w, w.lead_staff)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Difficulty)) == 0


@pytest.mark.parametrize("field,value", [("kind", "complaint"), ("asks", "money"),
                                         ("content", "  ")])
def test_bad_input_is_refused_with_its_field(app, w, field, value):
    with app.test_request_context():
        data = {"kind": "difficulty", "asks": "other", "content": "Nội dung", field: value}
        with pytest.raises(DomainError) as err:
            difficulties.raise_difficulty(w.lead_staff, w.task, **data)
        assert field in err.value.fields


def test_a_cooperating_units_disagreement_reaches_the_lead_unit(app, w):
    with app.test_request_context():
        _raise(w, w.coop_staff, kind=DifficultyKind.disagreement)
        assert "difficulty_raised" in _notified(w.lead_staff)
        assert "difficulty_raised" not in _notified(w.other_staff)


def test_the_clock_is_a_setting_in_working_days(app, w):
    with app.test_request_context():
        set_setting("difficulty_answer_working_days", 3)
        item = _raise(w, w.lead_staff)  # raised Monday 2/3/2026
        assert item.due_on == dt.date(2026, 3, 5)
        assert not difficulties.is_late(item, dt.date(2026, 3, 5))
        assert difficulties.is_late(item, dt.date(2026, 3, 6))
        difficulties.propose(w.specialist, item, proposal="Đề xuất")
        difficulties.decide(w.vice, item, approved=False, decision="Không")
        assert not difficulties.is_late(item, dt.date(2026, 3, 6))


def test_a_progress_update_can_raise_one(app, wb, browser):
    w = wb
    page = browser(w.lead_staff)
    page.get(f"/tasks/details/?id={w.task.id}")
    resp = page.post("/tasks/act/", data={
        "id": w.task.id, "action": "progress", "content": "Thiếu kinh phí để triển khai",
        "difficulty_kind": "proposal", "difficulty_asks": "resources"})
    assert resp.status_code in (302, 303)
    with app.app_context():
        item = db.session.scalar(sa.select(Difficulty))
        assert item.kind == DifficultyKind.proposal and item.asks == DifficultyAsk.resources
        assert item.progress_update_id is not None
        assert item.content == "Thiếu kinh phí để triển khai"


def test_the_screens_walk_the_flow(app, wb, browser):
    """Unit raises on the task page; the Office's home shows it; the specialist proposes; the
    directing leader decides on the difficulty's page; another leader sees no decide form and
    is refused on post."""
    w = wb
    unit = browser(w.lead_staff)
    unit.get(f"/tasks/details/?id={w.task.id}")
    unit.post("/tasks/act/", data={"id": w.task.id, "action": "raise_difficulty",
                                   "kind": "difficulty", "asks": "more_time",
                                   "content": "Chờ vốn", "proposed_deadline": "2026-09-30"})
    with app.app_context():
        item_id = db.session.scalar(sa.select(Difficulty.id))
    office = browser(w.specialist)
    home = office.get("/").get_data(as_text=True)
    assert 'id="home-difficulties"' in home and "Chờ vốn" in home
    assert "difficulty-propose" in office.get(f"/difficulties/details/?id={item_id}").get_data(as_text=True)
    office.post("/difficulties/propose/", data={"id": item_id, "proposal": "Đề xuất gia hạn"})
    other = browser(w.other_vice)
    assert "difficulty-decide" not in other.get(f"/difficulties/details/?id={item_id}").get_data(as_text=True)
    assert other.post("/difficulties/decide/", data={"id": item_id, "approved": "yes",
                                                      "decision": "x"}).status_code == 403
    leader = browser(w.vice)
    assert "Chờ vốn" in leader.get("/").get_data(as_text=True)
    assert "difficulty-decide" in leader.get(f"/difficulties/details/?id={item_id}").get_data(as_text=True)
    # no answer chosen: refused with a message, nothing decided (no pre-selected answer)
    page = leader.get(f"/difficulties/details/?id={item_id}").get_data(as_text=True)
    assert 'value="yes" checked' not in page
    leader.post("/difficulties/decide/", data={"id": item_id, "decision": "Chưa chọn"})
    with app.app_context():
        assert db.session.get(Difficulty, item_id).state != DifficultyState.decided
    leader.post("/difficulties/decide/", data={"id": item_id, "approved": "yes",
                                               "decision": "Đồng ý gia hạn",
                                               "new_deadline": "2026-09-30"})
    with app.app_context():
        item = db.session.get(Difficulty, item_id)
        assert item.state == DifficultyState.decided and item.task.deadline == NEW_DEADLINE
        assert item.decided_by_id == w.vice.id
    page = unit.get(f"/tasks/details/?id={w.task.id}").get_data(as_text=True)
    assert "Đồng ý gia hạn" in page
    # Another unit never sees it.
    stranger = browser(w.other_staff)
    assert stranger.get(f"/difficulties/details/?id={item_id}").status_code in (302, 404)
    assert "Chờ vốn" not in stranger.get("/difficulties/").get_data(as_text=True)


# --- a stale version on the screens (the task page's form and the decide form carry one) --
STALE_VI = "Nhiệm vụ đã được người khác thay đổi sau khi bạn mở"


def _version_on_page(page) -> int:
    import re

    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def _bump(app, task_id) -> None:
    """Someone else changes the task after the page was read (a progress update)."""
    from cddh.models import Task, User
    from cddh.services import workflow

    with app.test_request_context():
        task = db.session.get(Task, task_id)
        user = db.session.scalar(sa.select(User).where(User.username == "canbo.lead"))
        workflow.post_progress(user, task, "Cập nhật của người khác")
        workflow.commit()


def test_the_task_page_refuses_a_difficulty_raised_on_a_stale_page(app, wb, browser):
    w = wb
    unit = browser(w.lead_staff)
    seen = _version_on_page(unit.get(f"/tasks/details/?id={w.task.id}").get_data(as_text=True))
    _bump(app, w.task.id)
    form = {"id": w.task.id, "action": "raise_difficulty", "kind": "difficulty",
            "asks": "more_time", "content": "Chờ vốn", "proposed_deadline": "2026-09-30"}
    resp = unit.post("/tasks/act/", data={**form, "version": seen}, follow_redirects=True)
    assert STALE_VI in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Difficulty.id))) == 0
        assert "raise_difficulty" not in db.session.scalars(sa.select(TaskHistory.action)).all()
    current = _version_on_page(unit.get(f"/tasks/details/?id={w.task.id}").get_data(as_text=True))
    unit.post("/tasks/act/", data={**form, "version": current})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Difficulty.id))) == 1


def test_the_decide_form_refuses_a_stale_page_and_changes_nothing(app, wb, browser):
    w = wb
    with app.test_request_context():
        from cddh.models import Task, User

        task = db.session.get(Task, w.task.id)
        lead = db.session.get(User, w.lead_staff.id)
        specialist = db.session.get(User, w.specialist.id)
        item = difficulties.raise_difficulty(lead, task, kind="difficulty", asks="more_time",
                                             content="Chờ vốn", today=TODAY)
        difficulties.propose(specialist, item, proposal="Đề xuất gia hạn")
        db.session.commit()
        item_id = item.id
    leader = browser(w.vice)
    page = leader.get(f"/difficulties/details/?id={item_id}").get_data(as_text=True)
    seen = _version_on_page(page)  # the decide form carries the task's version
    _bump(app, w.task.id)
    form = {"id": item_id, "approved": "yes", "decision": "Đồng ý gia hạn",
            "new_deadline": "2026-09-30"}
    resp = leader.post("/difficulties/decide/", data={**form, "version": seen},
                       follow_redirects=True)
    assert STALE_VI in resp.get_data(as_text=True)
    with app.app_context():
        item = db.session.get(Difficulty, item_id)
        assert item.state == DifficultyState.proposed and item.task.deadline == DEADLINE
    page = leader.get(f"/difficulties/details/?id={item_id}").get_data(as_text=True)
    leader.post("/difficulties/decide/", data={**form, "version": _version_on_page(page)})
    with app.app_context():
        item = db.session.get(Difficulty, item_id)
        assert item.state == DifficultyState.decided and item.task.deadline == NEW_DEADLINE
