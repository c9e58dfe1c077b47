"""Search as users type (no diacritics, number as typed, ranked, scoped) and the task–unit
index that holds each task's scope (kept by the services on every change)."""

from __future__ import annotations

import datetime as dt
import re
import warnings

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import SAWarning

from cddh.models import (
    Role,
    Task,
    TaskState,
    UnitCategory,
    User,
    db,
    task_unit,
    task_unit_count,
    unit_document,
)
from cddh.models.enums import Priority
from cddh.services import scope, search

from .conftest import make_document, make_task, make_unit, make_user


def test_normalise_drops_diacritics_and_case_like_users_type():
    assert search.normalise("Chuyển ĐỔI số  Đắk Lắk") == "chuyen doi so dak lak"
    assert search.words("  9901/UBND-TH ") == ["9901/ubnd-th"]
    assert search.words("") == [] and search.words(None) == []
    # The SQL mapping (bulk loads, the migration) agrees with the Python one.
    text = "Ứng phó xâm nhập mặn; Đề án chuyển đổi số"
    translated = text.translate(str.maketrans(search.SQL_FROM, search.SQL_TO)).lower()
    assert translated.replace(";", "") == search.normalise(text)
    assert search.task_text(None, "Huyện Ba Tri") == " huyen ba tri "


def _rows(user=None):
    """The index's rows; first checks that its counts by unit and state are theirs."""
    tu, of = task_unit.c, task_unit_count.c
    kept = {(r.unit_id, r.state): r.n for r in db.session.execute(sa.select(task_unit_count))
            if r.n}
    assert kept == {(r.unit_id, r.state): r.n for r in db.session.execute(
        sa.select(tu.unit_id, tu.state, sa.func.count().label("n")).group_by(tu.unit_id,
                                                                              tu.state))}
    assert db.session.scalar(sa.select(sa.func.count()).where(of.n < 0)) == 0
    # Each unit's documents (those of its forwarded rows), with how many rows hold each.
    entries = {(r.unit_id, r.document_id): r.n
               for r in db.session.execute(sa.select(unit_document))}
    assert entries == {(r.unit_id, r.document_id): r.n for r in db.session.execute(
        sa.select(tu.unit_id, tu.document_id, sa.func.count().label("n"))
        .where(tu.state != "draft", tu.document_id.is_not(None))
        .group_by(tu.unit_id, tu.document_id))}
    # Each entry carries its document's issue date (the unit's list reads its order there).
    from cddh.models import Document

    # And its number as the document-number filter reads it (a unit's filter reads it there).
    copies = {(r.unit_id, r.document_id): (r.issued_on, r.number)
              for r in db.session.execute(sa.select(unit_document))}
    assert copies == {(r.unit_id, r.document_id): (r.issued_on, r.number)
                      for r in db.session.execute(sa.select(
                          unit_document.c.unit_id, unit_document.c.document_id,
                          Document.issued_on, search.number_text(
                              Document.search_text, Document.number).label("number"))
                          .join(Document, Document.id == unit_document.c.document_id))}
    return {(r.unit_id, r.task_id, r.role, r.state, r.deadline)
            for r in db.session.execute(sa.select(task_unit))}


def test_the_task_unit_index_follows_every_change(ctx):
    snv, stc, sct = make_unit("SNV"), make_unit("STC"), make_unit("SCT")
    task = make_task(snv, cooperating=[stc], deadline=dt.date(2026, 6, 30))
    db.session.commit()
    d = dt.date(2026, 6, 30)
    assert _rows() == {(snv.id, task.id, "lead", "assigned", d),
                       (stc.id, task.id, "cooperating", "assigned", d)}
    task.lead_unit = sct
    task.cooperating_units = [snv, stc]
    # 1/9/2026 is a day off (National Day): the rows carry the effective deadline, 3/9.
    task.state, task.deadline = TaskState.in_progress, dt.date(2026, 9, 1)
    db.session.commit()
    d = task.effective_deadline
    assert d == dt.date(2026, 9, 3)
    assert _rows() == {(sct.id, task.id, "lead", "in_progress", d),
                       (snv.id, task.id, "cooperating", "in_progress", d),
                       (stc.id, task.id, "cooperating", "in_progress", d)}
    # Every row names the task's new lead unit (a unit's list filtered by lead unit).
    assert set(db.session.scalars(sa.select(task_unit.c.lead_unit_id))) == {sct.id}
    # And its priority, changed alone (a unit's list filtered by priority).
    assert set(db.session.scalars(sa.select(task_unit.c.priority))) == {"normal"}
    task.priority = Priority.urgent
    db.session.commit()
    assert set(db.session.scalars(sa.select(task_unit.c.priority))) == {"urgent"}
    task.priority = Priority.normal
    db.session.commit()
    assert set(db.session.scalars(sa.select(task_unit.c.priority))) == {"normal"}
    task.cooperating_units = []
    db.session.commit()
    assert _rows() == {(sct.id, task.id, "lead", "in_progress", d)}
    # Reported done, then its completion date corrected: the row keeps the task's date.
    task.state, task.completed_on = TaskState.pending_verification, dt.date(2026, 9, 2)
    db.session.commit()
    task.completed_on = dt.date(2026, 9, 4)
    db.session.commit()
    assert db.session.execute(sa.select(task_unit.c.state, task_unit.c.completed_on,
                                        task_unit.c.settled)).all() == [
        ("pending_verification", dt.date(2026, 9, 4), True)]
    # A second task, then a task deleted (never in the app, Đ18; a test's cleanup may):
    # its rows and their counts go.
    other = make_task(stc, cooperating=[sct])
    db.session.commit()
    assert len(_rows()) == 3
    db.session.delete(task)
    db.session.commit()
    assert {row[:4] for row in _rows()} == {(stc.id, other.id, "lead", "assigned"),
                                            (sct.id, other.id, "cooperating", "assigned")}
    # A unit's documents: two tasks of one, a draft of another (not yet the unit's), then
    # moved between them; an entry no row holds any more is gone.
    doc_a, doc_b = make_document(), make_document()
    first = make_task(stc, document=doc_a)
    second = make_task(stc, document=doc_a, cooperating=[snv])
    draft = make_task(stc, document=doc_b, state=TaskState.draft)
    db.session.commit()
    _rows()

    def entries():
        return {(r.unit_id, r.document_id): r.n for r in db.session.execute(
            sa.select(unit_document).where(unit_document.c.document_id.in_([doc_a.id,
                                                                            doc_b.id])))}
    assert entries() == {(stc.id, doc_a.id): 2, (snv.id, doc_a.id): 1}
    second.document, draft.state = doc_b, TaskState.assigned
    db.session.commit()
    _rows()
    assert entries() == {(stc.id, doc_a.id): 1, (stc.id, doc_b.id): 2, (snv.id, doc_b.id): 1}
    first.document = doc_b
    db.session.commit()
    _rows()
    assert entries() == {(stc.id, doc_b.id): 3, (snv.id, doc_b.id): 1}
    # Its issue date corrected: both units' entries carry the new one.
    doc_b.issued_on = doc_b.issued_on - dt.timedelta(days=40)
    db.session.commit()
    _rows()
    # Its number corrected: both carry the new one, as the filter reads it.
    doc_b.number = "77/QĐ-UBND"
    db.session.commit()
    _rows()
    assert set(db.session.scalars(sa.select(unit_document.c.number).where(
        unit_document.c.document_id == doc_b.id))) == {"77/qd-ubnd"}
    # Counted again from the rows (recompute-facts, a bulk load): the same counts.
    tables = (task_unit_count, unit_document)
    kept = [db.session.execute(sa.select(t).where(t.c.n != 0).order_by(*t.primary_key)).all()
            for t in tables]
    scope.recount(db.session.connection())
    assert [db.session.execute(sa.select(t).order_by(*t.primary_key)).all()
            for t in tables] == kept


