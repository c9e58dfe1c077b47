"""Attachments: typed from content, limited in size, downloadable only through the scope."""

from __future__ import annotations

import io

import sqlalchemy as sa
import xlsxwriter

from cddh.models import Attachment, ProgressUpdate, Role, TaskState, db
from cddh.services.settings import set_setting

from .conftest import make_task, make_unit, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _xlsx() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    book.add_worksheet().write(0, 0, "Số liệu")
    book.close()
    return buf.getvalue()


def _setup(app):
    with app.test_request_context():
        a, b = make_unit("SA"), make_unit("SB")
        staff_a, staff_b = make_user(Role.unit_staff, a), make_user(Role.unit_staff, b)
        task = make_task(a, state=TaskState.in_progress)
        db.session.commit()
        for u in (staff_a, staff_b):
            u.id  # noqa: B018  (loads the row before the context ends)
        return task.id, task.version, staff_a, staff_b


def _post_progress(br, task_id, version, files):
    return br.client.post("/tasks/act/", data={
        "csrf_token": br.csrf, "id": task_id, "version": version, "action": "progress",
        "content": "Gửi kèm báo cáo", "files": files}, content_type="multipart/form-data")


def test_progress_with_pdf_and_xlsx_is_stored_and_downloadable_only_in_scope(app, browser):
    task_id, version, staff_a, staff_b = _setup(app)
    br = browser(staff_a)
    resp = _post_progress(br, task_id, version, [(io.BytesIO(PDF), "bao-cao.pdf"),
                                                 (io.BytesIO(_xlsx()), "so-lieu.xlsx")])
    assert resp.status_code == 302
    with app.app_context():
        files = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
        assert [f.filename for f in files] == ["bao-cao.pdf", "so-lieu.xlsx"]
        assert files[0].content_type == "application/pdf"
        update = db.session.scalar(sa.select(ProgressUpdate))
        assert {f.progress_update_id for f in files} == {update.id}
        first = files[0].id
    got = br.get(f"/attachments/{first}")
    assert got.status_code == 200 and got.data == PDF
    assert "attachment" in got.headers["Content-Disposition"]
    assert browser(staff_b).get(f"/attachments/{first}").status_code == 404
    assert browser(None).get(f"/attachments/{first}").status_code in (302, 401)
    page = br.get(f"/tasks/details/?id={task_id}").get_data(as_text=True)
    assert "bao-cao.pdf" in page


def test_a_renamed_executable_is_refused_and_nothing_is_saved(app, browser):
    task_id, version, staff_a, _ = _setup(app)
    br = browser(staff_a)
    _post_progress(br, task_id, version, [(io.BytesIO(b"MZ\x90\x00" + b"\0" * 100), "bao-cao.pdf")])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 0
    page = br.get(f"/tasks/details/?id={task_id}").get_data(as_text=True)
    assert "bao-cao.pdf" in page  # named in the error message


def test_a_pdf_named_docx_is_refused(app, browser):
    task_id, version, staff_a, _ = _setup(app)
    _post_progress(browser(staff_a), task_id, version, [(io.BytesIO(PDF), "van-ban.docx")])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_size_limit_comes_from_settings(app, browser):
    task_id, version, staff_a, _ = _setup(app)
    with app.app_context():
        set_setting("max_upload_mb", 1)
        db.session.commit()
    big = PDF + b"0" * (1024 * 1024 + 10)
    _post_progress(browser(staff_a), task_id, version, [(io.BytesIO(big), "lon.pdf")])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
