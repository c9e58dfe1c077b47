"""``cells.stream_rows`` (whole rows of the task export, issue 13 §5) writes the same sheet as
``write_cell`` cell by cell, and neither lets a text become a formula or raw XML (xlsxwriter
copies a text shaped ``<r>…</r>`` into the sheet unescaped)."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile

import openpyxl
import pytest
import xlsxwriter

from cddh.services.cells import DATE, LABEL, NUMBER, TEXT, stream_rows, write_cell

KINDS = (NUMBER, TEXT, LABEL, DATE, TEXT)

AWKWARD = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", " lead", "trail ",
           "\ttab", "line\n", "a & b < c > d \"q\"", "_x0041_ stays", "ctl\x01\x1f", "\ufffe\uffff",
           "", "Nhiệm vụ chuyển đổi số", "x" * 40_000, "😀" * 20_000, "\u00a0nbsp"]

XML_ROW = ('<r><t>a</t></r></is></c><c r="Z9"><f>HYPERLINK("http://evil.example","b")</f>'
           '<v>b</v></c><c r="Z10" t="inlineStr"><is><r><t>c</t></r>')


def _rows() -> list[tuple]:
    rows = []
    for n, text in enumerate(AWKWARD):
        rows.append((n, text, "Sở Nội vụ" if n % 2 else text,
                     dt.date(2026, 1, 1) + dt.timedelta(days=n * 40), text))
    rows.append((None, None, None, None, None))
    rows.append((1.5, "x", "y", dt.date(1900, 1, 1), "z"))
    rows.append((10 ** 17, "x", "y", dt.date(1900, 3, 1), "z"))
    return rows


def _book(fill) -> bytes:
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as out:  # constant_memory needs a file
        book = xlsxwriter.Workbook(out.name, {"constant_memory": True})
        sheet = book.add_worksheet("T")
        bold = book.add_format({"bold": True})
        date = book.add_format({"num_format": "dd/mm/yyyy"})
        for col, title in enumerate("ABCDE"):
            write_cell(sheet, 0, col, title, bold)
        fill(sheet, date)
        write_cell(sheet, len(_rows()) + 1, 0, "the last line")
        book.close()
        return out.read()


def _sheet_xml(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_stream_rows_writes_the_same_sheet_as_write_cell():
    def cell_by_cell(sheet, date):
        for row, values in enumerate(_rows(), 1):
            for col, value in enumerate(values):
                write_cell(sheet, row, col, value, date if col == 3 else None)

    def whole_rows(sheet, date):
        assert stream_rows(sheet, 1, iter(_rows()), KINDS, (None, None, None, date)) \
            == len(_rows()) + 1

    expected, streamed = _book(cell_by_cell), _book(whole_rows)
    assert _sheet_xml(streamed) == _sheet_xml(expected)
    sheet = openpyxl.load_workbook(io.BytesIO(streamed)).active
    assert sheet["B2"].value == AWKWARD[0] and sheet["B2"].data_type == "s"
    assert sheet["D2"].value == dt.datetime(2026, 1, 1) and sheet["D2"].number_format == "dd/mm/yyyy"
    assert sheet.cell(row=len(_rows()) + 2, column=1).value == "the last line"


def test_a_text_shaped_like_xml_stays_text_in_both_writers():
    def cell_by_cell(sheet, date):
        write_cell(sheet, 1, 1, XML_ROW)

    def whole_rows(sheet, date):
        stream_rows(sheet, 1, [(1, XML_ROW, XML_ROW, None, XML_ROW)], KINDS)

    for fill in (cell_by_cell, whole_rows):
        sheet = openpyxl.load_workbook(io.BytesIO(_book(fill))).active
        cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        texts = [c for c in cells if c.value == XML_ROW]
        assert texts and all(c.data_type == "s" for c in texts)
        assert sheet["Z9"].value is None


def test_stream_rows_refuses_what_it_cannot_write():
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    with pytest.raises(ValueError, match="constant_memory"):
        stream_rows(book.add_worksheet(), 1, [], KINDS)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as out:
        book = xlsxwriter.Workbook(out.name, {"constant_memory": True})
        sheet = book.add_worksheet()
        with pytest.raises(TypeError, match="datetime.date"):
            stream_rows(sheet, 1, [(1, "a", "b", dt.datetime(2026, 1, 1, 8), "c")], KINDS)
        with pytest.raises(ValueError):  # a row of the wrong width
            stream_rows(sheet, 5, [(1, "a")], KINDS)
        book.close()
