"""A text longer than its column is refused with a message for its field, through every door
(API, screens, command line), before anything is written: never a server error. PostgreSQL
refuses such a value when the row is flushed; SQLite stores it whole, so these tests pass
on both only because the services check the lengths themselves (cddh.services.lengths)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cddh.models import (
    CalendarOverride,
    Document,
    Feedback,
    InspectionMember,
    InspectionPlan,
    InspectionStatus,
    InspectionTeam,
    Role,
    Task,
    TaskHistory,
    TaskState,
    Unit,
    UnitCategory,
    Urging,
    User,
    db,
)
from cddh.services import DomainError, ValidationErrors, feedback, inspection
from cddh.services.lengths import check_lengths, length_errors, max_length

from . import inside_units as iu
from .conftest import CSRF_RE, Browser, make_document, make_task, make_unit, make_user
from .test_api import Api, error_of, new_document, snapshot, world  # noqa: F401 - fixture

S = TaskState


def _flashes(br) -> list[str]:
    with br.client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _on_page(br, url) -> Browser:
    """The browser with the CSRF token of ``url``'s forms (a home without forms has none)."""
    br.csrf = CSRF_RE.search(br.get(url).get_data(as_text=True)).group(1)
    return br


def _task(app, task_id) -> Task:
    with app.app_context():
        task = db.session.get(Task, task_id)
        db.session.expunge(task)
        return task


def _history(app, task_id) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(TaskHistory.action).where(
            TaskHistory.task_id == task_id).order_by(TaskHistory.id)))


# --- the rule --------------------------------------------------------------------------------

def test_lengths_come_from_the_columns_and_enums_are_left_to_their_own_check(ctx):
    assert max_length(Document.number) == 64 and max_length(Document.signer) == 120
    assert max_length(Task.result_document_number) == 64
    assert max_length(Document.summary) is None  # Text: unbounded
    assert max_length(Task.state) is None  # an enum: its values are checked as such
    assert length_errors(Document, {"number": "x" * 64, "signer": None}) == {}
    errors = length_errors(Document, {"number": "x" * 65, "signer": "y" * 121}, prefix="d.")
    assert set(errors) == {"d.number", "d.signer"}
    assert "64" in errors["d.number"] and "65" in errors["d.number"]
    with pytest.raises(ValidationErrors) as refused:
        check_lengths(Document, number="x" * 500)
    assert refused.value.status == 422 and set(refused.value.fields) == {"number"}


def test_an_overlong_text_never_reaches_the_database_whatever_the_door(ctx):
    """The safety net: a row written past every service check is refused at the flush, on
    SQLite as on PostgreSQL, with the same message."""
    db.session.add(Document(doc_type="cong_van", number="1/UBND", summary="x",
                            issued_on=dt.date(2026, 3, 2), issue_year=2026, signer="s" * 121))
    with pytest.raises(ValidationErrors) as refused:
        db.session.flush()
    assert set(refused.value.fields) == {"signer"} and "120" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


# --- the API ---------------------------------------------------------------------------------

@pytest.mark.parametrize("field, length", [("number", 64), ("signer", 120)])
def test_api_refuses_an_overlong_document_field_with_422(app, world, field, length):
    before = snapshot(app)
    resp = world.as_("specialist").post("/documents", new_document(world, **{field: "9" * 500}))
    assert resp.status_code == 422
    error = error_of(resp)
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {field}
    assert f"{length}" in error["fields"][field] and "500" in error["fields"][field]
    assert "ký tự" in error["message"]  # Vietnamese by default
    assert snapshot(app) == before


def test_api_names_every_overlong_field_at_once_in_english(app, world):
    body = new_document(world, number="9" * 500, signer="s" * 500)
    resp = world.as_("specialist", "en").post("/documents", body)
    assert resp.status_code == 422
    fields = error_of(resp)["fields"]
    assert set(fields) == {"number", "signer"}
    assert fields["number"] == "“Number” is too long: at most 64 characters (500 entered)."
    assert fields["signer"] == "“Signer” is too long: at most 120 characters (500 entered)."


def test_api_accepts_texts_that_fill_their_columns(app, world):
    body = new_document(world, number="9" * 64, signer="s" * 120)
    resp = world.as_("specialist").post("/documents", body)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["number"] == "9" * 64


