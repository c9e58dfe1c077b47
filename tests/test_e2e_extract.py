"""End to end in real Chromium (issue 16): the specialist pastes a directive into the entry
form's "Đọc từ văn bản", gets the task rows filled, picks the lead unit the reader could not
match, saves and forwards; the tasks are stored as corrected. Screenshots in
test-artifacts/e2e-extract/."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from cddh.models import Document, Role, Task, TaskState, Unit, UnitCategory, db
from cddh.services.clock import local_today

from .browser import Screens, chromium, live_server  # noqa: F401 - fixtures
from .conftest import make_unit, make_user
from .test_e2e_lifecycle import _login


def _units(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        stnmt = make_unit("STNMT", name="Sở Tài nguyên và Môi trường")
        stnmt.aliases = "STNMT\nSở TNMT"
        make_unit("STC", name="Sở Tài chính")
        make_unit("SKHDT", name="Sở Kế hoạch và Đầu tư")
        make_unit("SCT", name="Sở Công Thương")
        make_user(Role.office_specialist, office, "chuyenvien")
        db.session.commit()


def test_paste_directive_correct_a_unit_save_and_forward(app, chromium, live_server):  # noqa: F811
    _units(app)
    shots = Screens("e2e-extract")
    today = local_today()
    next_year = today.year + 1
    directive = (
        "UBND tỉnh có ý kiến như sau:\n"
        f"1. Giao Sở TN&MT chủ trì, phối hợp với Sở Tài chính kiểm tra hiện trạng sử dụng đất "
        f"tại khu vực nêu trên, báo cáo UBND tỉnh trước ngày 15/01/{next_year}.\n"
        f"2. Giao Sở Y tế tổ chức kiểm tra an toàn thực phẩm; hoàn thành trong quý I/{next_year}."
        f"\n(Theo Công văn số 123/UBND-KT ngày {today:%d/%m/%Y})")

    page = _login(chromium, live_server, "chuyenvien")
    page.goto(f"{live_server.url}/documents/enter/")
    page.select_option("#doc_type", "cong_van")
    page.fill("#number", "123/UBND-KT")
    page.fill("#issued_on", today.isoformat())
    page.fill("#summary", "Kiểm tra hiện trạng sử dụng đất và an toàn thực phẩm")
    page.fill("#extract-text", directive)
    page.click("#extract-run")
    page.wait_for_selector(".task-row[data-proposed] >> nth=1")
    shots.shot(page, "tasks-proposed")

    # The rows are filled from the text, with the words they were read from.
    assert page.locator(".task-row").count() == 2
    first, second = page.locator(".task-row").nth(0), page.locator(".task-row").nth(1)
    assert first.locator("textarea[name$=-content]").input_value().startswith(
        "Kiểm tra hiện trạng sử dụng đất")
    assert first.locator("select[name$=-lead_unit_id] option:checked").inner_text() == \
        "Sở Tài nguyên và Môi trường"
    assert first.locator("select[name$=-cooperating_unit_ids] option:checked").all_inner_texts() \
        == ["Sở Tài chính"]
    assert first.locator("input[name$=-deadline]").input_value() == f"{next_year}-01-15"
    assert first.locator("mark.extract-deadline").inner_text() == \
        f"báo cáo UBND tỉnh trước ngày 15/01/{next_year}"
    assert second.locator("input[name$=-deadline]").input_value() == f"{next_year}-03-31"
    # Sở Y tế is not a unit of this installation: shown for the specialist to pick.
    assert second.locator("select[name$=-lead_unit_id]").input_value() == ""
    assert "Sở Y tế" in second.locator(".extract-unmatched").inner_text()
    assert "is-invalid" in second.locator("select[name$=-lead_unit_id]").get_attribute("class")
    with app.app_context():  # nothing is stored before the specialist saves
        assert db.session.scalar(sa.select(sa.func.count(Task.id))) == 0

    # The specialist corrects the unmatched lead, saves and forwards.
    # (the <select> sits behind its searchable Select2 box: static/js/unit_picker.js)
    second.locator("select[name$=-lead_unit_id]").select_option(label="Sở Công Thương",
                                                                 force=True)
    shots.shot(page, "unit-corrected")
    page.click("button[value=forward]")
    page.wait_for_load_state()
    shots.shot(page, "saved-and-forwarded")
    assert page.locator(".alert-danger").count() == 0

    with app.app_context():
        doc = db.session.scalar(sa.select(Document).where(Document.number == "123/UBND-KT"))
        tasks = db.session.scalars(sa.select(Task).where(Task.document_id == doc.id)
                                   .options(selectinload(Task.cooperating_units))
                                   .order_by(Task.id)).all()
        names = {u.id: u.name for u in db.session.scalars(sa.select(Unit))}
        got = [(names[t.lead_unit_id], sorted(u.name for u in t.cooperating_units), t.deadline,
                t.state) for t in tasks]
    assert got == [
        ("Sở Tài nguyên và Môi trường", ["Sở Tài chính"], dt.date(next_year, 1, 15),
         TaskState.assigned),
        ("Sở Công Thương", [], dt.date(next_year, 3, 31), TaskState.assigned),
    ]
