"""Importing documents with their tasks from the Excel template: all or nothing, with a
list of what is wrong on which row. Rows sharing a document number form one document, and
each document goes through ``documents.create_document`` like the entry form and the API."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import openpyxl.utils
import sqlalchemy as sa
import xlsxwriter
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import labels
from ..models import DocType, ExpectedProduct, Priority, Unit, UpdateFrequency, User, db
from . import DomainError
from .attachments import check_file, check_zip_container
from .cells import write_cell, write_row
from .documents import ValidationErrors, create_document

# (key, header) in column order; the header text is what a specialist reads in Excel.
COLUMNS = [
    ("number", "Số, ký hiệu văn bản (*)"),
    ("doc_type", "Loại văn bản (*)"),
    ("issued_on", "Ngày ban hành (*) dd/mm/yyyy"),
    ("summary", "Trích yếu (*)"),
    ("signer", "Người ký"),
    ("submitting_unit", "Cơ quan trình (mã đơn vị)"),
    ("content", "Nội dung nhiệm vụ (*)"),
    ("lead_unit", "Đơn vị chủ trì (mã) (*)"),
    ("cooperating_units", "Đơn vị phối hợp (mã, cách nhau dấu phẩy)"),
    ("monitoring_unit", "Đơn vị theo dõi (mã)"),
    ("deadline", "Thời hạn dd/mm/yyyy (trống: không thời hạn)"),
    ("update_frequency", "Tần suất cập nhật"),
    ("priority", "Độ khẩn"),
    ("expected_product", "Sản phẩm dự kiến"),
]
DOCUMENT_KEYS = ("number", "doc_type", "issued_on", "summary", "signer", "submitting_unit")
MAX_ROWS = 5000
# Bounds checked before and while the workbook is read (a workbook is a zip of XML: a small
# file may unpack to a huge shared-strings table or a sheet of 60,000 rows reaching column
# XFD). The template has 14 columns and one row per task.
MAX_IMPORT_UNZIPPED = 20 * 1024 * 1024
MAX_SHARED_STRINGS = 5 * 1024 * 1024
MAX_SHEET_ROWS = 10_000  # rows read, empty ones included
MAX_COLUMN = 30  # a used range beyond column AD is no template
MAX_CELL_TEXT = 5000


class ImportErrors(DomainError):
    """The file was refused; ``rows`` lists (row number, message) for every problem."""

    def __init__(self, rows: list[tuple[int, str]]):
        super().__init__(_("The file was not imported: %(n)d problems. Nothing was saved.",
                           n=len(rows)), code="import_failed")
        self.rows = rows


def _vocabulary(enum_cls, mapping) -> dict[str, str]:
    """Accept the code or its label in any interface language, case-insensitively."""
    words = {}
    for member in enum_cls:
        words[member.value.lower()] = member.value
        for language in current_app.config["LANGUAGES"]:
            with force_locale(language):
                words[labels.label(mapping, member).lower()] = member.value
    return words


def template_workbook() -> bytes:
    """The import template: one row per task, a sheet of unit codes and accepted values."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                            "valign": "vcenter"})
    sheet = book.add_worksheet("Nhiem vu")
    sheet.set_row(0, 45)
    for col, (_key, header) in enumerate(COLUMNS):
        write_cell(sheet, 0, col, header, head)
        sheet.set_column(col, col, 28 if _key in ("summary", "content") else 18)
    sheet.freeze_panes(1, 0)
    example = ["123/UBND-TH", labels.label(labels.DOC_TYPE, DocType.cong_van), "02/03/2026",
               "Về việc triển khai Kế hoạch cải cách hành chính năm 2026", "Phó Chủ tịch",
               "SNV", "Xây dựng và trình UBND tỉnh kế hoạch triển khai", "SNV", "STC, STTTT",
               "VP-TH", "31/03/2026", labels.label(labels.UPDATE_FREQUENCY, UpdateFrequency.monthly),
               labels.label(labels.PRIORITY, Priority.normal),
               labels.label(labels.EXPECTED_PRODUCT, ExpectedProduct.draft_document)]
    for col, value in enumerate(example):
        write_cell(sheet, 1, col, value)
    codes = book.add_worksheet("Ma va gia tri")
    write_row(codes, 0, 0, ["Mã đơn vị", "Tên đơn vị"], head)
    units = db.session.execute(sa.select(Unit.code, Unit.name).where(Unit.active.is_(True))
                               .order_by(Unit.sort_order, Unit.name)).all()
    for row, (code, name) in enumerate(units, start=1):
        write_row(codes, row, 0, [code, name])
    lists = [(3, "Loại văn bản", DocType, labels.DOC_TYPE),
             (4, "Tần suất cập nhật", UpdateFrequency, labels.UPDATE_FREQUENCY),
             (5, "Độ khẩn", Priority, labels.PRIORITY),
             (6, "Sản phẩm dự kiến", ExpectedProduct, labels.EXPECTED_PRODUCT)]
    for col, title, enum_cls, mapping in lists:
        write_cell(codes, 0, col, title, head)
        for row, member in enumerate(enum_cls, start=1):
            write_cell(codes, row, col, labels.label(mapping, member))
    codes.set_column(0, 6, 24)
    for key_col, list_col, enum_cls in ((1, 3, DocType), (11, 4, UpdateFrequency),
                                        (12, 5, Priority), (13, 6, ExpectedProduct)):
        letter = chr(ord("A") + list_col)
        sheet.data_validation(1, key_col, MAX_ROWS, key_col, {
            "validate": "list", "source": f"='Ma va gia tri'!${letter}$2:${letter}${len(enum_cls) + 1}"})
    book.close()
    return buf.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(content: bytes) -> list[tuple[int, dict]]:
    """The non-empty rows of the first sheet as (Excel row number, {key: text})."""
    check_file("import.xlsx", content)  # size limit, and really an .xlsx
    check_zip_container("import.xlsx", content, max_total=MAX_IMPORT_UNZIPPED,
                        max_member={"xl/sharedStrings.xml": MAX_SHARED_STRINGS})
    try:
        # Read-only mode streams the sheet; max_col keeps openpyxl from padding every row
        # up to the widest one.
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return _sheet_rows(book.worksheets[0])
        finally:
            book.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
        raise DomainError(_("The file cannot be read as an Excel workbook.")) from None


