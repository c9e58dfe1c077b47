"""Find anything in two seconds (issue 12 §3): short addresses, page titles that name the
task or document, ``#301`` links in user text, the task list's filters, saved filters,
searchable unit pickers, and unit lists by urgency."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cddh.models import Role, UnitCategory, db
from cddh.views.formatting import task_links

from .browser import chromium, live_server  # noqa: F401 - fixtures
from .conftest import make_document, make_task, make_unit, make_user


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def test_task_links_escape_first_then_link(app):
    with app.test_request_context():
        html = str(task_links('<script>alert(1)</script> xem #301, "#7"&#42; a#5 /x#6'))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="/tasks/301" class="task-ref">#301</a>' in html
    assert '<a href="/tasks/7" class="task-ref">#7</a>' in html  # after an escaped quote
    # Not a task number: an entity the text carried, part of a word, part of an address.
    assert "/tasks/42" not in html and "/tasks/5" not in html and "/tasks/6" not in html
    assert "/tasks/34" not in html and "/tasks/39" not in html  # the quotes' own entities
    assert str(task_links(None)) == ""
    # A link cannot be smuggled in: the only tags in the result are the task links.
    evil = str(task_links('#1"><img src=x onerror=alert(1)>'))
    assert re.sub(r'<a href="/tasks/1" class="task-ref">#1</a>', "", evil).count("<") == 0


def _short_url_world(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        snv, stc = make_unit("SNV"), make_unit("STC")
        specialist = make_user(Role.office_specialist, office)
        snv_staff = make_user(Role.unit_staff, snv)
        doc = make_document(number="9901/UBND-TH", summary="Kế hoạch chuyển đổi số")
        mine = make_task(snv, document=doc,
                         content="Triển khai chuyển đổi số <b>cấp xã</b>, xem #999 và <script>x</script>")
        other = make_task(stc, document=make_document(number="55/UBND-KT"),
                          content="Nhiệm vụ của Sở Tài chính")
        db.session.commit()
        return (specialist, snv_staff, mine.id, other.id, doc.id,
                other.document_id)


def test_short_addresses_open_the_pages_with_titles_naming_them(app, browser):
    specialist, snv_staff, mine, other, doc, other_doc = _short_url_world(app)
    office = browser(specialist)
    page = office.get(f"/tasks/{mine}")
    assert page.status_code == 200
    html = _text(page)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert f"Nhiệm vụ #{mine} — Triển khai chuyển đổi số" in title
    assert re.search(rf'<h1[^>]*id="page-title"[^>]*>Nhiệm vụ #{mine} — ', html)
    assert "<b>cấp xã</b>" not in html and "&lt;b&gt;cấp xã&lt;/b&gt;" in html
    assert "<script>x</script>" not in html
    assert '<a href="/tasks/999" class="task-ref">#999</a>' in html
    # The Edit tab works on the short address too.
    assert f"/tasks/edit/?id={mine}" in html
    # The long address shows the same page and title.
    assert f"Nhiệm vụ #{mine}" in _text(office.get(f"/tasks/details/?id={mine}"))
    doc_page = office.get(f"/documents/{doc}")
    assert doc_page.status_code == 200
    assert re.search(r"<title>Văn bản 9901/UBND-TH", _text(doc_page))
    assert re.search(r'<h1[^>]*id="page-title"[^>]*>Văn bản 9901/UBND-TH', _text(doc_page))
    # Unknown ids: a 404 page in Vietnamese, not a redirect.
    for url in ("/tasks/987654", "/documents/987654", "/tasks/0", "/tasks/99999999999"):
        resp = office.get(url)
        assert resp.status_code == 404, url
        assert "Không tìm thấy" in _text(resp)


def test_a_unit_user_cannot_open_another_units_task_by_its_short_address(app, browser):
    specialist, snv_staff, mine, other, doc, other_doc = _short_url_world(app)
    unit = browser(snv_staff)
    assert unit.get(f"/tasks/{mine}").status_code == 200
    assert unit.get(f"/documents/{doc}").status_code == 200
    for url in (f"/tasks/{other}", f"/documents/{other_doc}"):
        resp = unit.get(url)
        assert resp.status_code in (403, 404), url
        assert "Sở Tài chính" not in _text(resp) and "55/UBND-KT" not in _text(resp)
    # "#301" typed in the search box opens the task, through the same scope.
    resp = unit.get(f"/tasks/?search=%23{mine}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/tasks/{mine}")
    assert unit.get(f"/tasks/?search=%23{other}", follow_redirects=True).status_code == 404
    assert unit.get("/tasks/?search=%23" + "9" * 30).status_code == 200  # searched as text
    anonymous = browser(None).get(f"/tasks/{mine}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


# --- the task list's filters ------------------------------------------------------------------

# A filter's place in TaskView.column_filters is its key in the URL: flt<pos>_<index>.
F = {"state": 0, "lead": 1, "leader": 2, "number": 3, "deadline": 4, "coop": 5,
     "specialist": 6, "priority": 7, "timeliness": 8, "from": 9, "to": 10, "mine": 11}


def _ids(browser, user, url) -> list[int]:
    page = browser(user).get(url)
    assert page.status_code == 200, url
    found = re.findall(r'tasks/details/\?id=(\d+)', _text(page))
    return sorted({int(i) for i in found})


def _filter_world(app):
    from cddh.models import Priority, TaskState
    from cddh.services.clock import local_today

    today = local_today()
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        snv = make_unit("SNV", name="Sở Nội vụ")
        stc = make_unit("STC", name="Sở Tài chính")
        sct = make_unit("SCT", name="Sở Công Thương")
        sp1 = make_user(Role.office_specialist, office)
        sp2 = make_user(Role.office_specialist, office)
        leader = make_user(Role.leader, office)
        snv_staff = make_user(Role.unit_staff, snv)
        plan = make_document(number="9901/UBND-TH", summary="Kế hoạch 12 nhiệm vụ")
        decision = make_document(number="123/QĐ-UBND", summary="Quyết định 9901 về")
        t = {}
        t["overdue"] = make_task(snv, document=plan, cooperating=[stc], specialist=sp1,
                                 priority=Priority.urgent, state=TaskState.in_progress,
                                 deadline=today - dt.timedelta(days=10),
                                 directing_leader=leader)
        t["far"] = make_task(stc, document=decision, cooperating=[snv], specialist=sp2,
                             deadline=today + dt.timedelta(days=200))
        t["none"] = make_task(snv, document=decision, specialist=sp1, deadline=None,
                              has_deadline=False)
        t["soon"] = make_task(sct, document=plan, state=TaskState.in_progress, deadline=today)
        t["awaiting"] = make_task(snv, document=plan, state=TaskState.pending_verification,
                                  deadline=today + dt.timedelta(days=5),
                                  completed_on=today - dt.timedelta(days=1), specialist=sp2)
        t["returned"] = make_task(stc, document=plan, state=TaskState.returned,
                                  deadline=today + dt.timedelta(days=40))
        t["cancelled"] = make_task(snv, document=plan, state=TaskState.cancelled,
                                   deadline=today + dt.timedelta(days=40))
        t["draft"] = make_task(snv, document=plan, state=TaskState.draft,
                               deadline=today + dt.timedelta(days=40), specialist=sp1)
        db.session.commit()
        ids = {k: v.id for k, v in t.items()}
        users = {"sp1": sp1, "sp2": sp2, "leader": leader, "snv_staff": snv_staff}
        units = {"snv": snv.id, "stc": stc.id, "sct": sct.id}
        for u in users.values():
            u.id  # noqa: B018  (loads the row before the context ends)
    return ids, users, units, today


def _f(name, value, pos=0):
    from urllib.parse import quote

    return f"flt{pos}_{F[name]}={quote(str(value), safe='')}"


@pytest.mark.parametrize("today", [dt.date(2026, 4, 25), dt.date(2026, 4, 29),
                                   dt.date(2026, 2, 13), dt.date(2026, 2, 16)])
def test_the_offices_due_soon_list_follows_the_effective_deadlines(app, browser, monkeypatch,
                                                                  today):
    """Said on the deadline (the column the list sorts by), the Office's "due soon" is still
    Đ11.1b on the effective deadline (Điều 148): a deadline on a day off just before today
    runs out on a working day from today, one on a day off after the window's last working
    day runs out after it. Days off on either side: a Saturday before Giỗ Tổ's Monday, the
    eve of 30/4-1/5, Tết's eve, a day of Tết."""
    from cddh.models import TaskState
    from cddh.services import clock
    from cddh.services.calendar import effective_deadline, seed_overrides
    from cddh.services.overview import due_soon_limit

    moment = dt.datetime.combine(today, dt.time(10, 0), tzinfo=clock.local_tz())
    monkeypatch.setattr(clock, "local_now", lambda: moment)
    with app.test_request_context():
        seed_overrides()
        office = make_unit("VP", UnitCategory.office)
        snv = make_unit("SNV")
        specialist = make_user(Role.office_specialist, office)
        tasks = [make_task(snv, state=TaskState.in_progress,
                           deadline=today + dt.timedelta(days=n)) for n in range(-8, 14)]
        done = make_task(snv, state=TaskState.pending_verification, deadline=today,
                         completed_on=today)
        db.session.commit()
        limit = due_soon_limit(today)
        soon = [(t.deadline, t.id) for t in tasks
                if today <= effective_deadline(t.deadline) <= limit]
        done_id = done.id
        specialist.id  # noqa: B018
    assert soon, "a window with no due task tells nothing"
    url = "/tasks/?" + _f("timeliness", "due_soon")
    assert _ids(browser, specialist, url) == sorted(i for _d, i in soon)
    assert _ordered_ids(browser, specialist, url + "&sort=4") == [i for _d, i in sorted(soon)]
    assert done_id not in _ids(browser, specialist, url)


