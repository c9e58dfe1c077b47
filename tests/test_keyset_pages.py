"""Keyset pages (issue 13 §2): beyond the first pages the task list moves on with "Next
page" links carrying the last row's sort value and id (no OFFSET). Following them gives
exactly the rows the numbered (OFFSET) pages give, in the same order, for every sort
(deadlines with ties and NULLs included) and inside the user's scope."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from cddh.models import Role, Task, TaskState, Unit, UnitCategory, User, db
from cddh.views import base

from .conftest import make_task, make_unit, make_user

DETAILS = re.compile(r"/tasks/details/\?id=(\d+)")
NEXT = re.compile(r'id="keyset-next" href="([^"]+)"')
PAGE = 4


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", PAGE)
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 2)
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        a, b = make_unit("SA"), make_unit("SB")
        specialist = make_user(Role.office_specialist, office)
        staff = make_user(Role.unit_staff, a)
        states = [TaskState.assigned, TaskState.in_progress, TaskState.completed]
        for i in range(23):
            deadline = None if i % 5 == 0 else dt.date(2026, 3, 1) + dt.timedelta(days=i % 4)
            make_task(a if i % 3 else b, state=states[i % 3], deadline=deadline,
                      cooperating=[a] if i % 7 == 0 else ())
        db.session.commit()
        visible = {
            "office": set(db.session.scalars(sa.select(Task.id))),
            "unit": set(db.session.scalars(
                sa.select(Task.id).where(sa.or_(Task.lead_unit_id == a.id,
                                                Task.cooperating_units.any(id=a.id))))),
        }
        users = {"office": specialist.id, "unit": staff.id}
    return users, visible


def ids(page_html: str) -> list[int]:
    seen = []
    for match in DETAILS.findall(page_html):
        if int(match) not in seen:
            seen.append(int(match))
    return seen


@pytest.mark.parametrize("sort", ["", "sort=0&desc=1", "sort=4", "sort=4&desc=1", "sort=5",
                                  "sort=5&desc=1"],
                         ids=["default", "id-desc", "deadline", "deadline-desc", "state",
                              "state-desc"])
@pytest.mark.parametrize("who", ["office", "unit"])
def test_keyset_pages_give_the_offset_pages_rows(app, world, browser, who, sort):
    users, visible = world
    with app.app_context():
        user = db.session.get(User, users[who])
        client = browser(user)
    offset_rows, page = [], 0
    while True:
        body = client.get(f"/tasks/?{sort}&page={page}").get_data(as_text=True)
        rows = ids(body)
        if not rows:
            break
        offset_rows.extend(rows)
        page += 1
    assert set(offset_rows) == visible[who] and len(offset_rows) == len(visible[who])
    # A unit user's default order is by urgency (three columns of task_unit: open first, by
    # effective deadline, no deadline, then the settled ones): keyset pages along it too.
    keyset_rows, url, pages = [], f"/tasks/?{sort}", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        keyset_rows.extend(ids(body))
        found = NEXT.search(body)
        url = html.unescape(found.group(1)) if found else None
        if url:
            assert "after=" in url
        pages += 1
        assert pages < 20
    assert keyset_rows == offset_rows
    assert pages >= 5  # most of them keyset pages (from the second page on)


@pytest.mark.parametrize("query", ["flt0_0=in_progress", "flt0_0=completed",
                                   "flt0_8=no_deadline", "timeliness=open_overdue"])
def test_a_units_filtered_pages_keep_the_urgency_order(app, world, browser, monkeypatch, query):
    """Where the filters (or a dashboard link) let through states of one "settled" flag (a
    state, an open class; not the class "no deadline", open and done alike), the unit's
    urgency order is said without the flag (scope.by_urgency): the same order, open first,
    then by effective deadline (none last) and number, in numbered pages and keyset pages
    alike."""
    from cddh.models.task import UNIT_OPEN_STATES
    from cddh.services.clock import local_today

    users, visible = world
    name, value = query.split("=")[0][-1], query.split("=")[1]
    with app.app_context():
        client = browser(db.session.get(User, users["unit"]))
        chosen = {"0": lambda: Task.state == TaskState[value],
                  "8": lambda: Task.deadline.is_(None),
                  # A dashboard link: the open tasks past their (effective) deadline.
                  "s": lambda: sa.and_(Task.state.in_([TaskState.assigned,
                                                       TaskState.in_progress]),
                                       Task.effective_deadline < local_today())}[name]()
        rows = db.session.execute(sa.select(Task.id, Task.state, Task.effective_deadline)
                                  .where(Task.id.in_(visible["unit"]), chosen)).all()
    expected = [row.id for row in sorted(rows, key=lambda r: (
        r.state.value not in UNIT_OPEN_STATES, r.effective_deadline is None,
        r.effective_deadline or dt.date.min, r.id))]
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 1)  # the second page on is a keyset page
    assert len(expected) > 2  # two pages at least
    offset_rows, page = [], 0
    while found := ids(client.get(f"/tasks/?{query}&page={page}").get_data(as_text=True)):
        offset_rows.extend(found)
        page += 1
    keyset_rows, url = [], f"/tasks/?{query}"
    while url:
        body = client.get(url).get_data(as_text=True)
        keyset_rows.extend(ids(body))
        found = NEXT.search(body)
        url = html.unescape(found.group(1)) if found else None
        assert url is None or "after=" in url
    assert offset_rows == expected
    assert keyset_rows == expected


def test_a_bad_cursor_shows_the_first_page_with_a_message(app, world, browser):
    users, _visible = world
    with app.app_context():
        client = browser(db.session.get(User, users["office"]))
    first = ids(client.get("/tasks/?sort=4").get_data(as_text=True))
    for bad in ("x", "2026-13-45,3", "2026-03-01,abc", "2026-03-01,99999999999", "\x00,1"):
        response = client.get("/tasks/", query_string={"sort": "4", "after": bad})
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            body = response.get_data(as_text=True)
            assert ids(body) == first
            assert "Liên kết trang này không còn hợp lệ" in body


def test_a_cursor_never_leaves_the_scope(app, world, browser):
    users, visible = world
    with app.app_context():
        client = browser(db.session.get(User, users["unit"]))
    hidden = max(visible["office"] - visible["unit"])
    body = client.get(f"/tasks/?sort=0&desc=1&after={hidden + 1}").get_data(as_text=True)
    assert set(ids(body)) <= visible["unit"]
    assert hidden not in ids(body)


def test_a_bad_urgency_cursor_shows_the_unit_first_page_with_a_message(app, world, browser):
    users, _visible = world
    with app.app_context():
        client = browser(db.session.get(User, users["unit"]))
    first = ids(client.get("/tasks/").get_data(as_text=True))
    for bad in ("2,,5", "0,2026-02-30,1", "0,,abc", "1,2026-03-01", "0,,99999999999", "x"):
        response = client.get("/tasks/", query_string={"after": bad})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert ids(body) == first
        assert "Liên kết trang này không còn hợp lệ" in body


def test_the_numbered_links_of_a_deep_list_go_to_their_pages(app, world, browser, monkeypatch):
    """The pager's numbered links (built once, each page number substituted) keep the list's
    sort and go to their own page: following link N shows page N's rows."""
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 4)
    users, _visible = world
    with app.app_context():
        client = browser(db.session.get(User, users["office"]))
    body = client.get("/tasks/?sort=4&desc=1").get_data(as_text=True)
    pager = body[body.index('id="keyset-pager"'):]
    links = re.findall(r'class="page-link" href="([^"]+)">(\d+)<', pager)
    assert [n for _url, n in links] == ["1", "2", "3", "4"]  # 23 tasks, 4 a page: deep
    for n, (url, _number) in enumerate(links):
        url = html.unescape(url)
        assert "sort=4" in url and "desc=1" in url
        assert (f"page={n}" in url) == (n > 0) and "page=0" not in url
        expected = ids(client.get(f"/tasks/?sort=4&desc=1&page={n}").get_data(as_text=True))
        assert ids(client.get(url).get_data(as_text=True)) == expected and expected


