"""Every screen in Vietnamese, in words a user understands (issue 12, section 5).

As each role of the demo, start at the home page and follow every same-site link (the menu,
each list's create, edit and details pages where the role may open them), in ``vi``. No page
may show Flask-Admin's misleading stock wording ("Kỷ lục" for a record, "Vui lòng chọn mẫu",
``__None``, "Với lựa chọn", "Lưu và thêm cái khác"), "Toggle navigation", an English aria
label, "còn 0 ngày", or a raw enum value (``in_progress``, ``office_specialist``...) as the
visible text of a cell or an option of an admin screen.
"""

from __future__ import annotations

import json
import re
from collections import deque
from html import unescape
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import sqlalchemy as sa

from cddh import labels
from cddh.demo import DEMO_ACCOUNTS
from cddh.models import UnitKind, User, db, enums

from .conftest import Browser
from .demo_module import TODAY, _clean_after_module, _clean_tables, demo_app  # noqa: F401

MAX_PAGES = 140  # pages per role: every menu page, and a few rows of each list
SKIP = ("/static/", "/logout", "/language", "/api/", "/login", "/files/", "/health")
EXPORT_RE = re.compile(r"/(export|download|xlsx|csv)(/|$|\.)")

# Stock Flask-Admin Vietnamese that misleads, and English left in the interface.
FORBIDDEN = ["Kỷ lục", "kỷ lục", "Vui lòng chọn mẫu", "__None", "Với lựa chọn",
             "Lưu và thêm cái khác", "Toggle navigation", "còn 0 ngày"]

HREF_RE = re.compile(r'\bhref="([^"#][^"]*)"')
ARIA_RE = re.compile(r'\baria-label="([^"]*)"')
CELL_RE = re.compile(r"<(td|option|dd|li)\b[^>]*>(.*?)</\1>", re.S | re.I)
TAG_RE = re.compile(r"<[^>]+>")
HIDDEN_RE = re.compile(r"<(script|style|template)\b.*?</\1>", re.S | re.I)
# aria labels that are not words of a language: numbers, symbols, codes.
NOT_WORDS_RE = re.compile(r"^[\W\d_]*$")


def enum_values() -> set[str]:
    """The stored values of every closed vocabulary: what a screen must never show raw."""
    values = set()
    for obj in vars(enums).values():
        if isinstance(obj, type) and issubclass(obj, enums.StrEnum) and obj is not enums.StrEnum:
            values.update(member.value for member in obj)
    return values


# Codes too: the audit log's record types (table names) and actions.
ENUM_VALUES = (enum_values() | {table.name for table in db.metadata.sorted_tables}
               | set(labels.AUDIT_ACTION))
FILTERS_RE = re.compile(r'id="filter-groups-data"[^>]*>(.*?)</', re.S)


def visible_text(html: str) -> str:
    """The text a user reads: no scripts or styles, no tags, no attribute values."""
    return unescape(TAG_RE.sub(" ", HIDDEN_RE.sub(" ", html)))


def _same_site(base: str, href: str) -> str | None:
    url = urljoin(base, unescape(href))
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
        return None
    path = parts.path or "/"
    if any(path.startswith(s) for s in SKIP) or EXPORT_RE.search(path):
        return None
    return path + ("?" + parts.query if parts.query else "")


def page_key(url: str) -> tuple:
    """One visit per screen and kind of query (a list's page 2 is its page 1 again), but each
    row's details and edit pages up to a few per list."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    if parts.path.rstrip("/").endswith(("/details", "/edit")):
        return (parts.path, params.get("id"))
    return (parts.path, tuple(sorted(params)))


def problems_of(url: str, html: str, data_words: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with one page. ``data_words`` are values the data itself holds (a login
    name "admin", a unit kind's code "office"): typed by a user, they are not raw codes."""
    found = []
    text = visible_text(html)
    for bad in FORBIDDEN:
        if bad in text:
            found.append(f"{url}: shows {bad!r}")
    for label in ARIA_RE.findall(html):
        label = unescape(label).strip()
        if label.isascii() and not NOT_WORDS_RE.match(label):
            found.append(f"{url}: English aria-label {label!r}")
    is_admin_screen = not urlsplit(url).path.startswith("/public")
    if is_admin_screen:
        body = HIDDEN_RE.sub(" ", html)
        for _tag, inner in CELL_RE.findall(body):
            cell = " ".join(unescape(TAG_RE.sub(" ", inner)).split())
            if cell in ENUM_VALUES and cell not in data_words:
                found.append(f"{url}: raw value {cell!r} in a cell")
        # The list filters' choices (Flask-Admin renders them from this JSON).
        for data in FILTERS_RE.findall(html):
            for group in json.loads(unescape(data)).values():
                for flt in group:
                    for _value, text in flt.get("options") or ():
                        if str(text) in ENUM_VALUES and str(text) not in data_words:
                            found.append(f"{url}: raw value {text!r} in a filter")
    return found