def _list_ids(browser, user, url) -> list[int]:
    page = browser(user).get(url)
    assert page.status_code == 200
    found = re.findall(r'tasks/details/\?id=(\d+)', page.get_data(as_text=True))
    return [int(i) for i in dict.fromkeys(found)]


def test_the_task_search_box_finds_without_diacritics_by_number_ranked_and_scoped(app, browser):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        snv, stc = make_unit("SNV"), make_unit("STC")
        specialist = make_user(Role.office_specialist, office)
        snv_staff = make_user(Role.unit_staff, snv)
        plan = make_document(number="9901/UBND-TH", summary="Kế hoạch chuyển đổi số năm 2026")
        other = make_document(number="12/UBND-KT", summary="Về việc phòng chống hạn mặn")
        by_number = make_task(snv, document=plan, content="Báo cáo tiến độ")
        words_apart = make_task(snv, document=other, content="Chuyển giao số liệu đổi mới")
        phrase = make_task(snv, document=other, content="Triển khai chuyển đổi số cấp xã")
        hidden = make_task(stc, document=other, content="Chuyển đổi số ngành tài chính")
        draft = make_task(snv, document=other, content="Chuyển đổi số (nháp)",
                          state=TaskState.draft)
        unrelated = make_task(snv, document=other, content="Kiểm tra đê bao")
        db.session.commit()
        ids = {k: v.id for k, v in locals().items() if isinstance(v, Task)}
        specialist.id, snv_staff.id, snv_staff.unit.id  # noqa: B018  (loads the row before the context ends)
    found = _list_ids(browser, specialist, "/tasks/?search=chuyen+doi+so")
    # The phrase as typed first (newest first), then the tasks with every word apart.
    assert found == [ids["draft"], ids["hidden"], ids["phrase"], ids["by_number"],
                     ids["words_apart"]]
    assert _list_ids(browser, specialist, "/tasks/?search=9901/UBND-TH") == [ids["by_number"]]
    assert _list_ids(browser, specialist, "/tasks/?search=9901%2Fubnd-th") == [ids["by_number"]]
    # A unit user finds only its own forwarded tasks.
    assert _list_ids(browser, snv_staff, "/tasks/?search=Chuyển+đổi+số") == [
        ids["phrase"], ids["by_number"], ids["words_apart"]]
    assert _list_ids(browser, snv_staff, "/tasks/?search=100%25") == []
    assert ids["unrelated"] not in found
    # The API's q: the same function, inside the same scope.
    with app.test_request_context():
        from cddh.services.tokens import issue_token

        user = db.session.get(type(snv_staff), snv_staff.id)
        token = issue_token(user, "search test")[1]
        db.session.commit()
    body = app.test_client().get("/api/v1/tasks?q=chuyen%20doi%20so",
                                 headers={"Authorization": f"Bearer {token}"}).get_json()
    assert sorted(i["id"] for i in body["items"]) == sorted(
        [ids["phrase"], ids["by_number"], ids["words_apart"]])


