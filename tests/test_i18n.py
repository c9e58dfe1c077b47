"""Vietnamese by default, English on request: the catalogue is complete and the screens use it.

A developer who wraps a new string in ``_()`` and forgets to translate it gets a failing test
naming the string: run ``bin/translations``, fill the Vietnamese ``msgstr`` and run it again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from cddh.catalogs import compile_catalogs as _compile_catalogs
from cddh.models import Role, TaskState, UnitCategory, db

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "cddh" / "translations"
VI_PO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
# The same directories bin/translations leaves out; babel.cfg says what is scanned and how.
IGNORE_DIRS = ".* ._ __pycache__ tests migrations bench instance node_modules"
# Translations that are rightly plain ASCII (codes, brand names); add with care.
ASCII_TRANSLATIONS: frozenset[str] = frozenset()
# %(name)s, %d, %% ... as Python's %-formatting reads them.
PLACEHOLDER_RE = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
# Citations of the regulation ("Đ7.1a" = Điều 7, khoản 1, điểm a) stay as written.
CITATION_RE = re.compile(r"Đ\d+(?:\.\d+)?[a-zđ]?")


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Build the .mo files that are missing or stale (Flask-Babel caches catalogues per app:
    this runs before the first app of the test session renders a page)."""
    return _compile_catalogs(directory)


compile_catalogs()


def read_catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def placeholders(text: str | tuple) -> Counter:
    texts = text if isinstance(text, tuple | list) else (text,)
    found = Counter()
    for part in texts:
        for name, conversion in PLACEHOLDER_RE.findall(part or ""):
            if conversion != "%":
                found[f"%({name}){conversion}" if name else f"%{conversion}"] += 1
        found.update(CITATION_RE.findall(part or ""))
    return found


def same_placeholders(msgid, msgstr) -> bool:
    if isinstance(msgid, tuple):  # plural forms: each name is used, in whichever form
        return set(placeholders(msgid)) == set(placeholders(msgstr))
    return placeholders(msgid) == placeholders(msgstr)


def where(message) -> str:
    """file:line of each use, relative to the checkout."""
    return ", ".join(f"{Path(path).resolve().relative_to(ROOT)}:{line}"
                     for path, line in message.locations) or "?"


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    """Every msgid the source wraps today, extracted like `bin/translations extract`."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    status = CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"),
        "-k", "_l", "-k", "lazy_gettext", f"--ignore-dirs={IGNORE_DIRS}",
        "-o", str(pot), str(ROOT),
    ])
    assert not status, "pybabel extract failed"
    messages = [m for m in read_catalog(pot) if m.id]
    assert len(messages) > 50, "extraction found almost nothing: is babel.cfg right?"
    return messages


# --- the catalogue ---------------------------------------------------------------------------

def test_every_source_string_has_a_vietnamese_translation(source_messages):
    vi = read_catalog(VI_PO)
    problems = []
    for message in source_messages:
        entry = vi.get(message.id)
        strings = entry.string if entry is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None:
            problems.append(f"not in vi/messages.po (run bin/translations): {message.id!r} "
                            f"at {where(message)}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {message.id!r} at {where(message)}")
        elif not all(s.strip() for s in strings):
            problems.append(f"untranslated: {message.id!r} at {where(message)}")
    assert not problems, "Vietnamese catalogue incomplete:\n" + "\n".join(problems)


def test_translations_keep_the_placeholders_and_citations():
    problems = [
        f"{m.id!r}: {dict(placeholders(m.id))} ≠ {dict(placeholders(m.string))}"
        for m in read_catalog(VI_PO)
        if m.id and m.string and not same_placeholders(m.id, m.string)
    ]
    assert not problems, ("placeholders or citations differ between msgid and msgstr:\n"
                          + "\n".join(problems))


def test_vietnamese_is_written_with_its_diacritics():
    """A translation typed without accents ("Nhiem vu") reads as a mistake to every user."""
    unaccented = [
        f"{m.id!r} → {m.string!r}" for m in read_catalog(VI_PO)
        if m.id and m.string and re.search(r"[A-Za-z]{2}", str(m.string))
        and not re.search(r"[^\x00-\x7f]", str(m.string)) and m.id not in ASCII_TRANSLATIONS
    ]
    assert not unaccented, "Vietnamese without diacritics:\n" + "\n".join(unaccented)


def test_both_languages_have_a_catalogue():
    for po_path in (VI_PO, EN_PO):
        assert po_path.exists(), f"{po_path.relative_to(ROOT)} is missing: run bin/translations"
        assert po_path.with_suffix(".mo").exists()
    assert str(read_catalog(VI_PO).locale) == "vi"
    assert str(read_catalog(EN_PO).locale) == "en"


def test_compile_catalogs_rebuilds_a_stale_file(tmp_path):
    lc = tmp_path / "vi" / "LC_MESSAGES"
    lc.mkdir(parents=True)
    (lc / "messages.po").write_text(VI_PO.read_text(encoding="utf-8"), encoding="utf-8")
    assert compile_catalogs(tmp_path) == [lc / "messages.mo"]
    assert compile_catalogs(tmp_path) == []  # up to date: nothing to do


# --- the screens -----------------------------------------------------------------------------

class TextCollector(HTMLParser):
    """The visible text of a page, one stripped string per text node."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_text(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    parser = TextCollector()
    parser.feed(response.get_data(as_text=True))
    return parser.texts