def _pages(client, url: str) -> tuple[list[int], list[int]]:
    """The rows of the numbered pages, then of the keyset pages, of a list."""
    numbered, page = [], 0
    while found := ids(client.get(f"{url}&page={page}").get_data(as_text=True)):
        numbered.extend(found)
        page += 1
    keyset = []
    while url:
        body = client.get(url).get_data(as_text=True)
        keyset.extend(ids(body))
        found = NEXT.search(body)
        url = html.unescape(found.group(1)) if found else None
    return numbered, keyset


@pytest.mark.parametrize("who,query", [
    ("office", "flt0_0=in_progress"), ("office", "flt0_0=completed&sort=4"),
    ("office", "flt0_8=no_deadline&sort=4&desc=1"), ("office", "flt0_0=assigned&sort=0&desc=1"),
    ("unit", "flt0_0=in_progress&sort=0"), ("unit", "flt0_8=open_overdue&sort=4"),
    ("unit", "flt0_7=normal&sort=4&desc=1"), ("unit", "flt0_0=completed&sort=0&desc=1"),
    ("unit", "flt0_8=open_overdue&sort=5&desc=1"), ("office", "flt0_0=completed&sort=5")])
def test_a_short_filtered_list_read_whole_and_sorted_gives_the_same_pages(
        app, world, browser, monkeypatch, who, query):
    """A filtered list counted to at most SORT_FOUND_UP_TO rows reads its page's ids by its
    filters and sorts them (no index walked in its order: ScopedModelView._apply_pagination):
    the same rows in the same numbered and keyset pages as the walk in order gives."""
    from .conftest import recorded_statements

    users, _visible = world
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 1)  # the second page on is a keyset page
    with app.app_context():
        client = browser(db.session.get(User, users[who]))
    pages, shapes = {}, {}
    for up_to in (0, 1000):
        monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", up_to)
        with recorded_statements(app) as seen:
            client.get(f"/tasks/?{query}")
        shapes[up_to] = [s for s in seen if " FROM task " in s and " LIMIT " in s
                         and "coalesce(" in s and ".id IN (SELECT" in s]
        pages[up_to] = _pages(client, f"/tasks/?{query}")
    assert not shapes[0] and shapes[1000]  # the walk, then the sort of the found rows
    numbered, keyset = pages[0]
    assert len(numbered) > PAGE  # two pages at least
    assert keyset == numbered
    assert pages[1000] == (numbered, numbered)