def test_every_filter_narrows_the_task_list(app, browser):
    ids, users, units, today = _filter_world(app)
    sp1 = users["sp1"]

    def ids_of(*names):
        return sorted(ids[n] for n in names)

    def office(query):
        return _ids(browser, sp1, f"/tasks/?{query}")

    everything = office("")
    assert everything == sorted(ids.values())
    assert office(_f("coop", units["stc"])) == ids_of("overdue")
    assert office(_f("coop", units["snv"])) == ids_of("far")
    assert office(_f("specialist", users["sp2"].id)) == ids_of("far", "awaiting")
    assert office(_f("priority", "urgent")) == ids_of("overdue")
    assert office(_f("state", "returned")) == ids_of("returned")
    assert office(_f("lead", units["sct"])) == ids_of("soon")
    assert office(_f("leader", users["leader"].id)) == ids_of("overdue")
    # Timeliness classes: the figures' clauses (a draft is in none of them).
    assert office(_f("timeliness", "open_overdue")) == ids_of("overdue")
    assert office(_f("timeliness", "due_soon")) == ids_of("soon")
    assert office(_f("timeliness", "open_on_time")) == ids_of("far", "soon")
    assert office(_f("timeliness", "no_deadline")) == ids_of("none")
    assert office(_f("timeliness", "awaiting_verification")) == ids_of("awaiting")
    assert office(_f("timeliness", "done_on_time")) == ids_of("awaiting")
    assert office(_f("timeliness", "returned")) == ids_of("returned")
    assert office(_f("timeliness", "cancelled")) == ids_of("cancelled")
    # Deadline range: from, to, both (and Flask-Admin's "between").
    assert office(_f("from", today.isoformat())) == ids_of(
        "far", "soon", "awaiting", "returned", "cancelled", "draft")
    assert office(_f("to", today.isoformat())) == ids_of("overdue", "soon")
    assert office(_f("from", today.isoformat()) + "&" + _f(
        "to", (today + dt.timedelta(days=40)).isoformat(), 1)) == ids_of(
        "soon", "awaiting", "returned", "cancelled", "draft")
    assert office(_f("deadline", f"{today.isoformat()} to {today.isoformat()}")) == ids_of("soon")
    # ... with the dates as a Vietnamese user writes them (dd/mm/yyyy), the same tasks.
    vn = today.strftime("%d/%m/%Y")
    assert office(_f("from", vn)) == office(_f("from", today.isoformat()))
    assert office(_f("to", vn)) == ids_of("overdue", "soon")
    assert office(_f("deadline", f"{vn} to {vn}")) == ids_of("soon")
    assert office(_f("deadline", f"{vn} - {vn}")) == ids_of("soon")
    # A date that is none (31/02), or a range the wrong way round, narrows nothing (the
    # list says the value was ignored).
    everything = office("")
    assert office(_f("from", "31/02/2026")) == everything
    later = (today + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    assert office(_f("deadline", f"{later} to {vn}")) == everything
    # Document number as typed: whole, part, another case, without diacritics; never the
    # summary ("9901" is in the other document's summary only).
    plan = ids_of("overdue", "soon", "awaiting", "returned", "cancelled", "draft")
    assert office(_f("number", "9901/UBND-TH")) == plan
    assert office(_f("number", "9901")) == plan
    assert office(_f("number", "ubnd-th")) == plan
    assert office(_f("number", "123/QĐ-UBND")) == ids_of("far", "none")
    assert office(_f("number", "qd-ubnd")) == ids_of("far", "none")
    assert office(_f("number", "nhiem vu")) == []
    assert office(_f("number", "100%")) == []
    # One or two characters (on PostgreSQL found among the numbers' pieces: no trigram
    # covers them; search.number_holds): of the number only, never the summary ("12" is in
    # 9901's summary), case, diacritics and signs as typed.
    assert office(_f("number", "12")) == ids_of("far", "none")
    assert office(_f("number", "QĐ")) == ids_of("far", "none")
    assert office(_f("number", "3/")) == ids_of("far", "none")
    assert office(_f("number", "-u")) == ids_of("far", "none")
    assert office(_f("number", "/u")) == plan
    assert office(_f("number", "9")) == plan
    assert office(_f("number", "1")) == sorted(plan + ids_of("far", "none"))
    for none in ("ab", "x", "%", "_", "h-"):
        assert office(_f("number", none)) == [], none
    # "Mine": the specialist's own tasks; a leader's directed tasks; a unit's led tasks.
    assert office(_f("mine", "1")) == ids_of("overdue", "none", "draft")
    assert _ids(browser, users["leader"], f"/tasks/?{_f('mine', '1')}") == ids_of("overdue")
    # Filters combine (and the URL is all it takes: bookmarkable).
    assert office(_f("specialist", sp1.id) + "&" + _f("timeliness", "open_overdue", 1)) == \
        ids_of("overdue")


@pytest.mark.parametrize("sorted_up_to", [None, 0])
def test_filters_stay_inside_the_unit_users_scope(app, browser, monkeypatch, sorted_up_to):
    """``sorted_up_to`` 0: every list counts as too long to read whole and sort, so a
    document number's page walks the unit's rows, checking each (JoinedOrWalked)."""
    if sorted_up_to is not None:
        monkeypatch.setitem(app.config, "SORT_FOUND_UP_TO", sorted_up_to)
    ids, users, units, today = _filter_world(app)
    staff = users["snv_staff"]

    def unit(query):
        return _ids(browser, staff, f"/tasks/?{query}")

    visible = sorted(ids[n] for n in ("overdue", "far", "none", "awaiting", "cancelled"))
    assert unit("") == visible
    # Another unit's tasks are reachable by no filter.
    assert unit(_f("lead", units["sct"])) == []
    assert unit(_f("lead", units["stc"])) == [ids["far"]]  # SNV cooperates on it
    assert unit(_f("timeliness", "due_soon")) == []
    assert unit(_f("timeliness", "returned")) == []
    assert unit(_f("number", "9901/UBND-TH")) == sorted(
        ids[n] for n in ("overdue", "awaiting", "cancelled"))
    # Said on the unit's own rows in its urgency order and by deadline (the row's document),
    # by the task elsewhere: the same tasks, a cooperating one too, no other unit's.
    plan = sorted(ids[n] for n in ("overdue", "awaiting", "cancelled"))
    for order in ("", "&sort=4", "&sort=4&desc=1", "&sort=0&desc=1"):
        assert unit(_f("number", "123/QĐ-UBND") + order) == sorted([ids["far"], ids["none"]])
        # One or two characters (read from the unit's own document entries there): of the
        # number only, never the summary ("12" is in 9901's summary), diacritics aside.
        assert unit(_f("number", "12") + order) == sorted([ids["far"], ids["none"]])
        assert unit(_f("number", "9") + order) == plan
        assert unit(_f("number", "1") + order) == sorted(plan + [ids["far"], ids["none"]])
        # Counted alone as the unit's matching document entries' rows (policy.scope_count),
        # beside another filter as its rows: the same number as the rows listed.
        for query, listed in ((_f("number", "1"), 5), (_f("number", "9"), 3),
                              (_f("number", "9") + "&" + _f("mine", "1", 1), 3)):
            page = browser(staff).get(f"/tasks/?{query}{order}").get_data(as_text=True)
            assert f"Danh sách ({listed})" in page, (query, order)
        assert unit(_f("number", "QĐ") + order) == sorted([ids["far"], ids["none"]])
        assert unit(_f("number", "x") + order) == []
    # Its own figure's list (the tasks it leads, read on the tasks, not its rows): the same
    # rule, the documents found among the unit's own entries (task_filters.
    # document_number_of_unit).
    figure = "measure=open_overdue&"
    for number, found in (("9", [ids["overdue"]]), ("-", [ids["overdue"]]),
                          ("9901/UBND-TH", [ids["overdue"]]), ("12", []), ("123", [])):
        assert unit(figure + _f("number", number)) == found, number
    assert unit(_f("specialist", users["sp1"].id)) == sorted([ids["overdue"], ids["none"]])
    assert unit(_f("mine", "1")) == sorted(
        ids[n] for n in ("overdue", "none", "awaiting", "cancelled"))


@pytest.mark.parametrize("query", [
    "flt0_8=bogus", "flt0_7=gold", "flt0_5=abc", f"flt0_5={2**40}", "flt0_6=x",
    "flt0_9=2026-13-45", "flt0_10=31/02/2026", "flt0_4=01/12/2026+to+30/11/2026", "flt0_9=9999-12-31", "flt0_11=0",
    "flt0_3=" + "x" * 300,
])
def test_a_bad_filter_value_gives_a_message_not_an_error(app, browser, query):
    ids, users, units, today = _filter_world(app)
    page = browser(users["sp1"]).get(f"/tasks/?{query}")
    assert page.status_code == 200
    assert "Giá trị lọc không hợp lệ" in _text(page)
    # The filter was dropped: the whole list is shown.
    assert len(set(re.findall(r'tasks/details/\?id=(\d+)', _text(page)))) == len(ids)


# --- saved filters ------------------------------------------------------------------------

def test_a_user_saves_a_filter_finds_it_in_the_menu_and_deletes_it(app, browser):
    from cddh.models import SavedFilter

    ids, users, units, today = _filter_world(app)
    me = browser(users["sp1"])
    query = f"{_f('coop', units['stc'])}&{_f('timeliness', 'open_overdue', 1)}&page=3"
    page = _text(me.get(f"/tasks/?{query}"))
    assert 'id="save-filter"' in page and 'id="saved-filters-menu"' not in page
    resp = me.post("/tasks/filters/save/", {"name": "  Quá hạn   phối hợp STC ", "query": query})
    assert resp.status_code == 302
    kept = f"{_f('coop', units['stc'])}&{_f('timeliness', 'open_overdue', 1)}"
    assert resp.headers["Location"].endswith(f"/tasks/?{kept}")  # the page is not kept
    with app.app_context():
        saved = db.session.query(SavedFilter).one()
        assert (saved.name, saved.query) == ("Quá hạn phối hợp STC", kept)
        saved_id = saved.id
    home = _text(me.get("/"))
    menu = re.search(r'id="saved-filters-menu".*?</ul>', home, re.S).group(0)
    link = re.search(r'href="([^"]+)">Quá hạn phối hợp STC</a>', menu).group(1)
    assert _ids(browser, users["sp1"], link.replace("&amp;", "&")) == [ids["overdue"]]
    # Saving under the same name replaces the filter; an empty name or filter is refused.
    me.post("/tasks/filters/save/", {"name": "Quá hạn phối hợp STC", "query": _f("priority", "urgent")})
    for bad in ({"name": " ", "query": kept}, {"name": "x", "query": "page=2"},
                {"name": "x" * 101, "query": kept}, {"name": "x", "query": "evil=1"}):
        resp = me.post("/tasks/filters/save/", bad, follow_redirects=True)
        assert resp.status_code == 200
        assert "alert-danger" in _text(resp) or "alert-error" in _text(resp), bad
    with app.app_context():
        assert [(f.name, f.query) for f in db.session.query(SavedFilter)] == [
            ("Quá hạn phối hợp STC", _f("priority", "urgent"))]
    # Another user sees none of it and cannot delete it; without CSRF nothing happens.
    other = browser(users["sp2"])
    assert "Quá hạn phối hợp STC" not in _text(other.get("/tasks/?search=x"))
    other.post("/tasks/filters/delete/", {"id": saved_id})
    assert me.client.post("/tasks/filters/delete/", data={"id": saved_id}).status_code == 400
    with app.app_context():
        assert db.session.query(SavedFilter).count() == 1
    resp = me.post("/tasks/filters/delete/", {"id": saved_id, "next": "/tasks/?search=x"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/tasks/?search=x")
    with app.app_context():
        assert db.session.query(SavedFilter).count() == 0
    assert 'id="saved-filters-menu"' not in _text(me.get("/"))


# --- unit pickers and re-forwarding ---------------------------------------------------------

def _returned_world(app):
    from cddh.models import TaskHistory, TaskState

    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        snv = make_unit("SNV", name="Sở Nội vụ")
        make_unit("STNMT", name="Sở Tài nguyên và Môi trường")
        specialist = make_user(Role.office_specialist, office)
        doc = make_document(number="77/UBND-TH", summary="Chuyển đổi số")
        task = make_task(snv, document=doc, state=TaskState.returned,
                         content="Triển khai chuyển đổi số trong cơ quan")
        db.session.add(TaskHistory(task_id=task.id, action="return", from_state="assigned",
                                   to_state="returned", reason="Không thuộc chức năng"))
        db.session.commit()
        specialist.id  # noqa: B018
        return specialist, task.id, snv.id


def test_re_forwarding_a_returned_task_does_not_preselect_the_unit_that_returned_it(app, browser):
    specialist, task_id, snv_id = _returned_world(app)
    me = browser(specialist)
    page = _text(me.get(f"/tasks/{task_id}"))
    select = re.search(r'<select id="forward-lead-unit"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None and "required" in select.group(0) and "unit-picker" in select.group(0)
    assert "selected" not in select.group(1)
    assert re.search(r'<option value="">', select.group(1))  # the empty choice comes first
    assert re.search(rf'<option value="{snv_id}"[^>]*data-search="SNV', select.group(1))
    # The list offers no one-click forward of a returned task (it would go back to SNV).
    listing = _text(me.get("/tasks/"))
    assert f'name="id" value="{task_id}"' not in listing


def test_the_entry_form_and_the_task_form_have_searchable_unit_pickers(app, browser):
    specialist, task_id, snv_id = _returned_world(app)
    me = browser(specialist)
    entry = _text(me.get("/documents/enter/"))
    for name in ("tasks-0-lead_unit_id", "tasks-0-cooperating_unit_ids",
                 "tasks-0-monitoring_unit_id", "submitting_unit_id"):
        assert re.search(rf'<select[^>]*class="[^"]*unit-picker[^"]*"[^>]*id="{name}"', entry), name
    assert "js/unit_picker.js" in entry and "vendor/select2/select2.css" in entry
    assert 'data-search="STNMT' in entry
    form = _text(me.get(f"/tasks/edit/?id={task_id}"))
    assert "js/unit_picker.js" in form
    assert ">Sở Tài nguyên và Môi trường (STNMT)</option>" in form


def test_the_document_and_task_pickers_find_as_the_search_box_does(app, browser):
    """The task form's document picker finds a document by its number as typed (case and
    diacritics aside: task_filters.document_numbered), the progress form's task picker a
    task by the words of its text (search.task_condition): each by an indexed text, newest
    first, never an ILIKE over every row (0.2-0.9 s at 1M), and only what the user may
    reference; an empty text offers every such row."""
    import json

    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        snv, stc = make_unit("SNV"), make_unit("STC")
        specialist = make_user(Role.office_specialist, office)
        staff = make_user(Role.unit_staff, snv)
        for n in range(10):  # older documents: more than a picker's page (10) in all
            make_document(number=f"{n}/TB-VP", summary="Thông báo")
        decision = make_document(number="77/QĐ-UBND", summary="Về việc khác")
        other = make_document(number="12/UBND-KT", summary="Về việc khác")
        ours = make_task(snv, document=other, content="Rà soát đất đai ven sông")
        theirs = make_task(stc, document=other, content="Rà soát đất đai của STC")
        unrelated = make_task(snv, document=other, content="Kiểm tra đê bao")
        db.session.commit()
        ids = {"decision": decision.id, "other": other.id, "ours": ours.id,
               "theirs": theirs.id, "unrelated": unrelated.id}
        specialist.id, staff.id  # noqa: B018  (loads the rows before the context ends)

    def found(user, url):
        resp = browser(user).get(url)
        assert resp.status_code == 200, url
        return [row[0] for row in json.loads(resp.get_data(as_text=True))]

    documents = "/tasks/ajax/lookup/?name=document&query="
    assert found(specialist, documents + "qd-ubnd") == [ids["decision"]]
    assert found(specialist, documents + "77%2Fqđ") == [ids["decision"]]
    assert found(specialist, documents + "khac") == []  # the summary is not the number
    # One or two characters: of the number too (search.number_holds).
    assert found(specialist, documents + "12") == [ids["other"]]
    assert found(specialist, documents + "Qđ") == [ids["decision"]]
    assert found(specialist, documents + "kh") == []
    assert found(specialist, documents)[:2] == [ids["other"], ids["decision"]]
    tasks = "/progress_updates/ajax/lookup/?name=task&query="
    assert found(staff, tasks + "ra+soat+dat") == [ids["ours"]]  # not STC's
    assert found(specialist, tasks + "RÀ+SOÁT") == [ids["theirs"], ids["ours"]]
    assert found(staff, tasks)[:2] == [ids["unrelated"], ids["ours"]]
    # The page's bounds come from the address: never past the picker's page, never an error.
    assert len(found(specialist, documents)) == 10
    assert found(specialist, documents + "&limit=1") == [ids["other"]]
    assert found(specialist, documents + "&offset=1&limit=1") == [ids["decision"]]
    first_page = found(specialist, documents)
    for bounds in ("limit=100000", "limit=-1", "limit=0", "offset=-3", "offset=abc",
                   f"offset={2**40}"):
        assert found(specialist, f"{documents}&{bounds}") == first_page, bounds
    assert len(found(specialist, documents + "&offset=11")) == 1  # the last of 12


def test_in_chromium_pickers_find_units_without_diacritics_and_by_code(app, chromium, live_server):  # noqa: F811
    from .conftest import TEST_PASSWORD

    specialist, task_id, snv_id = _returned_world(app)
    with app.app_context():
        username = db.session.get(type(specialist), specialist.id).username
    page = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/")

    # The search box, typed without diacritics, finds the task; its short address opens it.
    page.goto(f"{live_server.url}/tasks/")
    page.fill("input[name=search]", "chuyen doi so")
    page.press("input[name=search]", "Enter")
    page.wait_for_load_state()
    assert page.locator("text=Triển khai chuyển đổi số trong cơ quan").count() >= 1
    page.goto(f"{live_server.url}/tasks/{task_id}")
    assert page.title().startswith(f"Nhiệm vụ #{task_id} — Triển khai chuyển đổi số")

    # Re-forwarding: nothing chosen; typing finds units by words without diacritics or code.
    assert page.eval_on_selector("#forward-lead-unit", "el => el.value") == ""

    def results(container, text):
        page.click(f"{container} .select2-choice, {container} .select2-choices")
        box = page.locator(".select2-drop-active input.select2-input, "
                           f"{container} input.select2-input").first
        box.fill(text)
        found = page.locator(".select2-drop-active .select2-result-label").all_inner_texts()
        page.keyboard.press("Escape")
        return found

    found = results("#s2id_forward-lead-unit", "tai nguyen")
    assert any("Sở Tài nguyên và Môi trường" in f for f in found), found
    assert not any("Sở Nội vụ" in f for f in found), found
    found = results("#s2id_forward-lead-unit", "snv")
    assert any("Sở Nội vụ" in f for f in found) and len(found) == 1, found

    page.goto(f"{live_server.url}/documents/enter/")
    found = results("#s2id_tasks-0-cooperating_unit_ids", "stnmt")
    assert found == ["Sở Tài nguyên và Môi trường"], found
    found = results("#s2id_tasks-0-lead_unit_id", "MOI TRUONG")
    assert found == ["Sở Tài nguyên và Môi trường"], found


def test_in_chromium_a_unit_user_searches_without_diacritics_and_opens_tasks_by_number(
        app, chromium, live_server):  # noqa: F811
    from cddh.models import TaskState

    from .conftest import TEST_PASSWORD

    with app.test_request_context():
        snv, stc = make_unit("SNV", name="Sở Nội vụ"), make_unit("STC", name="Sở Tài chính")
        staff = make_user(Role.unit_staff, snv)
        mine = make_task(snv, state=TaskState.in_progress,
                         content="Đẩy mạnh chuyển đổi số, xem thêm #1")
        other = make_task(stc, state=TaskState.in_progress, content="Chuyển đổi số ngành tài chính")
        db.session.commit()
        username, mine_id, other_id = staff.username, mine.id, other.id
    page = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/tasks/")
    page.fill("input[name=search]", "chuyen doi so")
    page.press("input[name=search]", "Enter")
    page.wait_for_load_state()
    assert page.locator("text=Đẩy mạnh chuyển đổi số").count() >= 1
    assert page.locator("text=Chuyển đổi số ngành tài chính").count() == 0
    assert page.locator("[data-role=lead]").count() >= 1
    page.goto(f"{live_server.url}/tasks/{mine_id}")
    assert page.title().startswith(f"Nhiệm vụ #{mine_id} — Đẩy mạnh chuyển đổi số")
    assert page.locator("a.task-ref", has_text="#1").get_attribute("href") == "/tasks/1"
    response = page.goto(f"{live_server.url}/tasks/{other_id}")
    assert response.status == 404
    assert "Không tìm thấy" in page.content() and "tài chính" not in page.content()


# --- a unit's list: leads or cooperates, by urgency -----------------------------------------

def _ordered_ids(browser, user, url) -> list[int]:
    page = browser(user).get(url)
    assert page.status_code == 200, url
    return [int(i) for i in dict.fromkeys(re.findall(r'tasks/details/\?id=(\d+)', _text(page)))]


def test_a_units_list_shows_lead_or_cooperate_and_opens_by_urgency(app, browser):
    from cddh.models import TaskState
    from cddh.services.clock import local_today

    today = local_today()
    day = dt.timedelta(days=1)
    S = TaskState
    with app.test_request_context():
        snv, stc = make_unit("SNV", name="Sở Nội vụ"), make_unit("STC", name="Sở Tài chính")
        staff = make_user(Role.unit_staff, snv)
        office = make_user(Role.office_specialist, make_unit("VP", UnitCategory.office))
        t = {}
        t["done"] = make_task(snv, state=S.completed, deadline=today - 40 * day,
                              completed_on=today - 41 * day)
        t["month"] = make_task(snv, state=S.in_progress, deadline=today + 30 * day)
        t["none"] = make_task(snv, state=S.in_progress, deadline=None, has_deadline=False)
        t["awaiting"] = make_task(snv, state=S.pending_verification, deadline=today - 10 * day,
                                  completed_on=today - 11 * day)
        t["overdue"] = make_task(snv, state=S.in_progress, deadline=today - 5 * day)
        t["coop"] = make_task(stc, cooperating=[snv], state=S.assigned, deadline=today + day)
        t["soon"] = make_task(snv, state=S.assigned, deadline=today + 3 * day)
        t["overdue2"] = make_task(snv, state=S.assigned, deadline=today - 5 * day)
        make_task(stc, state=S.in_progress, deadline=today - 50 * day)  # not SNV's
        db.session.commit()
        ids = {k: v.id for k, v in t.items()}
        staff.id, office.id  # noqa: B018
    expected = [ids[k] for k in ("overdue", "overdue2", "coop", "soon", "month", "none",
                                 "done", "awaiting")]
    assert _ordered_ids(browser, staff, "/tasks/") == expected
    # A chosen sort still wins; the Office's list stays newest first.
    assert _ordered_ids(browser, staff, "/tasks/?sort=0") == sorted(ids.values())
    office_ids = _ordered_ids(browser, office, "/tasks/")
    assert office_ids == sorted(office_ids, reverse=True)
    # Filters keep the urgency order.
    assert _ordered_ids(browser, staff, f"/tasks/?{_f('state', 'assigned')}") == [
        ids["overdue2"], ids["coop"], ids["soon"]]
    # By number the list reads the unit's rows too (one range of their key), filters said on
    # them: the same tasks, in number order.
    assert _ordered_ids(browser, staff, f"/tasks/?sort=0&desc=1&{_f('state', 'assigned')}") == (
        sorted([ids["overdue2"], ids["coop"], ids["soon"]], reverse=True))
    assert _ordered_ids(browser, staff, "/tasks/?sort=0&timeliness=open_overdue") == [
        ids["overdue"], ids["overdue2"]]
    # Lead or cooperate, row by row.
    page = _text(browser(staff).get("/tasks/"))
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    roles = {}
    for row in rows:
        found = re.search(r'tasks/details/\?id=(\d+)', row)
        role = re.search(r'data-role="(lead|cooperating)"', row)
        if found and role:
            roles[int(found.group(1))] = role.group(1)
    assert roles == {i: ("cooperating" if k == "coop" else "lead") for k, i in ids.items()}
    assert "Sở Tài chính" in next(r for r in rows if f"id={ids['coop']}" in r)
    assert 'data-role="' not in _text(browser(office).get("/tasks/"))


def test_a_units_list_by_deadline_keeps_the_deadlines_order(app, browser):
    """A unit's list by deadline reads the unit's rows by their copy of the effective
    deadline, then the deadline: still the deadlines' order, a Saturday's before the Monday
    it runs to (though its task came later), the undated last going up and first going
    down; with a filter, a link and from a deep page's cursor."""
    from cddh.models import TaskState
    from cddh.services.clock import local_today

    S = TaskState
    today = local_today()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 + 7)
    with app.test_request_context():
        snv, stc = make_unit("SNV"), make_unit("STC")
        staff = make_user(Role.unit_staff, snv)
        tasks = [
            make_task(snv, state=S.in_progress, deadline=saturday + dt.timedelta(days=2)),
            make_task(snv, state=S.assigned, deadline=saturday),
            make_task(stc, cooperating=[snv], state=S.in_progress, deadline=saturday),
            make_task(snv, state=S.in_progress, deadline=None, has_deadline=False),
            make_task(snv, state=S.completed, deadline=today - dt.timedelta(days=9),
                      completed_on=today - dt.timedelta(days=10)),
            make_task(snv, state=S.in_progress, deadline=today - dt.timedelta(days=3)),
            make_task(snv, state=S.assigned, deadline=None, has_deadline=False),
        ]
        make_task(stc, state=S.in_progress, deadline=saturday)  # not SNV's
        db.session.commit()
        rows = [(t.deadline, t.id, t.state) for t in tasks]
        staff.id  # noqa: B018

    def by_deadline(rows):
        return [i for _d, i, _s in sorted(rows, key=lambda r: (r[0] is None, r[0] or today,
                                                                 r[1]))]

    going_up = by_deadline(rows)
    assert _ordered_ids(browser, staff, "/tasks/?sort=4") == going_up
    assert _ordered_ids(browser, staff, "/tasks/?sort=4&desc=1") == going_up[::-1]
    in_progress = by_deadline([r for r in rows if r[2] == S.in_progress])
    assert _ordered_ids(browser, staff, f"/tasks/?sort=4&{_f('state', 'in_progress')}") == (
        in_progress)
    assert _ordered_ids(browser, staff,
                        f"/tasks/?sort=4&desc=1&{_f('state', 'in_progress')}") == in_progress[::-1]
    open_on_time = by_deadline([r for r in rows if r[0] and r[0] >= today
                                and r[2] in (S.assigned, S.in_progress)])
    assert _ordered_ids(browser, staff, "/tasks/?sort=4&desc=1&timeliness=open_on_time") == (
        open_on_time[::-1])
    # A deep page starts after the cursor (the deadline and the number of the last row),
    # from any row, either way (going down on the rows when narrowed): its segments are
    # bounded on the rows too.
    deadline_of = {task_id: deadline for deadline, task_id, _state in rows}
    narrowed = f"&{_f('state', 'in_progress')}"
    for ids, args in ((going_up, ""), (going_up[::-1], "&desc=1"),
                      (in_progress[::-1], "&desc=1" + narrowed), (in_progress, narrowed)):
        for place, task_id in enumerate(ids):
            after = f"{deadline_of[task_id] or ''},{task_id}"
            assert _ordered_ids(browser, staff, f"/tasks/?sort=4{args}&after={after}") == (
                ids[place + 1:]), (args, after)


def test_the_urgency_order_and_its_index_agree_with_the_figures_open_states():
    from cddh.models import task_unit
    from cddh.models.task import UNIT_OPEN_STATES
    from cddh.services.statistics import UNIT_OPEN

    assert UNIT_OPEN_STATES == tuple(s.value for s in UNIT_OPEN)
    assert "ix_task_unit_unit_id_urgency" in {i.name for i in task_unit.indexes}


def _postgresql_only() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL plan")


def _insert_tasks(params: dict, **columns):
    """40,000 tasks (``g`` = 1…40,000) of one document for a PostgreSQL plan test, in one
    INSERT … SELECT after committing what the test made: ``columns`` the SQL of the columns
    that differ from a plain forwarded task's (in ``g`` and ``params``). The connection."""
    import sqlalchemy as sa

    params = {"doc": make_document().id, **params}
    db.session.commit()
    conn = db.session.connection()

    values = {"document_id": ":doc", "content": "'Nhiệm vụ ' || g",
              "expected_product": "'other'", "has_deadline": "true",
              "update_frequency": "'monthly'", "priority": "'normal'", "assigned_at": "now()",
              "percent_complete": "0", "result_summary": "''", "result_document_number": "''",
              "cancel_reason": "''", "version": "1",
              "created_at": "now()", "updated_at": "now()", "search_text": "''", **columns}
    conn.execute(sa.text(f"INSERT INTO task ({', '.join(values)}) "
                         f"SELECT {', '.join(values.values())} FROM generate_series(1, 40000) g"),
                 params)
    return conn


def _insert_unit_tasks(today, **columns):
    """``_insert_tasks`` for one new unit's tasks (``:snv``, with ``:today``), analyzed:
    (the connection, the unit)."""
    import sqlalchemy as sa

    snv = make_unit("SNV")
    conn = _insert_tasks({"snv": snv.id, "today": today}, lead_unit_id=":snv", **columns)
    conn.execute(sa.text("ANALYZE task"))
    return conn, snv


def _a_units_completed_tasks(today, every: int, others: str):
    """A new unit's 40,000 tasks, every ``every``-th completed on time, the others in state
    ``others``, its task_unit rows built and analyzed: (the connection, the unit, its staff
    user)."""
    import sqlalchemy as sa

    from cddh.services import scope

    conn, snv = _insert_unit_tasks(
        today, deadline=":today - 400 + g % 700", effective_deadline=":today - 400 + g % 700",
        completed_on=f"CASE WHEN g % {every} = 0 THEN :today - 401 + g % 700 END",
        state=f"CASE WHEN g % {every} = 0 THEN 'completed' ELSE '{others}' END")
    staff = make_user(Role.unit_staff, snv)
    scope.rebuild(conn)
    conn.execute(sa.text("ANALYZE task_unit"))
    return conn, snv, staff


def _expected_and_actual_rows(conn, query) -> tuple[float, int]:
    """The rows PostgreSQL's plan of ``query`` expects (its parameters bound, as the app
    runs it) and the rows it has; then the test's rows are rolled back."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled),
                                compiled.params).scalar()
    actual = len(db.session.execute(query).all())
    db.session.rollback()
    return plan[0]["Plan"]["Plan Rows"], actual


def _plan_and_rows(conn, *queries) -> list[tuple[str, list]]:
    """Each query's PostgreSQL plan (its parameters bound, as the app runs it) and its rows;
    then the test's rows are rolled back."""
    found = []
    for query in queries:
        compiled = query.compile(dialect=conn.dialect,
                                 compile_kwargs={"render_postcompile": True})
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled),
                                                            compiled.params))
        found.append((plan, db.session.scalars(query).all()))
    db.session.rollback()
    return found


