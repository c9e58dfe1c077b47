"""A period report as the screen shows it and as the official Excel workbook (xlsxwriter).

``table_header()`` and ``table_rows(data)`` are the one definition of the statistics table:
the report page renders them and the workbook writes them, so the two agree cell by cell.
The workbook follows the layout of an administrative report: the agency top left, the
national motto top right, the title and the data window, the table with merged headers,
its total and rates, a signature block; A4 landscape with the header rows repeated on every
page; below the table come the narrative sections (assessment, causes, difficulties and
proposals, recommendations) and the approval line (who approved, when). Further sheets list
the overdue tasks, the difficulties and proposals (counts and the open list) and the unit
ranking with the numbers behind each score. It is written in constant-memory mode (rows are
streamed in order), so a long list costs little memory.
"""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter
from flask_babel import gettext as _

from .. import labels
from .cells import merge_cells, write_cell
from .clock import local_date_of, local_tz
from .reports import ASSIGNED, FIGURES, NARRATIVE, RATES, difficulty_totals
from .reports import report_title as title_of
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


def narrative_titles() -> dict[str, str]:
    return {"assessment": _("I. Assessment"), "causes": _("II. Causes"),
            "difficulties": _("III. Difficulties and proposals"),
            "recommendations": _("IV. Recommendations")}


def approval_line(report) -> str:
    """"Approved by Nguyễn Văn A (Chánh Văn phòng) on 16/06/2026 09:30", or "" when the
    report has not been approved."""
    if report.approved_at is None or report.approved_by is None:
        return ""
    user = report.approved_by
    who = user.full_name or user.username
    if user.position is not None:
        who = f"{who} ({labels.label(labels.LEADER_POSITION, user.position.value)})"
    at = report.approved_at.replace(tzinfo=report.approved_at.tzinfo or dt.UTC)
    return _("Approved by %(who)s on %(when)s", who=who,
             when=at.astimezone(local_tz()).strftime("%d/%m/%Y %H:%M"))


def ranking_header() -> list[str]:
    return [_("Rank"), _("Unit"), _("Done on time"), _("Tasks with a deadline"),
            _("On-time completion rate (%)"), _("Overdue tasks"), _("Missed or late updates"),
            _("Refused returns"), _("Inspection shortcomings"), _("Score"), _("Note")]


