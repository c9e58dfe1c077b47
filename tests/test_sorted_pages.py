"""Every list's sort pages through its rows once each (issue 13 §2): the id breaks ties of
any sortable column, also in views that name no sortable columns (Flask-Admin then sorts by
the model's table columns), so numbered (OFFSET) pages neither repeat nor skip rows, and
the keyset pages ("Next page") give the same rows in the same order."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from cddh.models import DocType, Document, Notification, Role, UnitCategory, User, db
from cddh.views import base

from .conftest import make_document, make_unit, make_user

NEXT = re.compile(r'id="keyset-next" href="([^"]+)"')
PAGE = 4
ROW_IDS = {
    "documents": re.compile(r"/documents/details/\?id=(\d+)"),
    "notifications": re.compile(r'name="rowid" class="action-checkbox" value="(\d+)"'),
}


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", PAGE)
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 2)
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        specialist = make_user(Role.office_specialist, office)
        types = [DocType.cong_van, DocType.ke_hoach, DocType.quyet_dinh]
        for i in range(23):
            # Ties everywhere: three types, the same number from two issuers, entry deadlines
            # on four days and none.
            make_document(doc_type=types[i % 3], number=f"{i // 2}/UBND", issuer=f"UBND {i % 2}",
                          issued_on=dt.date(2026, 3, 1) + dt.timedelta(days=i % 4),
                          entry_due_on=(None if i % 5 == 0
                                        else dt.date(2026, 3, 2) + dt.timedelta(days=i % 3)))
            db.session.add(Notification(
                user_id=specialist.id, kind="urged", message=f"Thông báo {i % 3}",
                read_at=(None if i % 4 else dt.datetime(2026, 3, 1 + i % 2, tzinfo=dt.UTC))))
        db.session.commit()
        return specialist.id


def _rows(screen: str, body: str) -> list[int]:
    return list(dict.fromkeys(int(i) for i in ROW_IDS[screen].findall(body)))


def _expected(model, column: str, descending: bool) -> list[int]:
    """The ids in the lists' order: the column, NULLs last going up and first going down,
    the id breaking ties in the same direction."""
    rows = [(getattr(row, column), row.id) for row in db.session.scalars(sa.select(model))]
    present = sorted((r for r in rows if r[0] is not None), reverse=descending)
    missing = sorted((r for r in rows if r[0] is None), key=lambda r: r[1], reverse=descending)
    ordered = missing + present if descending else present + missing
    return [row_id for _value, row_id in ordered]


@pytest.mark.parametrize("screen,sort,column", [
    ("documents", "sort=0", "number"), ("documents", "sort=0&desc=1", "number"),
    ("documents", "sort=1", "doc_type"), ("documents", "sort=1&desc=1", "doc_type"),
    ("documents", "sort=3", "issued_on"), ("documents", "sort=4", "entry_due_on"),
    ("documents", "sort=4&desc=1", "entry_due_on"),
    # The notifications view names no sortable columns; its pager is the simple one.
    ("notifications", "sort=1", "message"), ("notifications", "sort=1&desc=1", "message"),
    ("notifications", "sort=3", "read_at"), ("notifications", "sort=3&desc=1", "read_at"),
])
def test_every_sort_pages_through_each_row_once(app, world, browser, screen, sort, column):
    with app.app_context():
        client = browser(db.session.get(User, world))
        model = {"documents": Document, "notifications": Notification}[screen]
        expected = _expected(model, column, "desc=1" in sort)
    offset_rows, page = [], 0
    while page < 20:
        rows = _rows(screen, client.get(f"/{screen}/?{sort}&page={page}").get_data(as_text=True))
        if not rows:
            break
        offset_rows.extend(rows)
        page += 1
    assert offset_rows == expected and len(expected) == 23
    if screen == "notifications":
        return
    keyset_rows, url, pages = [], f"/{screen}/?{sort}", 0
    while url and pages < 20:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        keyset_rows.extend(_rows(screen, body))
        found = NEXT.search(body)
        url = html.unescape(found.group(1)) if found else None
        assert url is None or "after=" in url
        pages += 1
    assert keyset_rows == offset_rows
    assert pages >= 5


def test_the_document_list_sorts_only_by_its_indexed_columns(app, world, browser):
    with app.app_context():
        client = browser(db.session.get(User, world))
    body = client.get("/documents/").get_data(as_text=True)
    header = body.split("<thead>", 1)[1].split("</thead>", 1)[0]
    sortable = set(re.findall(r"[?&amp;;]sort=(\d+)", header))
    assert sortable == {"0", "1", "3", "4"}  # number, type, issue date, entry deadline


def test_a_typed_sort_by_a_column_that_does_not_sort_is_the_lists_own_order(app, world,
                                                                           browser):
    """``sort=2`` (the summary, which no index orders and the header does not offer):
    Flask-Admin ordered by nothing, so pages came in the database's whim, repeating or
    skipping rows; it is the list's default order (ScopedModelView.get_list)."""
    with app.app_context():
        client = browser(db.session.get(User, world))
        expected = _expected(Document, "issued_on", True)

    def pages(query):
        return [row for page in range(7) for row in _rows(
            "documents", client.get(f"/documents/?{query}page={page}").get_data(as_text=True))]

    assert pages("sort=2&") == pages("") == expected


