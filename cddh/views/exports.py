"""The task list as a file: .xlsx (xlsxwriter, constant memory) and CSV (UTF-8 with BOM), both
streamed row by row from a server-side cursor over the list's own scoped, filtered, searched
and sorted query; every column the list shows, dates as dates, the file named in local time,
and a last line saying when CDDH_EXPORT_MAX_ROWS cut the list short.

100,000 rows in about 2 s on the shared 2-core bench machine (issue 13 §5, bench/README.md):
plain tuples from the Core connection (no ORM rows), the document number by a join, each
xlsx row written as one piece of XML (``cells.stream_rows``) and the CSV in blocks of rows;
on PostgreSQL the next block of rows fetched by a second thread while this one is written
(``read_ahead``: 2.8 → 2.5 s for the xlsx of 100,000 rows at 1M).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import queue
import tempfile
import threading

import sqlalchemy as sa
import xlsxwriter
from flask import Response, stream_with_context
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from .. import labels
from ..models import Document, Task, TaskState, Timeliness, Unit, db
from ..services.cells import DATE, LABEL, NUMBER, TEXT, csv_text, stream_rows, write_cell
from ..services.clock import local_now, local_today
from ..services.statistics import classify
from .formatting import local_date

CHUNK = 2000  # rows fetched per round trip of the server-side cursor
XLSX_MAX_ROWS = 1_048_576
KINDS = (NUMBER, TEXT, TEXT, LABEL, DATE, LABEL, LABEL)  # the columns of _rows, for stream_rows


def _titles() -> list[str]:
    return [_("No."), _("Task"), _("Document"), _("Lead unit"), _("Deadline"), _("State"),
            _("Timeliness")]


def _rows(query, limit: int):
    """(values…) per task of the list's query, at most ``limit`` + 1 (to know if it was cut),
    fetched through a server-side cursor ``CHUNK`` rows at a time, as plain tuples (the
    session's connection, not ORM rows)."""
    # A join, not a sub-query per row (the document is the task's, never missing; aliased,
    # for a list query that joins the document itself to search or sort).
    document = aliased(Document)
    statement = (query.outerjoin(document, document.id == Task.document_id)
                 .with_entities(Task.id, Task.content, document.number, Task.lead_unit_id,
                                Task.deadline, Task.effective_deadline, Task.state,
                                Task.completed_on)
                 .limit(limit + 1).statement)
    units = dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())
    today = local_today()
    # Labels translated once per export, not once per row.
    states = {value: labels.label(labels.TASK_STATE, value) for value in TaskState}
    # statistics.classify's values; "" for a draft, a cancelled or a returned task.
    classes = {value.value: labels.label(labels.TIMELINESS, value) for value in Timeliness}
    connection = db.session.connection()
    result = connection.execute(statement.execution_options(yield_per=CHUNK))
    chunks = result.partitions(CHUNK)
    if connection.dialect.name == "postgresql":  # pysqlite's connection keeps to its thread
        chunks = read_ahead(chunks)
    with contextlib.closing(chunks):  # closed, the read-ahead stops before this returns
        for task_id, content, doc_number, lead_id, deadline, effective, state, completed_on \
                in itertools.chain.from_iterable(chunks):
            # The class the list shows: judged on the effective deadline (a deadline on a day
            # off runs to the next working day), as statistics.classify takes it.
            value = classify(state, effective, completed_on, today)
            yield (task_id, content, doc_number, units.get(lead_id, ""), deadline,
                   states[state], classes.get(value, ""))


def read_ahead(chunks, depth: int = 2):
    """``chunks`` (an iterable of lists of rows), each fetched by a second thread while the
    caller writes the one before: the database makes and sends the next block of rows (a
    round trip of the server-side cursor) while this worker turns the last one into the
    file's rows, instead of the two taking turns. At most ``depth`` blocks wait. An error
    of the fetch is raised here, to the caller; closing this generator (the cut note, a
    client gone) stops the thread and waits for it, so that nothing reads the connection
    once it is handed back."""
    waiting: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def hand(item) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def fetch():
        try:
            for chunk in chunks:
                if not hand(chunk):
                    return
            hand(done)
        except BaseException as exc:  # noqa: BLE001 -- raised again in the caller's thread
            hand(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=fetch, name="export-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := waiting.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _cut_note(limit: int, total) -> str:
    return _("Only the first %(num)d rows of %(total)s are in this file (the export limit, "
             "CDDH_EXPORT_MAX_ROWS); narrow the filter to export the rest.",
             num=limit, total=str(total))


def _file_name(extension: str) -> str:
    return f"nhiem-vu-{local_now():%Y%m%d-%H%M}.{extension}"


def task_csv(query, limit: int, total) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(_titles())
        units: dict[str, str] = {}  # the few unit names, made safe once
        with contextlib.closing(_rows(query, limit)) as rows:
            for n, row in enumerate(rows, 1):
                if n > limit:
                    writer.writerow([_cut_note(limit, total)])
                    break
                task_id, content, number, unit, deadline, state, timeliness = row
                safe_unit = units.get(unit)
                if safe_unit is None:
                    safe_unit = units[unit] = csv_text(unit)
                writer.writerow([task_id, csv_text(content), csv_text(number), safe_unit,
                                 local_date(deadline), state, timeliness])
                if n % CHUNK == 0:  # one piece of the response per block of rows
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{_file_name("csv")}"'})


def task_xlsx(query, limit: int, total) -> Response:
    # A worksheet holds 1,048,576 rows: the titles, the tasks and the line saying it was cut.
    limit = min(limit, XLSX_MAX_ROWS - 2)

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
            with contextlib.closing(_rows(query, limit)) as rows:
                row_no = stream_rows(sheet, 1, itertools.islice(rows, limit), KINDS,
                                     (None, None, None, None, date))
                if next(rows, None) is not None:  # the (limit + 1)th task: the list was cut
                    write_cell(sheet, row_no, 0, _cut_note(limit, total))
            book.close()
            with open(out.name, "rb") as f:
                while chunk := f.read(64 * 1024):
                    yield chunk

    return Response(stream_with_context(generate()),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition":
                             f'attachment; filename="{_file_name("xlsx")}"'})