def test_a_class_an_index_holds_in_id_order_is_walked_by_number(app, world, browser,
                                                                monkeypatch):
    """The Office's tasks done late by number walk the partial index that holds them in id
    order (it passes none but them), short or not: read whole and sorted, the planner would
    find them by another index (TaskView._walk_bounded). By deadline they are sorted."""
    from .conftest import recorded_statements

    users, _visible = world
    monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", 1000)
    with app.app_context():
        client = browser(db.session.get(User, users["office"]))
    shapes = {}
    for query in ("flt0_8=done_late", "flt0_0=completed&flt1_8=done_late",
                  "timeliness=done_late", "flt0_8=done_late&sort=4", "flt0_8=done_on_time",
                  "period=year:2026&measure=done_late",
                  "period=year:2026&measure=done_on_time"):
        with recorded_statements(app) as seen:
            assert client.get(f"/tasks/?{query}").status_code == 200
        shapes[query] = _read_sorted(seen)
    assert shapes == {"flt0_8=done_late": False, "flt0_0=completed&flt1_8=done_late": False,
                      "timeliness=done_late": False, "flt0_8=done_late&sort=4": True,
                      "flt0_8=done_on_time": True, "period=year:2026&measure=done_late": False,
                      "period=year:2026&measure=done_on_time": True}


@pytest.mark.parametrize("who,query,sorted_", [
    ("office", "sort=4", False), ("office", "sort=4&desc=1", False), ("office", "", True),
    ("unit", "", False), ("unit", "sort=0&desc=1", True)])
def test_a_deadline_range_read_along_its_index_is_walked(app, world, browser, monkeypatch,
                                                         who, query, sorted_):
    """A deadline range read by deadline, or in a unit's urgency order, is one range of the
    index that gives the order: a short list keeps that walk (sorted, the range was read
    twice). By number it is sorted. The same rows either way."""
    users, _visible = world
    range_ = "flt0_4=" + "01/03/2026+-+02/03/2026"
    with app.app_context():
        client = browser(db.session.get(User, users[who]))
    assert _walked_and_sorted(app, client, monkeypatch, f"/tasks/?{range_}&{query}", sorted_)


def _read_sorted(statements) -> bool:
    """The page's ids were read by the list's conditions and sorted
    (``ScopedModelView._apply_pagination``; on PostgreSQL a document number's with its count,
    from the rows found once: ``_counted_page``), not walked along an index in the list's
    order."""
    return any((" FROM task " in s and "coalesce(" in s and ".id IN (SELECT" in s)
               or (s.startswith("WITH found AS") and "array_agg(" in s and "count(*)" in s)
               for s in statements)