def test_on_postgresql_a_units_first_page_by_urgency_reads_the_urgency_index(app):
    """The plan of the list's page query: an index scan in the order asked, no sort of the
    unit's tasks (the planner chooses so from ~a few thousand rows on; statistics are
    refreshed first)."""
    import sqlalchemy as sa

    from cddh.auth import policy
    from cddh.models import Task
    from cddh.services import scope

    with app.test_request_context():
        _postgresql_only()
        snv, stc = make_unit("SNV"), make_unit("STC")
        staff = make_user(Role.unit_staff, snv)
        conn = _insert_tasks({"snv": snv.id, "stc": stc.id},
                             lead_unit_id="CASE WHEN g % 2 = 0 THEN :snv ELSE :stc END",
                             deadline="date '2026-01-01' + (g % 700)",
                             state="""CASE g % 5 WHEN 0 THEN 'assigned'
                                      WHEN 1 THEN 'in_progress' WHEN 2 THEN 'completed'
                                      WHEN 3 THEN 'pending_verification'
                                      ELSE 'cancelled' END""")
        scope.rebuild(conn)
        conn.execute(sa.text("ANALYZE task"))
        conn.execute(sa.text("ANALYZE task_unit"))
        target, on, order = scope.by_urgency(snv.id)
        query = (sa.select(Task.id).where(policy.task_scope(staff)).join(target, on)
                 .order_by(*order).limit(50))
        [(plan, ids)] = _plan_and_rows(conn, query)
    assert "ix_task_unit_unit_id_urgency" in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan
    assert len(ids) == 50  # the page is full


