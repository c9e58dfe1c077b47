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