def test_a_searchs_pages_hold_the_phrase_first_then_the_words_apart(app, browser, monkeypatch):
    """Several words: the tasks holding them as typed come first, then those holding them
    apart, each newest first, page after page (a page's ids are read from the phrase's
    tasks, then from the others', ``ScopedModelView._ranked_page``). One word: every task
    found holds it as typed, and the list keeps its own order, newest first."""
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        snv = make_unit("SNV")
        specialist = make_user(Role.office_specialist, office)
        doc = make_document(number="7/UBND-TH", summary="Về việc khác")
        contents = {"phrase": "Rà soát hồ sơ đất đai", "apart": "Soát xét hồ sơ, rà lại đất đai",
                    "neither": "Kiểm tra đê bao"}
        kinds = ["phrase", "apart", "apart", "phrase", "neither", "apart", "phrase", "apart",
                 "phrase", "apart"]
        made = [(kind, make_task(snv, document=doc, content=contents[kind]).id)
                for kind in kinds]
        db.session.commit()
        specialist.id  # noqa: B018  (loads the row before the context ends)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)

    def newest_first(*wanted):
        return sorted((i for kind, i in made if kind in wanted), reverse=True)

    def pages(query):
        return [_list_ids(browser, specialist, f"/tasks/?search={query}&page={n}")
                for n in range(4)]

    for up_to in (0, 1000):  # walked newest first, or (few found) read whole and sorted
        monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", up_to)
        ranked = pages("ra+soat")  # 4 of the phrase, then 5 apart: pages of 3, 3, 3, none
        assert [len(page) for page in ranked] == [3, 3, 3, 0]
        assert [i for page in ranked for i in page] == (newest_first("phrase")
                                                        + newest_first("apart"))
        one_word = pages("soat")
        assert [i for page in one_word for i in page] == newest_first("phrase", "apart")


def test_a_word_of_signs_alone_is_checked_beside_other_words_and_finds_nothing_alone(app,
                                                                                  browser):
    """"-", "%" or "/" as a word: no letter or digit for the index to find it by. Beside a
    word that has one, it is checked on the rows that word finds; alone, it finds nothing
    (the search box's list and the API's ``q`` alike)."""
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        specialist = make_user(Role.office_specialist, office)
        unit = make_unit("SNV")
        dashed = make_task(unit, content="Sở Nội vụ - Sở Tài chính phối hợp rà soát")
        plain = make_task(unit, content="Sở Nội vụ rà soát biên chế")
        staff = make_user(Role.unit_staff, unit)
        db.session.commit()
        dashed_id, plain_id = dashed.id, plain.id
        from cddh.services.tokens import issue_token

        token = issue_token(specialist, "search test")[1]
        db.session.commit()
        specialist.id, staff.id  # noqa: B018  (loads the rows before the context ends)
    api = app.test_client()
    assert _list_ids(browser, specialist, "/tasks/?search=noi+vu") == [plain_id, dashed_id]
    assert _list_ids(browser, specialist, "/tasks/?search=noi+vu+-") == [dashed_id]
    assert _list_ids(browser, specialist, "/tasks/?search=ra+soat+-") == [dashed_id]
    hint = "Hãy gõ chữ hoặc chữ số để tìm"
    assert hint not in browser(specialist).get("/tasks/?search=noi+vu+-").get_data(True)
    for signs in ("-", "%25", "-+%2F", "_"):
        assert _list_ids(browser, specialist, f"/tasks/?search={signs}") == [], signs
        # The list says why (in the user's language).
        assert hint in browser(specialist).get(f"/tasks/?search={signs}").get_data(True)
        assert api.get(f"/api/v1/tasks?q={signs}", headers={
            "Authorization": f"Bearer {token}"}).get_json()["items"] == [], signs
    # A unit user's list, read along its rows (by deadline going down too): alone, the
    # word took every other condition with it, the scope's tie of the row to its task too,
    # and its count asked of the tables side by side (SQLAlchemy warned); now it asks nothing.
    with warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)
        for order in ("", "&sort=4&desc=1", "&sort=4", "&sort=0&desc=1"):
            assert _list_ids(browser, staff, f"/tasks/?search=-{order}") == [], order
            assert _list_ids(browser, staff, f"/tasks/?search=noi+vu+-{order}") == [dashed_id]
    assert [i["id"] for i in api.get("/api/v1/tasks?q=noi%20vu%20-", headers={
        "Authorization": f"Bearer {token}"}).get_json()["items"]] == [dashed_id]


def test_the_document_search_box_finds_by_number_and_words(app, browser):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        specialist = make_user(Role.office_specialist, office)
        plan = make_document(number="9901/UBND-TH", summary="Kế hoạch chuyển đổi số năm 2026")
        make_document(number="12/UBND-KT", summary="Về việc phòng chống hạn mặn")
        db.session.commit()
        plan_id = plan.id
        specialist.id  # noqa: B018  (loads the row before the context ends)
    for query in ("9901/UBND-TH", "ke hoach chuyen doi", "CHUYỂN ĐỔI"):
        page = browser(specialist).get(f"/documents/?search={query}").get_data(as_text=True)
        assert re.findall(r'documents/details/\?id=(\d+)', page)[:1] == [str(plan_id)], query
        assert "12/UBND-KT" not in page


def _specialist_and_three_tasks(app) -> User:
    """An Office specialist and three assigned tasks of a department."""
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        specialist = make_user(Role.office_specialist, office)
        unit = make_unit("SNV")
        for _ in range(3):
            make_task(unit)
        db.session.commit()
        specialist.id  # noqa: B018  (loads the row before the context ends)
        return specialist


def test_a_list_above_the_threshold_shows_an_estimated_count(app, browser, monkeypatch):
    specialist = _specialist_and_three_tasks(app)
    with app.app_context():
        dialect = db.engine.dialect.name
    page = browser(specialist).get("/tasks/").get_data(as_text=True)
    assert "Danh sách (3)" in page or "List (3)" in page  # exact below the threshold
    if dialect != "postgresql":
        return  # SQLite: always exact (no planner estimate to read)
    monkeypatch.setitem(app.config, "COUNT_ESTIMATE_ABOVE", 0)
    page = browser(specialist).get("/tasks/").get_data(as_text=True)
    assert re.search(r"\(khoảng [\d,.]+( nghìn| triệu)?\)", page), page[:2000]


