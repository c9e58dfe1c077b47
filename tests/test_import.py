"""Excel import: the template round-trips; a bad file is refused whole, row by row."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from cddh.models import Document, Role, Task, TaskState, UnitCategory, db

from .conftest import make_unit, make_user


def _setup(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        make_unit("VP-TH", UnitCategory.office_division)
        for code in ("SNV", "STC", "STTTT"):
            make_unit(code)
        specialist = make_user(Role.office_specialist, office)
        db.session.commit()
        specialist.id  # noqa: B018  (loads the row before the context ends)
        return specialist


def _filled(br, rows) -> bytes:
    template = br.get("/documents/import/template.xlsx")
    assert template.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(template.data))
    sheet = book.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ["12/UBND-TH", "Công văn", "02/03/2026", "Về cải cách hành chính", "Phó Chủ tịch", "SNV",
     "Xây dựng kế hoạch", "SNV", "STC, STTTT", "VP-TH", "31/03/2026", "Hàng tháng", "Thường", "Báo cáo"],
    ["12/UBND-TH", "Công văn", "02/03/2026", "Về cải cách hành chính", "", "",
     "Bố trí kinh phí", "STC", "", "", "", "Hàng quý", "", ""],
    ["45/KH-UBND", "Kế hoạch", "05/03/2026", "Kế hoạch chuyển đổi số", "", "",
     "Triển khai nền tảng số", "STTTT", "", "", "30/06/2026", "", "", ""],
]


def _upload(br, content):
    return br.client.post("/documents/import/", data={"csrf_token": br.csrf,
                                                     "file": (io.BytesIO(content), "nhap.xlsx")},
                          content_type="multipart/form-data")


def test_template_lists_unit_codes_and_a_good_file_imports_everything(app, browser):
    br = browser(_setup(app))
    template = openpyxl.load_workbook(io.BytesIO(br.get("/documents/import/template.xlsx").data))
    codes = [row[0] for row in template.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert {"SNV", "STC", "VP-TH"} <= set(codes)
    resp = _upload(br, _filled(br, GOOD))
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    with app.app_context():
        docs = db.session.scalars(sa.select(Document).order_by(Document.number)).all()
        assert [(d.number, len(d.tasks)) for d in docs] == [("12/UBND-TH", 2), ("45/KH-UBND", 1)]
        no_deadline = db.session.scalar(sa.select(Task).where(Task.content == "Bố trí kinh phí"))
        assert no_deadline.deadline is None and not no_deadline.has_deadline
        assert {t.state for t in db.session.scalars(sa.select(Task))} == {TaskState.draft}
        first = db.session.scalar(sa.select(Task).where(Task.content == "Xây dựng kế hoạch"))
        assert sorted(u.code for u in first.cooperating_units) == ["STC", "STTTT"]


def test_a_bad_row_refuses_the_whole_file_and_names_the_rows(app, browser):
    br = browser(_setup(app))
    bad = [list(r) for r in GOOD]
    bad[1][7] = "KHONGCO"        # unknown lead unit on row 3
    bad[2][10] = "31/02/2026"    # impossible date on row 4
    resp = _upload(br, _filled(br, bad))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "KHONGCO" in page and "31/02/2026" in page
    assert "<td>3</td>" in page and "<td>4</td>" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_a_file_that_is_not_excel_is_refused(app, browser):
    br = browser(_setup(app))
    resp = _upload(br, b"%PDF-1.4 not a workbook")
    assert resp.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