def _walked_and_sorted(app, client, monkeypatch, url, sorted_) -> list[int]:
    """The page walked (SORT_FOUND_UP_TO 0) and as a short list reads it (1,000): read sorted
    the second time exactly when ``sorted_``, and the same rows both times (returned)."""
    from .conftest import recorded_statements

    pages = {}
    for up_to in (0, 1000):
        monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", up_to)
        with recorded_statements(app) as seen:
            pages[up_to] = ids(client.get(url).get_data(as_text=True))
        assert _read_sorted(seen) == (sorted_ and up_to > 0), (up_to, url)
    assert pages[0] == pages[1000]
    return pages[0]


@pytest.mark.parametrize("who,query,sorted_", [
    ("unit", "", False), ("unit", "sort=4", False), ("unit", "sort=4&desc=1", False),
    ("unit", "sort=0&desc=1", True), ("office", "sort=4", True), ("office", "", True)])
@pytest.mark.parametrize("state", ["in_progress", "completed"])
def test_a_units_state_read_along_its_state_index_is_walked(app, world, browser, monkeypatch,
                                                           who, query, sorted_, state):
    """On a unit's rows, one state read by deadline or in the urgency order is one range of
    the unit's state index, in that order: a short list keeps that walk. By number, and on
    the Office's list, it is sorted. The same rows either way."""
    users, visible = world
    with app.app_context():
        client = browser(db.session.get(User, users[who]))
        in_state = {t for t in visible[who]
                    if db.session.get(Task, t).state == TaskState[state]}
    page = _walked_and_sorted(app, client, monkeypatch, f"/tasks/?flt0_0={state}&{query}",
                              sorted_)
    assert page and set(page) <= in_state


@pytest.mark.parametrize("query", ["", "sort=4", "sort=4&desc=1", "sort=0&desc=1"])
@pytest.mark.parametrize("who", ["office", "unit"])
def test_a_document_numbers_tasks_are_read_whole_and_sorted_whatever_their_number(
        app, world, browser, monkeypatch, who, query):
    """A document number's tasks are found by the documents' own index, along no order of
    the list: read whole and sorted even above SORT_FOUND_UP_TO (counted exactly), in the
    same numbered and keyset pages as the whole list walked in order (every task's document
    here is numbered …/UBND-TH). On a unit's own rows they are found by the unit's document
    entries, counted exactly with its rows: above SORT_FOUND_UP_TO the page walks the list's
    order, each row checked (task_filters.JoinedOrWalked), in the same pages."""
    from .conftest import recorded_statements

    users, _visible = world
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 1)
    monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", 1)
    with app.app_context():
        client = browser(db.session.get(User, users[who]))
    pages, shapes = {}, {}
    for name, filtered in (("all", query), ("numbered", f"flt0_3=ubnd-th&{query}")):
        with recorded_statements(app) as seen:
            client.get(f"/tasks/?{filtered}")
        shapes[name] = _read_sorted(seen)
        pages[name] = _pages(client, f"/tasks/?{filtered}")
    assert shapes == {"all": False, "numbered": who == "office"}
    numbered, keyset = pages["all"]
    assert len(numbered) > PAGE and keyset == numbered
    assert pages["numbered"] == pages["all"]


@pytest.mark.parametrize("cap", [1000, 5])
@pytest.mark.parametrize("who,query", [
    ("office", "flt1_0=in_progress"), ("office", "flt1_0=completed&sort=4&desc=1"),
    ("office", "flt1_0=assigned&sort=0"), ("office", "sort=5")])