def test_api_completion_with_an_overlong_result_number_is_422_and_changes_nothing(app, world):
    task_id = world.tasks["in_progress"]
    before = snapshot(app)
    resp = world.as_("snv_leader").post(f"/tasks/{task_id}/complete", {
        "completed_on": world.today.isoformat(), "result_summary": "Đã ban hành kế hoạch",
        "result_document_number": "1" * 65})
    assert resp.status_code == 422
    error = error_of(resp)
    assert set(error["fields"]) == {"result_document_number"} and "64" in error["message"]
    assert snapshot(app) == before
    task = _task(app, task_id)
    assert (task.state, task.result_document_number, task.completed_on) == (
        S.in_progress, "", None)


def test_a_report_held_for_signoff_is_checked_when_submitted_not_when_approved(app):
    """Đ9.2c: an officer's report waits for the unit leader; an over-long number is refused at
    once, not kept for the leader's approval to fail on."""
    w = iu.build(app)
    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == "D"))
        unit.kind.signoff_required = True
        db.session.commit()
    p = w.tasks["P"]
    resp = Api(app, w.tokens["d_officer"]).post(f"/tasks/{p}/complete", {
        "completed_on": w.today.isoformat(), "result_summary": "Xong",
        "result_document_number": "1" * 65})
    assert resp.status_code == 422
    assert set(error_of(resp)["fields"]) == {"result_document_number"}
    task = _task(app, p)
    assert (task.signoff_action, task.signoff_data) == (None, None)
    assert "submit_signoff" not in _history(app, p)
    # the same report with a number that fits waits for the leader (202), who approves it
    resp = Api(app, w.tokens["d_officer"]).post(f"/tasks/{p}/complete", {
        "completed_on": w.today.isoformat(), "result_summary": "Xong",
        "result_document_number": "1" * 64})
    assert resp.status_code == 202 and _task(app, p).signoff_action == "report_completion"
    with app.app_context():
        leader = Browser(app, db.session.get(User, w.users["d_leader"]))
    assert leader.post("/tasks/act/", data={"id": p, "action": "approve_signoff"}).status_code == 302
    task = _task(app, p)
    assert (task.state, task.result_document_number) == (S.pending_verification, "1" * 64)


def test_a_held_report_kept_before_the_check_is_refused_on_approval_not_a_server_error(app):
    """A report stored for sign-off before lengths were checked: the leader's approval gets a
    message and the report keeps waiting (the officer can be asked to send it again)."""
    w = iu.build(app)
    p = w.tasks["P"]
    with app.app_context():
        task = db.session.get(Task, p)
        task.signoff_action = "report_completion"
        task.signoff_data = {"completed_on": w.today.isoformat(), "result_summary": "Xong",
                             "result_document_number": "1" * 65, "result_document_date": None}
        db.session.commit()
        leader = Browser(app, db.session.get(User, w.users["d_leader"]))
    resp = leader.post("/tasks/act/", data={"id": p, "action": "approve_signoff"})
    assert resp.status_code == 302
    assert any("64" in message for message in _flashes(leader))
    task = _task(app, p)
    assert (task.state, task.signoff_action) == (S.in_progress, "report_completion")


# --- the screens -----------------------------------------------------------------------------

def test_entry_screen_shows_the_overlong_number_beside_its_field(app, world):
    with app.app_context():
        br = Browser(app, db.session.get(User, world.users["specialist"]))
    before = snapshot(app)
    resp = br.post("/documents/enter/", data={
        "doc_type": "ke_hoach", "number": "9" * 500, "summary": "Kế hoạch", "issued_on": "02/03/2026",
        "signer": "Trần Văn Phúc", "tracked": "y", "tasks-0-content": "Rà soát",
        "tasks-0-lead_unit_id": str(world.units.snv), "tasks-0-deadline": "31/12/2026"})
    assert resp.status_code == 422
    assert "tối đa 64 ký tự" in resp.get_data(as_text=True)
    assert snapshot(app) == before


