"""The page's frame (issue 13): the main menu and the scripts' addresses are rendered once per
role, screen and language and kept (``memo.kept_html``). What each page shows must stay what
it would render itself: a role's own screens, the current screen marked, the user's
language; nothing of one user carried to another."""

from __future__ import annotations

import re

from cddh.models import Role, UnitCategory, db

from .conftest import make_unit, make_user

MENU = re.compile(r'<ul class="nav navbar-nav mr-auto">(.*?)</ul>\s*<ul class="nav navbar-nav navbar-right">',
                  re.S)
ACTIVE = re.compile(r'class="dropdown-item active[^"]*"\s+href="([^"]+)"')


def _menu(html: str) -> str:
    found = MENU.search(html)
    assert found, html[:2000]
    return found.group(1)


def _users(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        snv = make_unit("SNV", name="Sở Nội vụ")
        users = {"admin": make_user(Role.admin, office),
                 "office": make_user(Role.office_specialist, office),
                 "unit": make_user(Role.unit_staff, snv)}
        db.session.commit()
        for user in users.values():
            user.id  # noqa: B018  (loads the row before the context ends)
        return users


def test_each_role_sees_its_own_screens_whoever_came_first(app, browser):
    users = _users(app)
    admin, unit = browser(users["admin"]), browser(users["unit"])
    # The admin's menu is rendered (and kept) first; the unit user's must not be it.
    admin_menu = _menu(admin.get("/tasks/").get_data(as_text=True))
    unit_menu = _menu(unit.get("/tasks/").get_data(as_text=True))
    assert 'href="/users/"' in admin_menu
    assert 'href="/users/"' not in unit_menu
    assert 'href="/tasks/"' in unit_menu
    # And the other way round on another screen.
    unit_menu = _menu(unit.get("/documents/").get_data(as_text=True))
    admin_menu = _menu(admin.get("/documents/").get_data(as_text=True))
    assert 'href="/users/"' in admin_menu and 'href="/users/"' not in unit_menu


def test_the_current_screen_is_marked(app, browser):
    users = _users(app)
    office = browser(users["office"])
    for url in ("/tasks/", "/documents/", "/tasks/", "/documents/"):
        menu = _menu(office.get(url).get_data(as_text=True))
        assert ACTIVE.findall(menu) == [url]


def test_the_menu_follows_the_users_language(app, browser):
    users = _users(app)
    office = browser(users["office"])
    menu = _menu(office.get("/tasks/").get_data(as_text=True))
    assert "Nhiệm vụ" in menu and ">Tasks<" not in re.sub(r"\s+", "", menu)
    response = office.post("/language", data={"language": "en", "next": "/tasks/"})
    assert response.status_code == 302
    page = office.get("/tasks/").get_data(as_text=True)
    menu = _menu(page)
    assert "Tasks" in menu and "Nhiệm vụ" not in menu
    # The scripts' locale data is the page's language too.
    assert re.search(r'data-datepicker="[^"]*Apply', page)
    office.post("/language", data={"language": "vi", "next": "/tasks/"})
    page = office.get("/tasks/").get_data(as_text=True)
    assert "Nhiệm vụ" in _menu(page) and "Áp dụng" in page