def test_a_document_numbers_count_and_page_are_read_together(
        app, world, browser, monkeypatch, who, query, cap):
    """On PostgreSQL a document number's list (its tasks found by the documents' index, read
    whole and sorted) is counted with its page's ids in one statement
    (ScopedModelView._counted_page): its tasks are found once, not once for the count and
    again for the page; the page's rows are then read by their ids. Past COUNT_EXACT_UP_TO
    the list says "more than" and its page is read as before, walking the list's order with
    each task's document checked (task_filters.JoinedOrWalked). Either way: the count, and
    the same rows in the
    same numbered and keyset pages as the list without the number (every task's document
    here is numbered …/UBND-TH)."""
    from .conftest import recorded_statements

    users, visible = world
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 1)
    with app.app_context():
        client = browser(db.session.get(User, users[who]))
        postgresql = db.engine.dialect.name == "postgresql"
    first = client.get(f"/tasks/?{query.replace('flt1_', 'flt0_')}").get_data(as_text=True)
    expected = int(re.search(r"Danh sách \((\d+)\)", first).group(1))
    assert 5 < expected < 1000 and expected <= len(visible[who])
    monkeypatch.setitem(app.config, "COUNT_EXACT_UP_TO", cap)
    url = f"/tasks/?flt0_3=ubnd-th&{query}"
    with recorded_statements(app) as seen:
        body = client.get(url).get_data(as_text=True)
    shown = f"Danh sách ({expected})" if cap > expected else "Danh sách (hơn 5)"
    assert shown in body, body[:3000]
    together = [s for s in seen if s.startswith("WITH found AS") and "array_agg(" in s]
    apart = [s for s in seen if s.startswith("SELECT count(")]
    assert (len(together), len(apart)) == ((1, 0) if postgresql else (0, 1)), seen
    # The page's rows by their ids alone (and the scope), not found by the number again.
    read = [s for s in seen if s.startswith("SELECT task.document_id")]
    assert len(read) == 1 and ("search_text" in read[0]) == (not postgresql or cap < expected)
    assert _pages(client, url) == _pages(client, f"/tasks/?{query.replace('flt1_', 'flt0_')}")


@pytest.mark.parametrize("query", ["flt0_8=open_overdue&sort=5", "flt0_8=no_deadline&sort=5&desc=1",
                                   "timeliness=open_overdue&sort=5&desc=1",
                                   "flt0_8=no_deadline&sort=5&flt1_1={unit}"])
@pytest.mark.parametrize("few", [0, 1000])
def test_the_offices_list_by_state_counted_from_the_tally_reads_a_state_at_a_time(
        app, world, browser, monkeypatch, query, few):
    """The Office's list of a class by state: each state's part is known from the running
    tally, and a page's ids are read a state at a time (TaskView._apply_pagination), the
    states with none skipped, not one walk of the (state, id) index through the tasks of
    the states the class leaves out. The same rows, in the same numbered and keyset pages,
    as that walk gives."""
    from cddh.models import Unit
    from cddh.views.tasks import TaskView

    from .conftest import recorded_statements

    users, _visible = world
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 1)  # the second page on is a keyset page
    monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", few)  # each state's part read sorted
    with app.app_context():
        client = browser(db.session.get(User, users["office"]))
        unit = db.session.scalar(sa.select(Unit.id).where(Unit.code == "SA"))
    url = "/tasks/?" + query.format(unit=unit)
    with recorded_statements(app) as seen:
        client.get(url)
    by_state = [s for s in seen if s.startswith("SELECT task.id") and "task.state = " in s]
    assert any("FROM task_tally" in s and "GROUP BY task_tally.state" in s for s in seen)
    assert by_state, seen
    assert all(("coalesce(" in s) == bool(few) for s in by_state), by_state
    read = _pages(client, url)
    monkeypatch.setattr(TaskView, "_state_parts", staticmethod(lambda: None))
    monkeypatch.setattr(TaskView, "_probed_state_parts", lambda *_args: None)
    with recorded_statements(app) as seen:
        client.get(url)
    assert not any(s.startswith("SELECT task.id") and "task.state = " in s for s in seen)
    walked = _pages(client, url)
    numbered, keyset = walked
    assert len(numbered) > (PAGE if "flt1_1" not in query else 1)  # states, pages
    assert keyset == numbered
    assert read == walked


@pytest.mark.parametrize("query", ["", "sort=0&desc=1", "sort=4", "sort=4&desc=1", "sort=5&desc=1",
                                   "flt0_8=open_overdue", "flt0_0=completed&sort=4"])
@pytest.mark.parametrize("who", ["office", "unit"])
def test_a_deep_page_by_number_reads_its_ids_first_and_gives_the_same_rows(
        app, world, browser, monkeypatch, who, query):
    """A page far down by its number (OFFSET, a number typed in the address) reads the ids
    of the rows it skips alone, then its rows by their ids (ScopedModelView.
    _apply_pagination): the same rows in the same pages as the page read whole."""
    from .conftest import recorded_statements

    users, _visible = world
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 100)  # every page numbered
    monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", 0)  # no short list read sorted
    with app.app_context():
        client = browser(db.session.get(User, users[who]))

    def numbered() -> list[list[int]]:
        pages, page = [], 0
        while found := ids(client.get(f"/tasks/?{query}&page={page}").get_data(as_text=True)):
            pages.append(found)
            page += 1
        return pages

    whole = numbered()
    assert len(whole) >= 2
    monkeypatch.setattr(base, "DEFER_ROWS_FROM", PAGE)  # from the second page on
    with recorded_statements(app) as seen:
        client.get(f"/tasks/?{query}&page=1")
    assert any(" OFFSET " in s and ".id IN (SELECT" in s for s in seen), seen
    assert numbered() == whole


