"""The task list exported as .xlsx and CSV: streamed, scoped like the list, every column it
shows, dates as dates, formula-safe text, and a last line when the row cap cut it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import sqlalchemy as sa

from cddh.models import Document, Role, TaskState, Unit, UnitCategory, db

from .conftest import make_document, make_task, make_unit, make_user


def _setup(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        snv, stc = make_unit("SNV", name="Sở Nội vụ"), make_unit("STC", name="Sở Tài chính")
        specialist = make_user(Role.office_specialist, office)
        staff = make_user(Role.unit_staff, snv)
        doc = make_document(number="9901/UBND-TH", summary="Kế hoạch chuyển đổi số")
        make_task(snv, document=doc, content="=HYPERLINK(\"http://x\")", deadline=dt.date(2026, 6, 30))
        make_task(snv, document=doc, content="Chuyển đổi số cấp xã", state=TaskState.in_progress,
                  deadline=dt.date(2026, 1, 15))
        make_task(stc, document=doc, content="Bí mật của Sở Tài chính")
        db.session.commit()
        specialist.id, staff.id, staff.unit.id  # noqa: B018  (loads the row before the context ends)
        return specialist, staff


def test_xlsx_export_of_the_scoped_list_reads_back_with_dates_as_dates(app, browser):
    specialist, staff = _setup(app)
    refused = browser(staff).get("/tasks/export/xlsx/")  # exports are the Office's
    assert refused.status_code == 302 and b"PK" not in refused.get_data()
    # The list's own query: its search (here: the tasks of Sở Nội vụ's wording) applies.
    response = browser(specialist).get("/tasks/export/xlsx/")
    assert response.status_code == 200
    assert re.fullmatch(r'attachment; filename="nhiem-vu-\d{8}-\d{4}\.xlsx"',
                        response.headers["Content-Disposition"])
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("STT", "Nhiệm vụ", "Văn bản", "Đơn vị chủ trì", "Thời hạn", "Trạng thái",
                       "Tiến độ") or len(rows[0]) == 7
    body = rows[1:]
    assert len(body) == 3
    response = browser(specialist).get("/tasks/export/xlsx/?search=9901")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    body = list(sheet.iter_rows(values_only=True))[1:]
    assert len(body) == 3
    body = [r for r in body if r[3] == "Sở Nội vụ"]
    formula = next(r for r in body if str(r[1]).startswith("=HYPERLINK"))
    assert sheet.cell(row=body.index(formula) + 2, column=2).data_type == "s"  # text, not a formula
    assert isinstance(formula[4], dt.datetime) and formula[4].date() == dt.date(2026, 6, 30)
    assert {r[2] for r in body} == {"9901/UBND-TH"} and {r[3] for r in body} == {"Sở Nội vụ"}


def test_csv_export_has_a_bom_safe_text_and_says_when_the_cap_cut_it(app, browser, monkeypatch):
    specialist, staff = _setup(app)
    monkeypatch.setitem(app.config, "EXPORT_MAX_ROWS", 2)
    response = browser(specialist).get("/tasks/export/csv/?search=chuyen+doi+so")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 4  # titles, two tasks (the cap), the note
    assert "2" in rows[3][0] and "3" in rows[3][0] and "CDDH_EXPORT_MAX_ROWS" in rows[3][0]
    monkeypatch.setitem(app.config, "EXPORT_MAX_ROWS", 100)
    whole = browser(specialist).get("/tasks/export/csv/").get_data(as_text=True)
    assert any(r[1] == "'=HYPERLINK(\"http://x\")" for r in csv.reader(io.StringIO(whole)))
    rows = list(csv.reader(io.StringIO(
        browser(specialist).get("/tasks/export/csv/?search=xa").get_data(as_text=True))))
    assert [r[1] for r in rows[1:]] == ["Chuyển đổi số cấp xã"]  # the list's search applies


def test_xlsx_export_cut_by_the_cap_ends_with_the_note_and_keeps_text_as_text(app, browser,
                                                                             monkeypatch):
    specialist, _staff = _setup(app)
    # xlsxwriter's write_string copies a text shaped <r>…</r> into the sheet unescaped.
    xml_text = ('<r><t>a</t></r></is></c><c r="Z2"><f>1+1</f><v>2</v></c>'
                '<c r="Z3" t="inlineStr"><is><r><t>b</t></r>')
    with app.test_request_context():
        snv = db.session.scalar(sa.select(Unit).where(Unit.code == "SNV"))
        doc = db.session.scalar(sa.select(Document).where(Document.number == "9901/UBND-TH"))
        make_task(snv, document=doc, content=xml_text, deadline=None)
        db.session.commit()
    monkeypatch.setitem(app.config, "EXPORT_MAX_ROWS", 3)
    response = browser(specialist).get("/tasks/export/xlsx/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5  # titles, three tasks (the cap), the note
    note = rows[4][0]
    assert "3" in note and "4" in note and "CDDH_EXPORT_MAX_ROWS" in note
    assert rows[4][1:] == (None,) * 6
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    for row_no, row in enumerate(rows[1:4], 2):
        assert isinstance(row[0], int) and sheet.cell(row=row_no, column=2).data_type == "s"
        assert row[2] == "9901/UBND-TH" and row[3] in ("Sở Nội vụ", "Sở Tài chính")
        deadline = sheet.cell(row=row_no, column=5)
        assert deadline.value is None or (isinstance(deadline.value, dt.datetime)
                                           and deadline.number_format == "dd/mm/yyyy")
    monkeypatch.setitem(app.config, "EXPORT_MAX_ROWS", 100)
    sheet = openpyxl.load_workbook(io.BytesIO(
        browser(specialist).get("/tasks/export/xlsx/").get_data())).active
    body = list(sheet.iter_rows(values_only=True))[1:]
    assert len(body) == 4 and sheet["Z2"].value is None  # no note, and the text stayed text
    contents = {r[1]: r for r in body}
    assert contents[xml_text][4] is None and contents[xml_text][3] == "Sở Nội vụ"
    assert contents["=HYPERLINK(\"http://x\")"][4] == dt.datetime(2026, 6, 30)
    assert contents["Chuyển đổi số cấp xã"][4] == dt.datetime(2026, 1, 15)


def test_the_exports_timeliness_is_the_lists_on_the_effective_deadline(app, browser, monkeypatch):
    """The "Tiến độ" column is the class the list shows: judged on the effective deadline
    (a deadline on a day off runs to the next working day, Bộ luật Dân sự 2015 Điều 148).
    On Sunday 29/11/2026, a task due on Saturday 28/11 is still on time (it runs to Monday),
    and one due then and completed on Monday was done on time; on the written deadline both
    would be late."""
    from cddh import labels
    from cddh.models import Task
    from cddh.services import clock
    from cddh.services.timeliness import task_class

    sunday = dt.date(2026, 11, 29)
    moment = dt.datetime.combine(sunday, dt.time(10, 0), tzinfo=clock.local_tz())
    monkeypatch.setattr(clock, "local_now", lambda: moment)
    specialist, _staff = _setup(app)
    saturday = sunday - dt.timedelta(days=1)
    with app.test_request_context():
        snv = db.session.scalar(sa.select(Unit).where(Unit.code == "SNV"))
        make_task(snv, content="Hạn thứ Bảy, đang làm", state=TaskState.in_progress,
                  deadline=saturday)
        make_task(snv, content="Hạn thứ Bảy, xong thứ Hai", state=TaskState.completed,
                  deadline=saturday, completed_on=sunday + dt.timedelta(days=1))
        db.session.commit()
        classes = {t.content: task_class(t, sunday) for t in db.session.scalars(sa.select(Task))}
        shown = {c: labels.label(labels.TIMELINESS, v) for c, v in classes.items()}
    assert classes["Hạn thứ Bảy, đang làm"] == "open_on_time"
    assert classes["Hạn thứ Bảy, xong thứ Hai"] == "done_on_time"
    sheet = openpyxl.load_workbook(io.BytesIO(
        browser(specialist).get("/tasks/export/xlsx/").get_data())).active
    exported = {r[1]: r[6] or "" for r in list(sheet.iter_rows(values_only=True))[1:]}
    assert exported == {content: label or "" for content, label in shown.items()}
    rows = list(csv.reader(io.StringIO(
        browser(specialist).get("/tasks/export/csv/").get_data(as_text=True).lstrip("\ufeff"))))
    assert {r[1].lstrip("'"): r[6] for r in rows[1:]} == exported


def test_read_ahead_hands_the_blocks_in_order_raises_the_fetchs_error_and_stops_when_closed():
    """The export's blocks of rows are fetched by a second thread (PostgreSQL): every block
    reaches the writer in order; an error of the fetch is raised to the writer; closing the
    reader (the cut note, a client gone) stops the fetch before it returns, so that nothing
    reads the connection after."""
    import threading
    import time

    import pytest

    from cddh.views.exports import read_ahead

    assert list(read_ahead(iter([[1, 2], [3], [], [4]]))) == [[1, 2], [3], [], [4]]

    def failing():
        yield [1]
        raise RuntimeError("the connection was lost")

    got = []
    with pytest.raises(RuntimeError, match="the connection was lost"):
        for block in read_ahead(failing()):
            got.append(block)
    assert got == [[1]]

    fetched, closed = [], threading.Event()

    def endless():
        try:
            while True:
                fetched.append(len(fetched))
                yield [fetched[-1]]
        finally:
            closed.set()

    reader = read_ahead(endless(), depth=2)
    assert next(reader) == [0]
    reader.close()
    assert closed.is_set()  # the source was closed, in the fetch thread, before close() returned
    count = len(fetched)
    time.sleep(0.2)
    assert len(fetched) == count <= 4  # nothing fetched after; at most the depth ahead
    assert not [t for t in threading.enumerate() if t.name == "export-read-ahead"]


def test_an_export_that_fails_half_way_leaves_no_read_ahead_behind(app, browser, monkeypatch):
    """An error while the file is written (here: after its first row) ends the export's
    read-ahead before the error leaves the export, so that no thread reads the request's
    connection once it is handed back (PostgreSQL; on SQLite the rows are read in the
    request's thread)."""
    import threading

    import pytest

    from cddh.views import exports

    specialist, _staff = _setup(app)
    monkeypatch.setattr(exports, "CHUNK", 1)  # a block a row: the fetch is ahead of the writer

    def first_row_then_fail(sheet, first_row, rows, *args):
        next(rows)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(exports, "stream_rows", first_row_then_fail)
    with pytest.raises(RuntimeError, match="the disk is full") as failed:
        browser(specialist).get("/tasks/export/xlsx/").get_data()
    assert failed.value is not None  # the error (and its frames) still held here
    assert not [t for t in threading.enumerate() if t.name == "export-read-ahead"]


def test_an_export_of_dropped_arguments_leaves_no_word_for_the_next_page(app, browser):
    """The list drops a value that is none (a filter's, a link's, a search of signs alone)
    and says so on its page. Its export link carries the same arguments: the export streams
    the list without them and says nothing, since no page of it is shown; the word would
    otherwise wait in the session and greet the next page, which did not ask for it."""
    specialist, _staff = _setup(app)
    me = browser(specialist)
    odd = "?flt0_8=bad&timeliness=bad&search=%25"
    listed = me.get(f"/tasks/{odd}").get_data(as_text=True)
    assert listed.count("Giá trị lọc không hợp lệ nên đã được bỏ qua: bad") == 2
    assert "Hãy gõ chữ hoặc chữ số để tìm" in listed
    for kind in ("csv", "xlsx"):
        response = me.get(f"/tasks/export/{kind}/{odd}")
        assert response.status_code == 200 and len(response.get_data()) > 100
        after = me.get("/tasks/").get_data(as_text=True)
        assert "bỏ qua" not in after and "alert-warning" not in after, kind
