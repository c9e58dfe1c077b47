"""A report figure's list counts from the stored facts (issue 13 §4): a closed period's
?period=&measure= list (with or without ?unit_id=) shows the stored figure as its count,
which equals the tasks it lists, without counting them; a period not stored, the running
one and a list narrowed further are counted live, with the same result. The rows listed
are the figure's tasks, however the list says them (a unit's done classes: their
completion dates, statistics.completed_in_window)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import sqlalchemy as sa

from cddh.auth import policy
from cddh.models import PeriodFact, PeriodKind, Role, Task, TaskState, User, db
from cddh.services import facts, reports
from cddh.services.periods import period_bounds

from .conftest import Browser, demo_on, recorded_statements

TODAY = dt.date(2026, 10, 28)
MEASURES = ("total", "assigned_in_period", "done_on_time", "done_late", "open_on_time",
            "open_overdue", "returned", "cancelled", "no_deadline", "no_deadline_done")
CLOSED = (("month:2026:9", PeriodKind.month, 9), ("quarter:2026:3", PeriodKind.quarter, 3))


@pytest.fixture
def demo(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 100000)  # every row on one page
    demo_on(app, monkeypatch, TODAY)
    with app.app_context():
        facts.store_closed_periods(TODAY)
        db.session.commit()
        office = db.session.scalar(sa.select(User).where(User.role == Role.office_specialist)
                                   .limit(1))
        busiest = db.session.scalar(
            sa.select(Task.lead_unit_id).where(Task.lead_unit_id.is_not(None))
            .group_by(Task.lead_unit_id).order_by(sa.func.count().desc()).limit(1))
        office.id  # noqa: B018
    return Browser(app, office), busiest


def _listed_count(page: str) -> int:
    """The count the list shows in its tab: "Danh sách (N)", no number when there is none."""
    assert 'class="nav-link active">Danh sách' in page
    found = re.search(r'class="nav-link active">[^<(]*\((\d+)\)', page)
    return int(found.group(1)) if found else 0


def _live(key: str, measure: str, unit_id: int | None) -> int:
    return len(_live_ids(key, measure, unit_id))


def _live_ids(key: str, measure: str, unit_id: int | None) -> set[int]:
    """The figure's tasks: the period's conditions of the whole table, then the unit."""
    conditions = reports.period_conditions(key, measure)
    if unit_id is not None:
        conditions.append(Task.lead_unit_id == unit_id)
    return set(db.session.scalars(sa.select(Task.id).where(*conditions)))


def _rows(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'href="/tasks/details/\?id=(\d+)', page)}


def _in_order(page: str) -> list[int]:
    """The tasks listed, in the list's order."""
    return list(dict.fromkeys(int(i) for i in re.findall(r'href="/tasks/details/\?id=(\d+)',
                                                         page)))


def _url(key, measure, unit_id=None, extra=""):
    return (f"/tasks/?period={key}&measure={measure}"
            + (f"&unit_id={unit_id}" if unit_id is not None else "") + extra)


def _counts_tasks(statements) -> list[str]:
    """The statements that count rows of the task table (not the facts, not the tally)."""
    return [s for s in statements if "count(" in s and re.search(r"FROM task\b(?!_)", s)]


def _shows_its_stored_figure(app, user, key, measure, unit, extra="") -> int:
    """The figure's list as ``user`` sees it shows the stored figure as its count, lists
    its tasks, and counts no task; the figure."""
    with recorded_statements(app) as seen:
        page = user.get(_url(key, measure, unit, extra))
    assert page.status_code == 200
    with app.app_context(), app.test_request_context():
        live = _live_ids(key, measure, unit)
        stored = facts.stored_figure(*reports.period_window(key), measure, unit)
    body = page.get_data(as_text=True)
    said = (key, measure, unit, extra)
    assert _listed_count(body) == stored == len(live), said
    assert _rows(body) == live, said
    assert not _counts_tasks(seen), said
    return stored