@pytest.mark.parametrize("query,on_rows", [
    ("flt0_0=in_progress&sort=0", True), ("flt0_8=open_overdue", True),
    ("flt0_7=normal", True), ("flt0_7=normal&sort=4&desc=1", False)])
def test_a_units_page_reads_its_ids_from_its_rows_alone_where_they_say_every_filter(
        app, world, browser, monkeypatch, query, on_rows):
    """A unit's short list whose filters and order are all said on its task_unit rows (a
    state, a class, the priority the row carries) reads its page's ids from those rows
    alone (the tasks are not looked up: policy.ids_on_unit_rows); an order that reads the
    task (by deadline going down: the task's deadline within the row's day) keeps it in
    that read. Either way the
    page is the walk's (the test above)."""
    import re

    from .conftest import recorded_statements

    users, _visible = world
    monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", 1000)
    with app.app_context():
        client = browser(db.session.get(User, users["unit"]))
    with recorded_statements(app) as seen:
        assert ids(client.get(f"/tasks/?{query}").get_data(as_text=True))
    inner = [re.search(r"\.id IN \(SELECT \w+\.\w+\s+FROM \(SELECT (.*?)\) AS anon_\d+\)", s, re.S)
             for s in seen if " LIMIT " in s]
    inner = [m.group(1) for m in inner if m]
    assert len(inner) == 1, seen
    reads = re.search(r"\bFROM (\w+)(\s+JOIN (\w+))?", inner[0])
    assert (reads.group(1), reads.group(3)) == (("task_unit", None) if on_rows
                                                else ("task", "task_unit")), inner[0]


def test_ids_on_unit_rows_leaves_to_the_task_what_the_rows_cannot_say(app, world):
    """policy.ids_on_unit_rows: a condition on the unit's row alone moves to the rows (the
    task's id read as the row's); a condition on the task, a sub-select (whose task id may be
    its own), another table, or a user who is not a unit's keeps the task (None)."""
    from cddh.auth import policy
    from cddh.models import Task, task_unit

    users, _visible = world
    with app.test_request_context():
        unit_user = db.session.get(User, users["unit"])
        office = db.session.get(User, users["office"])

        def ids(*where, order=(Task.id,)):
            return (sa.select(Task.id).join(task_unit, task_unit.c.task_id == Task.id)
                    .where(policy.task_scope_on_row(unit_user), *where).order_by(*order))

        moved = policy.ids_on_unit_rows(unit_user, ids(task_unit.c.state == "assigned",
                                                       Task.id > 5))
        assert moved is not None
        text = str(moved)
        assert " task." not in text and "FROM task_unit" in text and "task_unit.task_id >" in text
        assert policy.ids_on_unit_rows(office, ids()) is None
        for kept in (Task.priority == "normal",
                     sa.exists().where(task_unit.c.task_id == Task.id, task_unit.c.unit_id == 1),
                     task_unit.c.task_id.in_(sa.select(Task.id).where(Task.priority == "urgent"))):
            assert policy.ids_on_unit_rows(unit_user, ids(kept)) is None, kept
        assert policy.ids_on_unit_rows(unit_user, ids(order=(Task.deadline,))) is None



