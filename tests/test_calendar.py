"""The working-day calendar on official dates, and the entry deadline of Đ7.1a."""

from __future__ import annotations

import datetime as dt

import pytest

from cddh.models import CalendarOverride, CalendarOverrideKind, db
from cddh.services.calendar import WorkingCalendar, entry_due_on, seed_overrides

D = dt.date


@pytest.fixture
def cal(app):
    with app.test_request_context():
        seed_overrides()
        db.session.commit()
        yield WorkingCalendar()


@pytest.mark.parametrize("day", [D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19),
                                 D(2026, 2, 20)])
def test_tet_2026_is_off(cal, day):
    assert not cal.is_working_day(day)


def test_make_up_saturday_2025_04_26_is_worked(cal):
    assert cal.is_working_day(D(2025, 4, 26))
    assert not cal.is_working_day(D(2025, 5, 2))


def test_new_year_2026_swap_comes_from_the_seeded_override(cal):
    assert not cal.is_working_day(D(2026, 1, 2))
    assert cal.is_working_day(D(2026, 1, 10))
    assert cal.day_name(D(2026, 1, 2))


def test_without_the_override_the_package_gets_2026_01_02_wrong(app):
    """Why the override table exists: the package alone calls 2 January 2026 a working day."""
    with app.test_request_context():
        assert WorkingCalendar({}).is_working_day(D(2026, 1, 2))


def test_plain_weekend_is_off_and_weekday_is_worked(cal):
    assert not cal.is_working_day(D(2026, 3, 7))  # Saturday
    assert not cal.is_working_day(D(2026, 3, 8))  # Sunday
    assert cal.is_working_day(D(2026, 3, 9))


def test_entry_deadline_across_a_weekend(cal):
    assert entry_due_on(D(2026, 3, 6), cal) == D(2026, 3, 9)  # Friday -> Monday


def test_entry_deadline_across_tet(cal):
    # Issued Friday 13/02/2026; 16–20/02 is Tết; due Monday 23/02/2026.
    assert entry_due_on(D(2026, 2, 13), cal) == D(2026, 2, 23)


def test_entry_deadline_across_new_year_swap(cal):
    # Issued Wednesday 31/12/2025: 1/1 holiday, 2/1 swapped off -> Monday 5/1/2026.
    assert entry_due_on(D(2025, 12, 31), cal) == D(2026, 1, 5)


def test_admin_override_changes_the_calendar(app):
    with app.test_request_context():
        db.session.add(CalendarOverride(day=D(2027, 3, 1), kind=CalendarOverrideKind.day_off,
                                        name="Nghỉ bù", legal_basis="Thông báo số 1"))
        db.session.commit()
        assert not WorkingCalendar().is_working_day(D(2027, 3, 1))


def test_working_days_between(cal):
    assert cal.working_days_between(D(2026, 2, 13), D(2026, 2, 23)) == 1
    assert cal.working_days_between(D(2026, 2, 23), D(2026, 2, 13)) == -1


def test_a_deadline_bound_said_on_the_deadline_is_the_effective_deadlines_rule(cal):
    """The lists say "effective deadline on or after D" and "on or before D" on the deadline
    (the column they sort by): ``deadline >= first_deadline_due_by(D)`` and ``deadline <=
    last_deadline_due_by(D)``. The same rows for every day D and deadline d of a stretch
    with weekends, Tết, 30/4-1/5 and a make-up Saturday."""
    from cddh.services.calendar import (
        effective_deadline,
        first_deadline_due_by,
        last_deadline_due_by,
    )

    days = [D(2025, 4, 1) + dt.timedelta(days=n) for n in range(60)]
    days += [D(2026, 1, 1) + dt.timedelta(days=n) for n in range(140)]
    for day in days:
        first, last = first_deadline_due_by(day, cal), last_deadline_due_by(day, cal)
        for offset in range(-12, 13):
            deadline = day + dt.timedelta(days=offset)
            effective = effective_deadline(deadline, cal)
            assert (effective >= day) == (deadline >= first), (day, deadline)
            assert (effective <= day) == (deadline <= last), (day, deadline)
