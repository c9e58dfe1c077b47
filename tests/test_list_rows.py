"""The task list's rows (issue 13: a list page built its links per row; now once a page, with
each row's id substituted): every link and form of a row is that row's own, the texts are
escaped, and a page runs the same statements whatever its number of rows."""

from __future__ import annotations

import re

import pytest

from cddh.models import Role, Task, TaskState, UnitCategory, db
from cddh.views.memo import PROBE_A, PROBE_B, endpoint_url, id_template

from .conftest import make_document, make_task, make_unit, make_user, recorded_statements

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
ROW_ID = re.compile(r'<td class="col-id">\s*(\d+)\s*</td>')


def _setup(app, n: int = 4):
    """Tasks of the Office and of SNV (one led by STC with SNV cooperating), each with its
    own document; returns the users, {task id: document id} and the drafts' ids."""
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        snv, stc = make_unit("SNV", name="Sở Nội vụ"), make_unit("STC", name="Sở Tài chính")
        users = {"office": make_user(Role.office_specialist, office),
                 "snv": make_user(Role.unit_staff, snv)}
        docs, drafts = {}, set()
        for i in range(n):
            state = (TaskState.draft, TaskState.assigned, TaskState.in_progress)[i % 3]
            doc = make_document(number=f"{100 + i}/UBND-TH", summary=f"Văn bản <i>{i}</i>")
            task = make_task(snv if i % 2 == 0 else stc, state=state, document=doc,
                             cooperating=[snv] if i % 2 else [],
                             content=f"Nhiệm vụ <b>{i}</b> & báo cáo")
            docs[task.id] = doc.id
            if state == TaskState.draft:
                drafts.add(task.id)
        db.session.commit()
        for user in users.values():
            user.id, user.unit.id  # noqa: B018  (loads the row before the context ends)
        return users, docs, drafts


def _rows(html: str) -> dict[int, str]:
    rows = {}
    for body in ROW.findall(html):
        found = ROW_ID.search(body)
        if found:
            rows[int(found.group(1))] = body
    return rows


def test_every_link_and_form_of_a_row_is_that_rows_own(app, browser):
    users, docs, drafts = _setup(app, n=6)
    html = browser(users["office"]).get("/tasks/").get_data(as_text=True)
    rows = _rows(html)
    assert set(rows) == set(docs)
    for task_id, body in rows.items():
        ids = {int(i) for i in re.findall(r"[?&](?:amp;)?id=(\d+)", body)}
        assert ids == {task_id, docs[task_id]}, body
        assert f'<a href="/tasks/details/?id={task_id}">' in body  # the task's own page
        assert f'href="/tasks/details/?id={task_id}&amp;url=' in body  # view link
        assert f'href="/tasks/edit/?id={task_id}&amp;url=' in body  # edit link
        assert f'<a href="/documents/details/?id={docs[task_id]}">' in body
        assert f'class="action-checkbox" value="{task_id}"' in body
        for value in re.findall(r'name="id" value="(\d+)"', body):  # quick forms
            assert int(value) == task_id
        # Every text escaped: the tags typed in a task and its document are shown as text.
        assert "<b>" not in body and "<i>" not in body
        assert "&lt;b&gt;" in body and "&amp; báo cáo" in body and "&lt;i&gt;" in body
    # The drafts have their "Forward" form, with the request's CSRF token.
    assert html.count('name="action" value="forward"') == len(drafts) == 2
    assert 'name="csrf_token" value=""' not in html


def test_a_units_rows_link_to_its_own_tasks_and_tell_its_part(app, browser):
    users, docs, drafts = _setup(app, n=6)
    html = browser(users["snv"]).get("/tasks/").get_data(as_text=True)
    rows = _rows(html)
    assert set(rows) == set(docs) - drafts  # SNV leads or cooperates on every forwarded one
    for task_id, body in rows.items():
        assert f'<a href="/tasks/details/?id={task_id}">' in body
        assert f'href="/tasks/details/?id={task_id}&amp;url=' in body
        assert ('data-role="lead"' in body) != ('data-role="cooperating"' in body)
    # "Receive" on the assigned task SNV leads, not on the one it cooperates on; in either
    # order the unit's part is read for the page from its task_unit rows (the cooperating
    # units are not loaded).
    with app.app_context():
        assigned = {t.id: t.lead_unit_id == users["snv"].unit_id for t in db.session.query(
            Task).filter(Task.state == TaskState.assigned)}
    assert sorted(assigned.values()) == [False, True]
    for order in ("", "?sort=0"):
        with recorded_statements(app) as seen:
            rows = _rows(browser(users["snv"]).get("/tasks/" + order).get_data(as_text=True))
        for task_id, leads in assigned.items():
            assert ('name="action" value="receive"' in rows[task_id]) == leads, (order, task_id)
        assert not [q for q in seen if "task_cooperating_unit" in q], order