def test_on_postgresql_a_units_state_filtered_page_by_urgency_reads_the_state_range(app):
    """A state filter fixes the rows' "settled" flag: the urgency order is then said without
    it (scope.by_urgency's ``settled``), an order that state's range of the unit's state
    index gives as it is read. The planner may then read a page from that range, whatever it
    expects of the class's other conditions (which it underestimates: with the flag in the
    order, a unit's 11,158 completed tasks on time at 1M were joined whole and sorted, 139
    ms a page). Here sorts and bitmaps are refused, so that the plan shows which indexes
    give the order: with the flag in it, only the urgency index does."""
    import sqlalchemy as sa

    from cddh.auth import policy
    from cddh.models import Task, TaskState
    from cddh.services import scope
    from cddh.services.clock import local_today
    from cddh.services.timeliness import unit_row_clause

    today = local_today()
    with app.test_request_context():
        _postgresql_only()
        conn, snv, staff = _a_units_completed_tasks(today, 4, "cancelled")
        conn.execute(sa.text("SET LOCAL enable_sort = off"))
        conn.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
        settled = scope.settled_of({TaskState.completed})
        target, on, order = scope.by_urgency(snv.id, settled)
        query = (sa.select(Task.id).join(target, on)
                 .where(policy.task_scope_on_row(staff), *scope.row_state("completed"),
                        *unit_row_clause("done_on_time", today))
                 .order_by(*order).limit(50))
        [(plan, ids)] = _plan_and_rows(conn, query)
    assert settled is True and scope.settled_of({TaskState.completed, TaskState.assigned}) is None
    assert "ix_task_unit_unit_id_state_deadline_task_id" in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan
    assert len(ids) == 50


