"""One truth for the figures (issue 12 §1, docs/figures.md): on the demo database and for three
dates (mid-period, a period's last day, a public holiday), every figure a screen renders as a
link equals the number of rows of the task list it opens, followed through the real task list
view; the API's statistics equal the lists behind the period report's cells; the public page
shows the published report's figures.

Each (date, screen) pair is one test; each collects every mismatch and names it.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask_login import login_user

from cddh.models import PeriodKind, Role, Task, User, db
from cddh.services import reports, statistics, tokens
from cddh.services.periods import period_bounds

from .conftest import Browser, demo_on

DATES = {
    "mid-period": dt.date(2026, 10, 28),
    "period-end": dt.date(2026, 9, 14),  # the cut-off of the third quarter and nine months
    "holiday": dt.date(2026, 9, 2),  # National Day
}
HOME_USERS = ("admin", "chuyenvien", "lanhdao", "giamdoc.snv", "canbo.snv", "canbo.hbt",
              "kiemtra")
SCREENS = (*(f"home:{u}" for u in HOME_USERS), "dashboard", "ranking", "period_report", "api",
           "public")
FIGURE_LINK = re.compile(r'<a\b[^>]*href="(/tasks/\?[^"]*)"[^>]*>\s*([\d.,]+)\s*</a>')
ROW_LINK = re.compile(r'href="/tasks/details/\?id=(\d+)')


@pytest.fixture
def on_date(app, monkeypatch, request):
    """The demo database built for the date, with the app's clock set to that date."""
    today = DATES[request.param]
    monkeypatch.setitem(app.config, "PAGE_SIZE", 100000)
    demo_on(app, monkeypatch, today)
    return today


def _user(app, username) -> Browser:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        user.id  # noqa: B018  (loads the row before the context ends)
        return Browser(app, user)


def _number(text: str) -> int:
    return int(text.replace(".", "").replace(",", ""))


class Checker:
    """Follows figure links through the task list (as the Office's admin, who sees every task,
    or as the user who saw the figure) and records every figure that disagrees."""

    def __init__(self, app):
        self.app = app
        self.counts: dict[tuple, int] = {}
        self.bad: list[str] = []
        self.checked = 0
        self.rendered = False

    def rows(self, browser: Browser, url: str) -> int:
        """The rows of the task list at ``url`` as the browser's user sees it: the first link
        of each screen is rendered and its rows counted; the others are counted with the
        list view's own count query (the same scope and conditions, without rendering)."""
        key = (browser.user.username, url)
        if key not in self.counts:
            if not self.rendered:
                resp = browser.get(url)
                assert resp.status_code == 200, url
                self.counts[key] = len(set(ROW_LINK.findall(resp.get_data(as_text=True))))
                assert self.counts[key] == self.count_query(browser, url), url
                self.rendered = True
            else:
                self.counts[key] = self.count_query(browser, url)
        return self.counts[key]

    def count_query(self, browser: Browser, url: str) -> int:
        view = next(v for v in self.app.extensions["admin"][0]._views
                    if getattr(v, "endpoint", None) == "tasks")
        with self.app.test_request_context(url):
            user = db.session.get(User, browser.user.id)
            login_user(user)
            return view.get_count_query().scalar()

    def page(self, browser: Browser, url: str, where: str) -> str:
        resp = browser.get(url)
        assert resp.status_code == 200, (where, url, resp.status_code)
        body = resp.get_data(as_text=True)
        for href, figure in FIGURE_LINK.findall(body):
            self.expect(browser, unescape(href), _number(figure), where)
        return body

    def expect(self, browser: Browser, url: str, figure: int, where: str) -> None:
        self.checked += 1
        rows = self.rows(browser, url)
        if rows != figure:
            self.bad.append(f"{where}: {url} shows {figure}, its list has {rows} rows")


def _report_period(today: dt.date) -> tuple[int, int]:
    """The quarter the screens default to: the latest that has ended."""
    return reports.last_ended_period(PeriodKind.quarter, today)


@pytest.mark.parametrize("on_date", list(DATES), indirect=True)
def test_every_figure_equals_the_rows_of_its_list(app, on_date):
    """Every screen of SCREENS on one date (the demo is built once per date); a failure lists
    every figure that disagrees, by screen and link."""
    today = on_date
    admin = _user(app, "admin")
    bad = []
    for screen in SCREENS:
        check = Checker(app)
        _check_screen(app, today, screen, check, admin)
        bad += check.bad
    assert not bad, "\n".join(bad)