def test_task_page_completion_and_urging_refuse_overlong_numbers(app, world):
    task_id = world.tasks["in_progress"]
    with app.app_context():
        leader = Browser(app, db.session.get(User, world.users["snv_leader"]))
        specialist = Browser(app, db.session.get(User, world.users["specialist"]))
    _on_page(specialist, f"/tasks/details/?id={task_id}")
    resp = leader.post("/tasks/act/", data={
        "id": task_id, "action": "report_completion", "completed_on": world.today.isoformat(),
        "result_summary": "Xong", "result_document_number": "1" * 65})
    assert resp.status_code == 302 and any("64" in m for m in _flashes(leader))
    assert _task(app, task_id).state == S.in_progress
    resp = specialist.post("/tasks/act/", data={
        "id": task_id, "action": "urge", "channel": "phone", "note": "Đề nghị báo cáo",
        "document_number": "2" * 65})
    assert resp.status_code == 302
    assert any("64" in m for m in _flashes(specialist))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Urging)) == 0


def test_document_edit_screen_refuses_an_overlong_number(app, world):
    with app.app_context():
        br = Browser(app, db.session.get(User, world.users["specialist"]))
        doc = db.session.get(Document, world.doc)
        data = {"doc_type": doc.doc_type.value, "number": "9" * 65, "issuer": doc.issuer,
                "summary": doc.summary, "issued_on": doc.issued_on.isoformat(),
                "signer": "", "tracked": "y"}
    _on_page(br, f"/documents/edit/?id={world.doc}")
    resp = br.post(f"/documents/edit/?id={world.doc}", data=data)
    assert resp.status_code == 200  # the form again, the number marked
    assert "Quá dài: tối đa 64 ký tự (đã nhập 65)" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Document, world.doc).number == "15/UBND-TH"


@pytest.fixture
def admin(app):
    with app.app_context():
        office = make_unit("VP", UnitCategory.office)
        user = make_user(Role.admin, office)
        db.session.commit()
        return Browser(app, user), office.id, office.kind_id


@pytest.mark.parametrize("url, data, field", [
    ("/users/new/", {"username": "canbo.moi", "full_name": "Ă" * 121, "role": "unit_staff",
                     "password": "Mat-khau-moi-1", "language": ""}, "full_name"),
    ("/users/new/", {"username": "canbo.moi", "full_name": "Cán bộ", "phone": "9" * 33,
                     "role": "unit_staff", "password": "Mat-khau-moi-1", "language": ""}, "phone"),
    ("/units/new/", {"code": "S" * 33, "name": "Sở Y tế", "sort_order": "5"}, "code"),
    ("/units/new/", {"code": "SYT", "name": "Ở" * 256, "sort_order": "5"}, "name"),
    ("/calendar/new/", {"day": "2026-09-03", "kind": "holiday", "name": "Nghỉ" * 60,
                        "legal_basis": ""}, "name"),
])
def test_admin_screens_refuse_overlong_texts_with_a_form_error(app, admin, url, data, field):
    br, unit_id, kind_id = admin
    data = {**data, "unit": str(unit_id), "kind": data.get("kind", str(kind_id))}
    with app.app_context():
        counts = {model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                  for model in (User, Unit, CalendarOverride)}
    resp = br.post(url, data=data)
    assert resp.status_code == 200  # the form again, with its error
    length = max_length(getattr(User if "users" in url else Unit if "units" in url
                                else CalendarOverride, field))
    assert f"Quá dài: tối đa {length} ký tự (đã nhập {len(data[field])})" in resp.get_data(
        as_text=True)
    with app.app_context():
        assert counts == {model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                          for model in (User, Unit, CalendarOverride)}


# --- services the screens call (inspection, feedback) ----------------------------------------

