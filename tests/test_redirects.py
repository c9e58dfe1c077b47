"""Issue 10, finding 1: no user-supplied redirect target leads off the site (login ``next``,
the language switch, a notification page's referrer, Flask-Admin's ``url``)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from cddh.models import Role, UnitCategory, db

from .conftest import CSRF_RE, TEST_PASSWORD, make_unit, make_user

# Each is followed by a browser to another host (or breaks the Location header).
ATTACKS = [
    "/\t/evil.example/phish",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "\x00/evil.example",
    "/\u3000/evil.example",
    "evil.example",
]


def _offsite(location: str) -> bool:
    """Would a browser leave the site for this Location? (the WHATWG parser's view: tabs
    and newlines removed, leading controls and spaces stripped, a backslash is a slash)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).lstrip("".join(map(chr, range(33))))
    resolved = urlsplit(urljoin("http://localhost/page/", cleaned.replace("\\", "/")))
    return resolved.scheme != "http" or resolved.netloc != "localhost"


def _login_page(client, next_value):
    page = client.get("/login", query_string={"next": next_value})
    if "\x00" in next_value:  # refused whole before any view (cddh.security)
        assert page.status_code == 400
        page = client.get("/login")
    return CSRF_RE.search(page.get_data(as_text=True)).group(1)


@pytest.fixture
def unit_user(app):
    with app.app_context():
        user = make_user(Role.unit_staff, make_unit("SA"), username="canbo.a")
        db.session.commit()
        return user.username


def _stays_on_site(resp, target) -> None:
    """A redirect, to this site; or, for a target carrying NUL (text no database can store),
    the whole request refused with 400 before any view (cddh.security): no redirect at all."""
    if "\x00" in target and resp.status_code == 400:
        return
    assert resp.status_code == 302, resp.status_code
    assert not _offsite(resp.headers["Location"]), resp.headers["Location"]


@pytest.mark.parametrize("target", ATTACKS, ids=repr)
def test_login_never_redirects_off_site(app, unit_user, target):
    client = app.test_client()
    token = _login_page(client, target)
    resp = client.post("/login", query_string={"next": target},
                       data={"username": unit_user, "password": TEST_PASSWORD, "csrf_token": token})
    _stays_on_site(resp, target)


def test_login_url_encoded_newline_does_not_fail(app, unit_user):
    """``POST /login?next=/%0a/x`` answered 500 (a newline in the Location header)."""
    client = app.test_client()
    token = _login_page(client, "/")
    resp = client.post("/login?next=/%0a/x",
                       data={"username": unit_user, "password": TEST_PASSWORD, "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_login_follows_a_path_on_the_site(app, unit_user):
    client = app.test_client()
    token = _login_page(client, "/tasks/?page=2")
    resp = client.post("/login", query_string={"next": "/tasks/?page=2"},
                       data={"username": unit_user, "password": TEST_PASSWORD, "csrf_token": token})
    assert resp.headers["Location"] == "/tasks/?page=2"


@pytest.mark.parametrize("target", ATTACKS, ids=repr)
def test_language_switch_never_redirects_off_site(app, target):
    client = app.test_client()
    token = _login_page(client, "/")
    resp = client.post("/language", data={"language": "en", "next": target, "csrf_token": token})
    _stays_on_site(resp, target)


def test_language_switch_returns_to_the_page(app):
    client = app.test_client()
    token = _login_page(client, "/")
    resp = client.post("/language", data={"language": "en", "next": "/public/?y=2026",
                                          "csrf_token": token})
    assert resp.headers["Location"] == "/public/?y=2026"


@pytest.mark.parametrize("referrer", ["https://evil.example/x", "/\t/evil.example",
                                      "http://localhost.evil.example/"], ids=repr)
def test_mark_all_read_ignores_a_foreign_referrer(app, browser, referrer):
    with app.app_context():
        user = make_user(Role.unit_staff, make_unit("SA"))
        db.session.commit()
    br = browser(user)
    resp = br.post("/notifications/read-all/", headers={"Referer": referrer})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/notifications/"


def test_mark_all_read_returns_to_a_page_of_the_site(app, browser):
    with app.app_context():
        user = make_user(Role.unit_staff, make_unit("SA"))
        db.session.commit()
    br = browser(user)
    resp = br.post("/notifications/read-all/", headers={"Referer": "http://localhost/tasks/"})
    assert resp.headers["Location"] == "/tasks/"


@pytest.mark.parametrize("target", ATTACKS, ids=repr)
def test_admin_screens_url_parameter_stays_on_site(app, browser, target):
    """Flask-Admin returns to ``?url=`` after create, edit, delete and actions."""
    with app.app_context():
        admin = make_user(Role.admin, make_unit("VP", UnitCategory.office))
        db.session.commit()
    br = browser(admin)
    resp = br.post("/calendar/new/", query_string={"url": target},
                   data={"day": "2026-09-03", "kind": "day_off", "name": "Nghỉ bù",
                         "legal_basis": ""})
    _stays_on_site(resp, target)