def test_a_closed_periods_list_shows_its_stored_figure(app, demo):
    office, unit_id = demo
    shown = 0
    for key, _kind, _number in CLOSED:
        for measure in MEASURES:
            for unit in (None, unit_id):
                shown += _shows_its_stored_figure(app, office, key, measure, unit)
    assert shown > 0


def test_what_is_not_stored_is_counted_live(app, demo):
    office, unit_id = demo
    key, kind, number = CLOSED[0]
    with app.app_context():
        db.session.execute(sa.delete(PeriodFact).where(
            PeriodFact.start_on == period_bounds(kind, 2026, number)[0],
            PeriodFact.end_on == period_bounds(kind, 2026, number)[1]))
        db.session.commit()
    narrowed = "&flt0_0=" + TaskState.completed.value  # a state filter: no stored figure
    for url, live_of in ((_url(key, "done_on_time"), (key, "done_on_time")),
                         (_url(key, "total", unit_id), (key, "total"))):
        with recorded_statements(app) as seen:
            page = office.get(url)
        with app.app_context(), app.test_request_context():
            live = _live(*live_of, unit_id if "unit_id" in url else None)
        assert _listed_count(page.get_data(as_text=True)) == live, url
        assert _counts_tasks(seen), url
    key, kind, number = CLOSED[1]
    with recorded_statements(app) as seen:
        page = office.get(_url(key, "total", extra=narrowed))
    with app.app_context(), app.test_request_context():
        live = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
            *reports.period_conditions(key, "total"), Task.state == TaskState.completed))
    assert _listed_count(page.get_data(as_text=True)) == live
    assert _counts_tasks(seen)


def test_a_running_periods_list_counts_from_the_running_tally(app, demo):
    """The period that holds today is never stored: its figures are counted as of today,
    as the dashboard's month and the ranking's quarter count them, from the running tally
    (statistics.tally_count with the window's start), the whole table's and each unit's,
    and equal the tasks listed; not counted over the tasks."""
    office, unit_id = demo
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.role == Role.unit_staff,
                                                        User.unit_id == unit_id).limit(1))
        staff.id  # noqa: B018
    unit = Browser(app, staff)
    shown = 0
    for key in ("month:2026:11", "quarter:2026:4", "year:2026:1"):
        for measure in MEASURES:
            for who, unit_of in ((office, None), (office, unit_id), (unit, None)):
                url = _url(key, measure, unit_of)
                with recorded_statements(app) as seen:
                    page = who.get(url)
                with app.app_context(), app.test_request_context():
                    live = _live_ids(key, measure, unit_of if who is office else unit_id)
                body = page.get_data(as_text=True)
                assert _listed_count(body) == len(live), (url, who is unit)
                assert _rows(body) == live, (url, who is unit)
                if who is unit:  # its own figure, newest first, as the Office's
                    assert _in_order(body) == sorted(live, reverse=True), url
                if measure != "assigned_in_period":  # not a class the tally keeps
                    assert not _counts_tasks(seen), (url, who is unit)
                shown += len(live)
    assert shown > 0


def test_a_unit_users_figure_as_of_today_lists_the_tasks_its_unit_leads(app, demo):
    """?measure= alone (a figure as of today, the dashboard's) on a unit's screen is its own
    row's figure, as a period's is (TaskView.list_lead_unit): the tasks its unit leads in
    that class, counted from the running tally; not every task it takes part in."""
    _office, unit_id = demo
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.role == Role.unit_staff,
                                                        User.unit_id == unit_id).limit(1))
        staff.id  # noqa: B018
        scope = policy.task_scope(staff)
        unit_name = staff.unit.name
    unit = Browser(app, staff)
    shown = wider = 0
    for measure in (*MEASURES, "awaiting_verification"):
        if measure == "assigned_in_period":
            continue  # a period's figure only
        with recorded_statements(app) as seen:
            page = unit.get(f"/tasks/?measure={measure}")
        with app.app_context(), app.test_request_context():
            live = _live_ids(None, measure, unit_id)
            taking_part = set(db.session.scalars(sa.select(Task.id).where(
                *reports.period_conditions(None, measure), scope)))
        body = page.get_data(as_text=True)
        assert _listed_count(body) == len(live) == len(_rows(body)), measure
        assert _rows(body) == live, measure
        assert _in_order(body) == sorted(live, reverse=True), measure  # the Office's order
        heading = body.split('id="list-heading"', 1)[1].split("</", 1)[0]
        assert unit_name in unescape(heading), measure  # says whose figure it is
        assert not _counts_tasks(seen), measure
        shown += len(live)
        wider += len(taking_part - live)
    assert shown > 0 and wider > 0, "the unit takes part in tasks other units lead"
    page = unit.get(_url(CLOSED[0][0], "total")).get_data(as_text=True)  # a period's too
    assert unit_name in unescape(page.split('id="list-heading"', 1)[1].split("</", 1)[0])


