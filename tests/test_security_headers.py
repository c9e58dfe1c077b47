"""Security headers on every kind of response, and no Content-Security-Policy violation in
real Chromium on the main pages of every role (issue 10, finding 6)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Response

from cddh.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from cddh.models import PeriodReport, ReportStatus, Role, UnitCategory, db
from cddh.security import security_headers

from .browser import chromium, live_server  # noqa: F401 - fixtures
from .conftest import make_task, make_unit, make_user

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_headers(resp, what):
    for name, value in EXPECTED.items():
        assert resp.headers.get(name) == value, (what, name, resp.headers.get(name))
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, (what, csp)
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0], what
    assert "Strict-Transport-Security" not in resp.headers  # not outside production


def test_every_page_type_carries_the_headers(app, browser):
    with app.app_context():
        vp = make_unit("VP", UnitCategory.office)
        snv = make_unit("SNV")
        admin = make_user(Role.admin, vp)
        staff = make_user(Role.unit_staff, snv)
        task = make_task(snv)
        db.session.commit()
        admin.id, staff.id  # noqa: B018  (loads the row before the context ends)
        task_id = task.id
    anonymous = app.test_client()
    pages = {
        "login page": anonymous.get("/login"),
        "redirect to login": anonymous.get("/tasks/"),
        "public page": anonymous.get("/public/"),
        "not found": anonymous.get("/no-such-page"),
        "static file": anonymous.get("/static/js/charts.js"),
        "api json": anonymous.get("/api/v1/openapi.json"),
        "api error": anonymous.get("/api/v1/me"),
    }
    me = browser(admin)
    pages.update({
        "home": me.get("/"),
        "list": me.get("/tasks/"),
        "details": me.get(f"/tasks/details/?id={task_id}"),
        "edit form": me.get(f"/tasks/edit/?id={task_id}"),
        "csv export": me.get("/tasks/export/csv/"),
        "xlsx download": me.get("/documents/import/template.xlsx"),
        "post redirect": me.post("/notifications/read-all/"),
        "forbidden": browser(staff).get("/units/"),
    })
    for what, resp in pages.items():
        assert resp.status_code < 500, what
        assert_headers(resp, what)


def test_hsts_is_sent_in_production_only():
    assert "Strict-Transport-Security" in security_headers(Response(), production=True).headers
    assert "Strict-Transport-Security" not in security_headers(Response(),
                                                               production=False).headers


def test_no_template_has_inline_script_or_handlers():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|"
                        r"\son(?:click|load|submit|change|error|input|focus|blur|key\w+|mouse\w+)\s*=|"
                        r"javascript:", re.I)
    found = [f"{p.relative_to(root)}: {m.group(0)}" for p in root.rglob("*.html")
             for m in inline.finditer(p.read_text(encoding="utf-8"))]
    assert not found, found


# --- real Chromium: no CSP violation on the main pages of every role -----------------------

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""
MAX_PAGES_PER_ROLE = 10


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo(task_count=40, today=dt.date(2026, 11, 25))
        report = db.session.scalar(sa.select(PeriodReport).limit(1))
        if report is not None:
            report.status = ReportStatus.published
        db.session.commit()


def _visit_all(page, server, start_paths, violations, console):
    seen, queue = set(), list(start_paths)
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        page.goto(server.url + path)
        page.wait_for_load_state("load")
        violations.extend(f"{path}: {v}" for v in page.evaluate("window.__csp || []"))
        links = page.eval_on_selector_all(
            "nav a[href], a.nav-link[href], a.dropdown-item[href], table a[href]",
            "els => els.map(e => e.getAttribute('href'))")
        for href in links:
            if (href and href.startswith("/") and not href.startswith(("/static", "/api"))
                    and "export" not in href and ".xlsx" not in href and href not in seen):
                queue.append(href)
    return seen


def test_no_csp_violation_in_chromium_for_any_role(app, demo, chromium, live_server):  # noqa: F811
    violations, console, visited = [], [], {}
    for username, *_rest in [*DEMO_ACCOUNTS, ("anonymous",)]:
        context = chromium.new_context(locale="vi-VN")
        context.add_init_script(LISTEN)
        page = context.new_page()
        page.on("console", lambda msg: console.append(msg.text) if (
            "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text) else None)
        if username == "anonymous":
            starts = ["/login", "/public/"]
            with app.app_context():
                published = db.session.scalar(sa.select(PeriodReport.id).where(
                    PeriodReport.status == ReportStatus.published))
            if published:
                starts.append(f"/public/reports/{published}")
        else:
            page.goto(f"{live_server.url}/login")
            page.fill("#username", username)
            page.fill("#password", DEMO_PASSWORD)
            page.click("button[type=submit].btn-primary")
            page.wait_for_load_state("load")
            starts = ["/", "/tasks/", "/documents/", "/notifications/", "/documents/enter/",
                      "/dashboard/", "/period_reports/", "/inspection_teams/"]
        visited[username] = _visit_all(page, live_server, starts, violations, console)
        context.close()
    assert not violations, violations[:20]
    assert not console, console[:20]
    assert all(len(pages) >= (2 if user == "anonymous" else 5)
               for user, pages in visited.items()), visited