def test_on_postgresql_a_units_rows_state_and_flags_are_estimated_together(app):
    """A unit's list says a row's state and the flags that follow from it several times
    over (a state filter, a class, the scope): with the statistics of the three together
    (models.task.TASK_UNIT_STATISTICS) the planner expects about as many rows as there are,
    not a fraction for each repetition (a page by number then sorted them all)."""
    import sqlalchemy as sa

    from cddh.auth import policy
    from cddh.models.task import task_unit
    from cddh.services import scope
    from cddh.services.clock import local_today
    from cddh.services.timeliness import unit_row_clause

    today = local_today()
    with app.test_request_context():
        _postgresql_only()
        conn, snv, staff = _a_units_completed_tasks(today, 2, "in_progress")
        rows = (sa.select(task_unit.c.task_id).select_from(task_unit)
                .where(task_unit.c.unit_id == snv.id, policy.task_scope_on_row(staff),
                       *scope.row_state("completed"), *unit_row_clause("done_on_time", today)))
        expected, actual = _expected_and_actual_rows(conn, rows)
    assert actual == 20_000
    # The completion date compared with the deadline is a guess of a third (no statistics
    # can say it); the state and its flags, said five times, are estimated once.
    assert expected >= actual / 4, (expected, actual)


def test_on_postgresql_the_rows_a_unit_leads_are_estimated_as_many_as_they_are(app):
    """A unit leads most of its rows' tasks (it cooperates on the others): with the
    statistics of a row's unit and lead unit together (models.task.
    TASK_UNIT_LEAD_STATISTICS) the planner expects about as many of a unit's led rows as
    there are, not the product of the two fractions (a unit user's "mine" with a priority,
    by deadline, then joined every one to its task and sorted them)."""
    import sqlalchemy as sa

    from cddh.models.task import task_unit
    from cddh.services import scope

    with app.test_request_context():
        _postgresql_only()
        units = [make_unit(f"U{n}") for n in range(40)]
        ids = ",".join(str(unit.id) for unit in units)
        conn = _insert_tasks({}, lead_unit_id=f"(ARRAY[{ids}])[1 + g % 40]",
                             state="'in_progress'")
        conn.execute(sa.text(  # every third task shared with the next unit
            f"INSERT INTO task_cooperating_unit (task_id, unit_id) "
            f"SELECT t.id, (ARRAY[{ids}])[1 + (array_position(ARRAY[{ids}], t.lead_unit_id)"
            f" % 40)] FROM task t WHERE t.id % 3 = 0"))
        scope.rebuild(conn)
        conn.execute(sa.text("ANALYZE task_unit"))
        unit = units[7].id
        led = (sa.select(task_unit.c.task_id)
               .where(task_unit.c.unit_id == unit, task_unit.c.lead_unit_id == unit))
        expected, actual = _expected_and_actual_rows(conn, led)
    assert actual == 1000
    assert expected >= actual / 4, (expected, actual)