def test_a_unit_user_sees_its_own_units_stored_figure(app, demo):
    """A unit's own figure (?unit_id= its unit) counts every task it leads: all are in its
    scope, so the list's count is the stored figure; another unit's figure in its list is
    only the tasks the user may read, counted live."""
    _office, unit_id = demo
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.role == Role.unit_staff,
                                                        User.unit_id == unit_id).limit(1))
        other = db.session.scalar(
            sa.select(Task.lead_unit_id).where(Task.lead_unit_id.not_in([unit_id]))
            .group_by(Task.lead_unit_id).order_by(sa.func.count().desc()).limit(1))
        staff.id  # noqa: B018
        unit = Browser(app, staff)
        scope = policy.task_scope(staff)
    key = CLOSED[1][0]
    shown = 0
    for measure in MEASURES:
        with recorded_statements(app) as seen:
            page = unit.get(_url(key, measure, unit_id))
        with app.app_context(), app.test_request_context():
            live = _live_ids(key, measure, unit_id)
            stored = facts.stored_figure(*reports.period_window(key), measure, unit_id)
        body = page.get_data(as_text=True)
        assert _listed_count(body) == stored == len(live), measure
        assert _rows(body) == live, measure
        # Newest first (TaskView._urgency_order): the tasks as they stood at the period's
        # end, not in today's urgency.
        assert _in_order(body) == sorted(live, reverse=True), measure
        assert not _counts_tasks(seen), measure
        shown += stored
    assert shown > 0
    assert _in_order(unit.get("/tasks/").get_data(as_text=True)) != sorted(
        _in_order(unit.get("/tasks/").get_data(as_text=True)), reverse=True), \
        "the unit's own list is in its urgency order"
    with recorded_statements(app) as seen:
        page = unit.get(_url(key, "total", other))
    with app.app_context(), app.test_request_context():
        readable = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
            *reports.period_conditions(key, "total"), Task.lead_unit_id == other, scope))
        everything = _live(key, "total", other)
    assert _listed_count(page.get_data(as_text=True)) == readable < everything
    assert _counts_tasks(seen)


def test_a_link_argument_that_says_nothing_keeps_the_stored_figure(app, demo):
    """A link's argument with a value that is none (?timeliness=bad, ?group=bad,
    ?directed=x) is no condition (the list says so and drops it): the figure's list is
    still its stored figure, counted from the facts, as the Office's and as its unit's own
    (read live, a unit's returned tasks of a closed month at 1M took 190 ms for 10)."""
    office, unit_id = demo
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.role == Role.unit_staff,
                                                        User.unit_id == unit_id).limit(1))
        staff.id  # noqa: B018
    key = CLOSED[0][0]
    for user, unit in ((office, None), (office, unit_id), (Browser(app, staff), unit_id)):
        for odd in ("&timeliness=bad", "&group=bad", "&directed=x"):
            for measure in ("total", "returned", "open_overdue"):
                _shows_its_stored_figure(app, user, key, measure, unit, odd)
            # The list says it dropped the value, and its heading does not name it.
            body = user.get(_url(key, "returned", unit, odd)).get_data(as_text=True)
            assert "Giá trị lọc không hợp lệ nên đã được bỏ qua" in body, odd
            heading = body[body.index('id="list-heading"'):][:400]
            assert f"{odd.split('=')[1]} ·" not in heading, heading
            assert "Đã trả lại Văn phòng" in heading, heading


