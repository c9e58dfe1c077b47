"""The running tally (cddh.services.tally): the figures as of today summed from it are the
figures counted over the tasks, after every kind of change a task goes through: forwarded,
worked, completed, verified, returned, cancelled, given another unit or deadline, deleted; a
sub-task never; a calendar change moving deadlines in bulk; and a rebuild gives the same."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from cddh.models import CalendarOverride, Task, TaskState, db, task_tally
from cddh.services import periods, statistics, tally
from cddh.services.clock import local_today, start_of_local_day
from cddh.services.periods import month_window_start
from cddh.services.settings import get_setting, set_setting

from .conftest import make_task, make_unit

S = TaskState


def _starts(today: dt.date) -> list:
    """Windows the tally answers: every task, and windows starting on a month window's first
    day (the running month, the previous one, the year's, one 13 months back)."""
    cutoff = int(get_setting("report_cutoff_day"))
    running = month_window_start(today, cutoff)
    previous = month_window_start(running - dt.timedelta(days=1), cutoff)
    year = periods.period_bounds("year", today.year, cutoff_day=cutoff)[0]
    long_ago = month_window_start(today - dt.timedelta(days=400), cutoff)
    return [None, running, previous, year, long_ago]


def _same(today: dt.date) -> None:
    starts = _starts(today)
    assert statistics.tally_answers(starts, today, today)
    counted = statistics.windows_to_date(starts, today, count_tasks=True)
    assert statistics.tally_windows(starts, today) == counted
    assert statistics.windows_to_date(starts, today) == counted  # the tally path
    assert counted[0], "nothing counted: the comparison would be empty"
    some = [counted[0][0]["unit_id"]]
    assert statistics.live_unit_statistics(starts[1], today, some, today) == \
        statistics.live_unit_statistics(starts[1], today, some, today, count_tasks=True)
    # A window starting elsewhere is counted over the tasks: the tally knows completion and
    # cancellation dates by their month window only.
    odd = [today - dt.timedelta(days=3), today - dt.timedelta(days=400)]
    odd = [day + dt.timedelta(days=1) if month_window_start(day, int(get_setting(
        "report_cutoff_day"))) == day else day for day in odd]
    assert not statistics.tally_answers(odd, today, today)
    assert statistics.windows_to_date(odd, today) == \
        statistics.windows_to_date(odd, today, count_tasks=True)
    awaiting = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
        statistics.measure_clause(statistics.AWAITING, None, today, today)))
    assert statistics.awaiting_count(today) == awaiting
    # The Office list's count of one class (statistics.tally_count): the tasks' own count.
    for measure in (*statistics.COLUMNS, statistics.AWAITING):
        on_tasks = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
            statistics.measure_clause(measure, None, today, today)))
        assert db.session.scalar(statistics.tally_count(measure, today)) == on_tasks, measure


def _rows() -> dict:
    found: dict = {}
    for row in db.session.execute(sa.select(task_tally)):
        key = tuple(getattr(row, name) for name in tally.KEY)
        found[key] = found.get(key, 0) + row.n
    return {key: n for key, n in found.items() if n}


def test_the_tally_gives_the_counted_figures_through_every_change(ctx):
    today = local_today()
    a, b = make_unit(), make_unit()
    day = dt.timedelta(days=1)
    tasks = [
        make_task(a, state=S.assigned, deadline=today + 10 * day),
        make_task(a, state=S.in_progress, deadline=today - 10 * day),
        make_task(a, state=S.in_progress, deadline=None, has_deadline=False),
        make_task(b, state=S.pending_verification, deadline=today - 2 * day,
                  completed_on=today - 5 * day),
        make_task(b, state=S.completed, deadline=today - 400 * day,
                  completed_on=today - 380 * day),
        make_task(b, state=S.returned, deadline=today + 3 * day),
        make_task(a, state=S.draft, deadline=today),
    ]
    db.session.commit()
    _same(today)
    first, late, undated, waiting, old, returned, draft = tasks
    # A sub-task is never counted; forwarding a draft counts it from then.
    make_task(b, state=S.in_progress, deadline=today - day, parent_task=first)
    draft.state, draft.assigned_at = S.assigned, dt.datetime.now(dt.UTC)
    db.session.commit()
    _same(today)
    # Worked, reported complete (late), verified, sent back; a deadline extended.
    first.state = S.in_progress
    late.state, late.completed_on = S.pending_verification, today
    waiting.state = S.completed
    undated.deadline, undated.has_deadline = today + 30 * day, True
    db.session.commit()
    _same(today)
    late.state = S.in_progress  # the Office sent the report back
    first.deadline = today - 20 * day
    db.session.commit()
    _same(today)
    # Returned, re-forwarded to another unit; cancelled (late in the local day); deleted.
    returned.state, returned.lead_unit = S.assigned, a
    old.state = S.cancelled
    old.cancelled_at = start_of_local_day(today) - dt.timedelta(minutes=30)
    first.state = S.cancelled
    first.cancelled_at = start_of_local_day(today) + dt.timedelta(hours=23, minutes=30)
    db.session.commit()
    _same(today)
    db.session.delete(undated)
    db.session.commit()
    _same(today)
    # The session's running sums are what a rebuild from the tasks gives.
    kept = _rows()
    tally.rebuild(db.session.connection())
    assert _rows() == kept