def test_on_postgresql_a_units_own_tasks_of_a_class_are_counted_from_its_state_index(app):
    """A unit's class filter with "mine" (the tasks it leads, not those it cooperates on):
    the row's copy of the lead unit rides along in the unit's state indexes, so its rows
    are told apart there and counted from the index alone. Without it each of the class's
    rows was read from the table for its lead unit (a unit's "mine" done late at 1M: 9,088
    blocks for 1,690 rows). Here scans of the table and bitmaps are refused, so that the
    plan shows whether an index alone can say every condition."""
    import sqlalchemy as sa

    from cddh.models.task import task_unit
    from cddh.services import scope, task_filters
    from cddh.services.clock import local_today
    from cddh.services.timeliness import unit_row_clause

    today = local_today()
    with app.test_request_context():
        _postgresql_only()
        snv, partner = make_unit("SNV"), make_unit("PARTNER")
        # Every other task led by a partner, the unit cooperating; every fifth done late.
        conn = _insert_tasks(
            {"snv": snv.id, "partner": partner.id, "today": today},
            lead_unit_id="CASE WHEN g % 2 = 0 THEN :snv ELSE :partner END",
            deadline=":today - 400 + g % 300", effective_deadline=":today - 400 + g % 300",
            completed_on=":today - 400 + g % 300 + CASE WHEN g % 5 = 0 THEN 3 ELSE -1 END",
            state="'completed'", percent_complete="100")
        conn.execute(sa.text(
            "INSERT INTO task_cooperating_unit (task_id, unit_id) "
            "SELECT id, :snv FROM task WHERE lead_unit_id = :partner"),
            {"snv": snv.id, "partner": partner.id})
        staff = make_user(Role.unit_staff, snv)
        scope.rebuild(conn)
        conn = _vacuumed("task_unit")
        count = (sa.select(sa.func.count()).select_from(task_unit)
                 .where(task_unit.c.unit_id == snv.id, task_unit.c.state != "draft",
                        *unit_row_clause("done_late", today),
                        *task_filters.mine_on_row(staff)))
        [(plan, [number])] = _plan_and_rows(conn, count)
    assert number == 4000  # led by the unit (even g) and done late (g divisible by 5)
    # The state index, or the done late rows' own (ix_task_unit_done_late): both carry it.
    assert ("Index Only Scan using ix_task_unit_unit_id_state" in plan
            or "Index Only Scan using ix_task_unit_done_late" in plan), plan


def test_on_postgresql_a_lead_units_tasks_of_one_state_by_deadline_are_one_range(app):
    """The Office's list filtered by a lead unit and a state, in its deadline order (deadline
    going up, undated last, then number): one range of (lead unit, state, deadline, id), read
    in order, not the lead unit's tasks of that state read and sorted (3,033 at 1M, all
    undated, each joined to its document first)."""
    import sqlalchemy as sa

    from cddh.models import Task

    today = dt.date(2026, 6, 1)
    with app.test_request_context():
        _postgresql_only()
        # A tenth undated; a tenth in progress; the rest assigned.
        conn, snv = _insert_unit_tasks(
            today, state="CASE WHEN g % 10 = 1 THEN 'in_progress' ELSE 'assigned' END",
            deadline="CASE WHEN g % 10 <> 0 THEN :today + g % 90 END",
            effective_deadline="CASE WHEN g % 10 <> 0 THEN :today + g % 90 END")
        page = (sa.select(Task.id).where(Task.lead_unit_id == snv.id, Task.state == "assigned")
                .order_by(Task.deadline.asc().nulls_last(), Task.id).limit(50))
        [(plan, ids)] = _plan_and_rows(conn, page)
    assert "ix_task_lead_unit_id_state_deadline" in plan, plan
    assert "Sort" not in plan, plan
    assert len(ids) == 50


def test_on_postgresql_the_few_untracked_documents_are_read_by_their_index(app, browser):
    """The document list's "tracked" filter for the few documents on one side (the
    untracked ones among thousands): counted and listed through the (tracked, id) index,
    not a read of the whole table; the list shows exactly those documents."""
    import sqlalchemy as sa

    from cddh.models import Document

    with app.test_request_context():
        _postgresql_only()
        office = make_unit("VP", UnitCategory.office)
        specialist = make_user(Role.office_specialist, office)
        few = [make_document(tracked=False).id for _ in range(3)]
        db.session.commit()
        conn = db.session.connection()
        conn.execute(sa.text(
            "INSERT INTO document (doc_type, number, issuer, summary, issued_on, issue_year,"
            " signer, tracked, entry_due_on, created_at, updated_at, search_text)"
            " SELECT 'cong_van', 'T' || g || '/UBND', 'UBND tỉnh', 'Văn bản ' || g,"
            " date '2025-01-01' + g % 700, 2025, '', true, date '2025-01-02' + g % 700,"
            " now(), now(), '' FROM generate_series(1, 40000) g"))
        conn.execute(sa.text("ANALYZE document"))
        db.session.commit()
        conn = db.session.connection()
        untracked = sa.select(Document.id).where(Document.tracked.is_(False))
        compiled = untracked.compile(dialect=conn.dialect)
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled),
                                                            compiled.params))
        client = browser(specialist)
    assert "ix_document_tracked_id" in plan and "Seq Scan" not in plan, plan
    page = client.get("/documents/?flt0_2=0").get_data(as_text=True)
    listed = {int(n) for n in re.findall(r"/documents/details/\?id=(\d+)", page)}
    assert listed == set(few), listed


def _vacuumed(table: str):
    """The session's work committed and ``table`` vacuumed (the visibility map an index-only
    read relies on, as a database has it for all but its latest changes; the tables are
    emptied after each test: conftest's _clean_tables): a connection of the session that
    reads by index alone (no sequential or bitmap scan)."""
    import sqlalchemy as sa

    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
        auto.execute(sa.text(f"VACUUM ANALYZE {table}"))
    conn = db.session.connection()
    conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
    conn.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
    return conn


def _a_units_assigned_and_completed(dated: str, odd: str = "completed"):
    """A new unit's 40,000 tasks, the even ones assigned, the odd ones ``odd``, those
    where ``dated`` (SQL in ``g``) holds with a deadline (``date '2026-01-01' + g % 700``),
    the others without; its task_unit rows built and analyzed: (the connection, the unit)."""
    import sqlalchemy as sa

    from cddh.services import scope

    snv = make_unit("SNV")
    deadline = f"CASE WHEN {dated} THEN date '2026-01-01' + (g % 700) END"
    conn = _insert_tasks({"snv": snv.id}, lead_unit_id=":snv", has_deadline=dated,
                         deadline=deadline, effective_deadline=deadline,
                         state=f"CASE WHEN g % 2 = 0 THEN 'assigned' ELSE '{odd}' END")
    scope.rebuild(conn)
    conn.execute(sa.text("ANALYZE task"))
    conn.execute(sa.text("ANALYZE task_unit"))
    return conn, snv


def test_on_postgresql_a_units_undated_tasks_by_deadline_are_not_sorted_whole(app):
    """A unit's list by deadline going down starts with its undated tasks: the plan reads
    them along the unit's deadline index, or, with a state said, that state's range of the
    state index, one task at a time (the indexes key the undated row's task after the
    deadline), not as one group read whole to be sorted by the task's deadline and number."""
    import sqlalchemy as sa

    from cddh.models import Task
    from cddh.services import scope

    with app.test_request_context():
        _postgresql_only()
        conn, snv = _a_units_assigned_and_completed("g % 4 <> 0")
        target, on = scope.unit_row_join(snv.id)
        query = (sa.select(Task.id).join(target, on)
                 .where(target.c.state == "assigned")  # narrowed, as the list's filters do
                 .order_by(*scope.by_row_deadline(True), Task.deadline.desc().nulls_first(),
                           Task.id.desc()).limit(50))
        [(plan, ids)] = _plan_and_rows(conn, query)
    assert ("ix_task_unit_unit_id_deadline_task_id" in plan
            or "ix_task_unit_unit_id_state_deadline_task_id" in plan), plan
    assert "Presorted Key: task_unit.deadline, (CASE" in plan, plan
    assert ids == list(range(ids[0], ids[0] - 200, -4))  # the undated assigned, going down