def test_a_count_the_planner_thought_small_stops_at_the_threshold(app, browser, monkeypatch):
    """A planner that expects few rows where there are many (a common word of a document
    number at 1M tasks) does not make the list count them all: it counts up to the threshold
    and then says "more than"."""
    from cddh.views.base import EstimatingCount

    specialist = _specialist_and_three_tasks(app)
    monkeypatch.setattr(EstimatingCount, "estimate", lambda self: 0)  # "none, or nearly"
    monkeypatch.setitem(app.config, "COUNT_ESTIMATE_ABOVE", 2)
    page = browser(specialist).get("/tasks/?flt0_0=assigned").get_data(as_text=True)
    assert "Danh sách (hơn 2)" in page, page[:2000]
    monkeypatch.setitem(app.config, "COUNT_ESTIMATE_ABOVE", 3)
    page = browser(specialist).get("/tasks/?flt0_0=assigned").get_data(as_text=True)
    assert "Danh sách (3)" in page


def test_a_count_past_the_exact_cap_shows_the_estimate_only_when_it_says_more(app, browser,
                                                                              monkeypatch):
    """Below the estimate threshold a list counts its rows up to COUNT_EXACT_UP_TO: a list
    known to be longer shows the planner's estimate if that says more than the cap, else
    "more than" the cap; a list within the cap is exact, whatever the estimate said."""
    from cddh.views.base import EstimatingCount

    specialist = _specialist_and_three_tasks(app)
    monkeypatch.setitem(app.config, "COUNT_ESTIMATE_ABOVE", 100)
    monkeypatch.setitem(app.config, "COUNT_EXACT_UP_TO", 2)
    monkeypatch.setattr(EstimatingCount, "estimate", lambda self: 40)
    page = browser(specialist).get("/tasks/?flt0_0=assigned").get_data(as_text=True)
    assert "Danh sách (khoảng 40)" in page, page[:2000]
    monkeypatch.setattr(EstimatingCount, "estimate", lambda self: 1)
    page = browser(specialist).get("/tasks/?flt0_0=assigned").get_data(as_text=True)
    assert "Danh sách (hơn 2)" in page, page[:2000]
    monkeypatch.setitem(app.config, "COUNT_EXACT_UP_TO", 3)
    monkeypatch.setattr(EstimatingCount, "estimate", lambda self: 40)
    page = browser(specialist).get("/tasks/?flt0_0=assigned").get_data(as_text=True)
    assert "Danh sách (3)" in page, page[:2000]


def test_the_offices_cooperating_unit_list_counts_the_units_links(app, browser):
    """The Office's list of the tasks one unit cooperates on, with nothing else narrowing
    it, counts that unit's entries of the link table (one per task, each of a task the
    Office sees: drafts too), not each task looked up (6,878 tasks at 1M: 22 ms -> 1 ms);
    narrowed further, it counts the tasks. Either way the count is the tasks listed."""
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        snv, stc, sct = make_unit("SNV"), make_unit("STC"), make_unit("SCT")
        specialist = make_user(Role.office_specialist, office)
        for n, state in enumerate([TaskState.assigned, TaskState.draft, TaskState.completed,
                                   TaskState.assigned, TaskState.in_progress]):
            make_task(snv, state=state, cooperating=[stc] if n != 3 else [sct])
        make_task(stc, cooperating=[sct])
        db.session.commit()
        specialist.id, stc_id = specialist.id, stc.id
    from .conftest import recorded_statements

    office_browser = browser(specialist)
    with recorded_statements(app) as seen:
        page = office_browser.get(f"/tasks/?flt0_5={stc_id}").get_data(as_text=True)
    listed = len(set(re.findall(r'tasks/details/\?id=(\d+)', page)))
    assert listed == 4 and "Danh sách (4)" in page, page[:2000]
    counts = [s for s in seen if "count(" in s]
    assert any("FROM task_cooperating_unit" in s for s in counts), counts
    assert not any(re.search(r"FROM task\b(?!_)", s) for s in counts), counts
    page = office_browser.get(f"/tasks/?flt0_5={stc_id}&flt1_0=assigned").get_data(as_text=True)
    assert len(set(re.findall(r'tasks/details/\?id=(\d+)', page))) == 1
    assert "Danh sách (1)" in page, page[:2000]


def _office_and_three_units(today):
    """The Office's specialist, three units (SNV, STC, SCT), a document numbered
    B7/UBND-TH and the Saturday of the week before last (its deadline runs to Monday,
    Điều 148), for the cooperating unit's tests."""
    office = make_unit("VP", UnitCategory.office)
    units = make_unit("SNV"), make_unit("STC"), make_unit("SCT")
    specialist = make_user(Role.office_specialist, office)
    numbered = make_document(number="B7/UBND-TH")
    ten_days_back = today - dt.timedelta(days=10)
    saturday = ten_days_back - dt.timedelta(days=(ten_days_back.weekday() - 5) % 7)
    assert saturday.weekday() == 5
    return specialist, units, numbered, saturday


@pytest.mark.parametrize("other,on_rows", [
    ("flt1_0=assigned", True), ("flt1_0=draft", True), ("flt1_8=open_overdue", True),
    ("flt1_8=done_on_time", True), ("flt1_1={snv}", True), ("flt1_3=B7", True),
    ("flt1_7=normal", False), ("flt1_7=urgent", False), ("flt1_9=01/06/2026", True),
    ("flt1_9={sunday}", True), ("flt1_9={sunday}&sort=4", True), ("flt1_10={saturday}", True),
    ("flt1_4={saturday}+-+{saturday}", True), ("flt1_4={sunday}+-+{monday}&sort=4&desc=1", True),
    ("flt1_0=assigned&flt2_1={snv}", True), ("flt1_0=completed&flt2_8=done_on_time", True),
    ("flt1_3=B7&flt2_9=01/06/2026&sort=4", True)])