def test_the_tally_grows_with_the_months_not_the_tasks(ctx):
    """Tasks a figure cannot tell apart share a row: done ones of one unit, month window and
    outcome (met or missed) whatever their own dates, returned and cancelled ones whatever
    their deadlines; open ones keep their deadline, which today's class reads."""
    today = local_today()
    cutoff = int(get_setting("report_cutoff_day"))
    window = month_window_start(today - dt.timedelta(days=60), cutoff)
    unit = make_unit()
    for n in range(4):
        met = window + dt.timedelta(days=n)
        make_task(unit, state=S.completed, deadline=met + dt.timedelta(days=3 + n),
                  completed_on=met)
        make_task(unit, state=S.completed, deadline=met - dt.timedelta(days=10 + n),
                  completed_on=met + dt.timedelta(days=1))
        make_task(unit, state=S.returned, deadline=today + dt.timedelta(days=n))
        make_task(unit, state=S.in_progress, deadline=today + dt.timedelta(weeks=n + 1))
    db.session.commit()
    _same(today)
    rows = _rows()
    by_state = Counter(key[1] for key in rows)
    open_deadlines = {key[2] for key in rows if key[1] == "in_progress"}
    assert by_state == {"completed": 2, "returned": 1, "in_progress": len(open_deadlines)}
    assert len(open_deadlines) > 1, rows
    assert sorted(n for key, n in rows.items() if key[1] == "completed") == [4, 4]


def test_a_deadline_passing_keeps_the_figures(ctx, monkeypatch):
    """Open tasks whose deadlines have passed share a row (tally.PASSED); one still ahead is
    tallied with its deadline and keeps that row after the deadline passes. When such a task
    changes later, the row under its old key and the passed one still sum to the tasks'
    figures, and a rebuild joins them."""
    from cddh.services import clock

    today = local_today()
    unit = make_unit()
    ahead = [make_task(unit, state=S.assigned, deadline=today + dt.timedelta(weeks=1))
             for _n in range(3)]
    for days in (10, 20, 45):
        make_task(unit, state=S.in_progress, deadline=today - dt.timedelta(days=days))
    db.session.commit()
    _same(today)
    rows = _rows()
    assert [n for key, n in rows.items() if key[1] == "in_progress"] == [3], rows
    assert {key[2] for key in rows if key[1] == "in_progress"} == {tally.PASSED}
    later = today + dt.timedelta(days=30)
    moment = dt.datetime.combine(later, dt.time(10, 0), tzinfo=clock.local_tz())
    monkeypatch.setattr(clock, "local_now", lambda: moment)
    _same(later)
    ahead[0].state = S.in_progress
    db.session.commit()
    _same(later)
    before = len(_rows())
    tally.rebuild(db.session.connection())
    _same(later)
    assert len(_rows()) < before
    db.session.commit()
    # A clock set back before the day the keys were folded on: the deadlines the tally holds
    # as passed may not have passed then, and the figures are counted over the tasks.
    assert tally.folded_on(db.session.connection()) == later
    moment = dt.datetime.combine(today, dt.time(10, 0), tzinfo=clock.local_tz())
    monkeypatch.setattr(clock, "local_now", lambda: moment)
    assert not statistics.tally_answers([None], today, today)
    counted = statistics.windows_to_date([None], today, count_tasks=True)
    assert statistics.windows_to_date([None], today) == counted
    assert statistics.tally_windows([None], today) != counted  # what the tally would say


