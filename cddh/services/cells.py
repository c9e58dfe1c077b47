"""User text in spreadsheets and CSV files, written so that no cell becomes a formula.

A cell whose text begins with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) is run
as a formula by Excel and LibreOffice (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``): CSV
injection (OWASP). Every export writes text through these two functions and nothing else:

* ``csv_text(value)``: the OWASP escaping for CSV, a leading apostrophe;
* ``write_cell(sheet, row, col, value, fmt)``: xlsxwriter, text always with ``write_string``
  (an xlsx string cell is never evaluated, so the text is kept exactly as typed); numbers,
  dates and booleans with their own writers; ``None`` as a blank cell.
"""

from __future__ import annotations

import datetime as dt
import numbers

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value) -> str:
    """A value as a CSV field that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def write_cell(sheet, row: int, col: int, value, fmt=None) -> None:
    """Write one cell of an xlsxwriter worksheet; text is never read as a formula."""
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, numbers.Number):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime | dt.date):
        sheet.write_datetime(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def write_row(sheet, row: int, col: int, values, fmt=None) -> None:
    """Write consecutive cells of one row through ``write_cell``."""
    for offset, value in enumerate(values):
        write_cell(sheet, row, col + offset, value, fmt)


def merge_cells(sheet, first_row: int, first_col: int, last_row: int, last_col: int, value,
                fmt=None) -> None:
    """A merged range whose text is written through ``write_cell`` (xlsxwriter's own
    ``merge_range`` writes with ``write``, which turns ``=…`` into a formula)."""
    sheet.merge_range(first_row, first_col, last_row, last_col, "", fmt)
    write_cell(sheet, first_row, first_col, value, fmt)