def test_the_offices_cooperating_unit_with_another_filter_reads_that_units_rows(
        app, browser, other, on_rows):
    """The Office's list of the tasks a unit cooperates on, narrowed by another filter that
    a task_unit row can tell (a state, a class, a lead unit, a document number, a deadline
    bound): the IN reads the unit's cooperating rows that the filter keeps
    (TaskView._cooperating_rows), so that only their tasks are looked up; a priority stays
    on the tasks (the link table's entries), counted from the unit's cooperating rows of
    the urgent and flash tasks, "normal" as the link table's entries less those
    (task_filters.cooperating_unit_count). A deadline bound is said on the rows' effective
    deadline (a Saturday's deadline runs to Monday, Điều 148), and not again on the tasks
    unless the list is by deadline. Where the rows say every other filter exactly (a
    deadline bound, a lead unit, a document number: their copies of the task's), the list
    is counted on the rows alone (task_filters.cooperating_rows_count); a state (whose copy
    guides, the task's decides) or a class is counted on the tasks too. Either way the tasks listed and counted are those the filters'
    conditions on the tasks give."""
    import datetime as dt

    from cddh.services import task_filters
    from cddh.services.clock import local_today
    from cddh.views.tasks import TaskView

    from .conftest import recorded_statements

    today = local_today()
    with app.test_request_context():
        specialist, (snv, stc, sct), numbered, saturday = _office_and_three_units(today)
        late, soon = today - dt.timedelta(days=20), today + dt.timedelta(days=20)
        for n, (state, deadline) in enumerate([
                (TaskState.assigned, late), (TaskState.draft, soon), (TaskState.completed, late),
                (TaskState.assigned, soon), (TaskState.in_progress, late),
                (TaskState.assigned, None), (TaskState.completed, soon)]):
            done = {"completed_on": deadline - dt.timedelta(days=1)} \
                if state is TaskState.completed else {}
            make_task(snv if n % 2 else sct, state=state, deadline=deadline,
                      cooperating=[stc] if n != 3 else [sct],
                      document=numbered if n in (0, 4) else None,
                      priority={2: Priority.urgent, 4: Priority.flash, 6: Priority.urgent}.get(
                          n, Priority.normal), **done)
        make_task(stc, state=TaskState.assigned, deadline=late, cooperating=[snv])
        # Due on a weekend: the effective deadline is the next working day.
        sunday, monday = saturday + dt.timedelta(days=1), saturday + dt.timedelta(days=2)
        for deadline in (saturday, sunday):
            make_task(snv, state=TaskState.assigned, deadline=deadline, cooperating=[stc])
        db.session.commit()
        stc_id = stc.id
        query = other.format(snv=snv.id, **{name: f"{day:%d/%m/%Y}" for name, day in (
            ("saturday", saturday), ("sunday", sunday), ("monday", monday))})
        url = f"/tasks/?flt0_5={stc_id}&{query}"
        cooperating = set(db.session.scalars(
            sa.select(Task.id).where(task_filters.cooperating_unit(stc_id))))
        office_browser = browser(specialist)
    # The other filter alone, on the tasks (no cooperating unit): its tasks.
    alone = office_browser.get("/tasks/?" + query.replace("flt1_", "flt0_"))
    alone = set(map(int, re.findall(r'tasks/details/\?id=(\d+)', alone.get_data(True))))
    expected = alone & cooperating
    assert expected, other
    with recorded_statements(app) as seen:
        page = office_browser.get(url).get_data(as_text=True)
    listed = set(map(int, re.findall(r'tasks/details/\?id=(\d+)', page)))
    assert listed == expected and f"Danh sách ({len(expected)})" in page, (other, listed)
    rows = [s for s in seen if "task_unit.role = " in s and "IN (SELECT task_unit.task_id" in s]
    assert bool(rows) == on_rows, seen
    if "flt1_9=" in query:  # the lower bound on the tasks only where the page walks them
        read = [s for s in rows if not s.startswith("EXPLAIN")]  # not a plan's estimate
        assert read and not any(s.startswith("SELECT count(") for s in read), rows
        assert all(("task.deadline >= " in s) == ("sort=4" in query) for s in read), rows
    said_exactly = ("flt1_9=", "flt1_10=", "flt1_4=", "flt1_1=", "flt1_3=", "flt2_9=")
    if all(part.startswith(said_exactly) for part in query.split("&") if part.startswith("flt")):
        # Only filters the rows say exactly: the unit's rows counted, no task looked up for
        # the count (task_filters.cooperating_rows_count).
        counts = [s for s in seen if s.startswith("SELECT count(")]
        assert counts and all(s.startswith("SELECT count(*) AS count_1 FROM task_unit WHERE")
                              for s in counts), counts
    elif "flt1_7=" in query:  # the unit's cooperating rows of the urgent and flash tasks
        counts = [s for s in seen if s.startswith(
            ("SELECT count(*) AS count_1", "SELECT (SELECT count(*) AS count_1"))]
        assert len(counts) == 1 and "task_unit.priority != " in counts[0], counts
        if "flt1_7=normal" in query:  # the link table's count less those
            assert counts[0].startswith(
                "SELECT (SELECT count(*) AS count_1 FROM task_cooperating_unit"), counts
        else:
            assert counts[0].startswith("SELECT count(*) AS count_1 FROM task_unit WHERE"), counts
    else:  # a state or a class is said on the tasks too: each row's task looked up
        assert not any(s.startswith("SELECT count(*) AS count_1 FROM task_unit WHERE")
                       for s in seen), seen
    # The same tasks read through the link table alone.
    original = TaskView._cooperating_rows
    try:
        TaskView._cooperating_rows = lambda *_args: []
        page = office_browser.get(url).get_data(as_text=True)
    finally:
        TaskView._cooperating_rows = original
    assert set(map(int, re.findall(r'tasks/details/\?id=(\d+)', page))) == listed


