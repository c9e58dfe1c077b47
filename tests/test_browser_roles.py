"""Every role of the demo in real Chromium (issue 12, "Done when"): log in, type a search
without diacritics into the task list's box and see a matching task of the role's own scope,
open that task by its short address ``/tasks/<id>``; the Office specialist tries to record a
verification without choosing an answer and is stopped (the browser refuses the form, and the
server refuses it too when the browser's check is taken away). Screenshots are kept under
test-artifacts/browser-roles/."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from cddh.auth import policy
from cddh.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from cddh.models import Task, TaskState, User, db
from cddh.services.search import normalise

from .browser import Screens, chromium, live_server  # noqa: F401 - fixtures
from .demo_module import TODAY, _clean_after_module, _clean_tables, demo_app  # noqa: F401

ROLES = [a[0] for a in DEMO_ACCOUNTS] + ["chutich"]
# A word worth searching: long enough to match as typed, with a diacritic to strip.
WORD_RE = re.compile(r"\w{4,}")


def _query_for(task: Task) -> str:
    """Three words of the task's content, as a user types them: no diacritics."""
    words = [w for w in WORD_RE.findall(task.content) if normalise(w) != w.lower()]
    words = words or WORD_RE.findall(task.content)
    return normalise(" ".join(words[:3]))


def _visible_task(user: User, state: TaskState | None = None) -> Task | None:
    """A task the user may see (by the one policy), with words to search for."""
    query = sa.select(Task).where(policy.task_scope(user), Task.state != TaskState.draft)
    if state is not None:
        query = query.where(Task.state == state)
    for task in db.session.scalars(query.order_by(Task.id)):
        if any(normalise(w) != w.lower() for w in WORD_RE.findall(task.content)):
            return task
    return None


def _login(browser, server, username):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{server.url}/")
    return page


def _search(page, server, text):
    page.goto(f"{server.url}/tasks/")
    box = page.locator("form[role=search] input[name=search]")
    box.fill(text)
    box.press("Enter")
    page.wait_for_load_state()
    assert page.locator("form[role=search] input[name=search]").input_value() == text


def _task_links(page, task_id: int):
    return page.locator(f'a[href*="/tasks/details/?id={task_id}"], a[href$="/tasks/{task_id}"]')


@pytest.mark.parametrize("username", ROLES)
def test_each_role_searches_without_diacritics_and_opens_a_task_by_its_short_address(
        demo_app, chromium, live_server, username):  # noqa: F811
    with demo_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        task = _visible_task(user)
        other = None
        if task is None:  # a role that sees no task (the inspector): a task of someone else
            other = db.session.scalar(sa.select(Task).where(Task.state != TaskState.draft)
                                      .order_by(Task.id))
        target = task or other
        query, task_id, content = _query_for(target), target.id, target.content
    shots = Screens(f"browser-roles/{username}")
    page = _login(chromium, live_server, username)
    shots.shot(page, "home")

    _search(page, live_server, query)
    shots.shot(page, "search-without-diacritics")
    assert query.isascii(), query
    if task is None:
        # Out of scope, the search finds nothing and the short address does not open it.
        assert _task_links(page, task_id).count() == 0
        response = page.goto(f"{live_server.url}/tasks/{task_id}")
        assert response.status in (403, 404)
        assert content not in page.content()
        return
    assert _task_links(page, task_id).count() >= 1, f"{query!r} did not find task {task_id}"

    response = page.goto(f"{live_server.url}/tasks/{task_id}")
    assert response.status == 200
    page.wait_for_selector("#timeline")
    assert content[:60] in page.locator("body").inner_text()
    assert re.search(rf"/tasks/(details/\?id=)?{task_id}\b", page.url)
    shots.shot(page, "task-by-short-address")


def test_the_specialist_cannot_verify_without_choosing_an_answer(
        demo_app, chromium, live_server):  # noqa: F811
    with demo_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "chuyenvien"))
        task = _visible_task(user, TaskState.pending_verification)
        assert task is not None, "the demo has a task reported complete"
        task_id = task.id
    shots = Screens("browser-roles/chuyenvien-verify")
    page = _login(chromium, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/tasks/details/?id={task_id}")
    form = page.locator("form.task-action[data-action=verify]")
    radios = form.locator("input[name=accepted]")
    assert radios.count() == 2
    assert not any(radios.nth(i).is_checked() for i in range(2)), "an answer is pre-selected"
    before = page.url

    # The browser stops the form: the answer is required; nothing is sent, nothing asked.
    form.locator("button[type=submit]").click()
    page.wait_for_timeout(300)
    assert radios.first.evaluate("el => el.validity.valueMissing")
    assert page.url == before and page.dialogs == []
    shots.shot(page, "verification-without-answer-stopped")

    # Without the browser's check, the server refuses it with a message and changes nothing.
    form.evaluate("f => f.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-danger").count() >= 1
    shots.shot(page, "verification-without-answer-refused")
    with demo_app.app_context():
        assert db.session.get(Task, task_id).state == TaskState.pending_verification


def test_the_date_picker_is_vietnamese(demo_app, chromium, live_server):  # noqa: F811
    """Flask-Admin's date picker: Vietnamese month and day names, Monday first, dd/mm/yyyy."""
    page = _login(chromium, live_server, "admin")
    page.goto(f"{live_server.url}/calendar/new/")
    page.click("#day")
    picker = page.locator(".daterangepicker").first
    picker.wait_for(state="visible")
    Screens("browser-roles/date-picker").shot(page, "date-picker-vi")
    text = picker.inner_text()
    assert re.search(r"Tháng \d{1,2}", text), text[:200]
    heads = [h.strip() for h in picker.locator("th").all_inner_texts() if h.strip()]
    assert "T2" in heads and "CN" in heads and heads.index("T2") < heads.index("CN")
    assert "Su" not in heads and "Mo" not in heads
    picker.locator("td.available:not(.off)", has_text=re.compile(r"^15$")).first.click()
    assert re.fullmatch(r"15/\d\d/\d{4}", page.input_value("#day")), page.input_value("#day")