def test_every_lists_sortable_columns_sort_without_an_error(app, browser):
    """Each scoped list, sorted by each column its header offers, going up and down, is a
    page (as the admin, who opens the most lists): a column no database can order (JSON)
    offers no sort. The job runs' counts did, an error page on PostgreSQL."""
    from cddh.jobs import run_job
    from cddh.views.base import ScopedModelView

    with app.test_request_context():
        admin = make_user(Role.admin, make_unit("VP", UnitCategory.office))
        db.session.commit()
        run_job("follow_calendar")  # a job run, with its counts
        admin_id = admin.id
    views = [v for v in app.extensions["admin"][0]._views if isinstance(v, ScopedModelView)]
    with app.app_context():
        client = browser(db.session.get(User, admin_id))
    checked = 0
    for view in views:
        url = view.url + "/"
        first = client.get(url)
        if first.status_code != 200:
            continue  # not the admin's screen
        sortable = view._sortable_columns
        assert not any(isinstance(getattr(getattr(c, "expression", c), "type", None), sa.JSON)
                       for c in sortable.values()), view.endpoint
        for index, (name, _label) in enumerate(view._list_columns):
            if name not in sortable:
                continue
            for desc in ("", "&desc=1"):
                page = client.get(f"{url}?sort={index}{desc}")
                assert page.status_code == 200, (url, name, desc)
                checked += 1
    assert checked > 20


def test_a_units_documents_by_issue_date_page_along_its_entries(app, monkeypatch, browser):
    """A unit user's document list by issue date (its default order, newest first, or the
    column going up) is read along the unit's document entries, which carry each document's
    issue date (DocumentView.scoped, models.task.unit_document): the same documents as its
    scope, in the order of the documents' own columns (the date, the id breaking ties),
    through numbered and keyset pages alike; a corrected issue date moves the document. A
    typed sort by a column that does not sort is the list's own order, not none."""
    from cddh.models import TaskState

    from .conftest import make_task

    monkeypatch.setitem(app.config, "PAGE_SIZE", PAGE)
    monkeypatch.setattr(base, "KEYSET_FROM_PAGE", 2)
    with app.test_request_context():
        unit, other = make_unit("SNV"), make_unit("STC")
        staff = make_user(Role.unit_staff, unit)
        docs = [make_document(issued_on=dt.date(2026, 3, 1) + dt.timedelta(days=i % 4))
                for i in range(19)]
        for i, doc in enumerate(docs):
            if i % 5 == 0:
                make_task(other, document=doc)  # another unit's document
            elif i % 5 == 1:
                make_task(other, document=doc, cooperating=[unit])  # the unit cooperates
            elif i % 5 == 2:
                make_task(unit, document=doc, state=TaskState.draft)  # not forwarded yet
            else:
                make_task(unit, document=doc)
                make_task(unit, document=doc, state=TaskState.in_progress)  # one entry
        db.session.commit()
        staff_id = staff.id
        mine = [d.id for i, d in enumerate(docs) if i % 5 in (1, 3, 4)]

        def expected(descending):
            rows = db.session.execute(sa.select(Document.issued_on, Document.id)
                                      .where(Document.id.in_(mine))).all()
            return [i for _day, i in sorted(rows, reverse=descending)]

        client = browser(db.session.get(User, staff_id))
        newest_first, oldest_first = expected(True), expected(False)

    def numbered(query):
        rows, page = [], 0
        while page < 20:
            found = _rows("documents", client.get(f"/documents/?{query}page={page}")
                          .get_data(as_text=True))
            if not found:
                return rows
            rows.extend(found)
            page += 1
        return rows

    def keyset(query):
        rows, url = [], f"/documents/?{query}"
        for _ in range(20):
            body = client.get(url).get_data(as_text=True)
            rows.extend(_rows("documents", body))
            found = NEXT.search(body)
            if not found:
                return rows
            url = html.unescape(found.group(1))
        return rows

    assert len(newest_first) == 11
    for query, rows in (("", newest_first), ("sort=3&desc=1&", newest_first),
                        ("sort=3&", oldest_first), ("sort=2&", newest_first)):
        assert numbered(query) == rows, query
        assert keyset(query) == rows, query
    with app.test_request_context():
        moved = db.session.get(Document, mine[0])
        moved.issued_on = dt.date(2026, 2, 1)  # corrected: the oldest now
        db.session.commit()
        assert expected(True)[-1] == moved.id
        newest_first = expected(True)
    assert numbered("") == newest_first