@pytest.mark.parametrize("other,along", [
    ("", False), ("flt1_0=assigned", True), ("flt1_8=open_overdue", True),
    ("flt1_1={snv}", True), ("flt1_3=B7", True), ("flt1_9=01/06/2026", True),
    ("flt1_7=normal", True), ("flt1_7=urgent", False), ("timeliness=open_overdue", False)])
@pytest.mark.parametrize("order", ["", "sort=0", "sort=0&desc=1", "sort=4", "sort=4&desc=1"])
def test_the_offices_cooperating_unit_by_number_or_deadline_is_paged_along_its_rows(
        app, browser, monkeypatch, other, along, order):
    """The Office's tasks a unit cooperates on, by number or by deadline, where every other
    filter is said on the unit's rows too (a state, a class, a lead unit, a document number,
    a deadline bound): on PostgreSQL each page is read along the unit's cooperating rows in
    the list's order, each row's task looked up (TaskView._cooperating_page; with the
    priority "normal", met by nearly every task, checked on each row's task; not for the
    unit alone, an urgent priority or a dashboard link; with a document number too, counted
    from the rows: task_filters.cooperating_rows_count). Numbered pages and keyset pages alike
    give exactly the tasks the filters give on the tasks, each once: by number in number
    order, by deadline in the order of the list read without this path (deadlines on a
    weekend run to Monday, Điều 148: the rows' copies of the effective deadline tie)."""
    import html

    from cddh.services import task_filters
    from cddh.services.clock import local_today
    from cddh.views import base
    from cddh.views.tasks import TaskView

    from .conftest import recorded_statements

    today = local_today()
    with app.test_request_context():
        specialist, (snv, stc, sct), numbered, saturday = _office_and_three_units(today)
        late, soon = today - dt.timedelta(days=20), today + dt.timedelta(days=200)
        deadlines = [late, soon, saturday, saturday + dt.timedelta(days=1),
                     saturday + dt.timedelta(days=2), None]
        states = [TaskState.assigned, TaskState.in_progress, TaskState.completed,
                  TaskState.draft]
        for n in range(30):
            state, deadline = states[n % 4], deadlines[n % 6]
            done = {"completed_on": (deadline or today) - dt.timedelta(days=1)} \
                if state is TaskState.completed else {}
            # Every fourth task is not the unit's to cooperate on (led by it, or another's).
            lead, cooperating = (stc, [sct]) if n % 8 == 1 else \
                (snv, [sct]) if n % 8 == 6 else (snv if n % 2 else sct, [stc])
            make_task(lead, state=state, deadline=deadline, cooperating=cooperating,
                      priority=Priority.urgent if n % 7 == 0 else Priority.normal,
                      document=numbered if n % 4 != 3 else None, **done)
        # A row's copy of its task's state gone stale: the rows guide, the task decides.
        stale = db.session.scalar(sa.select(Task.id).where(
            Task.state == TaskState.in_progress, task_filters.cooperating_unit(stc.id)))
        db.session.execute(sa.update(task_unit).where(
            task_unit.c.task_id == stale, task_unit.c.unit_id == stc.id)
            .values(state=TaskState.assigned.value))
        db.session.commit()
        query = other.format(snv=snv.id)
        cooperating = set(db.session.scalars(
            sa.select(Task.id).where(task_filters.cooperating_unit(stc.id))))
        base_url = f"/tasks/?flt0_5={stc.id}" + (f"&{query}" if query else "") \
            + (f"&{order}" if order else "")
        office_browser = browser(specialist)
    # The other filter alone, on the tasks: its tasks, in number order.
    alone = office_browser.get("/tasks/?" + query.replace("flt1_", "flt0_"))
    expected = sorted(set(map(int, re.findall(r'tasks/details/\?id=(\d+)',
                                              alone.get_data(True)))) & cooperating,
                      reverse=order != "sort=0")
    assert len(expected) > 3, (other, expected)  # more than a page
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 1)  # keyset links from the first page

    def page_ids(body):
        return list(dict.fromkeys(map(int, re.findall(r'tasks/details/\?id=(\d+)', body))))

    numbered_pages, page = [], 0
    with recorded_statements(app) as seen:
        while page < 20:
            body = office_browser.get(f"{base_url}&page={page}").get_data(as_text=True)
            if not page_ids(body):
                break
            assert f"Danh sách ({len(expected)})" in body, body[:2000]
            assert len(numbered_pages) == 2 * page, numbered_pages  # full pages before
            numbered_pages.extend(page_ids(body))
            page += 1
    keyset_pages, url = [], base_url
    while url and len(keyset_pages) <= len(expected):
        body = office_browser.get(url).get_data(as_text=True)
        keyset_pages.extend(page_ids(body))
        found = re.search(r'id="keyset-next" href="([^"]+)"', body)
        url = html.unescape(found.group(1)) if found else None
    if order.startswith("sort=4"):  # by deadline: as read without this path
        monkeypatch.setattr(TaskView, "_cooperating_page", lambda *_args: None)
        read_so = []
        for number in range(page):
            body = office_browser.get(f"{base_url}&page={number}").get_data(as_text=True)
            read_so.extend(page_ids(body))
        assert sorted(read_so) == sorted(expected), read_so
        expected = read_so
    assert numbered_pages == expected == keyset_pages, (numbered_pages, keyset_pages)
    lateral = [s for s in seen if "JOIN LATERAL" in s and "cooperating_row" in s]
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    assert bool(lateral) == (along and postgresql), seen


