"""Reporting periods (Đ17; Nghị định 09/2019/NĐ-CP Điều 12): the data window of each period.

A month's data runs from the day after the cut-off day of the previous month to the cut-off
day of the month (default 14, the setting ``report_cutoff_day``): month M of year Y is
15/(M−1) → 14/M, so January and every period starting in January (Q1, the first half, the
nine months, the year) begin on 15/12 of Y−1. A longer period joins the windows of its months.
"""

from __future__ import annotations

import calendar
import datetime as dt

from flask_babel import gettext as _

from ..models import PeriodKind
from . import DomainError
from .settings import get_setting

# kind -> (how many periods of that kind a year has, their first and last month)
_MONTHS = {
    PeriodKind.month: (12, lambda n: (n, n)),
    PeriodKind.quarter: (4, lambda n: (3 * n - 2, 3 * n)),
    PeriodKind.half: (1, lambda n: (1, 6)),
    PeriodKind.nine_months: (1, lambda n: (1, 9)),
    PeriodKind.year: (1, lambda n: (1, 12)),
}
# January's window reaches into the previous year, and callers look at the day after the end.
MIN_YEAR, MAX_YEAR = dt.MINYEAR + 1, dt.MAXYEAR - 1


def _invalid(message: str, field: str) -> DomainError:
    return DomainError(message, code="invalid_period", fields={field: "invalid"})


def period_kind(value) -> PeriodKind:
    """A period kind from its name (month, quarter, half, nine_months, year)."""
    try:
        return PeriodKind(value)
    except ValueError:
        raise _invalid(_("Choose the kind of period: month, quarter, half, nine_months or year."),
                       "kind") from None


def cutoff_date(year: int, month: int, cutoff_day: int) -> dt.date:
    """The cut-off day of a month; a day the month lacks (30 in February) is its last day."""
    return dt.date(year, month, min(cutoff_day, calendar.monthrange(year, month)[1]))


def period_bounds(kind, year: int, number: int = 1, *,
                  cutoff_day: int | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day (both included) of the data window of a period.

    ``kind`` is a ``PeriodKind`` or its name; ``number`` is 1–12 for a month, 1–4 for a
    quarter and 1 for the half, nine months and year. The cut-off day is the setting
    ``report_cutoff_day`` unless given. Raises ``DomainError`` (code ``invalid_period``,
    with the offending field) for a kind, year or number that does not exist.
    """
    kind = period_kind(kind)
    count, months = _MONTHS[kind]
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _invalid(_("The year must be from %(a)d to %(b)d.", a=MIN_YEAR, b=MAX_YEAR), "year")
    if not 1 <= number <= count:
        raise _invalid(_("The number of this period must be from 1 to %(n)d.", n=count), "number")
    cutoff = int(cutoff_day if cutoff_day is not None else get_setting("report_cutoff_day"))
    first, last = months(number)
    before_year, before_month = (year, first - 1) if first > 1 else (year - 1, 12)
    start = cutoff_date(before_year, before_month, cutoff) + dt.timedelta(days=1)
    return start, cutoff_date(year, last, cutoff)


def month_window_start(day: dt.date, cutoff_day: int) -> dt.date:
    """The first day of the month window holding ``day``: the day after the last cut-off
    day before it. Every period's window starts on such a day."""
    this = cutoff_date(day.year, day.month, cutoff_day)
    if day > this:
        return this + dt.timedelta(days=1)
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return cutoff_date(year, month, cutoff_day) + dt.timedelta(days=1)
