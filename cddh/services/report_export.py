"""A period report as the screen shows it and as the official Excel workbook (xlsxwriter).

``table_header()`` and ``table_rows(data)`` are the one definition of the statistics table:
the report page renders them and the workbook writes them, so the two agree cell by cell.
The workbook follows the layout of an administrative report: the agency top left, the
national motto top right, the title and the data window, the table with merged headers,
its total and rates, a signature block; A4 landscape with the header rows repeated on every
page; a second sheet lists the overdue tasks. It is written in constant-memory mode (rows
are streamed in order), so a long list costs little memory.
"""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter
from flask_babel import gettext as _

from .cells import merge_cells, write_cell
from .clock import local_date_of
from .reports import ASSIGNED, FIGURES, RATES, period_title
from .settings import get_setting

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
NO_RATE = "-"


def _d(value: str | dt.date) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%d/%m/%Y")


def table_header() -> list[tuple[str, list[str]]]:
    """The header: (label, sub-labels); a label without sub-labels spans both header rows."""
    return [
        (_("Row no."), []),
        (_("Unit"), []),
        (_("Total tasks"), []),
        (_("Of which assigned in this period"), []),
        (_("Completed"), [_("On schedule"), _("Late")]),
        (_("In progress"), [_("Within deadline"), _("Overdue")]),
        (_("Without deadline"), []),
        (_("Returned"), []),
        (_("Cancelled"), []),
        (_("Rate (%)"), [_("Completion"), _("On schedule")]),
    ]


def _cells(row: dict) -> list:
    return [(NO_RATE if row[name] is None else row[name]) if name in RATES else row[name]
            for name in FIGURES]


def table_rows(data: dict) -> list[list]:
    """The table's body: one row per unit (number, unit, figures), then the total row."""
    body = [[i, row["unit"], *_cells(row)] for i, row in enumerate(data["rows"], start=1)]
    body.append(["", _("Total"), *_cells(data["total"])])
    return body


def overdue_header() -> list[str]:
    return [_("Row no."), _("Lead unit"), _("Document"), _("Task"), _("Deadline"), _("Days overdue")]


def overdue_rows(data: dict) -> list[list]:
    return [[i, t["unit"], t["document"], t["content"], _d(t["deadline"]), t["days_overdue"]]
            for i, t in enumerate(data["overdue"], start=1)]


def window_line(data: dict) -> str:
    """"(Số liệu tính từ ngày 15/03/2026 đến ngày 14/06/2026)"."""
    line = _("(Figures from %(start)s to %(end)s)", start=_d(data["start"]), end=_d(data["end"]))
    if data.get("to_date"):  # a period not yet ended, counted as of that day
        line = _("%(month)s (to date)", month=line)
    return line


def report_title() -> str:
    return _("REPORT ON THE TASKS ASSIGNED BY THE PROVINCIAL PEOPLE'S COMMITTEE AND ITS CHAIRMAN")


# --- the workbook ----------------------------------------------------------------------------
TABLE_TOP = 8  # the first header row of the table (0-based)


class _Formats:
    def __init__(self, book):
        base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter"}

        def fmt(**kw):
            return book.add_format({**base, **kw})

        self.agency = fmt(align="center")
        self.agency_bold = fmt(align="center", bold=True)
        self.motto = fmt(align="center", bold=True)
        self.place = fmt(align="center", italic=True)
        self.title = fmt(align="center", bold=True, font_size=14, text_wrap=True)
        self.sub = fmt(align="center", italic=True)
        self.head = fmt(align="center", bold=True, border=1, text_wrap=True, bg_color="#DDEBF7")
        self.cell = fmt(border=1, text_wrap=True)
        self.number = fmt(border=1, align="center")
        self.rate = fmt(border=1, align="center", num_format="0.0")
        self.total = fmt(border=1, bold=True, text_wrap=True)
        self.total_number = fmt(border=1, bold=True, align="center")
        self.total_rate = fmt(border=1, bold=True, align="center", num_format="0.0")
        self.sign = fmt(align="center", bold=True)
        self.sign_note = fmt(align="center", italic=True)
        self.recipients_head = fmt(bold=True, italic=True, font_size=11)
        self.recipients = fmt(font_size=10)


def _page_setup(sheet, header_rows: tuple[int, int]) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.repeat_rows(*header_rows)
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()