def _sheet_rows(sheet) -> list[tuple[int, dict]]:
    """The task rows of the sheet. The dimension the file declares is checked first; the
    reading itself is bounded to the template's columns and MAX_SHEET_ROWS rows whatever the
    file declares (openpyxl would otherwise pad every row to the widest one)."""
    if (sheet.max_column or 0) > MAX_COLUMN:
        raise DomainError(_("The sheet uses columns beyond %(c)s; use the template's columns "
                            "only.", c=openpyxl.utils.get_column_letter(MAX_COLUMN)))
    if (sheet.max_row or 0) > MAX_SHEET_ROWS:
        raise DomainError(_("The sheet has more than %(n)d rows.", n=MAX_SHEET_ROWS))
    rows = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, max_row=MAX_SHEET_ROWS,
                                                    max_col=len(COLUMNS), values_only=True),
                                    start=2):
        cells = [_text(v) for v in values]
        if not any(cells):
            continue
        if any(len(c) > MAX_CELL_TEXT for c in cells):
            raise DomainError(_("Row %(r)d has a cell longer than %(n)d characters.", r=number,
                                n=MAX_CELL_TEXT))
        if len(rows) >= MAX_ROWS:
            raise DomainError(_("The file has more than %(n)d rows.", n=MAX_ROWS))
        rows.append((number, {key: (cells[i] if i < len(cells) else "")
                              for i, (key, _h) in enumerate(COLUMNS)}))
    return rows


def import_workbook(actor: User, content: bytes) -> list:
    """Create every document of the file, or none; raises ImportErrors listing all problems."""
    rows = read_rows(content)
    if not rows:
        raise DomainError(_("The file has no task rows."))
    unit_ids = dict(db.session.execute(sa.select(Unit.code, Unit.id).where(Unit.active.is_(True))).all())
    vocab = {
        "doc_type": _vocabulary(DocType, labels.DOC_TYPE),
        "update_frequency": _vocabulary(UpdateFrequency, labels.UPDATE_FREQUENCY),
        "priority": _vocabulary(Priority, labels.PRIORITY),
        "expected_product": _vocabulary(ExpectedProduct, labels.EXPECTED_PRODUCT),
    }
    problems: list[tuple[int, str]] = []

    def unit(row_no, code, what, required=False):
        if not code:
            if required:
                problems.append((row_no, _("%(what)s is missing.", what=what)))
            return None
        if code not in unit_ids:
            problems.append((row_no, _("%(what)s: unknown unit code “%(c)s”.", what=what, c=code)))
            return None
        return unit_ids[code]

    def word(row_no, key, value):
        if not value:
            return None
        found = vocab[key].get(value.lower())
        if found is None:
            problems.append((row_no, _("“%(v)s” is not an accepted value.", v=value)))
        return found

    documents: dict[tuple, dict] = {}
    for row_no, cells in rows:
        key = (cells["number"], cells["issued_on"])
        doc = documents.get(key)
        if doc is None:
            doc = documents[key] = {
                "rows": [], "number": cells["number"], "summary": cells["summary"],
                "issued_on": cells["issued_on"], "signer": cells["signer"],
                "doc_type": word(row_no, "doc_type", cells["doc_type"]) or "",
                "submitting_unit_id": unit(row_no, cells["submitting_unit"], _("Submitting unit")),
                "tracked": True, "confidentiality": "none", "tasks": []}
        elif cells["summary"] and cells["summary"] != doc["summary"]:
            problems.append((row_no, _("Rows of document %(n)s disagree on its summary.",
                                       n=cells["number"])))
        coop = [unit(row_no, c.strip(), _("Cooperating unit"))
                for c in cells["cooperating_units"].replace(";", ",").split(",") if c.strip()]
        doc["rows"].append(row_no)
        doc["tasks"].append({
            "content": cells["content"],
            "lead_unit_id": unit(row_no, cells["lead_unit"], _("Lead unit"), required=True),
            "cooperating_unit_ids": [c for c in coop if c],
            "monitoring_unit_id": unit(row_no, cells["monitoring_unit"], _("Monitoring division")),
            "deadline": cells["deadline"] or None,
            "has_deadline": bool(cells["deadline"]),
            "update_frequency": word(row_no, "update_frequency", cells["update_frequency"]),
            "priority": word(row_no, "priority", cells["priority"]),
            "expected_product": word(row_no, "expected_product", cells["expected_product"]),
        })
    created = []
    for doc in documents.values():
        rows_of_doc = doc.pop("rows")
        try:
            created.append(create_document(actor, doc))
        except ValidationErrors as exc:
            for field, message in exc.fields.items():
                parts = field.split(".")
                row_no = rows_of_doc[int(parts[1])] if parts[0] == "tasks" and len(parts) > 1 else rows_of_doc[0]
                problems.append((row_no, message))
        except DomainError as exc:
            problems.append((rows_of_doc[0], exc.message))
    if problems:
        raise ImportErrors(sorted(set(problems)))
    return created
