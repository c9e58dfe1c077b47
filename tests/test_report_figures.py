"""Report screens at scale (issue 13 §5): a report screen lists the first overdue rows with a
link to the whole filtered list; an issued report's public figures are stored apart from its
overdue list, so the report screen and the public pages never load the big ``data``; the
migration fills them for reports issued before it."""

from __future__ import annotations

import datetime as dt
import importlib.util
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from cddh.models import PeriodKind, PeriodReport, PeriodReportFigures, Role, Task, User, db
from cddh.services import reports, statistics

from . import report_steps
from .conftest import Browser, demo_on, recorded_statements

TODAY = dt.date(2026, 10, 28)
SHOWN = 3
MIGRATION = next(Path(__file__).parent.parent.glob("migrations/versions/*_4e03541e2609_*.py"))


@pytest.fixture
def demo(app, monkeypatch):
    monkeypatch.setattr(reports, "OVERDUE_SHOWN", SHOWN)
    demo_on(app, monkeypatch, TODAY)
    with app.app_context():
        report = reports.draft_report(PeriodKind.quarter, 2026, 3)
        db.session.commit()
        return report.id


def _admin(app) -> Browser:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.role == Role.admin).limit(1))
        user.id  # noqa: B018
        return Browser(app, user)


def _overdue_in_db(start, end) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
        statistics.measure_clause("open_overdue", start, end), Task.lead_unit_id.is_not(None)))


def _check_screen(app, report_id) -> str:
    page = _admin(app).get(f"/period_reports/details/?id={report_id}")
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    table = html.split('id="overdue-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + SHOWN  # the header and the first rows only
    with app.app_context():
        report = db.session.get(PeriodReport, report_id)
        count = _overdue_in_db(report.start_on, report.end_on)
    assert count > SHOWN
    more = html.split('id="overdue-more"', 1)[1].split("</p>", 1)[0]
    assert f"Hiển thị {SHOWN} nhiệm vụ đầu tiên trong số {count} nhiệm vụ quá hạn" in more
    link = "/tasks/?period=quarter%3A2026%3A3&measure=open_overdue"
    assert link in more or link.replace("%3A", ":") in more
    return html


def test_a_draft_lists_the_first_overdue_rows_and_links_the_rest(app, demo):
    _check_screen(app, demo)
    with app.app_context(), app.test_request_context():
        report = db.session.get(PeriodReport, demo)
        shown = reports.figures(report, overdue_limit=SHOWN)
        whole = reports.figures(report)
        assert shown["overdue"] == whole["overdue"][:SHOWN]
        assert shown["overdue_count"] == len(whole["overdue"]) == whole["total"]["open_overdue"]


def test_an_issued_report_is_shown_without_loading_its_overdue_list(app, demo):
    with app.app_context(), app.test_request_context():
        report = db.session.get(PeriodReport, demo)
        issuer = db.session.scalar(sa.select(User).where(User.role == Role.office_specialist)
                                   .limit(1))
        report_steps.issue(report, issuer)
        reports.publish_report(issuer, report)
        db.session.commit()
        summary = db.session.get(PeriodReportFigures, demo)
        assert summary.total == report.data["total"]
        assert summary.overdue_count == len(report.data["overdue"]) > SHOWN
        assert "overdue" not in summary.figures
    with recorded_statements(app) as seen:
        _check_screen(app, demo)
        public = Browser(app, None)
        index = public.get("/public/")
        one = public.get(f"/public/reports/{demo}")
    assert index.status_code == one.status_code == 200
    loads_data = [s for s in seen if "period_report.data" in s]
    assert not loads_data, loads_data
    with app.app_context():
        total = db.session.get(PeriodReportFigures, demo).total["total"]
    assert f">{total}<" in index.get_data(as_text=True).replace(" ", "")


def test_the_migration_fills_the_figures_of_existing_reports(app, demo):
    spec = importlib.util.spec_from_file_location("facts_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context(), app.test_request_context():
        report = db.session.get(PeriodReport, demo)
        issuer = db.session.scalar(sa.select(User).where(User.role == Role.office_specialist)
                                   .limit(1))
        report_steps.issue(report, issuer)
        draft = reports.draft_report(PeriodKind.month, 2026, 9)  # stays a draft
        db.session.execute(sa.delete(PeriodReportFigures))  # as before the migration
        db.session.commit()
        expected = report.data
        draft_id = draft.id
    with app.app_context():
        with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            migration._fill_report_figures()
        summary = db.session.get(PeriodReportFigures, demo)
        assert summary.total == expected["total"]
        assert summary.figures == {k: v for k, v in expected.items() if k != "overdue"}
        assert summary.overdue_count == len(expected["overdue"])
        assert summary.overdue_head == expected["overdue"][:50]
        assert db.session.get(PeriodReportFigures, draft_id) is None
