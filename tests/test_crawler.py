"""A crawler over the screens with bad input (issue 10, finding 11).

As each role of the demo (and anonymously), start at the home page, follow every same-site
link and GET form, then send every discovered URL again with each query parameter (and each
field of its GET forms, and the list screens' usual parameters) replaced by bad values: huge
and negative numbers, Unicode digits, garbage filter values, far dates, long and NUL text.
Every POST form found is also submitted (with its CSRF token) with each field in turn set to a
bad value. No answer may be a server error. Capped per role to stay within a minute or two.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
import sqlalchemy as sa

from cddh.demo import DEMO_ACCOUNTS
from cddh.models import User, db

from .conftest import Browser
from .demo_module import TODAY, _clean_after_module, _clean_tables, demo_app  # noqa: F401

MAX_PAGES = 45  # pages followed per role
MAX_REQUESTS = 400  # GET requests per role, crawl and mutations together
MAX_POSTS = 120  # POST form submissions per role

BAD_VALUES = ["99999999999999999999", "²", "garbage", "9999-12-31", "-1", "\x00", "x" * 3000,
              "٣", "0000-00-00", "1e309"]
# Parameters every Flask-Admin list understands, tried on every list screen.
LIST_PARAMS = ["id", "page", "sort", "desc", "search", "flt0_0", "flt1_1", "flt2_5",
               "flt0_99", "page_size"]
SKIP = ("/static/", "/logout", "/language", "/api/", "/login")

HREF_RE = re.compile(r'\bhref="([^"#][^"]*)"')
FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ATTR_RE = re.compile(r'\b(\w[\w-]*)="([^"]*)"')
FIELD_RE = re.compile(r"<(?:input|select|textarea)\b([^>]*)>", re.I)
OPTION_RE = re.compile(r"<option\b([^>]*)>", re.I)


def _attrs(text: str) -> dict[str, str]:
    return {k.lower(): unescape(v) for k, v in ATTR_RE.findall(text)}


def _same_site(base: str, href: str) -> str | None:
    url = urljoin(base, unescape(href))
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
        return None
    path = parts.path or "/"
    if any(path.startswith(s) for s in SKIP):
        return None
    return path + ("?" + parts.query if parts.query else "")


def _post_fields(body: str) -> dict[str, str]:
    """The fields of a POST form with a plausible value each (its own, or a select's first
    option), as a browser would send them."""
    fields = {}
    for match in re.finditer(r"<(input|select|textarea)\b([^>]*)>", body, re.I):
        attrs = _attrs(match.group(2))
        name = attrs.get("name")
        if not name or name in fields:
            continue
        if match.group(1).lower() == "select":
            options = OPTION_RE.findall(body[match.end():match.end() + 20000])
            values = [_attrs(o).get("value", "") for o in options]
            fields[name] = next((v for v in values if v), "")
        else:
            fields[name] = attrs.get("value", "")
    return fields


def discover(page_url: str, html: str):
    """The links of a page, its GET forms (action, field names) and its POST forms (action,
    fields)."""
    links = [u for h in HREF_RE.findall(html) if (u := _same_site(page_url, h))]
    forms, posts = [], []
    for attrs_text, body in FORM_RE.findall(html):
        attrs = _attrs(attrs_text)
        action = _same_site(page_url, attrs.get("action") or page_url)
        if action is None:
            continue
        if attrs.get("method", "get").lower() == "post":
            posts.append((action, _post_fields(body)))
            continue
        names = [a["name"] for f in FIELD_RE.findall(body) if (a := _attrs(f)).get("name")]
        forms.append((action, names))
    return links, forms, posts


def mutations(url: str, extra_names: list[str]) -> list[str]:
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    names = list(dict.fromkeys([k for k, _ in params] + extra_names))
    out = []
    for name in names:
        for bad in BAD_VALUES:
            changed = [(k, bad if k == name else v) for k, v in params]
            if name not in dict(params):
                changed.append((name, bad))
            out.append(parts.path + "?" + urlencode(changed))
    return out


def crawl(browser: Browser) -> tuple[int, list[str]]:
    """Crawl and mutate; the number of requests and the URLs that gave a server error."""
    seen_pages, seen_requests, errors = set(), set(), []
    queue = deque(["/"])
    form_fields: dict[str, set[str]] = {}
    post_forms: dict[tuple, tuple[str, dict]] = {}
    pages = 0
    requests = 0

    def fetch(url):
        nonlocal requests
        requests += 1
        seen_requests.add(url)
        try:
            resp = browser.get(url)
            # Read a streamed body (an export) to its end, and close it: an error half way
            # is a server error too, and no generator is left to be collected later.
            resp.get_data()
            resp.close()
        except Exception as exc:  # the test app propagates a server error as its exception
            errors.append(f"{type(exc).__name__}: {str(exc)[:120]} {url[:200]}")
            db.session.rollback()
            return None
        if resp.status_code >= 500:
            errors.append(f"{resp.status_code} {url[:200]}")
        return resp

    while queue and pages < MAX_PAGES and requests < MAX_REQUESTS:
        url = queue.popleft()
        key = (urlsplit(url).path, tuple(sorted(k for k, _ in parse_qsl(urlsplit(url).query))))
        if key in seen_pages:
            continue
        seen_pages.add(key)
        resp = fetch(url)
        pages += 1
        if resp is None or resp.status_code != 200 or "html" not in (resp.content_type or ""):
            continue
        links, forms, found_posts = discover(url, resp.get_data(as_text=True))
        queue.extend(links)
        for action, fields in found_posts:
            post_key = (urlsplit(action).path, tuple(sorted(fields)))
            if post_key not in post_forms:
                post_forms[post_key] = (action, fields)
        for action, names in forms:
            form_fields.setdefault(urlsplit(action).path, set()).update(names)
            queue.append(action)
    # Bad values for every parameter of every page found, spread over the pages.
    plans = []
    for path_key, _params in sorted(seen_pages):
        extra = sorted(form_fields.get(path_key, ()))
        if path_key.rstrip("/").count("/") <= 2 and not path_key.startswith("/public"):
            extra += LIST_PARAMS
        base = path_key + ("?" + urlencode([(k, "1") for k in _params]) if _params else "")
        plans.append(mutations(base, extra))
    index = 0
    while requests < MAX_REQUESTS and any(index < len(p) for p in plans):
        for plan in plans:
            if index < len(plan) and requests < MAX_REQUESTS and plan[index] not in seen_requests:
                fetch(plan[index])
        index += 1
    # POST forms: each field in turn gets a bad value (the values rotate over the fields).
    submissions = []
    for action, fields in post_forms.values():
        names = [n for n in fields if n != "csrf_token"]
        for i, name in enumerate(names):
            submissions.append((action, {**fields, name: BAD_VALUES[i % len(BAD_VALUES)]}))
    posts = 0
    for action, data in submissions[:MAX_POSTS]:
        posts += 1
        try:
            resp = browser.client.post(action, data=data)
        except Exception as exc:  # noqa: BLE001 - the test app propagates a server error
            errors.append(f"POST {type(exc).__name__}: {str(exc)[:120]} {action[:120]} "
                          f"{sorted(k for k, v in data.items() if v in BAD_VALUES)}")
            db.session.rollback()
            continue
        if resp.status_code >= 500:
            errors.append(f"POST {resp.status_code} {action[:120]}")
    return requests + posts, errors


@pytest.mark.parametrize("username", [a[0] for a in DEMO_ACCOUNTS] + ["anonymous"])
def test_no_server_error_on_bad_input(demo_app, username):
    with demo_app.app_context():
        user = (None if username == "anonymous" else
                db.session.scalar(sa.select(User).where(User.username == username)))
        browser = Browser(demo_app, user)
        requests, errors = crawl(browser)
        db.session.rollback()
    assert requests >= 50, f"the crawl of {username} found too little ({requests} requests)"
    assert not errors, f"{len(errors)} server errors of {requests} requests:\n" + "\n".join(
        errors[:40])
