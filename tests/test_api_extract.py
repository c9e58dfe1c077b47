"""POST /api/v1/documents/extract (issue 16): who may call it, the answer's shape, units of
this installation and their aliases, .docx and .pdf uploads, and bad input (422, never 500,
nothing stored)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from cddh.models import Document, Role, Task, Unit, UnitCategory, User, db
from cddh.services import tokens

from .conftest import make_unit, make_user
from .test_api import Api, error_of

DIRECTIVE = ("UBND tỉnh có ý kiến như sau: Giao Sở KH&ĐT chủ trì, phối hợp với Sở Tài chính và "
             "UBND huyện Ba Tri rà soát nhu cầu vốn, báo cáo UBND tỉnh trước ngày 10/12/2026. "
             "(Theo Công văn số 123/UBND-KT ngày 16/11/2026)")
KEYS = {"content", "source_text", "lead_unit_id", "lead_unit_name", "lead_group",
        "cooperating_unit_ids", "cooperating_unit_names", "deadline", "deadline_text",
        "update_frequency"}


@pytest.fixture
def world(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        skhdt = make_unit("SKHDT", name="Sở Kế hoạch và Đầu tư")
        stc = make_unit("STC", name="Sở Tài chính")
        stc.aliases = "STC\nSở TC"
        bt = make_unit("HBT", UnitCategory.district, "UBND huyện Ba Tri")
        users = {role: make_user(role, office if role in (Role.office_specialist, Role.admin,
                                                          Role.leader) else skhdt)
                 for role in Role}
        db.session.commit()
        out = {"units": {"skhdt": skhdt.id, "stc": stc.id, "bt": bt.id}}
        out["tokens"] = {role: tokens.issue_token(user, "t")[1]
                         for role, user in users.items()}
        db.session.commit()
        return out


def api(app, world, role=Role.office_specialist, language=None):
    return Api(app, world["tokens"][role], language)


def _stored():
    return (db.session.scalar(sa.select(sa.func.count(Document.id))),
            db.session.scalar(sa.select(sa.func.count(Task.id))))


def test_specialist_gets_proposed_tasks_matched_to_units(app, world):
    resp = api(app, world).post("/documents/extract",
                                json={"text": DIRECTIVE, "issued_on": "2026-11-16"})
    assert resp.status_code == 200, resp.get_json()
    [task] = resp.get_json()["tasks"]
    assert set(task) == KEYS
    units = world["units"]
    assert task["lead_unit_id"] == units["skhdt"]
    assert task["lead_unit_name"] == "Sở Kế hoạch và Đầu tư"
    assert task["cooperating_unit_ids"] == [units["stc"], units["bt"]]
    assert task["deadline"] == "2026-12-10"
    assert task["deadline_text"] == "báo cáo UBND tỉnh trước ngày 10/12/2026"
    assert task["content"].startswith("Rà soát nhu cầu vốn")
    assert task["source_text"].startswith("Giao Sở KH&ĐT chủ trì")
    with app.app_context():
        assert _stored() == (0, 0)


def test_alias_from_the_units_screen_is_matched(app, world):
    resp = api(app, world).post("/documents/extract", json={
        "text": "Giao Sở TC thẩm định dự toán.", "issued_on": "2026-11-16"})
    [task] = resp.get_json()["tasks"]
    assert (task["lead_unit_id"], task["lead_unit_name"]) == (world["units"]["stc"],
                                                              "Sở Tài chính")


def test_unit_outside_the_installation_keeps_its_name(app, world):
    resp = api(app, world).post("/documents/extract", json={
        "text": "Giao Sở Y tế kiểm tra.", "issued_on": "2026-11-16"})
    [task] = resp.get_json()["tasks"]
    assert task["lead_unit_id"] is None and task["lead_unit_name"] == "Sở Y tế"


@pytest.mark.parametrize("role", [r for r in Role if r != Role.office_specialist])
def test_other_roles_are_refused(app, world, role):
    resp = api(app, world, role).post("/documents/extract",
                                      json={"text": DIRECTIVE, "issued_on": "2026-11-16"})
    assert resp.status_code == 403
    assert "tasks" not in resp.get_json()


def test_no_token_is_401(app, world):
    resp = Api(app, None).post("/documents/extract", json={"text": DIRECTIVE,
                                                           "issued_on": "2026-11-16"})
    assert resp.status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"text": "", "issued_on": "2026-11-16"}, "text"),
    ({"text": "   \n ", "issued_on": "2026-11-16"}, "text"),
    ({"issued_on": "2026-11-16"}, "text"),
    ({"text": "x" * (2 * 1024 * 1024), "issued_on": "2026-11-16"}, "text"),
    ({"text": DIRECTIVE}, "issued_on"),
    ({"text": DIRECTIVE, "issued_on": "2026-02-30"}, "issued_on"),
    ({"text": DIRECTIVE, "issued_on": "hôm qua"}, "issued_on"),
    ({"text": 12, "issued_on": "2026-11-16"}, "text"),
])
def test_bad_input_is_422_with_a_translated_message(app, world, body, field):
    for language, word in ((None, None), ("en", None)):
        resp = api(app, world, language=language).post("/documents/extract", json=body)
        assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
        error = error_of(resp)
        assert field in error.get("fields", {}), error
        assert word is None or word in error["message"]
    vi = error_of(api(app, world).post("/documents/extract", json=body))["message"]
    en = error_of(api(app, world, language="en").post("/documents/extract", json=body))["message"]
    assert vi != en


def test_malformed_json_is_400(app, world):
    resp = api(app, world).post("/documents/extract", data=b"{not json",
                                headers={"Content-Type": "application/json"})
    assert resp.status_code == 400


# --- uploads -------------------------------------------------------------------------------
def _docx(paragraphs) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf(line: str) -> bytes:
    """A one-page PDF whose text is ``line`` (ASCII, Helvetica), built by hand."""
    stream = f"BT /F1 11 Tf 40 800 Td ({line}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _upload(app, world, content, filename, issued_on="2026-11-16"):
    return api(app, world).call("POST", "/documents/extract", data={
        "file": (io.BytesIO(content), filename), "issued_on": issued_on})


def test_docx_upload(app, world):
    content = _docx(["UBND TỈNH BẾN TRE", "Giao Sở Tài chính chủ trì, phối hợp với Sở Kế hoạch "
                     "và Đầu tư thẩm định, hoàn thành trong tháng 12/2026."])
    resp = _upload(app, world, content, "chi-dao.docx")
    assert resp.status_code == 200, resp.get_json()
    [task] = resp.get_json()["tasks"]
    assert task["lead_unit_id"] == world["units"]["stc"]
    assert task["cooperating_unit_ids"] == [world["units"]["skhdt"]]
    assert task["deadline"] == "2026-12-31"


def test_pdf_upload(app, world):
    resp = _upload(app, world, _pdf("Giao So Tai chinh tham dinh, bao cao truoc ngay 10/12/2026."),
                   "chi-dao.pdf")
    assert resp.status_code == 200, resp.get_json()
    [task] = resp.get_json()["tasks"]
    assert task["lead_unit_id"] == world["units"]["stc"]
    assert task["deadline"] == "2026-12-10"


@pytest.mark.parametrize("content, filename, code", [
    (b"plain text pretending", "chi-dao.docx", "type"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "chi-dao.pdf", "type"),
    (b"%PDF-1.4\n garbage without objects", "chi-dao.pdf", None),
    (b"", "chi-dao.pdf", "empty"),
])
def test_a_file_that_is_not_a_document_is_422(app, world, content, filename, code):
    resp = _upload(app, world, content, filename)
    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
    error = error_of(resp)
    assert "file" in error["fields"]
    with app.app_context():
        assert _stored() == (0, 0)


def test_upload_without_date_is_422(app, world):
    resp = _upload(app, world, _docx(["Giao Sở Tài chính kiểm tra."]), "a.docx", issued_on="")
    assert resp.status_code == 422 and "issued_on" in error_of(resp)["fields"]


def test_multipart_without_file_is_422(app, world):
    resp = api(app, world).call("POST", "/documents/extract", data={"issued_on": "2026-11-16"})
    assert resp.status_code == 422


def test_openapi_describes_the_endpoint(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/documents/extract"]["post"]
    assert set(op["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    task = doc["components"]["schemas"]["ProposedTask"]
    assert set(task["properties"]) == KEYS


def test_alias_added_on_the_units_screen_is_read_at_once(app, world, browser):
    with app.test_request_context():
        admin = db.session.scalar(sa.select(User).where(User.role == Role.admin))
        unit = db.session.get(Unit, world["units"]["skhdt"])
        form = {"code": unit.code, "name": unit.name, "short_name": "", "kind": str(unit.kind_id),
                "sort_order": "0", "aliases": "Sở Đầu tư\nKHĐT tỉnh"}
        admin.id  # noqa: B018  (loads the row before the context ends)
    text = {"text": "Giao KHĐT tỉnh rà soát danh mục dự án.", "issued_on": "2026-11-16"}
    before = api(app, world).post("/documents/extract", json=text).get_json()["tasks"]
    assert before == [] or before[0]["lead_unit_id"] is None
    page = browser(admin).get(f"/units/edit/?id={unit.id}")
    assert "Tên gọi khác" in page.get_data(as_text=True)  # the field, labelled in Vietnamese
    resp = browser(admin).post(f"/units/edit/?id={unit.id}", data=form)
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Unit, unit.id).alias_list == ["Sở Đầu tư", "KHĐT tỉnh"]
    [task] = api(app, world).post("/documents/extract", json=text).get_json()["tasks"]
    assert (task["lead_unit_id"], task["lead_unit_name"]) == (unit.id, "Sở Kế hoạch và Đầu tư")