def _check_screen(app, today, screen, check, admin):
    if screen.startswith("home:"):
        who = _user(app, screen.split(":")[1])
        check.page(who, "/", screen)
    elif screen == "dashboard":
        check.page(admin, "/dashboard/", screen)
        body = admin.get("/dashboard/").get_data(as_text=True)
        # The running month is shown to date; no month that has not begun is shown.
        with app.test_request_context():
            running = reports.dashboard(today)["trend"][-1]
            kind, year, number = running["key"].split(":")
            start, end = period_bounds(kind, int(year), int(number))
        assert start <= today <= end and running["to_date"]
        assert "(đến nay)" in body
    elif screen == "ranking":
        for kind in ("quarter", "month", "year"):
            check.page(admin, f"/ranking/?kind={kind}", f"{screen}:{kind}")
    elif screen == "period_report":
        office = _user(app, "chuyenvien")
        with app.app_context():
            year, number = _report_period(today)
        resp = office.post("/period_reports/draft/", data={"kind": "quarter", "year": year,
                                                          "number": number})
        assert resp.status_code == 302
        body = check.page(office, resp.headers["Location"], screen)
        assert 'id="report-table"' in body
        # A running period (the year) is counted to date.
        resp = office.post("/period_reports/draft/", data={"kind": "year", "year": today.year,
                                                          "number": 1})
        check.page(office, resp.headers["Location"], f"{screen}:running-year")
    elif screen == "api":
        with app.app_context():
            year, number = _report_period(today)
        with app.app_context():
            key = reports.period_key("quarter", year, number)
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.role == Role.leader))
            plaintext = tokens.issue_token(user)[1]
            db.session.commit()
        client = app.test_client()
        resp = client.get(f"/api/v1/reports/statistics?kind=quarter&year={year}&number={number}",
                          headers={"Authorization": f"Bearer {plaintext}"})
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        for row in [*body["rows"], {**body["total"], "unit_id": None}]:
            for measure in statistics.COLUMNS:
                args = {"period": key, "measure": measure}
                if row["unit_id"] is not None:
                    args["unit_id"] = row["unit_id"]
                check.expect(admin, "/tasks/?" + urlencode(args), row[measure],
                             f"api:{row['unit_id']}:{measure}")
    elif screen == "public":
        office = _user(app, "chuyenvien")
        with app.app_context():
            year, number = _report_period(today)
        resp = office.post("/period_reports/draft/", data={"kind": "quarter", "year": year,
                                                          "number": number})
        report_id = resp.headers["Location"].split("id=")[1]
        # Written, submitted, approved by the Office's leader, then issued (issue 14 §3).
        office.post("/period_reports/narrative/", data={"id": report_id, "assessment": "Tốt"})
        office.post("/period_reports/submit/", data={"id": report_id})
        _user(app, "lanhdao").post("/period_reports/approve/", data={"id": report_id})
        office.post("/period_reports/issue/", data={"id": report_id})
        office.post("/period_reports/publish/", data={"id": report_id})
        screen_body = check.page(office, f"/period_reports/details/?id={report_id}", screen)
        public = app.test_client().get(f"/public/reports/{report_id}")
        assert public.status_code == 200
        # The public table is the report's table, figure for figure (its links checked above).
        assert _cells(public.get_data(as_text=True)) == _cells(screen_body)
    if screen not in ("public",) and not screen.startswith("home:kiemtra"):
        assert check.checked > 0, f"{screen} rendered no figure link"


def _cells(body: str) -> list[str]:
    table = body[body.index('id="report-table"'):]
    table = table[:table.index("</table>")]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table)]


@pytest.mark.parametrize("on_date", ["mid-period"], indirect=True)
def test_today_by_state_and_by_history_agree(app, on_date):
    """As of today the classes read the state; as of an earlier date, the timestamps and the
    history. Both rules class the demo's tasks alike today (the state is the history's last
    word), so figures of a running period and of today agree."""
    today = on_date
    with app.app_context():
        by_state = db.session.execute(
            sa.select(Task.id, statistics.class_case(today, today))
            .where(statistics.counted_clause(None, today))).all()
        tomorrow = today + dt.timedelta(days=1)  # "today" seen from tomorrow: history rules
        by_history = dict(db.session.execute(
            sa.select(Task.id, statistics.class_case(today, tomorrow))
            .where(statistics.counted_clause(None, today))).all())
        tasks = {t.id: t for t in db.session.scalars(sa.select(Task))}
        assert by_state and None not in {c for _i, c in by_state}
        for task_id, value in by_state:
            assert by_history[task_id] == value, task_id
            task = tasks[task_id]
            assert statistics.classify(task.state, task.effective_deadline, task.completed_on,
                                       today) == value, task_id