def test_a_closed_periods_list_starts_at_its_own_tasks(app, demo):
    """The facts keep, for each figure of a closed period (the total's and each unit's), the
    greatest id of a task behind it, and its list says it (``task.id <=``), so that newest
    first it starts at the figure's own tasks; what it lists is still every task of the
    figure, as the figure's own rule (statistics.measure_clause) finds them without that
    bound. Facts stored before (no ``last_ids``) bound the list by the greatest id of a task
    forwarded by the period's end."""
    from cddh.services import statistics
    from cddh.services.clock import local_date_of

    office, unit_id = demo
    key, kind, number = CLOSED[0]
    with app.app_context():
        start, end = period_bounds(kind, 2026, number)

    def figure_ids(measure, unit=None):
        with app.app_context(), app.test_request_context():
            return set(db.session.scalars(sa.select(Task.id).where(
                statistics.measure_clause(measure, start, end, TODAY),
                *([] if unit is None else [Task.lead_unit_id == unit]))))

    def listed(measure, unit=None):
        with recorded_statements(app) as seen:
            page = office.get(_url(key, measure, unit))
        assert any(re.search(r"task\.id <=", s) for s in seen), measure
        return _rows(page.get_data(as_text=True))

    bounds = set()
    for measure in statistics.COLUMNS:
        for unit in (None, unit_id):
            wanted = figure_ids(measure, unit)
            with app.app_context():
                last = facts.stored_last_id(start, end, measure, unit)
            assert last == max(wanted, default=0), (measure, unit)
            assert listed(measure, unit) == wanted, (measure, unit)
            bounds.add(last)
    assert len(bounds) > 2, "the figures' newest tasks are not told apart"
    with app.app_context():
        db.session.execute(sa.update(PeriodFact).where(
            PeriodFact.start_on == start, PeriodFact.end_on == end).values(last_ids=None))
        db.session.commit()
        last = facts.stored_last_id(start, end, "done_on_time")
        forwarded = db.session.execute(sa.select(Task.id, Task.assigned_at)
                                       .where(Task.assigned_at.is_not(None))).all()
        assert last == max(i for i, at in forwarded if local_date_of(at) <= end)
        assert any(i > last for i, _at in forwarded), "no later task: the bound says nothing"
    for measure in ("done_on_time", "open_overdue"):
        assert listed(measure) == figure_ids(measure), measure
        assert listed(measure, unit_id) == figure_ids(measure, unit_id), measure


def test_a_units_report_figures_list_what_they_count(app, demo):
    """On a unit's screen a report's table is its own row and the total of that row
    (policy.statistics_unit_ids): every figure, the total row's too, opens the list of the
    tasks it counts: the tasks the unit leads, not every task it takes part in."""
    _office, unit_id = demo
    key, kind, number = CLOSED[1]
    with app.app_context():
        spec = db.session.scalar(sa.select(User).where(User.role == Role.office_specialist)
                                 .limit(1))
        leader = db.session.scalar(sa.select(User).where(User.role == Role.leader).limit(1))
        staff = db.session.scalar(sa.select(User).where(User.role == Role.unit_staff,
                                                        User.unit_id == unit_id).limit(1))
        report = reports.draft_report(kind, 2026, number, spec)
        report.assessment = "Đánh giá"
        reports.submit_report(spec, report)
        reports.approve_report(leader, report)
        reports.issue_report(spec, report)
        db.session.commit()
        report_id, _id = report.id, staff.id
        taking_part = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
            *reports.period_conditions(key, "total"), policy.task_scope(staff)))
    unit = Browser(app, staff)
    page = unit.get(f"/period_reports/details/?id={report_id}").get_data(as_text=True)
    table = page.split('id="report-table"', 1)[1].split("</table>", 1)[0]
    links = [(unescape(href), int(figure)) for href, figure in
             re.findall(r'href="(/tasks/\?[^"]*)"[^>]*>\s*(\d+)\s*<', table)]
    totals = dict((href, figure) for href, figure in links if "unit_id" not in href)
    assert len(totals) >= 8 and len(links) >= 2 * len(totals)
    for href, figure in links:
        body = unit.get(href).get_data(as_text=True)
        # The count shown and the tasks listed (every row on one page), not the count alone,
        # which a closed period's list takes from the stored figure.
        assert _listed_count(body) == figure == len(_rows(body)), href
        if href in totals:
            own_row = unit.get(href + f"&unit_id={unit_id}").get_data(as_text=True)
            assert _rows(body) == _rows(own_row), href
    assert 0 < totals[_url(key, "total")] < taking_part, "it takes part in others' tasks"