def test_on_postgresql_a_units_undated_tasks_of_one_state_are_read_in_order(app):
    """A unit's tasks of one state, undated for the most part (tasks assigned without a
    deadline): in the urgency order with the state said, and by deadline, the page is read
    along that state's range of the state index, which keys the undated row's task after
    the deadline as the orders do (scope.row_urgency_order, by_row_deadline), not the state's
    undated rows read whole to be sorted (a unit's 3,719 assigned tasks at 1M, 48 ms a
    page). Sorts are refused, so the plan shows which index gives the order. The odd tasks
    are in progress: unsettled like the assigned, as most of a unit's open tasks are, so the
    urgency index would read them all to keep half (with the odd ones completed it was as
    good, and chosen once the state index grew wider)."""
    import sqlalchemy as sa

    from cddh.models import Task, TaskState
    from cddh.services import scope

    with app.test_request_context():
        _postgresql_only()
        conn, snv = _a_units_assigned_and_completed("g % 1000 = 0", odd="in_progress")
        first = conn.scalar(sa.select(sa.func.min(Task.id)))  # task g is first + g - 1
        conn.execute(sa.text("SET LOCAL enable_sort = off"))
        conn.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
        settled = scope.settled_of({TaskState.assigned})
        target, on, order = scope.by_urgency(snv.id, settled)
        by_urgency = (sa.select(Task.id).join(target, on).where(*scope.row_state("assigned"))
                      .order_by(*order).limit(50))
        by_deadline = (sa.select(Task.id).join(target, on)
                       .where(*scope.row_state("assigned"))
                       .order_by(*scope.by_row_deadline(False), Task.deadline, Task.id)
                       .limit(50))
        [(urgency_plan, urgency_ids), (deadline_plan, deadline_ids)] = _plan_and_rows(
            conn, by_urgency, by_deadline)
    for plan in (urgency_plan, deadline_plan):
        assert "ix_task_unit_unit_id_state_deadline_task_id" in plan, plan
    assert "Sort" not in urgency_plan.replace("Sort Key", ""), urgency_plan
    # By deadline the rows of one day are sorted by the task's deadline: one row a group
    # among the undated (the index's key), never the undated as one group.
    assert "Presorted Key: task_unit.deadline, (CASE" in deadline_plan, deadline_plan
    # The 40 dated (every 1,000th task, assigned: by deadline, then number), then the
    # undated assigned by number.
    page = [*sorted(range(1000, 40001, 1000), key=lambda g: (g % 700, g)), *range(2, 21, 2)]
    assert urgency_ids == deadline_ids == [first + g - 1 for g in page]


def test_on_postgresql_a_page_by_state_walks_an_index_in_that_order(app):
    """The list by its state column (the state, then the number): the Office's page walks
    the tasks' (state, id) index, a unit's its rows' (unit, state, task) index
    (scope.by_row_state), neither sorting a state's tasks (at 1M the first state's 100,000,
    0.7 s; a unit's 33,472, 0.9 s)."""
    import sqlalchemy as sa

    from cddh.models import Task
    from cddh.services import scope
    from cddh.views.base import order_terms

    with app.test_request_context():
        _postgresql_only()
        snv, stc = make_unit("SNV"), make_unit("STC")
        conn = _insert_tasks({"snv": snv.id, "stc": stc.id},
                             lead_unit_id="CASE WHEN g % 2 = 0 THEN :snv ELSE :stc END",
                             state="""CASE g % 4 WHEN 0 THEN 'assigned'
                                      WHEN 1 THEN 'in_progress' WHEN 2 THEN 'completed'
                                      ELSE 'cancelled' END""")
        scope.rebuild(conn)
        conn.execute(sa.text("ANALYZE task"))
        conn.execute(sa.text("ANALYZE task_unit"))
        target, on = scope.unit_row_join(snv.id)
        queries = [sa.select(Task.id).order_by(*order_terms(Task, Task.state, descending))
                   .limit(50) for descending in (False, True)]
        queries += [sa.select(Task.id).join(target, on)
                    .order_by(*scope.by_row_state(descending),
                              *order_terms(Task, Task.state, descending)).limit(50)
                    for descending in (False, True)]
        found = _plan_and_rows(conn, *queries)
    for (plan, _ids), index in zip(found, ["ix_task_state_id"] * 2
                                   + ["ix_task_unit_unit_id_state_task_id"] * 2, strict=True):
        assert index in plan, plan
        assert "Sort" not in plan.replace("Sort Key", "").replace("Incremental Sort", ""), plan
    # Each page is one state's first tasks by number.
    for (_plan, up), (_plan2, down) in (found[:2], found[2:]):
        assert len(up) == len(down) == 50
        assert up == sorted(up) and down == sorted(down, reverse=True)


def test_on_postgresql_done_late_reads_its_partial_index(app):
    """Done late is rare next to done on time, which the planner cannot tell: today's class
    says the partial index's condition (models.task.DONE_LATE_ROWS), a past date's says the
    other's (COMPLETED_LATE_ROWS), and a page in id order reads that index instead of
    walking every task."""
    import sqlalchemy as sa

    from cddh.models import Task
    from cddh.services import statistics
    from cddh.services.clock import local_today

    today = local_today()
    with app.test_request_context():
        _postgresql_only()
        conn, _snv = _insert_unit_tasks(
            today, deadline=":today - 30", effective_deadline=":today - 30",
            completed_on=":today - 30 + CASE WHEN g % 1000 = 0 THEN 3 ELSE -1 END",
            state="'completed'", percent_complete="100")

        def page(as_of):
            return (sa.select(Task.id).where(statistics.class_clause("done_late", as_of, today))
                    .order_by(Task.id.desc()).limit(50))

        # As of a past date (a closed period's figure), done means completed by then.
        (plan, ids), (past_plan, past_ids) = _plan_and_rows(
            conn, page(today), page(today - dt.timedelta(days=1)))
    assert "ix_task_done_late_id" in plan, plan
    assert len(ids) == 40  # every 1,000th task was done three days late
    assert "ix_task_completed_late_id" in past_plan, past_plan
    assert past_ids == ids


def test_on_postgresql_a_units_done_late_reads_its_partial_index(app):
    """A unit's "done late" (its count and its page by urgency) reads the unit's done late
    rows alone (models.task.TASK_UNIT_DONE_LATE_ROWS, said by the class on the row), not
    every done row of the unit: here 40 of 40,000, where the urgency index would pass the
    39,960 done on time. The rows are those of the class said on the task."""
    import sqlalchemy as sa

    from cddh.models import Task
    from cddh.models.task import task_unit
    from cddh.services import scope, statistics
    from cddh.services.clock import local_today
    from cddh.services.timeliness import unit_row_clause

    today = local_today()
    with app.test_request_context():
        _postgresql_only()
        conn, snv = _insert_unit_tasks(
            today, deadline=":today - 30 - g % 200", effective_deadline=":today - 30 - g % 200",
            completed_on=":today - 30 - g % 200 + CASE WHEN g % 1000 = 0 THEN 3 ELSE -1 END",
            state="'completed'", percent_complete="100")
        scope.rebuild(conn)
        conn = _vacuumed("task_unit")
        rows = [task_unit.c.unit_id == snv.id, task_unit.c.state != "draft",
                *unit_row_clause("done_late", today)]
        count = sa.select(sa.func.count()).select_from(task_unit).where(*rows)
        page = (sa.select(task_unit.c.task_id).where(*rows)
                .order_by(*scope.row_urgency_order()).limit(50))
        (count_plan, [number]), (page_plan, ids) = _plan_and_rows(conn, count, page)
        expected = db.session.scalars(
            sa.select(Task.id).where(statistics.class_clause("done_late", today, today))
            .order_by(Task.id)).all()
    assert number == len(expected) == 40  # every 1,000th task was done three days late
    assert sorted(ids) == expected
    assert "ix_task_unit_done_late" in count_plan, count_plan
    assert "ix_task_unit_done_late" in page_plan, page_plan
    assert "Sort" not in page_plan, page_plan


def test_on_postgresql_done_late_with_a_lead_unit_and_a_deadline_is_counted_from_its_index(
        app):
    """"Done late" with the list's lead unit and deadline filters is counted from its partial
    index alone (models.task.DONE_LATE_INCLUDE rides along): no done late task is looked up
    in the table for its lead unit or deadline (53,511 at 1M, 100-140 ms where the table
    lies in id order). Here scans of the table and bitmaps are refused, so that the plan
    shows whether an index alone can say every condition."""
    import sqlalchemy as sa

    from cddh.models import Task
    from cddh.services import statistics
    from cddh.services.clock import local_today

    today = local_today()
    with app.test_request_context():
        _postgresql_only()
        partner = make_unit("PARTNER")
        conn, snv = _insert_unit_tasks(
            today, deadline=":today - 30 - g % 200", effective_deadline=":today - 30 - g % 200",
            completed_on=":today - 30 - g % 200 + CASE WHEN g % 10 = 0 THEN 3 ELSE -1 END",
            state="'completed'", percent_complete="100")
        conn.execute(sa.text("UPDATE task SET lead_unit_id = :partner WHERE id % 2 = 1"),
                     {"partner": partner.id})
        conn = _vacuumed("task")
        since = today - dt.timedelta(days=100)
        count = sa.select(sa.func.count()).where(
            statistics.class_clause("done_late", today, today), Task.lead_unit_id == snv.id,
            Task.deadline >= since, Task.priority == "normal")
        [(plan, [number])] = _plan_and_rows(conn, count)
        expected = db.session.scalar(sa.select(sa.func.count()).where(
            Task.lead_unit_id == snv.id, Task.deadline >= since,
            Task.completed_on > Task.effective_deadline))
    assert number == expected > 0
    assert "Index Only Scan using ix_task_done_late" in plan, plan


