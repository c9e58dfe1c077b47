"""The dashboard for the Office and leaders: figures by timeliness, by unit, a monthly trend,
the units with most overdue tasks; every figure clicks through to the tasks behind it."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from cddh.models import Role, TaskState, UnitCategory, db
from cddh.services import reports
from cddh.services.clock import local_today

from .conftest import make_task, make_unit, make_user

S = TaskState
TASK_LINK = re.compile(r'/tasks/details/\?id=\d+[^>]*>([^<]+)</a>')


def _world(app):
    with app.app_context():
        today = local_today()
        past, future = today - dt.timedelta(days=5), today + dt.timedelta(days=30)
        assigned = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
        a = make_unit("A", name="Sở A")
        b = make_unit("B", name="Sở B")
        a.sort_order, b.sort_order = 1, 2
        for unit, state, deadline, content in (
                (a, S.in_progress, past, "a late"), (a, S.assigned, future, "a fine"),
                (a, S.completed, future, "a done"), (b, S.in_progress, past, "b late 1"),
                (b, S.returned, past, "b late 2"), (b, S.draft, past, "b draft")):
            make_task(unit, state=state, deadline=deadline, content=content,
                      assigned_at=None if state == S.draft else assigned,
                      completed_on=today - dt.timedelta(days=1) if state == S.completed else None)
        leader = make_user(Role.leader, make_unit("VP", UnitCategory.office))
        staff = make_user(Role.unit_staff, a)
        db.session.commit()
        leader.id, staff.id  # noqa: B018  (loads the row before the context ends)
        return {"A": a.id, "B": b.id}, leader, staff


def test_the_dashboard_figures(app):
    units, _leader, _staff = _world(app)
    with app.app_context():
        figures = reports.dashboard(local_today())
    # The returned task is the Office's (its own column), not B's overdue task; the draft
    # never counts.
    assert figures["totals"] == {"total": 5, "done_on_time": 1, "done_late": 0,
                                 "open_on_time": 1, "open_overdue": 2, "no_deadline": 0,
                                 "no_deadline_done": 0, "returned": 1, "cancelled": 0,
                                 "awaiting_verification": 0}
    assert [(r["unit"], r["open_overdue"], r["returned"], r["total"])
            for r in figures["by_unit"]] == [("Sở A", 1, 0, 3), ("Sở B", 1, 1, 2)]
    assert [r["unit_id"] for r in figures["most_overdue"]] == [units["A"], units["B"]]
    assert len(figures["trend"]) == 12
    # Every task was assigned 40 days ago: the running month counts all five.
    assert figures["trend"][-1]["total"] == 5


def test_every_figure_clicks_through_to_its_tasks(app, browser):
    units, leader, staff = _world(app)
    me = browser(leader)
    page = me.get("/dashboard/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "vendor/chartjs/chart.umd.min.js" in body
    links = {unescape(h) for h in re.findall(r'href="(/tasks/\?[^"]*)"', body)}
    b_overdue = next(h for h in links if "measure=open_overdue" in h and "period" not in h
                     and f"unit_id={units['B']}" in h)
    shown = set(TASK_LINK.findall(me.get(b_overdue).get_data(as_text=True)))
    assert shown == {"b late 1"}
    everything_overdue = next(h for h in links if h == "/tasks/?measure=open_overdue")
    assert set(TASK_LINK.findall(me.get(everything_overdue).get_data(as_text=True))) == {
        "a late", "b late 1"}
    trend = sorted(h for h in links if "period=month" in h and "measure=open_overdue" in h)
    assert len(trend) == 12
    # A unit user may follow such a link too, and sees only their unit's tasks.
    assert set(TASK_LINK.findall(browser(staff).get(b_overdue).get_data(as_text=True))) == set()
    assert browser(staff).get("/dashboard/").status_code == 403
    # The vendored chart library is served by the app itself.
    assert app.test_client().get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200
