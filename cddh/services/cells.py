"""User text in spreadsheets and CSV files, written so that no cell becomes a formula.

A cell whose text begins with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) is run
as a formula by Excel and LibreOffice (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``): CSV
injection (OWASP). Every export writes text through these two functions and nothing else:

* ``csv_text(value)``: the OWASP escaping for CSV, a leading apostrophe;
* ``write_cell(sheet, row, col, value, fmt)``: xlsxwriter, text always as a string cell (an
  xlsx string cell is never evaluated, so the text is kept exactly as typed); numbers, dates
  and booleans with their own writers; ``None`` as a blank cell;
* ``stream_rows(sheet, first_row, rows, kinds, formats)``: whole rows at once into a
  ``constant_memory`` worksheet, for the long lists (the task export): the same XML as
  ``write_cell`` makes, text always an inline string cell, several times faster.

xlsxwriter's ``write_string`` copies a text that begins with ``<r>`` and ends with ``</r>``
into the sheet's XML unescaped (it takes it for its own rich string): a user's text shaped
so could close the cell and add a formula cell. ``write_cell`` writes such a text as three
plain runs of a rich string (escaped, read back as the same text); ``stream_rows`` escapes
every text itself.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from collections.abc import Iterable, Sequence

from xlsxwriter.utility import xl_col_to_name

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
        text = str(value)
        if text.startswith("<r>") and text.endswith("</r>"):
            # Not write_string, which would copy it into the XML as it is (see above).
            sheet.write_rich_string(row, col, text[:1], text[1:2], text[2:],
                                    *((fmt,) if fmt is not None else ()))
        else:
            sheet.write_string(row, col, text, fmt)


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


# --- whole rows of a long list ------------------------------------------------------------------

NUMBER, TEXT, LABEL, DATE = "number", "text", "label", "date"
"""Column kinds of ``stream_rows``: a number (int or finite float); any text (user text); a
text from a small set (unit names, translated labels: escaped once, then reused); a
``datetime.date`` (an Excel serial day number, to be shown by the column's date format)."""

_EXCEL_EPOCH = dt.date(1899, 12, 31).toordinal()
_STRING_MAX = 32767  # UTF-16 code units in a cell (xlsxwriter truncates there, and so do we)
# A text none of whose characters needs escaping: no XML special character, no control
# character, no "_xHHHH_" (Excel's own escape), no leading or trailing whitespace, short.
_NEEDS_WORK = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s\Z")
_EXCEL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_EDGE_SPACE = re.compile(r"^\s|\s\Z")


def _utf16_truncate(text: str) -> str:
    if len(text) <= _STRING_MAX // 2 or len(text.encode("utf-16-le", "surrogatepass")) // 2 \
            <= _STRING_MAX:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > _STRING_MAX:
            return text[:index]
    return text


def inline_string(text: str) -> str:
    """The attributes and body of an inline string cell holding ``text``, from ``' t='``
    on: always a string (never a formula, never raw XML), escaped as xlsxwriter escapes it
    (``_xHHHH_`` for control characters, ``xml:space`` for edge whitespace)."""
    if len(text) < _STRING_MAX // 2 and not _NEEDS_WORK.search(text):
        return f' t="inlineStr"><is><t>{text}</t></is></c>'
    text = _EXCEL_ESCAPE.sub(r"_x005F\1", _utf16_truncate(text))
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _cell_writer(col: int, kind: str, fmt):
    """A function (row number as text, value) -> the cell's XML for one column."""
    ref = f'<c r="{xl_col_to_name(col)}'
    style = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""

    def blank(r: str) -> str:  # xlsxwriter writes a blank cell only when it has a format
        return f'{ref}{r}"{style}/>' if style else ""

    if kind == NUMBER:
        def cell(r, value):
            return blank(r) if value is None else f'{ref}{r}"{style}><v>{value:.16G}</v></c>'
    elif kind == DATE:
        def cell(r, value):
            if value is None:
                return blank(r)
            if value.__class__ is not dt.date:
                raise TypeError(f"a date column takes datetime.date values, not {value!r}")
            day = value.toordinal() - _EXCEL_EPOCH
            day += day > 59  # Excel's 29 February 1900
            return f'{ref}{r}"{style}><v>{day}</v></c>'
    elif kind == TEXT:
        def cell(r, value):
            return blank(r) if value is None else f'{ref}{r}"{style}{inline_string(str(value))}'
    elif kind == LABEL:
        known: dict = {}

        def cell(r, value):
            if value is None:
                return blank(r)
            tail = known.get(value)
            if tail is None:
                tail = known[value] = f'"{style}{inline_string(str(value))}'
            return f"{ref}{r}{tail}"
    else:
        raise ValueError(f"unknown column kind {kind!r}")
    return cell


def stream_rows(sheet, first_row: int, rows: Iterable[Sequence], kinds: Sequence[str],
                formats: Sequence = (), batch: int = 1000) -> int:
    """Write ``rows`` (sequences of values, one per column from column 0, ``None`` for a
    blank) down from ``first_row`` of an xlsxwriter worksheet opened with
    ``constant_memory``; return the next free row.

    The worksheet's own writers cost some 6 µs a cell (a call, a cell object, then its XML
    one attribute at a time); here each column's kind is known in advance and a row's XML is
    one string, written to the worksheet's row file (the file xlsxwriter itself streams its
    rows to) ``batch`` rows at a time: the same XML, byte for byte, as ``write_cell`` cell
    by cell, except that a text is never taken for raw XML (see the module's docstring).
    Rows go below everything written so far, without row formatting; the sheet's last row
    is the caller's limit (``sheet.xls_rowmax``).
    """
    if not sheet.constant_memory or sheet.date_1904:
        raise ValueError("stream_rows needs a constant_memory worksheet with the 1900 dates")
    # Flush the row xlsxwriter holds (the titles) and take over its row file from here; then
    # number the formats (in that order, as xlsxwriter would).
    sheet._write_single_row(first_row)
    formats = list(formats) + [None] * (len(kinds) - len(formats))
    cells = [_cell_writer(col, kind, fmt)
             for col, (kind, fmt) in enumerate(zip(kinds, formats, strict=True))]
    write = sheet.fh.write
    row, chunk = first_row, []
    for values in rows:
        if row >= sheet.xls_rowmax:
            raise ValueError(f"more rows than a worksheet holds ({sheet.xls_rowmax})")
        row += 1
        r = str(row)
        xml = "".join([cell(r, v) for cell, v in zip(cells, values, strict=True)])
        chunk.append(f'<row r="{r}">{xml}</row>')
        if len(chunk) == batch:
            write("".join(chunk))
            chunk.clear()
    write("".join(chunk))
    if row > first_row:  # the sheet's dimensions, as the cell writers keep them
        sheet._check_dimensions(first_row, 0)
        sheet._check_dimensions(row - 1, len(kinds) - 1)
        sheet.previous_row = row - 1
    return row