@pytest.mark.parametrize("desc", ["", "&desc=1"], ids=["state", "state-desc"])
@pytest.mark.parametrize("up_to", [2, 13, 1000])
def test_a_narrowed_list_by_state_is_read_a_state_at_a_time(app, world, browser, monkeypatch,
                                                             desc, up_to):
    """The Office's list narrowed by a deadline (which the tally cannot count) by state:
    each state's part counted in turn up to what the page needs (SORT_FOUND_UP_TO 2 and
    13: the 14 rows are more), its few rows sorted, its many walked in id order
    (TaskView._probed_state_parts); counted whole as a short list (1,000): read and sorted
    whole, no state counted. The same rows in the same numbered and keyset pages, those of
    the deadline filter in (state, id) order."""
    from .conftest import recorded_statements

    users, _visible = world
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 1)  # the second page on is a keyset page
    monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", up_to)
    with app.app_context():
        client = browser(db.session.get(User, users["office"]))
        tasks = db.session.scalars(sa.select(Task).where(Task.deadline >= dt.date(2026, 3, 2)))
        expected = [t.id for t in sorted(tasks, key=lambda t: (t.state.value, t.id),
                                         reverse=bool(desc))]
    assert len(expected) == 14
    url = f"/tasks/?flt0_9=02/03/2026&sort=5{desc}"
    with recorded_statements(app) as seen:
        assert client.get(url).status_code == 200
    by_state = [s for s in seen if "count(*)" in s and "task.state = " in s]
    walked = [s for s in seen if "task.state = " in s and "ORDER BY task.id" in s]
    assert bool(by_state) == (up_to < 14)
    assert bool(walked) == (up_to == 2)  # a state of more than 2 rows walked, not sorted
    numbered, keyset = _pages(client, url)
    assert numbered == expected
    assert keyset == expected


@pytest.mark.parametrize("query,state", [
    ("flt0_0=completed&sort=4", TaskState.completed),
    ("flt0_0=completed&sort=4&desc=1", TaskState.completed),
    ("flt0_0=assigned&flt1_7=normal&sort=4", TaskState.assigned),
    ("flt0_7=normal&flt1_0=in_progress&sort=4&desc=1", TaskState.in_progress),
    ("flt0_0=completed", TaskState.completed),
    ("flt0_0=in_progress&flt1_7=normal&sort=0", TaskState.in_progress),
    ("group=drafts&sort=4&desc=1", TaskState.draft)])
def test_a_list_of_one_state_reads_that_states_range(app, world, browser, monkeypatch, query,
                                                     state):
    """The Office's list by deadline or by number that its filters narrow to one state
    reads its page's ids with the state said as an array and first in the order
    (TaskView._one_state_page: on PostgreSQL, the (state, deadline, id) or (state, id)
    index's range, never the whole table's deadline or primary key index walked and each
    task's state tested): the same rows in the same numbered and keyset pages, those of
    the state in deadline order (undated last going up, first going down) or by number
    (newest first by default), as the list read without it. A home group of one state (the
    Office's drafts) likewise."""

    from .conftest import recorded_statements

    users, _visible = world
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 1)  # the second page on is a keyset page
    monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", 0)  # no short list read sorted
    by_deadline = "sort=4" in query
    desc = "desc=1" in query or "sort=" not in query
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        unit = db.session.scalar(sa.select(Task.lead_unit_id).limit(1))
        for i in range(7):  # drafts, two undated
            make_task(db.session.get(Unit, unit), state=TaskState.draft,
                      deadline=None if i % 4 == 0 else dt.date(2026, 3, 1 + i % 3))
        db.session.commit()
        client = browser(db.session.get(User, users["office"]))
        tasks = list(db.session.scalars(sa.select(Task).where(Task.state == state)))
    undated = sorted(t.id for t in tasks if t.deadline is None)
    dated = [t.id for t in sorted((t for t in tasks if t.deadline is not None),
                                  key=lambda t: (t.deadline, t.id))]
    expected = dated + undated if by_deadline else sorted(t.id for t in tasks)
    expected = expected[::-1] if desc else expected
    assert len(expected) > PAGE and undated and dated
    url = f"/tasks/?{query}"
    with recorded_statements(app) as seen:
        assert client.get(url).status_code == 200
    as_array = [s for s in seen if "task.state = ANY (ARRAY[" in s
                and f"ORDER BY task.state {'DESC' if desc else 'ASC'}, task.{'deadline' if by_deadline else 'id'}" in s]
    assert bool(as_array) == postgres, "\n".join(seen)
    read = _pages(client, url)
    assert read == (expected, expected)
    _same_pages_without(app, client, monkeypatch, url, "_one_state_page", "ANY (ARRAY[", read)


@pytest.mark.parametrize("query", [
    "timeliness=open_overdue&sort=4", "timeliness=open_overdue&sort=4&desc=1",
    "flt0_8=open_overdue&sort=0", "flt0_8=open_overdue&sort=4", "group=overdue&sort=4&desc=1"])