def test_links_stay_right_when_the_probe_id_is_in_the_address(app, browser):
    """The page's address carries the probe id: the links cannot be substituted, they are
    built per row, and still each row's own."""
    users, docs, _drafts = _setup(app)
    html = browser(users["office"]).get(f"/tasks/?x={PROBE_A}").get_data(as_text=True)
    rows = _rows(html)
    assert set(rows) == set(docs)
    for task_id, body in rows.items():
        assert f'href="/tasks/details/?id={task_id}&amp;url=' in body
        assert f"x%3D{PROBE_A}" in body  # the return address kept the argument


def test_id_template_substitutes_only_where_the_id_alone_varies():
    url = id_template(lambda i: f"/tasks/details/?id={i}&url=/tasks/")
    assert url(42) == "/tasks/details/?id=42&url=/tasks/"
    assert url("42") == "/tasks/details/?id=42&url=/tasks/"
    # The probe's digits elsewhere in the text: the text is built for every id.
    calls = []

    def build(i):
        calls.append(i)
        return f"/tasks/?id={i}&url=/tasks/?q={PROBE_A}"

    url = id_template(build)
    assert url(7) == f"/tasks/?id=7&url=/tasks/?q={PROBE_A}" and calls == [PROBE_A, PROBE_B, 7]
    # A text that does not carry the id at all, and a key that is not an id, are built.
    assert id_template(lambda i: "/same/")(3) == "/same/"
    assert id_template(lambda i: f"/x/{i}")("a,b") == "/x/a,b"


def _statements(app, client, url) -> int:
    with recorded_statements(app) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def test_a_list_page_runs_the_same_statements_whatever_its_rows(app, browser):
    """No statement per row (lazy loads of a lead unit, a document, the cooperating units):
    a page of 3 tasks and one of 12 run as many statements, for the Office and a unit."""
    counts = {}
    for n in (3, 12):
        users, _docs, _drafts = _setup(app, n=n)
        for who in ("office", "snv"):
            br = browser(users[who])
            counts[who, n] = _statements(app, br.client, "/tasks/")
        with app.app_context():
            from .conftest import truncate_all

            truncate_all()
    assert counts["office", 3] == counts["office", 12]
    assert counts["snv", 3] == counts["snv", 12]


def test_a_text_kept_for_the_request_is_kept_per_language(app):
    """A translated text kept once a request (memo.per_language) is not reused under another
    language (force_locale: a notice written in the default language during a request)."""
    from flask_babel import force_locale, gettext

    from cddh.views.memo import per_language

    with app.test_request_context("/"):
        with force_locale("vi"):
            vi = per_language("cancelled", lambda: gettext("Cancelled"))
        with force_locale("en"):
            en = per_language("cancelled", lambda: gettext("Cancelled"))
        with force_locale("vi"):
            again = per_language("cancelled", lambda: "built twice")
    assert en == "Cancelled" and vi != en and again == vi


def test_the_rows_follow_each_requests_language_and_user(app, browser):
    """What a row shares with the others (the checkbox's title, the unit's part, the status
    words) is prepared once a request: the next request in another language, or by another
    user, gets its own."""
    users, _docs, _drafts = _setup(app, n=6)
    office = browser(users["office"])
    vi = office.get("/tasks/").get_data(as_text=True)
    assert 'title="Chọn dòng này"' in vi and "data-role=" not in vi  # a unit's part only
    assert office.post("/language", {"language": "en", "next": "/"}).status_code == 302
    en = office.get("/tasks/").get_data(as_text=True)
    assert 'title="Select record"' in en and "Chọn dòng này" not in en
    unit = browser(users["snv"])
    vi = unit.get("/tasks/").get_data(as_text=True)
    assert 'data-role="lead">Đơn vị chủ trì<' in vi and 'action-checkbox' not in vi
    assert unit.post("/language", {"language": "en", "next": "/"}).status_code == 302
    en = unit.get("/tasks/").get_data(as_text=True)
    assert 'data-role="lead">Your unit leads<' in en and "Đơn vị chủ trì<" not in en
    assert 'data-role="cooperating">Your unit cooperates<' in en