def test_a_searchs_count_stops_at_its_own_cap(app, browser, monkeypatch):
    """A search counts its tasks up to SEARCH_COUNT_EXACT_UP_TO (a word most tasks hold:
    finding 10,000 of a unit's took seconds at 1M); the same list without the search counts
    up to COUNT_EXACT_UP_TO. Past the cap the list says "more than", and its rows are still
    walked in order, not read whole (their number is not known)."""
    from cddh.views.base import EstimatingCount

    specialist = _specialist_and_three_tasks(app)
    monkeypatch.setattr(EstimatingCount, "estimate", lambda self: 1)  # "one, or nearly"
    monkeypatch.setitem(app.config, "SEARCH_COUNT_EXACT_UP_TO", 2)
    client = browser(specialist)
    searched = client.get("/tasks/?flt0_0=assigned&search=bao+cao").get_data(as_text=True)
    assert "Danh sách (hơn 2)" in searched, searched[:2000]
    assert len(set(re.findall(r'tasks/details/\?id=(\d+)', searched))) == 3
    page = client.get("/tasks/?flt0_0=assigned").get_data(as_text=True)
    assert "Danh sách (3)" in page, page[:2000]
    monkeypatch.setitem(app.config, "SEARCH_COUNT_EXACT_UP_TO", 3)
    searched = client.get("/tasks/?flt0_0=assigned&search=bao+cao").get_data(as_text=True)
    assert "Danh sách (3)" in searched, searched[:2000]


def test_a_units_search_expected_long_is_counted_along_its_rows(app, browser, monkeypatch):
    """A unit user's search that the planner expects to pass the cap is counted along the
    unit's rows, each row's task looked up (PostgreSQL: policy.along_unit_rows), up to the
    cap: the same count as the tasks listed, the unit's forwarded tasks holding the words
    only (not another unit's, not a draft, not one without the words)."""
    from cddh.views.base import EstimatingCount

    from .conftest import recorded_statements

    with app.test_request_context():
        snv, stc = make_unit("SNV"), make_unit("STC")
        staff = make_user(Role.unit_staff, snv)
        for content in ("Rà soát đất đai", "Rà soát đất công", "Đất đai ven sông"):
            make_task(snv, content=content)
        make_task(snv, content="Rà soát đất (nháp)", state=TaskState.draft)
        make_task(snv, content="Kiểm tra đê bao")
        make_task(snv, content="Đất bãi bồi", state=TaskState.in_progress)
        make_task(snv, content="Đất công chưa hạn", state=TaskState.in_progress, deadline=None)
        make_task(stc, content="Rà soát đất đai của STC")
        db.session.commit()
        staff.id  # noqa: B018  (loads the row before the context ends)
        dialect = db.session.connection().dialect.name
    monkeypatch.setattr(EstimatingCount, "estimate", lambda self: 40)  # "many"
    monkeypatch.setitem(app.config, "COUNT_ESTIMATE_ABOVE", 100)
    monkeypatch.setitem(app.config, "SEARCH_COUNT_EXACT_UP_TO", 5)
    def counted_along(query: str, listed: int) -> list[str]:
        """The page's rows and count; the LATERAL counts sent (PostgreSQL's only)."""
        with recorded_statements(app) as seen:
            page = browser(staff).get(f"/tasks/?{query}").get_data(as_text=True)
        assert len(set(re.findall(r'tasks/details/\?id=(\d+)', page))) == listed
        assert f"Danh sách ({listed})" in page, page[:2000]
        along = [s for s in seen if "count(" in s and "LATERAL" in s]
        assert bool(along) == (dialect == "postgresql"), seen
        return along

    counted_along("search=dat", 5)
    # A state filter is said on the unit's rows too: only the rows in it are looked up.
    along = counted_along("search=dat&flt0_0=in_progress", 2)
    assert all(re.search(r"scope_row\.state IN", s) for s in along), along
    # So is a timeliness class the row can tell (its copy of the deadline).
    along = counted_along("search=dat&flt0_8=no_deadline", 1)
    assert all(re.search(r"scope_row\.deadline IS NULL", s) for s in along), along
    monkeypatch.setitem(app.config, "SEARCH_COUNT_EXACT_UP_TO", 2)  # past the cap
    page = browser(staff).get("/tasks/?search=dat").get_data(as_text=True)
    assert "Danh sách (khoảng 40)" in page, page[:2000]