@pytest.fixture(scope="module")
def english_only_labels():
    """Our msgids whose Vietnamese differs: on a Vietnamese page none may show in English."""
    return {m.id for m in read_catalog(VI_PO)
            if m.id and isinstance(m.id, str) and m.string and m.string != m.id}


def assert_vietnamese(texts: list[str], expected: list[str], english_only_labels: set[str]):
    joined = "\n".join(texts)
    for label in expected:
        assert label in joined, f"{label!r} not on the page"
    leaked = sorted({t for t in texts if t in english_only_labels})
    assert not leaked, f"English labels on a Vietnamese page: {leaked}"


@pytest.fixture
def admin(app, browser):
    # Imported here, not at the top: conftest imports this module for compile_catalogs().
    from .conftest import make_task, make_unit, make_user

    with app.app_context():
        office = make_unit("VP", UnitCategory.office, name="Văn phòng UBND tỉnh")
        user = make_user(Role.admin, office)
        lead = make_unit("STC", name="Sở Tài chính")
        make_task(lead, state=TaskState.in_progress, content="Rà soát đề án",
                  deadline=dt.date.today() + dt.timedelta(days=200))
        db.session.commit()
        return browser(user)


def test_screens_are_vietnamese_by_default(admin, browser, english_only_labels):
    home = visible_text(admin.get("/"))
    assert_vietnamese(home, ["Đăng xuất", "Trang chủ", "Nhiệm vụ", "Hệ thống", "Xin chào"],
                      english_only_labels)
    tasks = visible_text(admin.get("/tasks/"))
    assert_vietnamese(tasks, ["Đơn vị chủ trì", "Thời hạn", "Trạng thái",
                              "Đang thực hiện trong hạn", "(còn "], english_only_labels)
    users = visible_text(admin.get("/users/"))
    assert_vietnamese(users, ["Tên đăng nhập", "Họ và tên", "Vai trò", "Quản trị hệ thống"],
                      english_only_labels)
    login_page = browser(None).get("/login")
    assert 'lang="vi"' in login_page.get_data(as_text=True)
    assert_vietnamese(visible_text(login_page), ["Đăng nhập", "Tên đăng nhập", "Mật khẩu",
                                                 "Theo dõi nhiệm vụ"], english_only_labels)


def test_a_user_can_switch_to_english(admin):
    response = admin.post("/language", {"language": "en", "next": "/"})
    assert response.status_code == 302
    home = "\n".join(visible_text(admin.get("/")))
    for label in ("Log out", "Home", "Tasks", "System", "Hello"):
        assert label in home
    assert "Đăng xuất" not in home
    tasks = "\n".join(visible_text(admin.get("/tasks/")))
    for label in ("Lead unit", "Deadline", "In progress, on time", "days left"):
        assert label in tasks
    admin.post("/language", {"language": "vi", "next": "/"})
    assert "Đăng xuất" in "\n".join(visible_text(admin.get("/")))


def test_an_anonymous_visitor_can_switch_to_english(browser):
    visitor = browser(None)
    visitor.post("/language", {"language": "en", "next": "/login"})
    page = visitor.get("/login")
    text = "\n".join(visible_text(page))
    assert 'lang="en"' in page.get_data(as_text=True)
    for label in ("Log in", "Username", "Password", "Task follow-up"):
        assert label in text
    assert "Đăng nhập" not in text