def ranking_rows(frozen: dict) -> list[list]:
    """The ranking's rows with the numbers behind each score (a unit without an active
    account is flagged and has no rank)."""
    out = []
    for r in frozen["rows"]:
        note = _("No active account: not ranked") if r.get("no_account") else ""
        out.append([r["rank"] if r.get("rank") is not None else "-", r["unit"],
                    r["done_on_time"], r["due"],
                    NO_RATE if r["on_time_rate"] is None else r["on_time_rate"],
                    r["overdue"], r["late_updates"], r["returns"], r["findings"], r["score"],
                    note])
    return out


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
        self.section = fmt(bold=True)
        self.text = fmt(text_wrap=True, valign="top")


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
    _write_heading(sheet, f, last_col, title_of(report), data, issued_on)
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
    row_no += 1
    for name in NARRATIVE:
        merge_cells(sheet, row_no, 0, row_no, last_col, narrative_titles()[name], f.section)
        text = getattr(report, name, "") or ""
        sheet.set_row(row_no + 1, min(409, 16 * max(1, text.count("\n") + 1 + len(text) // 150)))
        merge_cells(sheet, row_no + 1, 0, row_no + 1, last_col, text, f.text)
        row_no += 2
    approval = approval_line(report)
    if approval:
        merge_cells(sheet, row_no, 0, row_no, last_col, approval, f.sign_note)
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


def _write_difficulties(book, f: _Formats, data: dict) -> None:
    section = data.get("difficulties") or {"counts": [], "open": []}
    sheet = book.add_worksheet(_("Difficulties")[:31])
    for col, width in enumerate((5, 26, 16, 60, 14, 12)):
        sheet.set_column(col, col, width)
    merge_cells(sheet, 0, 0, 0, 5, _("Difficulties and proposals"), f.title)
    merge_cells(sheet, 1, 0, 1, 5, window_line(data), f.sub)
    totals = difficulty_totals(section)
    head = [_("Kind"), *(str(labels.label(labels.DIFFICULTY_STATE, state))
                         for state in ("open", "proposed", "decided")), _("Total")]
    for col, label in enumerate(head):
        write_cell(sheet, 3, col, label, f.head)
    row_no = 4
    for kind in ("difficulty", "proposal", "disagreement"):
        cell = totals[kind]
        values = [str(labels.label(labels.DIFFICULTY_KIND, kind)), cell["open"],
                  cell["proposed"], cell["decided"], cell["total"]]
        for col, value in enumerate(values):
            write_cell(sheet, row_no, col, value, f.cell if col == 0 else f.number)
        row_no += 1
    row_no += 1
    merge_cells(sheet, row_no, 0, row_no, 5, _("Not yet decided"), f.section)
    row_no += 1
    for col, label in enumerate([_("Row no."), _("Unit"), _("Kind"), _("Content"),
                                 _("Due on"), _("Late")]):
        write_cell(sheet, row_no, col, label, f.head)
    for i, item in enumerate(section["open"], start=1):
        row_no += 1
        values = [i, item["unit"], str(labels.label(labels.DIFFICULTY_KIND, item["kind"])),
                  item["content"], _d(item["due_on"]) if item["due_on"] else "",
                  _("Yes") if item["late"] else ""]
        for col, value in enumerate(values):
            write_cell(sheet, row_no, col, value, f.cell if col in (1, 2, 3) else f.number)
    _page_setup(sheet, (3, 3))


def _write_ranking_sheet(book, f: _Formats, title: str, frozen: dict, note: str) -> None:
    sheet = book.add_worksheet(_("Ranking")[:31])
    header = ranking_header()
    last = len(header) - 1
    for col, width in enumerate((7, 30, 10, 10, 12, 10, 12, 10, 12, 9, 26)):
        sheet.set_column(col, col, width)
    merge_cells(sheet, 0, 0, 0, last, _("Unit ranking (Đ20.2)"), f.title)
    merge_cells(sheet, 1, 0, 1, last, title, f.sub)
    from .ranking import formula_text

    merge_cells(sheet, 2, 0, 2, last, formula_text(frozen["weights"]), f.sub)
    merge_cells(sheet, 3, 0, 3, last, note, f.sub)
    for col, label in enumerate(header):
        write_cell(sheet, 5, col, label, f.head)
    for row_no, cells in enumerate(ranking_rows(frozen), start=6):
        for col, value in enumerate(cells):
            write_cell(sheet, row_no, col, value, f.cell if col in (1, 10) else f.number)
    _page_setup(sheet, (5, 5))


def ranking_note(frozen: dict, report=None) -> str:
    if frozen.get("live") or report is None:
        return _("Live ranking: it is frozen when the period's report is issued.")
    return _("Frozen with the report issued on %(d)s (version %(v)d).",
             d=_d(report.issued_at.date()) if report.issued_at else "", v=report.version)


def workbook(report, data: dict, frozen_ranking: dict | None = None) -> bytes:
    """The report's workbook (.xlsx) from its figures (``reports.figures``) and its ranking
    (``reports.report_ranking``)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    f = _Formats(book)
    issued_on = local_date_of(report.issued_at) if report.issued_at else None
    _write_summary(book, f, report, data, issued_on)
    _write_overdue(book, f, data)
    _write_difficulties(book, f, data)
    if frozen_ranking is not None:
        _write_ranking_sheet(book, f, title_of(report), frozen_ranking,
                             ranking_note(frozen_ranking, report))
    book.close()
    return out.getvalue()


def ranking_workbook(title: str, frozen: dict, report=None) -> bytes:
    """The unit ranking alone, with the numbers behind each score."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    _write_ranking_sheet(book, _Formats(book), title, frozen, ranking_note(frozen, report))
    book.close()
    return out.getvalue()


__all__ = ["ASSIGNED", "approval_line", "overdue_header", "overdue_rows", "ranking_header",
           "ranking_rows", "ranking_workbook", "table_header", "table_rows", "window_line",
           "workbook"]