def test_a_new_cut_off_day_counts_the_tally_again(ctx):
    """The month windows follow the cut-off day: after it changes, the figures of the new
    windows summed from the tally are still the tasks' own."""
    today = local_today()
    unit = make_unit()
    for n in range(0, 70, 3):
        day = today - dt.timedelta(days=n)
        make_task(unit, state=S.completed, deadline=day - dt.timedelta(days=n % 2),
                  completed_on=day)
        make_task(unit, state=S.cancelled, deadline=day,
                  cancelled_at=start_of_local_day(day) + dt.timedelta(hours=10))
    db.session.commit()
    _same(today)
    before = _rows()
    old = int(get_setting("report_cutoff_day"))
    set_setting("report_cutoff_day", 3 if old != 3 else 20)
    db.session.commit()
    _same(today)
    assert _rows() != before
    tally_rows = _rows()
    tally.rebuild(db.session.connection())
    assert _rows() == tally_rows


def test_a_calendar_change_recounts_the_moved_deadlines(ctx):
    today = local_today()
    unit = make_unit()
    # A working day some weeks ahead (the day off given there moves the deadline on).
    day = today + dt.timedelta(days=21)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    task = make_task(unit, state=S.in_progress, deadline=day)
    make_task(unit, state=S.in_progress, deadline=today - dt.timedelta(days=1))
    db.session.commit()
    assert task.effective_deadline == day
    db.session.add(CalendarOverride(day=day, kind="day_off", name="Nghỉ bù"))
    db.session.commit()
    db.session.refresh(task)
    assert task.effective_deadline > day
    _same(today)
    assert day not in {key[2] for key in _rows()}


def test_the_office_list_of_one_class_counts_as_the_dashboard(app, browser):
    """The Office's task list narrowed to one class alone (?timeliness= or the timeliness
    filter) is counted from the tally, the dashboard's figure; with another filter on top it
    is counted over the tasks. Either way the count is the tasks' own."""
    import re

    from cddh.models import Role, Timeliness

    from .conftest import make_user

    with app.test_request_context():
        today = local_today()
        a, b = make_unit(), make_unit()
        office = make_user(Role.office_specialist, make_unit())
        day = dt.timedelta(days=1)
        for unit in (a, b):
            make_task(unit, state=S.in_progress, deadline=today - 10 * day)
            make_task(unit, state=S.in_progress, deadline=today + 10 * day)
            make_task(unit, state=S.completed, deadline=today - 10 * day,
                      completed_on=today - 5 * day)
        make_task(a, state=S.completed, deadline=today - 10 * day, completed_on=today - 20 * day)
        make_task(a, state=S.in_progress, deadline=today - 3 * day, parent_task=None)
        make_task(b, state=S.cancelled, deadline=today)
        make_task(a, state=S.returned, deadline=today + 3 * day)
        make_task(b, state=S.in_progress, deadline=None, has_deadline=False)
        make_task(a, state=S.pending_verification, deadline=today + 3 * day,
                  completed_on=today - day)
        db.session.commit()

        def on_tasks(measure, *more):
            return db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
                statistics.measure_clause(measure, None, today, today), *more))
        wanted = {value.value: on_tasks(value.value) for value in Timeliness}
        wanted |= {name: on_tasks(name) for name in ("cancelled", "returned",
                                                     statistics.AWAITING)}
        of_a = {value: on_tasks(value, Task.lead_unit_id == a.id) for value in wanted}
        of_a_open = {value: on_tasks(value, Task.lead_unit_id == a.id,
                                     Task.state == S.in_progress) for value in wanted}
        a_id = a.id
        br = browser(office)
    assert wanted["open_overdue"] == 3 and wanted["done_late"] == 2 and of_a["done_late"] == 1
    assert all(wanted.values()), wanted

    def listed(url):
        page = br.get(url).get_data(as_text=True)
        found = re.search(r'class="nav-link active">[^<(]*\((\d+)\)', page)
        return int(found.group(1)) if found else 0  # no count shown for none
    for value, count in wanted.items():
        if value in Timeliness.__members__:
            assert listed(f"/tasks/?timeliness={value}") == count, value
        assert listed(f"/tasks/?flt0_8={value}") == count, value
        assert listed(f"/tasks/?flt0_8={value}&flt1_1={a_id}") == of_a[value], value
        # The dashboard's links: a figure, and a unit's figure.
        assert listed(f"/tasks/?measure={value}") == count, value
        assert listed(f"/tasks/?measure={value}&unit_id={a_id}") == of_a[value], value
        assert listed(f"/tasks/?measure={value}&unit_id={a_id}&flt0_0=in_progress") == \
            of_a_open[value], value
