"""Every role's screens in real Chromium at 1280 × 800 (issue 12 §4 and "Done when"): each demo
account logs in through the login form; its home page and a task page it may read are kept as
screenshots under test-artifacts/<role>-home.png and test-artifacts/<role>-task.png; on both
the navigation bar is one line, the page has one top heading, and the favicon is linked and
served. Skipped, with the reason shown, when Chromium or Playwright is missing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cddh.auth import policy
from cddh.demo import DEMO_PASSWORD, load_demo
from cddh.models import (
    InspectedUnit,
    InspectionDocumentRequest,
    InspectionKind,
    InspectionMember,
    InspectionStatus,
    InspectionTeam,
    Notification,
    Task,
    TaskState,
    Unit,
    User,
    db,
)
from cddh.services.clock import local_today
from cddh.services.notifications import task_event

from .browser import ARTIFACTS, chromium, live_server  # noqa: F401 - fixtures

# (file name, demo account): one account per role, and a district's officer.
ROLES = (
    ("office_specialist", "chuyenvien"),
    ("leader", "lanhdao"),
    ("admin", "admin"),
    ("unit_leader", "giamdoc.snv"),
    ("unit_staff", "canbo.snv"),
    ("inspector", "kiemtra"),
    ("district_staff", "canbo.hbt"),
)
WIDTH, HEIGHT = 1280, 800

# The navigation bar's top-level entries: the brand, each menu and the account bar's items.
NAVBAR = """() => {
  const nav = document.querySelector('nav.navbar');
  const items = [...nav.querySelectorAll(
      '.navbar-brand, #admin-navbar-collapse > ul.navbar-nav > li')]
    .filter(el => el.offsetParent !== null);
  return {
    height: nav.getBoundingClientRect().height,
    items: items.map(el => {
      const r = el.getBoundingClientRect();
      return {text: el.innerText.trim(), top: r.top, bottom: r.bottom, height: r.height,
              right: r.right};
    }),
    scrollWidth: document.documentElement.scrollWidth,
  };
}"""


def _demo_with_inspection(app) -> None:
    """The demo, and two teams for its inspector: one at work at Sở Nội vụ (so the inspector
    reads that department's tasks), one drafted without units yet."""
    with app.app_context():
        today = local_today()
        load_demo(task_count=120, today=today)
        users = {u.username: u for u in db.session.scalars(sa.select(User).where(
            User.username.in_(["kiemtra", "chuyenvien"])))}
        snv = db.session.scalar(sa.select(Unit).where(Unit.code == "SNV"))
        working = InspectionTeam(
            name="Đoàn kiểm tra việc thực hiện nhiệm vụ tại Sở Nội vụ", kind=InspectionKind.ad_hoc,
            ground="Theo chỉ đạo của Chủ tịch UBND tỉnh", lead_id=users["kiemtra"].id,
            decision_number="15/QĐ-UBND", decision_date=today - dt.timedelta(days=10),
            start_on=today - dt.timedelta(days=5), status=InspectionStatus.in_progress)
        drafted = InspectionTeam(
            name="Đoàn kiểm tra đột xuất các huyện", kind=InspectionKind.ad_hoc,
            ground="Dấu hiệu chậm cập nhật tiến độ", lead_id=users["kiemtra"].id,
            status=InspectionStatus.draft)
        db.session.add_all([working, drafted])
        db.session.flush()
        db.session.add_all([
            InspectedUnit(team_id=working.id, unit_id=snv.id),
            InspectionMember(team_id=working.id, user_id=users["chuyenvien"].id),
            InspectionDocumentRequest(team_id=working.id, unit_id=snv.id,
                                      what="Báo cáo tự kiểm tra quý III",
                                      due_on=today + dt.timedelta(days=3)),
        ])
        db.session.commit()


def _a_task_for(app, username: str) -> int:
    """A forwarded task the user may read, open at a unit if there is one."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        return db.session.scalar(
            sa.select(Task.id).where(policy.task_scope(user), Task.state == TaskState.in_progress)
            .order_by(Task.deadline.asc().nulls_last(), Task.id).limit(1))


def _login(chromium, server, username):  # noqa: F811
    context = chromium.new_context(locale="vi-VN", viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{server.url}/")
    return page


def _check_page(page, where: str) -> list[str]:
    """What is wrong with the page's frame: a navbar on more than one line, a page wider
    than the window, more or fewer than one top heading."""
    bad = []
    bar = page.evaluate(NAVBAR)
    items = bar["items"]
    single = max(item["height"] for item in items)
    if bar["height"] > 1.5 * single + 20:
        bad.append(f"{where}: navbar {bar['height']:.0f} px high for items of {single:.0f} px")
    # One line: every entry overlaps every other vertically (same row).
    lowest_top = max(item["top"] for item in items)
    highest_bottom = min(item["bottom"] for item in items)
    if lowest_top >= highest_bottom:
        bad.append(f"{where}: navbar entries on several lines: "
                   + "; ".join(f"{i['text']!r}@{i['top']:.0f}" for i in items))
    if max(item["right"] for item in items) > WIDTH or bar["scrollWidth"] > WIDTH:
        bad.append(f"{where}: wider than {WIDTH} px")
    headings = page.locator("h1").all_inner_texts()
    if len(headings) != 1:
        bad.append(f"{where}: {len(headings)} top headings {headings}")
    return bad


@pytest.mark.parametrize("role, username", ROLES, ids=[r for r, _u in ROLES])
def test_each_role_s_home_and_task_page_at_1280_px(app, chromium, live_server,  # noqa: F811
                                                    role, username):
    _demo_with_inspection(app)
    task_id = _a_task_for(app, username)
    assert task_id is not None, f"{username} reads no task in progress in the demo"
    ARTIFACTS.mkdir(exist_ok=True)
    page = _login(chromium, live_server, username)
    bad = _check_page(page, f"{role} home")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and page.request.get(f"{live_server.url}{icon}").ok
    page.screenshot(path=str(ARTIFACTS / f"{role}-home.png"), full_page=False)

    page.goto(f"{live_server.url}/tasks/details/?id={task_id}")
    page.wait_for_selector("#timeline")
    bad += _check_page(page, f"{role} task")
    page.screenshot(path=str(ARTIFACTS / f"{role}-task.png"), full_page=False)

    # The account menu holds what no longer fits the bar: password, sessions, language, logout.
    page.click("#account-menu-toggle")
    menu = page.locator(".cddh-account-menu")
    assert menu.is_visible()
    for label in ("Đổi mật khẩu", "Phiên đăng nhập", "English", "Đăng xuất"):
        assert label in menu.inner_text(), label
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    page.context.close()
    assert not bad, "\n".join(bad)


def test_the_login_and_public_pages_link_the_favicon(app, chromium, live_server):  # noqa: F811
    context = chromium.new_context(locale="vi-VN", viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    for path in ("/login", "/public/"):
        page.goto(f"{live_server.url}{path}")
        icon = page.locator("link[rel=icon]").get_attribute("href")
        assert icon and page.request.get(f"{live_server.url}{icon}").ok, path
    resp = page.request.get(f"{live_server.url}/favicon.ico")
    assert resp.ok and "svg" in resp.headers["content-type"]
    context.close()


def test_a_click_on_a_notification_opens_its_task_and_marks_it_read(
        app, chromium, live_server):  # noqa: F811

    _demo_with_inspection(app)
    with app.app_context():
        # A task the user's unit leads whose notices reach the user: no handling officer
        # named yet, or the user among them (Đ8.2b; the demo names some, as of its day).
        from cddh.models.task import task_officer

        user = db.session.scalar(sa.select(User).where(User.username == "canbo.snv"))
        named = sa.exists().where(task_officer.c.task_id == Task.id)
        theirs = sa.exists().where(task_officer.c.task_id == Task.id,
                                   task_officer.c.user_id == user.id)
        task_id = db.session.scalar(
            sa.select(Task.id).where(policy.task_scope(user), Task.lead_unit_id == user.unit_id,
                                     Task.state == TaskState.in_progress,
                                     sa.or_(~named, theirs)).order_by(Task.id).limit(1))
    assert task_id is not None
    with app.test_request_context():
        task = db.session.get(Task, task_id)
        task_event(task, "forwarded", to_units=[task.lead_unit_id])
        db.session.commit()
    page = _login(chromium, live_server, "canbo.snv")
    assert page.locator("#notification-badge .badge").inner_text() == "1"
    page.click("#notification-badge")
    page.click("form.notification-open button >> nth=0")
    page.wait_for_selector("#timeline")
    assert page.url.endswith(f"/tasks/details/?id={task_id}")
    assert page.locator("#notification-badge .badge").inner_text() == "0"
    with app.app_context():
        read = dict(db.session.execute(
            sa.select(User.username, Notification.read_at)
            .join(User, User.id == Notification.user_id)).all())
        # Read by the one who opened it; the unit's other account still has it unread.
        assert read.pop("canbo.snv") is not None
        assert read and all(at is None for at in read.values())
    page.context.close()
