"""An Excel import cannot exhaust memory or CPU, and a zip container attachment cannot unpack
to gigabytes (issue 10, finding 5). The attack files are built here: a workbook whose shared
strings table unpacks to tens of megabytes, a sheet of 60,000 rows reaching column XFD (with
and without the dimension it declares), over-long cells, and a .docx zip bomb."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import sqlalchemy as sa
import xlsxwriter

from cddh.models import Document, db
from cddh.services import DomainError
from cddh.services.attachments import check_file
from cddh.services.imports import MAX_CELL_TEXT, read_rows

from .test_import import GOOD, _filled, _setup, _upload


def _rewrite(content: bytes, changes: dict[str, bytes | callable]) -> bytes:
    """The same zip with some members replaced (a callable gets the old bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            change = changes.get(info.filename)
            if change is not None:
                data = change(data) if callable(change) else change
            dst.writestr(info.filename, data)
    return out.getvalue()


def _workbook(write) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet()
    write(sheet)
    book.close()
    return buf.getvalue()


def huge_shared_strings() -> bytes:
    content = _workbook(lambda s: [s.write_string(0, c, f"h{c}") for c in range(3)])
    strings = b"".join(b"<si><t>" + b"A" * 1000 + b"</t></si>" for _ in range(30_000))
    table = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
             b'schemas.openxmlformats.org/spreadsheetml/2006/main" count="30000" '
             b'uniqueCount="30000">' + strings + b"</sst>")
    return _rewrite(content, {"xl/sharedStrings.xml": table})


def wide_sparse(declare_dimension: bool) -> bytes:
    content = _workbook(lambda s: [s.write_string(r, 16383, "x") for r in range(1, 60_001)])
    if declare_dimension:
        return content
    return _rewrite(content, {"xl/worksheets/sheet1.xml":
                              lambda xml: re.sub(rb"<dimension[^>]*/>", b"", xml)})


def test_a_huge_shared_strings_table_is_refused_before_parsing(ctx):
    attack = huge_shared_strings()
    assert len(attack) < 1024 * 1024  # small on the wire
    with pytest.raises(DomainError) as refused:
        read_rows(attack)
    assert "unpacks" in refused.value.message or "giải nén" in refused.value.message


def test_a_sheet_reaching_column_xfd_is_refused(ctx):
    with pytest.raises(DomainError) as refused:
        read_rows(wide_sparse(declare_dimension=True))
    assert "AD" in refused.value.message


def test_a_sheet_hiding_its_width_is_read_within_bounds(ctx):
    # No dimension declared: the reading is bounded to the template's columns and rows, so the
    # 60,000 cells at XFD are skipped and the file has no task rows.
    assert read_rows(wide_sparse(declare_dimension=False)) == []


def test_an_over_long_cell_refuses_the_file(app, browser):
    br = browser(_setup(app))
    rows = [list(r) for r in GOOD]
    rows[0][6] = "x" * (MAX_CELL_TEXT + 1)
    resp = _upload(br, _filled(br, rows))
    assert resp.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


def test_the_import_screen_refuses_the_attack_with_a_message(app, browser):
    br = browser(_setup(app))
    resp = _upload(br, huge_shared_strings())
    assert resp.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


def docx_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"/>')
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(120):  # 120 MB of zeros, over the 100 MB limit
                member.write(chunk)
    return out.getvalue()


def test_a_docx_zip_bomb_attachment_is_refused(ctx):
    bomb = docx_bomb()
    assert len(bomb) < 1024 * 1024
    with pytest.raises(DomainError) as refused:
        check_file("bien-ban.docx", bomb)
    assert refused.value.fields == {"file": "too_large"}
