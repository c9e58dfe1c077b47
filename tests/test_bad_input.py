"""Bad query input is a 404, 400 or 422 with a message, never a server error (issue 10,
finding 11): ids beyond 64 bits, filter values outside the offered list, Unicode digits and
dates in year 9999, on the screens, the public pages and the API."""

from __future__ import annotations

import pytest

from cddh.models import Role, TaskState, UnitCategory, db
from cddh.services import DomainError
from cddh.services.parsing import parse_date, to_id, to_int

from .conftest import make_task, make_unit, make_user
from .test_api import error_of, new_document, snapshot, world  # noqa: F401 - fixture

HUGE = "99999999999999999999"


def test_parsing_helpers_refuse_what_int_and_isdigit_let_through():
    assert "²".isdigit() and to_id("²") is None and to_id("٣") is None
    assert to_id(HUGE) is None and to_id("0") is None and to_id("-3") is None
    assert to_id(" 42 ") == 42 and to_id(7) == 7 and to_id(True) is None
    assert to_int("-5", -10, 10) == -5 and to_int("11", -10, 10) is None
    with pytest.raises(DomainError):
        parse_date("9999-12-31", "issued_on")
    with pytest.raises(DomainError):
        parse_date("31/12/9999", "deadline")
    assert parse_date("02/03/2026", "x").isoformat() == "2026-03-02"


@pytest.fixture
def office(app):
    with app.app_context():
        vp = make_unit("VP", UnitCategory.office)
        snv = make_unit("SNV")
        user = make_user(Role.admin, vp)
        make_task(snv, state=TaskState.in_progress)
        db.session.commit()
        return user.id


@pytest.mark.parametrize("url", [
    f"/tasks/details/?id={HUGE}",
    f"/tasks/edit/?id={HUGE}",
    "/tasks/details/?id=%C2%B2",
    f"/documents/details/?id={HUGE}",
    f"/progress_updates/?page={HUGE}",
    "/progress_updates/?page=-1",
    f"/tasks/?sort={HUGE}",
    "/tasks/?flt0_0=garbage",
    "/tasks/?flt1_1=garbage",
    f"/tasks/?flt2_2={HUGE}",
    "/tasks/?flt3_3=9999-12-31+to+9999-12-31",
    "/progress_updates/?flt0_0=garbage",
    "/inspection_plans/?flt0_1=garbage",
    "/audit_log/?flt0_1=garbage",
    f"/audit_log/?flt0_1={HUGE}",
    f"/tasks/?unit_id={HUGE}",
    "/tasks/?unit_id=%C2%B2",
    "/tasks/?period=month:%C2%B2:1",
    "/tasks/?search=%00",
    f"/reports/status/?year={HUGE}&number=1",
])
def test_screens_answer_bad_query_input_without_a_server_error(app, office, browser, url):
    with app.app_context():
        from cddh.models import User
        user = db.session.get(User, office)
        resp = browser(user).get(url)
    assert resp.status_code < 500
    assert resp.status_code in (200, 302, 400, 404), resp.status_code


@pytest.mark.parametrize("url", [f"/public/reports/{HUGE}", "/public/reports/-1",
                                 f"/attachments/{HUGE}"])
def test_anonymous_pages_answer_404_for_ids_beyond_any_row(app, url):
    resp = app.test_client().get(url)
    assert resp.status_code in (302, 404)


def test_a_filter_value_outside_the_list_is_dropped_with_a_message(app, office, browser):
    with app.app_context():
        from cddh.models import User
        user = db.session.get(User, office)
        page = browser(user).get("/tasks/?flt0_0=garbage")
    assert page.status_code == 200
    assert "garbage" in page.get_data(as_text=True)  # named in the flashed message


def test_the_api_refuses_a_document_of_year_9999(app, world):  # noqa: F811
    before = snapshot(app)
    resp = world.as_("specialist").post("/documents", new_document(world,
                                                                  issued_on="9999-12-31"))
    assert resp.status_code == 422, resp.get_json()
    assert "issued_on" in error_of(resp)["fields"]
    resp = world.as_("specialist").post("/documents", new_document(
        world, task={"deadline": "9999-12-31"}))
    assert resp.status_code == 422, resp.get_json()
    assert snapshot(app) == before


def test_the_api_refuses_ids_and_integers_beyond_64_bits(world):  # noqa: F811
    api = world.as_("specialist")
    assert api.get(f"/tasks/{HUGE}").status_code == 404
    assert api.get(f"/tasks?limit={HUGE}").status_code == 400
    assert api.get("/tasks?limit=%C2%B2").status_code == 400
    assert api.get("/calendar/working-day?date=9999-12-31").status_code == 400


@pytest.mark.parametrize("path", ["/documents/?search=%00", "/tasks/?search=a%00b",
                                  "/tasks/?flt0_0=%00"])
def test_text_no_database_can_store_is_refused_before_any_view(app, browser, path):
    """PostgreSQL refuses NUL in text: a search, a filter or a form carrying one is a 400
    with the error page, whatever the view (found by the crawler on PostgreSQL)."""
    with app.app_context():
        office = make_unit("VP", UnitCategory.office)
        user = make_user(Role.office_specialist, office)
        db.session.commit()
        client = browser(user)
    assert client.get(path).status_code == 400
    resp = client.post("/tasks/act/", data={"id": "1", "action": "progress",
                                            "content": "x\x00y"})
    assert resp.status_code == 400