def test_inspection_decisions_and_members_refuse_overlong_texts(ctx):
    office = make_unit("VP", UnitCategory.office)
    leader = make_user(Role.leader, office)
    specialist = make_user(Role.office_specialist, office)
    plan = InspectionPlan(year=2026, title="Kế hoạch kiểm tra", status=InspectionStatus.draft)
    db.session.add(plan)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        inspection.approve_plan(leader, plan, decision_number="1" * 65, decision_date="2026-03-02")
    assert "decision_number" in refused.value.fields and "64" in refused.value.message
    db.session.rollback()
    assert (plan.status, plan.decision_number) == (InspectionStatus.draft, "")
    with pytest.raises(DomainError):
        inspection.prepare_plan(specialist, InspectionPlan(year=2026, title="T" * 256),
                                is_created=True)
    db.session.rollback()
    team = InspectionTeam(name="Đoàn kiểm tra", kind="ad_hoc", ground="Chỉ đạo",
                          lead_id=specialist.id, status=InspectionStatus.draft)
    db.session.add(team)
    db.session.flush()
    for fields, key in (({"external_name": "N" * 121}, "external_name"),
                        ({"external_name": "Nguyễn Văn A", "external_organisation": "O" * 256},
                         "external_organisation"),
                        ({"external_name": "Nguyễn Văn A", "position": "P" * 121}, "position")):
        with pytest.raises(DomainError) as refused:
            inspection.add_member(specialist, team, **fields)
        assert key in refused.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InspectionMember)) == 0


def test_feedback_answer_refuses_an_overlong_document_number(ctx):
    office = make_unit("VP", UnitCategory.office)
    district = make_unit("HBT", UnitCategory.district)
    specialist = make_user(Role.office_specialist, office)
    author = make_user(Role.unit_staff, district)
    task = make_task(make_unit("SNV"), state=S.in_progress, document=make_document())
    item = Feedback(task_id=task.id, from_unit_id=district.id, author_id=author.id,
                    content="Chậm triển khai")
    db.session.add(item)
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        feedback.answer_feedback(specialist, item, kind="urging_document", answer="Đã đôn đốc",
                                 document_number="1" * 65)
    assert set(refused.value.fields) == {"answer_document_number"}
    assert item.answered_at is None and item.answer_document_number == ""


def test_token_names_filter_names_and_area_feedback_use_the_one_length_rule(ctx):
    """An API token's name, a saved filter's name and the matter of a district's feedback
    are refused with the same message as every other text (lengths.check_lengths), read from
    their columns; nothing is written."""
    from cddh.models import ApiToken, SavedFilter
    from cddh.services import saved_filters, tokens
    from cddh.services.lengths import too_long_message

    office = make_unit("VP", UnitCategory.office)
    district = make_unit("HBT", UnitCategory.district)
    department = make_unit("SNV")
    specialist = make_user(Role.office_specialist, office)
    author = make_user(Role.unit_staff, district)
    db.session.commit()
    cases = [
        (ApiToken.name, "name", lambda text: tokens.issue_token(specialist, text)),
        (SavedFilter.name, "name",
         lambda text: saved_filters.save(specialist, text, "flt0_0=assigned")),
        (Feedback.matter, "matter", lambda text: feedback.file_area_feedback(
            author, about_unit_id=department.id, matter=text, content="Chậm triển khai")),
    ]
    for column, field, call in cases:
        length = max_length(column)
        with pytest.raises(DomainError) as refused:
            call("Ạ" * (length + 1))
        assert refused.value.fields == {field: too_long_message(column, length, length + 1)}
        db.session.rollback()
        call("Ạ" * length)  # a text that fills its column is kept
        db.session.rollback()
    for model in (ApiToken, SavedFilter, Feedback):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    with pytest.raises(DomainError) as refused:
        saved_filters.save(specialist, "Lọc\x00", "flt0_0=assigned")
    assert set(refused.value.fields) == {"name"}


# --- the command line ------------------------------------------------------------------------

@pytest.mark.parametrize("args, absent", [
    (["create-user", "canbo.moi", "--role", "unit_staff", "--unit-code", "VP",
      "--password", "Mat-khau-moi-1", "--full-name", "Ă" * 121], (User, "canbo.moi")),
    (["create-unit", "SYT", "Ở" * 256, "--kind", "department"], (Unit, "SYT")),
    (["create-unit", "S" * 33, "Sở Y tế", "--kind", "department"], (Unit, "S" * 33)),
])
def test_command_line_refuses_overlong_texts_with_a_message(app, args, absent):
    with app.app_context():
        make_unit("VP", UnitCategory.office)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["cddh", *args])
    assert result.exit_code != 0
    assert "characters" in result.output or "ký tự" in result.output, result.output
    assert "Traceback" not in result.output
    model, key = absent
    column = model.username if model is User else model.code
    with app.app_context():
        assert db.session.scalar(sa.select(model.id).where(column == key)) is None
