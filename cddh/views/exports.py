"""The task list as a file: .xlsx (xlsxwriter, constant memory) and CSV (UTF-8 with BOM), both
streamed row by row from a server-side cursor over the list's own scoped, filtered, searched
and sorted query; every column the list shows, dates as dates, the file named in local time,
and a last line saying when CDDH_EXPORT_MAX_ROWS cut the list short.
"""

from __future__ import annotations

import csv
import tempfile

import sqlalchemy as sa
import xlsxwriter
from flask import Response, stream_with_context
from flask_babel import gettext as _

from .. import labels
from ..models import Document, Task, TaskState, Timeliness, Unit, db
from ..services.cells import csv_text, write_cell
from ..services.clock import local_now, local_today
from ..services.timeliness import classify
from .formatting import local_date

CHUNK = 1000  # rows fetched per round trip of the server-side cursor


def _titles() -> list[str]:
    return [_("No."), _("Task"), _("Document"), _("Lead unit"), _("Deadline"), _("State"),
            _("Timeliness")]


def _rows(query, limit: int):
    """(values…) per task of the list's query, at most ``limit`` + 1 (to know if it was cut),
    fetched through a server-side cursor ``CHUNK`` rows at a time."""
    number = sa.select(Document.number).where(Document.id == Task.document_id).scalar_subquery()
    statement = (query.with_entities(Task.id, Task.content, number, Task.lead_unit_id,
                                     Task.deadline, Task.state, Task.completed_on)
                 .limit(limit + 1).statement)
    units = dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())
    today = local_today()
    # Labels translated once per export, not once per row.
    states = {value: labels.label(labels.TASK_STATE, value) for value in TaskState}
    classes = {value: labels.label(labels.TIMELINESS, value) for value in Timeliness}
    classes[None] = ""
    result = db.session.execute(statement.execution_options(yield_per=CHUNK))
    for task_id, content, doc_number, lead_id, deadline, state, completed_on in result:
        value = classify(state, deadline, completed_on, today)
        yield (task_id, content, doc_number, units.get(lead_id, ""), deadline, states[state],
               classes[value])


def _cut_note(limit: int, total) -> str:
    return _("Only the first %(num)d rows of %(total)s are in this file (the export limit, "
             "CDDH_EXPORT_MAX_ROWS); narrow the filter to export the rest.",
             num=limit, total=str(total))


def _file_name(extension: str) -> str:
    return f"nhiem-vu-{local_now():%Y%m%d-%H%M}.{extension}"


def task_csv(query, limit: int, total) -> Response:
    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())

    def generate():
        yield "\ufeff" + writer.writerow(_titles())
        for n, row in enumerate(_rows(query, limit)):
            if n == limit:
                yield writer.writerow([_cut_note(limit, total)])
                return
            task_id, content, number, unit, deadline, state, timeliness = row
            yield writer.writerow([task_id, csv_text(content), csv_text(number), csv_text(unit),
                                   local_date(deadline), state, timeliness])

    return Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{_file_name("csv")}"'})


def task_xlsx(query, limit: int, total) -> Response:
    def generate():
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as out:
            book = xlsxwriter.Workbook(out.name, {"constant_memory": True,
                                                  "tmpdir": tempfile.gettempdir()})
            sheet = book.add_worksheet(_("Tasks")[:31])
            bold = book.add_format({"bold": True})
            date = book.add_format({"num_format": "dd/mm/yyyy"})
            for col, title in enumerate(_titles()):
                write_cell(sheet, 0, col, title, bold)
            sheet.set_column(1, 1, 60)
            sheet.set_column(2, 3, 24)
            sheet.set_column(4, 6, 14)
            row_no = 0
            for n, row in enumerate(_rows(query, limit)):
                row_no = n + 1
                if n == limit:
                    write_cell(sheet, row_no, 0, _cut_note(limit, total))
                    break
                for col, value in enumerate(row):
                    write_cell(sheet, row_no, col, value, date if col == 4 else None)
            book.close()
            with open(out.name, "rb") as f:
                while chunk := f.read(64 * 1024):
                    yield chunk

    return Response(stream_with_context(generate()),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition":
                             f'attachment; filename="{_file_name("xlsx")}"'})