def test_a_units_search_past_its_cap_reads_its_page_along_its_rows(app, browser, monkeypatch):
    """A unit user's search that found more than its count reaches reads its ranked page
    along the unit's rows, newest first, each row's task looked up (PostgreSQL:
    ``ScopedModelView._ranked_ids``, policy.along_unit_rows), without looking the unit's
    rows up again for the scope: the phrase's tasks first, then the others, each newest
    first; the unit's forwarded tasks only (not another unit's, not a draft)."""
    from cddh.views.base import EstimatingCount

    from .conftest import recorded_statements

    with app.test_request_context():
        snv, stc = make_unit("SNV"), make_unit("STC")
        staff = make_user(Role.unit_staff, snv)
        ids = {content: make_task(unit, content=content, state=state).id
               for unit, content, state in [
                   (snv, "Rà soát đất đai", TaskState.assigned),
                   (snv, "Đất công và đai rừng", TaskState.assigned),
                   (snv, "Đất đai ven sông", TaskState.in_progress),
                   (snv, "Rà soát đất đai (nháp)", TaskState.draft),
                   (snv, "Kiểm tra đê bao", TaskState.assigned),
                   (stc, "Rà soát đất đai của STC", TaskState.assigned),
                   (snv, "Đai đất bãi bồi", TaskState.in_progress)]}
        db.session.commit()
        staff.id  # noqa: B018  (loads the row before the context ends)
        dialect = db.session.connection().dialect.name
    monkeypatch.setattr(EstimatingCount, "estimate", lambda self: 40)  # "many"
    monkeypatch.setitem(app.config, "COUNT_ESTIMATE_ABOVE", 100)
    monkeypatch.setitem(app.config, "SEARCH_COUNT_EXACT_UP_TO", 2)  # past the cap
    with recorded_statements(app) as seen:
        page = browser(staff).get("/tasks/?search=dat+dai").get_data(as_text=True)
    listed = list(dict.fromkeys(int(i) for i in re.findall(r'tasks/details/\?id=(\d+)', page)))
    assert listed == [ids["Đất đai ven sông"], ids["Rà soát đất đai"],
                      ids["Đai đất bãi bồi"], ids["Đất công và đai rừng"]], page[:2000]
    along = [s for s in seen if "LATERAL" in s and "ORDER BY scope_row.task_id DESC" in s]
    assert bool(along) == (dialect == "postgresql"), seen
    lateral = [s for s in seen if "LATERAL" in s]
    assert not any("task.id IN (SELECT task_unit.task_id" in s for s in lateral), lateral


@pytest.mark.parametrize("order", ["sort=4", "sort=4&desc=1", "sort=0", "sort=0&desc=1"])
@pytest.mark.parametrize("cap", [2, 1000])
def test_a_units_search_by_a_column_is_read_on_its_rows(app, browser, monkeypatch, order, cap):
    """A unit user's search in the order of a column (number, deadline) is read with the
    unit's rows, as its list without a search is (TaskView._on_unit_rows): a common word's
    page walks them (past the count's cap), a rare word's few are sorted (within it). The
    unit's forwarded tasks holding the words only, in that order."""
    from cddh.views.base import EstimatingCount

    from .conftest import recorded_statements

    with app.test_request_context():
        snv, stc = make_unit("SNV"), make_unit("STC")
        staff = make_user(Role.unit_staff, snv)
        tasks = [(snv, "Rà soát đất đai", TaskState.assigned, 3),
                 (snv, "Đất công và đai rừng", TaskState.assigned, 1),
                 (snv, "Đất đai ven sông", TaskState.in_progress, 4),
                 (snv, "Rà soát đất đai (nháp)", TaskState.draft, 2),
                 (snv, "Kiểm tra đê bao", TaskState.assigned, 2),
                 (stc, "Rà soát đất đai của STC", TaskState.assigned, 2),
                 (snv, "Đai đất bãi bồi", TaskState.in_progress, 2)]
        made = [(make_task(unit, content=content, state=state,
                           deadline=dt.date(2026, 6, day)).id, day, content)
                for unit, content, state, day in tasks]
        db.session.commit()
        staff.id  # noqa: B018  (loads the row before the context ends)
    listed = {(task_id, day) for task_id, day, content in made
              if content in ("Rà soát đất đai", "Đất công và đai rừng", "Đất đai ven sông",
                             "Đai đất bãi bồi")}
    by_deadline = "sort=4" in order
    expected = [task_id for task_id, _day in sorted(
        listed, key=lambda t: (t[1], t[0]) if by_deadline else t[0],
        reverse="desc=1" in order)]
    monkeypatch.setattr(EstimatingCount, "estimate", lambda self: 40)  # "many"
    monkeypatch.setitem(app.config, "COUNT_ESTIMATE_ABOVE", 100)
    monkeypatch.setitem(app.config, "SEARCH_COUNT_EXACT_UP_TO", cap)
    with recorded_statements(app) as seen:
        page = browser(staff).get(f"/tasks/?search=dat+dai&{order}").get_data(as_text=True)
    found = list(dict.fromkeys(int(i) for i in re.findall(r'tasks/details/\?id=(\d+)', page)))
    assert found == expected, page[:2000]
    assert any("JOIN task_unit" in s and "search_text LIKE" in s and "LIMIT" in s
               for s in seen), seen


def test_a_lists_exact_count_is_written_with_the_languages_grouping(app):
    """The count in a list's tab reads as the user's numbers do: 190.916 in Vietnamese,
    190,916 in English."""
    from flask_babel import force_locale

    from cddh.views.base import ExactCount

    count = ExactCount(190916)
    with app.test_request_context():
        with force_locale("vi"):
            assert str(count) == "190.916"
        with force_locale("en"):
            assert str(count) == "190,916"


def test_the_offices_cooperating_unit_with_a_lead_unit_that_is_none_counts_nothing(
        app, browser):
    """A lead unit filter whose value is no unit's id (zero) is not said on the
    cooperating unit's rows, so the count (of the rows a deadline bound keeps) keeps it on
    the tasks
    (TaskView._said_exactly_on_rows): none listed, none counted, never every task the unit
    cooperates on."""
    import datetime as dt

    from cddh.services.clock import local_today

    today = local_today()
    with app.test_request_context():
        specialist, (snv, stc, _sct), _numbered, _saturday = _office_and_three_units(today)
        for _ in range(3):
            make_task(snv, state=TaskState.assigned, deadline=today + dt.timedelta(days=5),
                      cooperating=[stc])
        db.session.commit()
        # With a deadline bound, which the rows do say.
        url = f"/tasks/?flt0_5={stc.id}&flt1_1=0&flt2_9={today:%d/%m/%Y}"
        office_browser = browser(specialist)
    response = office_browser.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert not re.findall(r'tasks/details/\?id=(\d+)', page)
    assert "Danh sách (3)" not in page
