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

from ..models import CalendarOverride, CalendarOverrideKind, db

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
    """A calendar that reads the override table on first use."""
    return WorkingCalendar()


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