def test_on_postgresql_the_tasks_without_a_deadline_by_deadline_read_the_nulls(app):
    """Today's "no deadline" class is said on the deadline too (the column the list sorts
    by), so the Office's undated tasks in deadline order are the index's NULLs, one range,
    not a walk past every dated task to reach them (they come last)."""
    import sqlalchemy as sa

    from cddh.models import Task
    from cddh.services import statistics
    from cddh.services.clock import local_today

    today = local_today()
    with app.test_request_context():
        _postgresql_only()
        undated = "CASE WHEN g % 1000 <> 0 THEN :today + g % 300 END"
        conn, _snv = _insert_unit_tasks(today, deadline=undated, effective_deadline=undated,
                                        has_deadline="g % 1000 <> 0", state="'in_progress'")
        page = (sa.select(Task.id).where(statistics.class_clause("no_deadline", today, today))
                .order_by(Task.deadline.asc().nulls_last(), Task.id).limit(50))
        [(plan, ids)] = _plan_and_rows(conn, page)
    assert "Index Cond: (deadline IS NULL)" in plan, plan
    assert len(ids) == 40 and ids == sorted(ids)
    # Said once: beside "effective_deadline IS NULL" the planner would take the two for
    # independent and expect a hundredth of the rows (a page's joins and sort over them all).
    with app.test_request_context():
        said = str(statistics.class_clause("no_deadline", today, today))
    assert "effective_deadline IS NULL" not in said, said


def test_on_postgresql_a_done_state_done_late_reads_its_range(app):
    """The list's state filter with "done late": the tasks of that state alone, one range
    of the partial index by state (models.task.ix_task_done_late_state_id), not a walk of
    every done-late task in id order past those of the other done state (here 39,960
    awaiting verification without a completion date, judged on the day asked)."""
    import sqlalchemy as sa

    from cddh.models import Task, TaskState
    from cddh.services import statistics
    from cddh.services.clock import local_today

    today = local_today()
    with app.test_request_context():
        _postgresql_only()
        conn, _snv = _insert_unit_tasks(
            today, deadline=":today - 30", effective_deadline=":today - 30",
            completed_on="CASE WHEN g % 1000 = 0 THEN :today - 27 END",
            state="CASE WHEN g % 1000 = 0 THEN 'completed' ELSE 'pending_verification' END")
        page = (sa.select(Task.id).where(Task.state == TaskState.completed,
                                         statistics.class_clause("done_late", today, today))
                .order_by(Task.id.desc()).limit(50))
        [(plan, ids)] = _plan_and_rows(conn, page)
    assert "ix_task_done_late_state_id" in plan, plan
    # The state is the index's condition, not a filter (an index-only scan shows the key
    # without the column's cast).
    condition = next(line for line in plan.splitlines() if "Index Cond:" in line)
    assert "state" in condition and "'completed'::text" in condition, plan
    assert len(ids) == 40 and ids == sorted(ids, reverse=True)


def test_on_postgresql_a_short_document_number_is_found_by_its_pieces_and_estimated(
        app, browser):
    """A document number of one or two characters has no trigram: its documents are found
    among the numbers' pieces of one and two characters (ix_document_number_grams: the
    plan shows the index serves the condition as the filter says it), the same documents
    as the number read whole. Their tasks past SEARCH_COUNT_EXACT_UP_TO are estimated
    ("khoảng", from the pieces' statistics), not counted; the page is still the newest of
    them, each its number holding the text."""
    import sqlalchemy as sa

    from cddh.models import Document
    from cddh.services import task_filters

    with app.test_request_context():
        _postgresql_only()
        specialist = make_user(Role.office_specialist, make_unit("VP", UnitCategory.office))
        numbers = range(100, 400)
        documents = [make_document(number=f"{n}/QĐ-UBND").id for n in numbers]
        # Task g is of documents[g % 300]: 13 documents hold "12", 1,733 tasks.
        conn = _insert_tasks({"docs": documents}, document_id=":docs[1 + g % 300]",
                             state="'assigned'")
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
            auto.execute(sa.text("ANALYZE document"))
            auto.execute(sa.text("ANALYZE task"))
        newest = db.session.scalars(sa.text(
            "SELECT task.id FROM task JOIN document ON document.id = task.document_id "
            "WHERE document.number LIKE '%12%' ORDER BY task.id DESC LIMIT 50")).all()
        total = db.session.scalar(sa.text(
            "SELECT count(*) FROM task JOIN document ON document.id = task.document_id "
            "WHERE document.number LIKE '%12%'"))
        # Whether the index can serve it: no read of every document (by the table or by
        # its primary key's index) is left.
        conn = db.session.connection()
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        conn.execute(sa.text("SET LOCAL enable_indexscan = off"))
        found = sa.select(Document.id).where(task_filters.document_numbered("12"))
        [(plan, ids)] = _plan_and_rows(conn, found)
        specialist.id  # noqa: B018  (loads the row before the context ends)
    assert "ix_document_number_grams" in plan, plan
    assert sorted(ids) == [d for n, d in zip(numbers, documents, strict=True) if "12" in str(n)]
    assert len(ids) == 13
    assert total > app.config["SEARCH_COUNT_EXACT_UP_TO"]
    page = _text(browser(specialist).get("/tasks/?flt0_3=12"))
    assert "Danh sách (khoảng" in page
    listed = list(dict.fromkeys(int(i) for i in re.findall(r'tasks/details/\?id=(\d+)', page)))
    assert listed == newest and len(listed) == 50


def test_on_postgresql_a_short_document_numbers_first_tasks_come_from_its_pieces_index(app):
    """The first thousand tasks of a piece held by 7 % of the documents, all of them the
    last ones: the planner reads those documents from the pieces' index, not the documents
    in order until enough hold it (as SQL, inlined, the pieces cost the planner a few
    operators a document: it read 27,900 documents' numbers first, 169 ms)."""
    import sqlalchemy as sa

    from cddh.models import Task
    from cddh.services import task_filters

    with app.test_request_context():
        _postgresql_only()
        db.session.commit()
        conn = db.session.connection()
        pieces = "translate(g::text, '0123456789', 'abcdefghij')"  # letters: never "12"
        number = f"CASE WHEN g > 27900 THEN '12/' || {pieces} ELSE 'x' || {pieces} END"
        conn.execute(sa.text(
            "INSERT INTO document (doc_type, number, issuer, summary, issued_on, issue_year, "
            "signer, tracked, created_at, updated_at, search_text) "
            f"SELECT 'chi_thi', {number}, 'UBND', 'Văn bản', current_date, 2026, 'A', true, "
            f"now(), now(), ' ' || {number} || ' van ban ' FROM generate_series(1, 30000) g"))
        first = conn.execute(sa.text("SELECT min(id) FROM document")).scalar()
        conn = _insert_tasks({"docs": first}, document_id=":docs + g % 30000",
                             state="'assigned'")
        conn.execute(sa.text("ANALYZE document"))
        conn.execute(sa.text("ANALYZE task"))
        first_tasks = sa.select(Task.id).where(task_filters.document_number("12")).limit(1001)
        [(plan, ids)] = _plan_and_rows(conn, first_tasks)
    assert "ix_document_number_grams" in plan, plan
    assert len(ids) == 1001


def test_on_postgresql_a_document_numbers_tasks_are_found_from_an_index_alone(app):
    """The list's document number filter finds the documents, then their tasks' ids from
    the (document, id) index alone: no task is read from the table for its id (the Office's
    tasks of the documents numbered "...123..." at 1M: 6,219 tasks, 12,846 blocks, 19 ms;
    8,076 blocks, 11 ms so). Scans of the table and bitmaps of the tasks are refused, so the
    plan shows whether an index alone says it; the ids are those of the documents' tasks."""
    import sqlalchemy as sa

    from cddh.models import Task
    from cddh.services import task_filters

    with app.test_request_context():
        _postgresql_only()
        documents = [make_document(number=f"{n}/QĐ-UBND").id for n in range(100, 400)]
        conn = _insert_tasks({"docs": documents}, document_id=":docs[1 + g % 300]",
                             state="'assigned'")
        conn.execute(sa.text("ANALYZE document"))
        conn = _vacuumed("task")
        ids = sa.select(Task.id).where(task_filters.document_number("123")).order_by(Task.id)
        [(plan, found)] = _plan_and_rows(conn, ids)
    # Task g is of documents[g % 300]; "123/QĐ-UBND" is documents[23].
    expected = [g for g in range(1, 40_001) if g % 300 == 23]
    assert len(found) == len(expected) == 134
    assert "Index Only Scan using ix_task_document_id_id" in plan, plan