def _write_heading(sheet, f: _Formats, last_col: int, title: str, data: dict,
                   issued_on: dt.date | None) -> None:
    """Rows 0–6: agency | motto, place and date, title, period, data window."""
    left = 2  # No., unit and the first figure: the agency's block
    right = max(left + 1, last_col - 7)  # the motto's block, over the last eight columns
    merge_cells(sheet, 0, 0, 0, left, get_setting("report_agency_parent"), f.agency)
    merge_cells(sheet, 0, right, 0, last_col, NATIONAL_NAME, f.motto)
    merge_cells(sheet, 1, 0, 1, left, get_setting("report_agency"), f.agency_bold)
    merge_cells(sheet, 1, right, 1, last_col, NATIONAL_MOTTO, f.motto)
    if issued_on is not None:
        place = _("%(place)s, day %(d)02d month %(m)02d year %(y)d",
                  place=get_setting("report_place"), d=issued_on.day, m=issued_on.month,
                  y=issued_on.year)
        merge_cells(sheet, 2, right, 2, last_col, place, f.place)
    sheet.set_row(4, 36)
    merge_cells(sheet, 4, 0, 4, last_col, report_title(), f.title)
    merge_cells(sheet, 5, 0, 5, last_col, title, f.title)
    merge_cells(sheet, 6, 0, 6, last_col, window_line(data), f.sub)


def _write_table_header(sheet, f: _Formats, top: int) -> None:
    """The two header rows, written row by row as constant-memory mode requires.

    A label spanning both rows is merged while the first row is still being written; the
    merge is made without a format so that xlsxwriter does not yet write its (blank) second
    cell, which would end the first row. The label is then written with its format, and the
    second cell gets its format (the borders) with the second row.
    """
    col = 0
    spans = []
    for label, subs in table_header():
        if subs:
            merge_cells(sheet, top, col, top, col + len(subs) - 1, label, f.head)
        else:
            merge_cells(sheet, top, col, top + 1, col, label)
            write_cell(sheet, top, col, label, f.head)
        spans.append((col, subs))
        col += len(subs) or 1
    for col, subs in spans:
        if subs:
            for offset, sub in enumerate(subs):
                write_cell(sheet, top + 1, col + offset, sub, f.head)
        else:
            sheet.write_blank(top + 1, col, None, f.head)


def _write_summary(book, f: _Formats, report, data: dict, issued_on: dt.date | None) -> None:
    sheet = book.add_worksheet(_("Summary table")[:31])
    last_col = 1 + len(FIGURES)
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, last_col, 10)
    _write_heading(sheet, f, last_col,
                   period_title(report.kind, report.year, report.number), data, issued_on)
    sheet.set_row(TABLE_TOP, 30)
    sheet.set_row(TABLE_TOP + 1, 30)
    _write_table_header(sheet, f, TABLE_TOP)
    rows = table_rows(data)
    row_no = TABLE_TOP + 2
    for i, cells in enumerate(rows):
        is_total = i == len(rows) - 1
        for col, value in enumerate(cells):
            if col == 1 or (col == 0 and value == ""):
                style = f.total if is_total else f.cell
            elif col >= 2 + FIGURES.index(RATES[0]) and value != NO_RATE:
                style = f.total_rate if is_total else f.rate
            else:
                style = f.total_number if is_total else f.number
            write_cell(sheet, row_no, col, value, style)
        row_no += 1
    _write_signature(sheet, f, row_no + 1, last_col)
    _page_setup(sheet, (TABLE_TOP, TABLE_TOP + 1))


def _write_signature(sheet, f: _Formats, top: int, last_col: int) -> None:
    """Recipients on the left, the signer's title on the right, row by row."""
    left = (_("Recipients:"), _("- As above;"), _("- Filed: records."))
    right = ((get_setting("report_signer_title"), f.sign),
             (_("(Signature, full name and seal)"), f.sign_note), ("", None))
    for offset, (text, (sign, style)) in enumerate(zip(left, right, strict=True)):
        merge_cells(sheet, top + offset, 0, top + offset, 1, text,
                          f.recipients_head if offset == 0 else f.recipients)
        if sign:
            merge_cells(sheet, top + offset, last_col - 4, top + offset, last_col, sign, style)


def _write_overdue(book, f: _Formats, data: dict) -> None:
    sheet = book.add_worksheet(_("Overdue tasks")[:31])
    for col, width in enumerate((5, 30, 18, 60, 12, 10)):
        sheet.set_column(col, col, width)
    merge_cells(sheet, 0, 0, 0, 5, _("Tasks overdue at the end of the period"), f.title)
    merge_cells(sheet, 1, 0, 1, 5, window_line(data), f.sub)
    for col, label in enumerate(overdue_header()):
        write_cell(sheet, 3, col, label, f.head)
    for row_no, cells in enumerate(overdue_rows(data), start=4):
        for col, value in enumerate(cells):
            write_cell(sheet, row_no, col, value, f.cell if col in (1, 2, 3) else f.number)
    _page_setup(sheet, (3, 3))


def workbook(report, data: dict) -> bytes:
    """The report's workbook (.xlsx) from its figures (``reports.figures``)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    f = _Formats(book)
    issued_on = local_date_of(report.issued_at) if report.issued_at else None
    _write_summary(book, f, report, data, issued_on)
    _write_overdue(book, f, data)
    book.close()
    return out.getvalue()


__all__ = ["ASSIGNED", "overdue_header", "overdue_rows", "table_header", "table_rows",
           "window_line", "workbook"]