def test_memo_user_is_the_requests_logged_in_user(app):
    """memo.user() reads the user where Flask-Login keeps it: whoever is logged in now."""
    from flask_login import current_user, login_user, logout_user

    from cddh.models import User
    from cddh.views import memo

    users, _docs, _drafts = _setup(app, n=1)
    with app.test_request_context("/tasks/"):
        assert not memo.user().is_authenticated  # nobody yet: Flask-Login's anonymous user
        office, snv = (db.session.get(User, users[k].id) for k in ("office", "snv"))
        login_user(office)
        assert memo.user() is office is current_user._get_current_object()
        login_user(snv)
        assert memo.user() is snv
        logout_user()
        assert not memo.user().is_authenticated
    with app.app_context():
        assert memo.user() is None  # outside a request, as current_user


@pytest.mark.parametrize("who", ["office", "snv"])
def test_a_cells_value_is_flask_admins(app, who):
    """The page's value reader (one type formatter lookup per type of value, each
    RowFormatter prepared once) gives each cell what Flask-Admin's get_list_value gives (the
    formatter called for that row alone): dates, enums, links, a unit's part, quick buttons,
    empty cells."""
    import datetime as dt

    from flask_admin.model import BaseModelView
    from flask_login import login_user

    from cddh.models import Task, User

    users, docs, _drafts = _setup(app, n=3)
    with app.test_request_context("/tasks/"):
        login_user(db.session.get(User, users[who].id))
        tasks = db.session.query(Task).order_by(Task.id).all()
        tasks[0].deadline = dt.date(2026, 12, 31)
        tasks[1].deadline = None
        view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "tasks")
        read = view._list_value_reader()
        columns = [c for c, _n in view._list_columns] + ["state", "deadline", "created_at",
                                                       "has_deadline", "priority", "version"]
        for task in tasks:
            for column in columns:
                assert read(None, task, column) == BaseModelView.get_list_value(
                    view, None, task, column), column
        db.session.rollback()


def test_a_text_kept_across_requests_is_kept_per_language(app):
    """memo.per_language_kept: built once per (language, key) for every request after."""
    from flask_babel import force_locale, gettext

    from cddh.views.memo import per_language_kept

    built = []

    def build():
        built.append(1)
        return gettext("Cancelled")

    key = ("test_kept", object())  # a key no other test shares
    for _ in range(2):
        with app.test_request_context("/"):
            with force_locale("vi"):
                vi = per_language_kept(key, build)
            with force_locale("en"):
                en = per_language_kept(key, build)
    assert en == "Cancelled" and vi != en and len(built) == 2
    with app.app_context():  # outside a request: built every time
        per_language_kept(key, build)
    assert len(built) == 3


def test_a_units_page_rows_read_again_in_the_request_stay_themselves(app):
    """A unit's page reads each row's role with the task (Task.unit_row_role). A task of the
    page read again later in the same request (after a rollback: a refused action) is read
    with that role too, by its own key: one row, no cartesian product of tasks and rows."""
    from flask_login import login_user

    from cddh.views.tasks import TaskView

    users, docs, drafts = _setup(app, n=6)
    with app.test_request_context("/tasks/"):
        staff = db.session.get(type(users["snv"]), users["snv"].id)
        login_user(staff)
        view = next(v for v in app.extensions["admin"][0]._views if isinstance(v, TaskView))
        _count, rows = view.get_list(0, None, False, None, [])
        seen = {task.id: task.unit_row_role for task in rows}
        db.session.rollback()
        assert {task.id: (task.content, task.unit_row_role) for task in rows} == {
            task_id: (db.session.get(Task, task_id).content, role)
            for task_id, role in seen.items()}
    assert set(seen) == set(docs) - drafts and set(seen.values()) == {"lead", "cooperating"}


@pytest.mark.parametrize("args", [
    {}, {"measure": "open_overdue"}, {"period": "2026-Q3", "measure": "total", "unit_id": 12},
    {"measure": None, "unit_id": 3}, {"q": "Sở Nội vụ & UBND/2026 a+b=c?#x %20 ~!$'()*,;:@"},
    {"flt0_0": "in_progress", "sort": 0, "desc": True}, {"id": ["a b", None, 7, "ễ"], "x": ("1",)},
    {"Đơn vị": "-_.~", "k": "a=b&c"},
])
def test_an_endpoints_address_is_url_fors_own(app, args):
    """endpoint_url builds the list's address once a request and encodes the query itself:
    the same string as url_for, for any value (accents, reserved characters, numbers)."""
    from flask import url_for

    with app.test_request_context("/reports/dashboard/"):
        expected = url_for("tasks.index_view", **args)
        assert endpoint_url("tasks.index_view", **args) == expected
        assert endpoint_url("tasks.index_view", **args) == expected  # the kept address
