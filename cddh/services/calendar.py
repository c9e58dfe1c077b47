"""The Vietnamese working-day calendar: ``holidays.VN`` plus the admin's yearly overrides.

Working days are Monday–Friday minus public holidays, plus official make-up Saturdays. The
package knows the lunar holidays and the swaps it has been told about; official swaps it
does not know yet (2026-01-02 off, Saturday 2026-01-10 worked, future years') live in the
``calendar_override`` table and win over the package.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..models import CalendarOverride, CalendarOverrideKind, db
from .transaction_memo import forget, per_transaction

# Official swaps announced after the package release; seeded into the override table.
SEED_OVERRIDES = (
    (dt.date(2026, 1, 2), CalendarOverrideKind.day_off, "Nghỉ bù Tết Dương lịch 2026",
     "Công văn 12729/VPCP-KGVX"),
    (dt.date(2026, 1, 10), CalendarOverrideKind.working_day, "Làm bù cho ngày 02/01/2026",
     "Công văn 12729/VPCP-KGVX"),
)


@lru_cache(maxsize=64)
def _vn(year: int, language: str = "vi") -> holidays.HolidayBase:
    return holidays.VN(years=year, language=language)


class WorkingCalendar:
    """A calendar with the overrides of a date range loaded once (one query), for bulk use."""

    def __init__(self, overrides: dict[dt.date, CalendarOverride | tuple] | None = None):
        self._overrides = overrides

    def _override(self, day: dt.date):
        if self._overrides is None:
            self._overrides = {
                o.day: (o.kind, o.name) for o in db.session.scalars(sa.select(CalendarOverride))
            }
        return self._overrides.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        """True on a working day."""
        override = self._override(day)
        if override is not None:
            return override[0] == CalendarOverrideKind.working_day
        return _vn(day.year).is_working_day(day)

    def day_name(self, day: dt.date) -> str | None:
        """The holiday's or override's name, if the day has one."""
        override = self._override(day)
        if override is not None:
            return override[1]
        return _vn(day.year).get(day)

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``days`` ≥ 0; 0 gives ``start``)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        remaining = days
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def calendar() -> WorkingCalendar:
    """The calendar of the rules' defaults: the transaction's (``transaction_calendar``), so
    that a request reads the override table once, whichever rules it asks."""
    return transaction_calendar()


# The transaction's calendar (``transaction_memo``): the override table read once, forgotten
# when the transaction ends or writes a day of the admin calendar (``_follow_calendar``).
_CALENDAR = "calendar"


def transaction_calendar() -> WorkingCalendar:
    """The calendar as this transaction sees it, its overrides read once."""
    return per_transaction(_CALENDAR, WorkingCalendar)


def effective_deadline(deadline: dt.date | None,
                       cal: WorkingCalendar | None = None) -> dt.date | None:
    """THE rule of a deadline that falls on a day off (Bộ luật Dân sự 2015, Điều 148): the
    time runs out at the end of the next working day. A weekend, a public holiday, a
    compensatory day off and the admin calendar's days off all move it; a make-up working
    Saturday does not. Timeliness, the jobs, the figures and the ranking compare this date
    (stored as ``Task.effective_deadline``, indexed); ``Task.deadline`` keeps what the
    document says."""
    if deadline is None:
        return None
    return (cal or calendar()).next_working_day(deadline)


def first_deadline_due_by(day: dt.date, cal: WorkingCalendar | None = None) -> dt.date:
    """The earliest deadline whose effective deadline is ``day`` or later: ``day`` itself,
    or the first of the days off just before it (a deadline on one of them runs out on the
    next working day, ``day`` or later). So, deadlines being stored with their effective
    ones, ``effective_deadline >= day`` holds exactly when ``deadline >= first_deadline_due_by(
    day)``: said on the deadline, a list in deadline order starts its walk there."""
    cal = cal or transaction_calendar()
    while not cal.is_working_day(day - dt.timedelta(days=1)):
        day -= dt.timedelta(days=1)
    return day


def last_deadline_due_by(day: dt.date, cal: WorkingCalendar | None = None) -> dt.date:
    """The latest deadline whose effective deadline is ``day`` or earlier: ``day`` itself on
    a working day, else the last working day before it (a deadline on a day off from then to
    ``day`` runs out after ``day``). So ``effective_deadline <= day`` holds exactly when
    ``deadline <= last_deadline_due_by(day)`` (``first_deadline_due_by``'s other end)."""
    cal = cal or transaction_calendar()
    while not cal.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def task_effective_deadline(task, cal: WorkingCalendar | None = None) -> dt.date | None:
    """The task's effective deadline: the stored one, or computed when not yet flushed."""
    if task.deadline is None:
        return None
    stored = getattr(task, "effective_deadline", None)
    # The mapped instance's state, read directly: ``inspect`` looks the type up on every call
    # (a list page asks for each row); anything unmapped has none.
    state = getattr(task, "_sa_instance_state", None)
    changed = (state is not None and state.modified
               and state.attrs.deadline.history.has_changes())
    if stored is not None and not changed:
        return stored
    return effective_deadline(task.deadline, cal)


# How far back a change of the calendar on day D can move deadlines: a deadline moves over the
# days off that follow it, and no run of days off is this long.
_LONGEST_BREAK = 31


def refresh_effective_deadlines(connection, days=None) -> int:
    """Re-derive ``task.effective_deadline``, set-based: one UPDATE per distinct deadline
    whose stored effective deadlines are not all the calendar's (``days``: only the
    deadlines that a calendar change on these days can move; None: every deadline, for the
    migration, bulk loaders and the nightly job's first run). The pairs of (deadline,
    effective deadline) are read first, in one statement: a deadline whose tasks are all
    right is not updated at all (at 1M tasks, 998 deadlines, none to move: 998 UPDATEs of
    no row, 1.5-2.5 s). Returns the rows changed."""
    from ..models import Task

    overrides = {row.day: (row.kind, row.name) for row in connection.execute(
        sa.select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.name))}
    cal = WorkingCalendar(overrides)
    query = (sa.select(Task.deadline, Task.effective_deadline)
             .where(Task.deadline.is_not(None)).distinct())
    if days is not None:
        wanted = set()
        for day in days:
            wanted.update(day - dt.timedelta(days=n) for n in range(_LONGEST_BREAK + 1))
        query = query.where(Task.deadline.in_(sorted(wanted)))
    from . import tally

    stale = sorted({deadline for deadline, stored in connection.execute(query)
                    if stored != cal.next_working_day(deadline)})
    changed, moved = 0, []
    # The tally's keys of the tasks whose deadlines may move, before and after (not for a
    # full refresh, which rebuilds it).
    touched = Task.deadline.in_(stale)
    before = tally.keys_where(connection, touched) if days is not None and stale else None
    for deadline in stale:
        effective = cal.next_working_day(deadline)
        result = connection.execute(
            sa.update(Task).where(Task.deadline == deadline, sa.or_(
                Task.effective_deadline.is_(None), Task.effective_deadline != effective))
            .values(effective_deadline=effective).execution_options(synchronize_session=False))
        if result.rowcount:
            _copy_to_scope(connection, Task.deadline == deadline, effective)
            moved.append(deadline)
        changed += result.rowcount or 0
    if days is None:
        connection.execute(sa.update(Task).where(Task.deadline.is_(None),
                                                 Task.effective_deadline.is_not(None))
                           .values(effective_deadline=None)
                           .execution_options(synchronize_session=False))
        _copy_to_scope(connection, Task.deadline.is_(None), None)
        tally.rebuild(connection)
    elif moved:
        tally.add_change(connection, before, tally.keys_where(connection, touched))
    return changed