def test_a_list_of_a_few_states_reads_each_states_range(app, world, browser, monkeypatch,
                                                        query):
    """The Office's list by deadline that its conditions narrow to a few states (the open
    overdue class and the home's overdue group: assigned and in progress) reads each
    state's first rows up to the page's end along its range, the state said as an array and
    first in the order (TaskView._few_states_page, PostgreSQL), and its page among them: the
    same rows in the same numbered and keyset pages as the list read without it, those of
    the class in its order. By number it walks the open tasks' index as before."""
    from cddh.models import Timeliness
    from cddh.services.clock import local_today
    from cddh.services.timeliness import timeliness_clause

    from .conftest import recorded_statements

    users, _visible = world
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 1)  # the second page on is a keyset page
    monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", 0)  # no short list read sorted
    desc = "desc=1" in query
    with app.test_request_context():
        postgres = db.engine.dialect.name == "postgresql"
        client = browser(db.session.get(User, users["office"]))
        tasks = list(db.session.scalars(sa.select(Task).where(
            timeliness_clause(Timeliness.open_overdue, local_today()))))
    assert {t.state for t in tasks} == {TaskState.assigned, TaskState.in_progress}
    key = (lambda t: (t.deadline, t.id)) if "sort=4" in query else (lambda t: t.id)
    expected = [t.id for t in sorted(tasks, key=key, reverse=desc)]
    assert len(expected) > 2 * PAGE
    url = f"/tasks/?{query}"
    with recorded_statements(app) as seen:
        assert client.get(url).status_code == 200
    page = [s for s in seen if "UNION ALL" in s]
    assert len(page) == (1 if postgres and "sort=4" in query else 0), "\n".join(seen)
    if page:
        assert page[0].count("task.state = ANY (ARRAY[") == 2, page[0]
        assert page[0].count(f"ORDER BY task.state {'DESC' if desc else 'ASC'}") == 2, page[0]
    read = _pages(client, url)
    assert read == (expected, expected)
    _same_pages_without(app, client, monkeypatch, url, "_few_states_page", "UNION ALL", read)


def _same_pages_without(app, client, monkeypatch, url, method, marker, read) -> None:
    """With TaskView's ``method`` off, no statement of the list says ``marker``, and its
    numbered and keyset pages are ``read`` (as read with it)."""
    from cddh.views.tasks import TaskView

    from .conftest import recorded_statements

    monkeypatch.setattr(TaskView, method, lambda *_args: None)
    with recorded_statements(app) as seen:
        client.get(url)
    assert not any(marker in s for s in seen)
    assert _pages(client, url) == read


@pytest.mark.parametrize("order", ["sort=4", "sort=4&desc=1"])
def test_a_lead_units_list_of_one_state_keeps_both_as_equalities(app, world, browser,
                                                                monkeypatch, order):
    """With a lead unit too, the Office's list of one state by deadline is not said with the
    state as an array (TaskView._one_state_page, state_as_array): (lead unit, state,
    deadline, id) gives that order with both said as equalities, and an array on its
    second column would leave the state out of its range (every task of the lead unit
    read). The same rows, in deadline order, in numbered and keyset pages."""
    from .conftest import recorded_statements

    users, _visible = world
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 1)  # the second page on is a keyset page
    monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", 0)  # no short list read sorted
    desc = "desc=1" in order
    with app.app_context():
        unit = db.session.scalar(sa.select(Task.lead_unit_id).where(
            Task.state == TaskState.completed).limit(1))
        other = db.session.scalar(sa.select(Unit).where(Unit.code == "SB"))
        for i in range(5):  # another unit's completed tasks, among the first by deadline
            make_task(other, state=TaskState.completed,
                      deadline=None if i == 0 else dt.date(2026, 3, i))
        db.session.commit()
        client = browser(db.session.get(User, users["office"]))
        tasks = list(db.session.scalars(sa.select(Task).where(
            Task.state == TaskState.completed, Task.lead_unit_id == unit)))
        every = db.session.scalar(sa.select(sa.func.count()).where(
            Task.state == TaskState.completed))
    undated = sorted(t.id for t in tasks if t.deadline is None)
    dated = [t.id for t in sorted((t for t in tasks if t.deadline is not None),
                                  key=lambda t: (t.deadline, t.id))]
    expected = (dated + undated)[::-1] if desc else dated + undated
    assert len(expected) > PAGE and every > len(expected)  # the lead unit narrows it
    url = f"/tasks/?flt0_1={unit}&flt1_0=completed&{order}"
    with recorded_statements(app) as seen:
        assert client.get(url).status_code == 200
    assert not any("ANY (ARRAY[" in s for s in seen), "\n".join(seen)
    assert _pages(client, url) == (expected, expected)