def test_a_units_scope_of_the_tasks_it_leads_is_its_scope(app, demo):
    """policy.task_scope_led_by: for tasks its own unit leads, "not a draft" alone; the same
    tasks as its scope (drafts, the other states, sub-tasks alike), and for any other unit
    its scope as it is."""
    with app.app_context():
        users = db.session.scalars(sa.select(User).where(
            User.role.in_([Role.unit_staff, Role.unit_leader]))).all()
        assert len({u.unit_id for u in users}) > 10
        states = set(db.session.scalars(sa.select(Task.state).distinct()))
        assert TaskState.draft in states and len(states) > 5
        for user in users:
            for unit_id in {user.unit_id, users[0].unit_id, users[-1].unit_id}:
                led = Task.lead_unit_id == unit_id
                said = set(db.session.scalars(sa.select(Task.id).where(
                    led, policy.task_scope_led_by(user, unit_id))))
                scoped = set(db.session.scalars(sa.select(Task.id).where(
                    led, policy.task_scope(user))))
                assert said == scoped, (user.username, unit_id)


def test_a_closed_periods_figure_of_one_priority_counts_only_its_few_urgent_tasks(app, demo):
    """A unit's closed period's figure narrowed by a priority (as the Office and as the
    unit): its count is the stored figure less the figure's urgent and flash tasks
    (normal), or those alone, counted from the unit's rows of them (task_unit.priority);
    the whole table's figure is counted with its list, the priority said on the task. Either
    way the count and the rows are the figure's tasks of that priority, counted live here."""
    from cddh.models.enums import Priority

    office, unit_id = demo
    key = CLOSED[1][0]
    with app.app_context(), app.test_request_context():
        staff = db.session.scalar(sa.select(User).where(User.role == Role.unit_staff,
                                                        User.unit_id == unit_id).limit(1))
        staff.id  # noqa: B018
        # Some of each figure's tasks made urgent or flash (a task's priority is none of a
        # period's figures: the stored facts stand).
        marked = set()
        for measure in ("total", "done_late", "open_on_time"):
            ids = sorted(_live_ids(key, measure, unit_id))[:3]
            for task_id, priority in zip(ids, (Priority.urgent, Priority.flash, Priority.urgent),
                                         strict=False):
                db.session.get(Task, task_id).priority = priority
                marked.add(task_id)
        db.session.commit()
        assert len(marked) >= 4
    seen_special = 0
    for user, unit in ((office, None), (office, unit_id), (Browser(app, staff), unit_id)):
        for measure in ("total", "done_late", "open_on_time", "returned"):
            for priority in Priority:
                url = _url(key, measure, unit, f"&flt0_7={priority.value}")
                with recorded_statements(app) as seen:
                    page = user.get(url)
                assert page.status_code == 200, url
                with app.app_context(), app.test_request_context():
                    live = {task_id for task_id in _live_ids(key, measure, unit)
                            if db.session.get(Task, task_id).priority == priority}
                body = page.get_data(as_text=True)
                assert _listed_count(body) == len(live), url
                assert _rows(body) == live, url
                counted = _counts_tasks(seen)
                said = "task_unit.priority !=" if unit else "task.priority ="
                assert len(counted) == 1 and said in counted[0], (url, counted)
                seen_special += len(live) if priority != Priority.normal else 0
    assert seen_special > 0