def _copy_to_scope(connection, tasks, effective) -> None:
    """The task–unit rows carry the effective deadline too (cddh.services.scope): a bulk
    change written in SQL, past the session's listener, is copied there in SQL."""
    from ..models import Task, task_unit

    connection.execute(sa.update(task_unit).where(
        task_unit.c.task_id.in_(sa.select(Task.id).where(tasks)),
        task_unit.c.deadline.is_distinct_from(effective)).values(deadline=effective))


@event.listens_for(Session, "before_flush")
def _keep_effective_deadlines(session: Session, flush_context, instances) -> None:
    """Every flush that writes a task's deadline writes its effective deadline too (services,
    imports, the demo and the tests alike)."""
    from ..models import Task

    tasks = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Task)]
    if not tasks:
        return
    cal = None
    for task in tasks:
        state = inspect(task)
        if task in session.new or state.attrs.deadline.history.has_changes() or (
                task.deadline is not None and task.effective_deadline is None):
            if task.deadline is None:
                task.effective_deadline = None
                continue
            if cal is None:
                with session.no_autoflush:
                    cal = WorkingCalendar({o.day: (o.kind, o.name) for o in session.execute(
                        sa.select(CalendarOverride.day, CalendarOverride.kind,
                                  CalendarOverride.name))})
            task.effective_deadline = cal.next_working_day(task.deadline)