def data_words() -> frozenset[str]:
    names = db.session.scalars(sa.select(User.username)).all()
    codes = db.session.scalars(sa.select(UnitKind.code)).all()
    return frozenset(names) | frozenset(codes)


def crawl(browser: Browser, start: tuple[str, ...] = ("/",)) -> tuple[int, list[str]]:
    words = data_words()
    seen, problems = set(), []
    per_list: dict[str, int] = {}
    queue = deque(start)
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        key = page_key(url)
        if key in seen:
            continue
        path = urlsplit(url).path
        if path.rstrip("/").endswith(("/details", "/edit")):
            if per_list.get(path, 0) >= 3:
                continue
            per_list[path] = per_list.get(path, 0) + 1
        seen.add(key)
        resp = browser.get(url)
        pages += 1
        if resp.status_code != 200 or "html" not in (resp.content_type or ""):
            continue
        html = resp.get_data(as_text=True)
        problems.extend(problems_of(url, html, words))
        for href in HREF_RE.findall(html):
            link = _same_site(url, href)
            if link and page_key(link) not in seen:
                queue.append(link)
    return pages, problems


def test_the_checks_catch_what_they_are_meant_to():
    """The detector itself: a stock string, an English label, a raw value in a cell."""
    html = ('<nav><button aria-label="Toggle navigation"></button></nav>'
            '<table><tr><td>in_progress</td><td><a href="#" title="in_progress">Đang làm</a>'
            '</td></tr></table><p>Kỷ lục được tạo</p><select><option value="__None">__None</option>'
            '</select><div id="filter-groups-data">{"Role": [{"options": [["admin", "admin"]]}]}'
            '</div><table><tr><td>extension_request</td></tr></table>')
    found = "\n".join(problems_of("/x", html))
    assert "Toggle navigation" in found and "raw value 'in_progress'" in found
    assert "Kỷ lục" in found and "__None" in found
    assert "'admin' in a filter" in found and "'extension_request' in a cell" in found
    assert problems_of("/x", '<td title="in_progress">Đang thực hiện</td>'
                       '<button aria-label="Đóng"></button>') == []
    assert {"in_progress", "office_specialist", "pending_verification"} <= ENUM_VALUES


@pytest.mark.parametrize("username", [a[0] for a in DEMO_ACCOUNTS] + ["chutich", "anonymous"])
def test_every_page_speaks_vietnamese(demo_app, username):
    with demo_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is not None:
            user.language = "vi"
            db.session.commit()
        browser = Browser(demo_app, user)
        start = ("/",) if user is not None else ("/login", "/public/", "/password/forgot")
        pages, problems = crawl(browser, start)
        db.session.rollback()
    assert pages >= (10 if user is not None else 2), f"the crawl of {username} found too little"
    unique = list(dict.fromkeys(problems))
    assert not unique, f"{len(unique)} problems on {pages} pages:\n" + "\n".join(unique[:80])


def test_flask_admin_stock_wording_is_corrected(app):
    """Strings the crawl may not meet (a flash after saving, an Ajax select's placeholder):
    Flask-Admin's own gettext, in Vietnamese, gives the app's wording."""
    from flask_admin import babel as admin_babel

    with app.test_request_context("/"):
        texts = {msgid: admin_babel.gettext(msgid) for msgid in (
            "Record was successfully created.", "Please select model", "With selected",
            "Save and Add Another", "Please select at least one record.", "Filter")}
        assert admin_babel.gettext("Save") == "Lưu"  # entries the app leaves alone stay
    for msgid, text in texts.items():
        assert text != msgid, f"{msgid!r} is not translated"
        assert not any(bad in text for bad in FORBIDDEN + ["kỷ lục", "mẫu"]), (msgid, text)
    assert texts["Record was successfully created."] == "Đã tạo thành công."
