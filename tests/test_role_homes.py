"""Screens that fit each role (issue 12 §4): a leader's home is an overview of the figures and
of what awaits that leader's decision, routed as the notices are (another leader does not see
it); an inspector's home lists their teams and what each waits for; the administrator's home
shows the accounts and the jobs' last runs and failures."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from cddh.models import (
    Difficulty,
    DifficultyAsk,
    DifficultyKind,
    DifficultyState,
    ExtensionRequest,
    InspectedUnit,
    InspectionDocumentRequest,
    InspectionKind,
    InspectionMember,
    InspectionStatus,
    InspectionTeam,
    JobRun,
    LeaderPosition,
    Role,
    Task,
    TaskState,
    UnitCategory,
    User,
    db,
)
from cddh.services import statistics
from cddh.services.clock import local_today
from cddh.services.leaders import MATTERS, leader_recipients, routed_to

from .conftest import make_task, make_unit, make_user

S = TaskState


def _leader(unit, position, username):
    user = make_user(Role.leader, unit, username)
    user.position = position
    user.full_name = username
    return user


@pytest.fixture
def w(app):
    """Two vice-chairmen and the Chairman, each with one of every matter on a task they
    direct, and a draft inspection team (the Chairman's)."""
    with app.test_request_context():
        today = local_today()
        office = make_unit("VP", UnitCategory.office)
        unit = make_unit("SNV", name="Sở Nội vụ")
        w = SimpleNamespace(
            specialist=make_user(Role.office_specialist, office, "chuyenvien"),
            chairman=_leader(office, LeaderPosition.chairman, "chutich"),
            vice_a=_leader(office, LeaderPosition.vice_chairman, "pct.a"),
            vice_b=_leader(office, LeaderPosition.vice_chairman, "pct.b"),
            staff=make_user(Role.unit_staff, unit, "canbo.snv"),
            inspector=make_user(Role.inspector, office, "kiemtra"),
            tasks={})
        for who in ("a", "b"):
            leader = getattr(w, f"vice_{who}")
            # Overdue for 60 days: past the leadership's escalation (10 working days).
            esc = make_task(unit, content=f"LEO-THANG-{who.upper()}", state=S.in_progress,
                            deadline=today - dt.timedelta(days=60),
                            directing_leader_id=leader.id)
            ext = make_task(unit, content=f"VIEC-GIA-HAN-{who.upper()}", state=S.in_progress,
                            deadline=today + dt.timedelta(days=20),
                            directing_leader_id=leader.id)
            db.session.add(ExtensionRequest(task=ext, unit_id=unit.id, requested_by_id=w.staff.id,
                                            current_deadline=ext.deadline,
                                            proposed_deadline=today + dt.timedelta(days=40),
                                            reason=f"LY-DO-GIA-HAN-{who.upper()}"))
            dif = make_task(unit, content=f"VIEC-KHO-KHAN-{who.upper()}", state=S.in_progress,
                            deadline=today + dt.timedelta(days=20),
                            directing_leader_id=leader.id)
            db.session.add(Difficulty(task=dif, unit_id=unit.id, author_id=w.staff.id,
                                      kind=DifficultyKind.difficulty, asks=DifficultyAsk.other,
                                      content=f"NOI-DUNG-KHO-KHAN-{who.upper()}",
                                      state=DifficultyState.proposed, proposal="Đề xuất",
                                      due_on=today + dt.timedelta(days=5)))
            w.tasks[who] = (esc.id, ext.id, dif.id)
        # The specialist's queue: a returned task is not a leader's business.
        make_task(unit, content="VIEC-BI-TRA-LAI", state=S.returned)
        db.session.add(InspectionTeam(name="DOAN-KIEM-TRA-SO-1", kind=InspectionKind.ad_hoc,
                                      ground="Chỉ đạo", lead_id=w.inspector.id,
                                      status=InspectionStatus.draft))
        db.session.commit()
        for user in (w.specialist, w.chairman, w.vice_a, w.vice_b, w.staff, w.inspector):
            user.id  # noqa: B018  (loads the row before the context ends)
    return w


MARKERS = ("LEO-THANG-{}", "LY-DO-GIA-HAN-{}", "NOI-DUNG-KHO-KHAN-{}")


def _page(browser, user) -> str:
    resp = browser(user).get("/")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("mine, other", [("a", "b"), ("b", "a")])
def test_a_leader_sees_only_what_awaits_their_own_decision(app, w, browser, mine, other):
    page = _page(browser, getattr(w, f"vice_{mine}"))
    for marker in MARKERS:
        assert marker.format(mine.upper()) in page, marker
        assert marker.format(other.upper()) not in page, marker
    assert "DOAN-KIEM-TRA-SO-1" not in page  # the Chairman establishes teams (Đ12.1b)
    assert "VIEC-BI-TRA-LAI" not in page  # the specialist's queue is not on a leader's home
    assert 'id="home-headline"' in page and 'id="home-decisions"' in page


def test_the_chairman_sees_the_inspection_team_and_only_his_own_tasks(w, browser):
    page = _page(browser, w.chairman)
    assert "DOAN-KIEM-TRA-SO-1" in page
    for who in ("A", "B"):
        for marker in MARKERS:
            assert marker.format(who) not in page


def test_the_escalated_group_opens_a_list_of_the_same_tasks(app, w, browser):
    leader = browser(w.vice_a)
    page = leader.get("/").get_data(as_text=True)
    badge = re.search(r'href="/tasks/\?group=escalated">(\d+)</a>', page)
    assert badge and int(badge.group(1)) == 1
    listing = leader.get("/tasks/?group=escalated").get_data(as_text=True)
    assert "LEO-THANG-A" in listing and "LEO-THANG-B" not in listing


def test_the_headline_figures_are_the_dashboard_s_and_open_lists_of_that_size(app, w, browser):
    leader = browser(w.vice_a)
    page = leader.get("/").get_data(as_text=True)
    figures = dict((m, int(n.replace(".", ""))) for m, n in re.findall(
        r'href="/tasks/\?measure=(\w+)">([\d.]+)</a>', page))
    assert set(figures) == {*statistics.CLASSES, "total", statistics.AWAITING}
    assert figures["total"] == 7 and figures["open_overdue"] == 2 and figures["returned"] == 1
    for measure, figure in figures.items():
        listing = leader.get(f"/tasks/?measure={measure}").get_data(as_text=True)
        assert len(set(re.findall(r'href="/tasks/details/\?id=(\d+)', listing))) == figure, measure


@pytest.mark.parametrize("url", ["/tasks/?measure=open_overdue", "/tasks/?measure=open_on_time",
                                 "/tasks/?group=escalated"])
def test_a_leaders_open_lists_page_by_page_newest_first(app, w, browser, monkeypatch, url):
    """The lists of open tasks newest first: one task a page, each once, newest first, as
    the whole list; few, read whole and sorted, or (none counted few) walked, their page's
    ids read first on PostgreSQL (TaskView.page_ids_first)."""
    leader = browser(w.vice_a)
    whole = _ids_in_order(leader.get(url).get_data(as_text=True))
    assert whole and whole == sorted(whole, reverse=True), url
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    for up_to in (1000, 0):
        monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", up_to)
        pages = [_ids_in_order(leader.get(f"{url}&page={n}").get_data(as_text=True))
                 for n in range(len(whole) + 1)]
        assert pages == [[i] for i in whole] + [[]], (url, up_to)


def _ids_in_order(page: str) -> list[int]:
    return list(dict.fromkeys(int(i) for i in re.findall(r'href="/tasks/details/\?id=(\d+)',
                                                         page)))


def test_the_specialist_home_keeps_its_queues(w, browser):
    page = _page(browser, w.specialist)
    assert "VIEC-BI-TRA-LAI" in page and 'id="home-headline"' not in page


@pytest.mark.parametrize("matter", sorted(MATTERS))
@pytest.mark.parametrize("directing", ["vice_a", None])
def test_routed_to_is_leader_recipients_read_from_the_leader_s_side(app, w, matter, directing):
    with app.app_context():
        leaders = db.session.scalars(sa.select(User).where(User.role == Role.leader)).all()
        directing_id = getattr(w, directing).id if directing else None
        task = make_task(None, state=S.draft, directing_leader_id=directing_id)
        # The set-based form the jobs use: tasks joined to the leaders they reach.
        told = set(db.session.scalars(
            sa.select(User.username).select_from(Task)
            .join(User, leader_recipients(matter, Task.directing_leader_id))
            .where(Task.id == task.id)))
        if directing_id:  # one task's notice names the same leaders
            assert told == set(db.session.scalars(sa.select(User.username).where(
                leader_recipients(matter, directing_id))))
        routed = {leader.username for leader in leaders if db.session.scalar(
            sa.select(sa.func.count()).select_from(Task).where(
                Task.id == task.id, routed_to(leader, matter, Task.directing_leader_id)))}
        assert routed == told
        db.session.rollback()


# --- the inspector ------------------------------------------------------------------------------

def test_an_inspector_sees_their_teams_and_what_each_waits_for(app, w, browser):
    with app.app_context():
        today = local_today()
        snv = db.session.scalar(sa.select(User).where(User.username == "canbo.snv")).unit
        other_lead = make_user(Role.inspector, snv, "kiemtra2")
        working = InspectionTeam(name="DOAN-DANG-KIEM-TRA", kind=InspectionKind.ad_hoc,
                                 ground="Chỉ đạo", lead_id=other_lead.id,
                                 status=InspectionStatus.in_progress)
        elsewhere = InspectionTeam(name="DOAN-KHONG-LIEN-QUAN", kind=InspectionKind.ad_hoc,
                                   ground="Chỉ đạo", lead_id=other_lead.id,
                                   status=InspectionStatus.in_progress)
        db.session.add_all([working, elsewhere])
        db.session.flush()
        db.session.add_all([
            InspectionMember(team_id=working.id, user_id=w.inspector.id),
            InspectedUnit(team_id=working.id, unit_id=snv.id),
            InspectionDocumentRequest(team_id=working.id, unit_id=snv.id, what="Báo cáo",
                                      due_on=today - dt.timedelta(days=2)),
        ])
        db.session.commit()
    page = _page(browser, w.inspector)
    assert "DOAN-KIEM-TRA-SO-1" in page and "DOAN-DANG-KIEM-TRA" in page
    assert "DOAN-KHONG-LIEN-QUAN" not in page
    cards = {re.search(r'<strong>(DOAN-[A-Z0-9-]+)</strong>', card).group(1):
             re.findall(r'data-wait="(\w+)"', card) for card in page.split('data-team="')[1:]}
    # The draft team it leads has no unit yet; the other waits for documents (one late)
    # and a conclusion.
    assert cards == {"DOAN-KIEM-TRA-SO-1": ["no_units"],
                     "DOAN-DANG-KIEM-TRA": ["documents", "documents_late", "conclusions"]}
    assert "Bạn là trưởng đoàn" in page and "Bạn là thành viên" in page


# --- the administrator -----------------------------------------------------------------------------

def test_the_admin_home_shows_accounts_and_jobs(app, w, browser):
    with app.app_context():
        office = db.session.scalar(sa.select(User).where(User.username == "chuyenvien")).unit
        admin = make_user(Role.admin, office, "quantri")
        admin.last_login_at = dt.datetime.now(dt.UTC)
        make_user(Role.unit_staff, office, "nghiviec").active = False
        make_user(Role.unit_staff, office, "moicap").must_change_password = True
        now = dt.datetime.now(dt.UTC)
        db.session.add_all([
            JobRun(name="mark_overdue", started_at=now - dt.timedelta(hours=2), status="ok",
                   finished_at=now - dt.timedelta(hours=2)),
            JobRun(name="due_soon", started_at=now - dt.timedelta(days=1), status="ok"),
            JobRun(name="due_soon", started_at=now - dt.timedelta(hours=1), status="failed",
                   error="Traceback…\nValueError: boom"),
        ])
        db.session.commit()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    page = _page(browser, admin)

    def count(name):
        return int(re.search(rf'data-count="{name}".*?<td class="text-right">([\d.]+)</td>',
                             page, re.S).group(1))

    assert count("inactive") == 1 and count("must_change_password") == 1
    assert count("active") == total - 1
    row = re.search(r'<tr data-job="due_soon" class="([^"]*)">(.*?)</tr>', page, re.S)
    assert "table-danger" in row.group(1) and "Thất bại" in row.group(2)
    assert 'flt1_1=failed">1</a>' in row.group(2)
    ok = re.search(r'<tr data-job="mark_overdue" class="([^"]*)">(.*?)</tr>', page, re.S)
    assert "table-danger" not in ok.group(1) and "Hoàn thành" in ok.group(2)
    assert 'href="/settings/"' in page
    assert 'id="home-headline"' in page


def test_a_unit_leaders_own_group_follows_officers_named_in_the_same_transaction(app):
    """Whether a user handles any task is read once a transaction (a list's groups ask it
    three times); a flush that writes a task (its officers named) makes it read again."""
    from cddh.services.overview import unit_group_rows

    today = local_today()
    with app.test_request_context():
        snv = make_unit("SNV")
        leader, officer = make_user(Role.unit_leader, snv), make_user(Role.unit_leader, snv)
        task = make_task(snv, state=TaskState.in_progress)
        db.session.commit()
        assert "mine" not in unit_group_rows(officer, today)
        task.officers = [officer]
        db.session.flush()
        assert "mine" in unit_group_rows(officer, today)
        assert "mine" not in unit_group_rows(leader, today)