@event.listens_for(Session, "after_flush")
def _follow_calendar(session: Session, flush_context) -> None:
    """A day off added, changed or removed in the admin calendar moves the deadlines near it."""
    days = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CalendarOverride):
            days.add(obj.day)
            history = inspect(obj).attrs.day.history
            days.update(d for d in (history.deleted or ()) if d is not None)
    if days:
        forget(_CALENDAR, session)
        refresh_effective_deadlines(session.connection(), days)


# What the holidays package said of the years around today when the stored effective
# deadlines were last derived (a row of the setting table, not one of a province's numbers).
PACKAGE_CALENDAR = "package_calendar"
_YEARS_AROUND = 10  # older periods' figures are stored; later deadlines are not given


def package_exceptions(year: int) -> list[str]:
    """The days of ``year`` the holidays package makes off on a weekday or working on a
    weekend, as ISO dates: what an upgrade of the package changes."""
    day, days = dt.date(year, 1, 1), []
    while day.year == year:
        if _vn(year).is_working_day(day) != (day.weekday() < 5):
            days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


def follow_package_calendar(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """The nightly job ``follow_calendar``: when the holidays package's days off of the years
    around today are not those the stored effective deadlines were derived with (an upgrade
    learned a holiday or an official swap), derive the deadlines near the changed days again
    (``refresh_effective_deadlines``): the figures, the lists and the jobs then keep following
    Điều 148 with one calendar. The admin's own days off are followed as they are written
    (``_follow_calendar``). With nothing recorded for a year (the first run, a year coming
    into the window) every deadline is derived again."""
    from ..models import Setting

    now = {str(year): package_exceptions(year)
           for year in range(today.year - _YEARS_AROUND, today.year + _YEARS_AROUND + 1)}
    row = db.session.get(Setting, PACKAGE_CALENDAR)
    before = row.value.get("v", {}) if row is not None else {}
    connection = db.session.connection()
    if now.keys() - before.keys():
        changed, moved = None, refresh_effective_deadlines(connection)
    else:
        changed = sorted({dt.date.fromisoformat(day) for year, days in now.items()
                          for day in set(days) ^ set(before[year])})
        moved = refresh_effective_deadlines(connection, changed) if changed else 0
    if row is None:
        db.session.add(Setting(key=PACKAGE_CALENDAR, value={"v": now}))
    elif before != now:
        row.value = {"v": now}
    forget(_CALENDAR)
    return {"every_deadline": changed is None, "days_changed": len(changed or ()),
            "deadlines_moved": moved}


def entry_due_on(issued_on: dt.date, cal: WorkingCalendar | None = None) -> dt.date:
    """Đ7.1a: a tracked document is entered and forwarded within 1 working day of issue."""
    from .settings import get_setting

    return (cal or calendar()).add_working_days(issued_on, get_setting("entry_sla_working_days"))


def seed_overrides() -> int:
    """Insert the known official swaps that are missing; returns how many were added."""
    existing = set(db.session.scalars(sa.select(CalendarOverride.day)))
    added = 0
    for day, kind, name, basis in SEED_OVERRIDES:
        if day not in existing:
            db.session.add(CalendarOverride(day=day, kind=kind, name=name, legal_basis=basis))
            added += 1
    return added
