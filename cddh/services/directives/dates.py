"""Deadlines and update frequencies as a directive writes them.

A date becomes a deadline only when a deadline word stands right before it ("trước ngày",
"chậm nhất", "hạn chót", "hoàn thành trước/trong/vào", "không quá", "thời hạn") or when the
phrase itself is a period to finish within ("trong tháng 12/2026", "trong quý I/2027", "trong
6 tháng đầu năm", "trong 07 ngày làm việc"). Every other date — of a cited document ("Công văn
số 5658/BCT-CTĐP ngày 18/7/2018"), an effective date ("có hiệu lực kể từ ngày…"), a meeting
("tại cuộc họp ngày…"), a status ("tính đến ngày…") — is never proposed.

Resolution: "trước 15/12" takes the year of issue, or the next year when that day has passed;
a month or quarter gives its last day; "N ngày làm việc (kể từ ngày D)" counts working days on
the province's calendar from D, or from the issue date when no date is written ("kể từ ngày
nhận được văn bản" counts from the issue date: the receipt date is not in the text). A date
followed by "hằng năm/hằng tháng" is a recurring report day, not a deadline: it gives the
update frequency instead ("05/6 và 05/12 hằng năm" → half-yearly).
"""

from __future__ import annotations

import calendar as _months
import datetime as dt
import re
from dataclasses import dataclass

_D = r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{4}|\d{2}))?(?![\d/])"
_LONG = r"(\d{1,2})\s+thang\s+(\d{1,2})(?:\s*(?:nam|[/\-])\s*(\d{4}))?"
DATE = rf"(?:{_D}|{_LONG})"
_DATE_RE = re.compile(DATE)
_CUE = (r"(?:truoc|cham nhat(?:\s+la)?(?:\s+(?:truoc|vao|den|trong))?|han chot(?:\s+la)?|"
        r"khong qua|khong muon hon|xong truoc|hoan thanh(?:\s+(?:truoc|vao|xong truoc))?|"
        r"thoi han(?:\s+(?:hoan thanh|thuc hien|bao cao|gui|trinh))?\s*:?(?:\s*truoc)?)")
_DAY_DEADLINE = re.compile(rf"\b{_CUE}\s*:?\s*(?:ngay\s+)?{DATE}")
_RECURRING_TAIL = re.compile(
    rf"(?:\s*(?:,|va)\s*(?:ngay\s+)?{DATE})*\s*(?:,\s*)?(?:hang|hằng|moi)\s+(nam|thang|quy)\b")
_DAY_OF_MONTH = re.compile(rf"\b{_CUE}\s*ngay\s+(\d{{1,2}})\s+(?:hang|moi)\s+(thang|quy)\b")
_MONTH = re.compile(r"\b(?:trong|cuoi|het|truoc het|hoan thanh trong)\s+thang\s+(\d{1,2})"
                    r"(?:\s*(?:/|-|nam)\s*(\d{4}))?(?![\d/])")
_QUARTER = re.compile(r"\b(?:trong|cuoi|het)\s+quy\s+(iv|iii|ii|i|[1-4])\b"
                      r"(?:\s*(?:/|-|nam)\s*(\d{4}))?")
_HALF = re.compile(r"\b(?:trong|hoan thanh|xong|truoc het)\s+(?:6|06|sau)\s+thang\s+"
                   r"(dau|cuoi)\s+nam(?:\s+(\d{4}))?")
_YEAR = re.compile(r"\b(?:trong|cuoi|het|hoan thanh trong)\s+nam\s+(\d{4})\b(?!\s*,)")
_DAYS = re.compile(r"\b(?:trong|trong thoi han|trong vong|cham nhat(?:\s+(?:la|sau))?|sau|"
                   r"khong qua)\s+(\d{1,3})\s+ngay(\s+lam viec)?"
                   rf"(?:\s*[,(]?\s*(?:tinh\s+)?ke tu\s+(?:ngay\s+)?(?:{DATE})?)?")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_BOUNDARY = re.compile(r"[;,.:()\n]")

FREQUENCIES = ("monthly", "quarterly", "half_yearly", "yearly")  # most frequent first
_FREQUENCY_PATTERNS = (
    ("monthly", re.compile(r"\b(?:dinh ky\s+)?(?:hang|moi)\s+thang\b|\bdinh ky\s+thang\b")),
    ("quarterly", re.compile(r"\b(?:hang|moi)\s+quy\b|\bdinh ky\s+(?:hang\s+)?quy\b")),
    ("half_yearly", re.compile(r"\b(?:dinh ky|moi|hang)\s+(?:6|06|sau)\s+thang\b|"
                               r"\b(?:6|06|sau)\s+thang\s+(?:mot lan|\d?\s*lan)\b|"
                               r"\b(?:6|06|sau)\s+thang\s*(?:,|va)\s*(?:hang|ca)\s+nam\b|"
                               r"\bnua nam mot lan\b")),
    ("yearly", re.compile(r"\b(?:hang|moi)\s+nam\b|\bdinh ky\s+nam\b")),
)


@dataclass
class Deadline:
    start: int  # the date phrase in the text
    end: int
    day: dt.date | None  # None: recurring or not resolvable
    rule: str  # date, month_end, quarter_end, half_year, year_end, working_days, days, recurring
    frequency: str | None = None


def _year(value: str | None, default: int) -> int:
    if not value:
        return default
    year = int(value)
    return year + 2000 if year < 100 else year


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date_of(groups: tuple, issued_on: dt.date) -> dt.date | None:
    """A date from the six groups of DATE; a date without a year takes the year of issue, or
    the next one when it has already passed."""
    day, month, year = groups[0:3] if groups[0] else groups[3:6]
    if day is None:
        return None
    if year:
        return _safe_date(_year(year, issued_on.year), int(month), int(day))
    found = _safe_date(issued_on.year, int(month), int(day))
    if found is not None and found < issued_on:
        found = _safe_date(issued_on.year + 1, int(month), int(day))
    return found


def _month_end(year: int, month: int) -> dt.date | None:
    if not 1 <= month <= 12 or not 1 <= year <= 9999:
        return None
    return dt.date(year, month, _months.monthrange(year, month)[1])


def _period_year(year: str | None, last_month: int, issued_on: dt.date) -> int:
    if year:
        return _year(year, issued_on.year)
    # Without a year: this year's period, or next year's when it ended before the issue date.
    return issued_on.year + (1 if (issued_on.year, last_month) < (issued_on.year, issued_on.month)
                             else 0)


def find_deadlines(folded: str, start: int, end: int, issued_on: dt.date, cal) -> list[Deadline]:
    """Every deadline phrase in ``folded[start:end]``, in order of appearance."""
    found: list[Deadline] = []
    span = folded[:end]

    for m in _DAY_OF_MONTH.finditer(span, start):
        unit = m.group(2)
        found.append(Deadline(m.start(), m.end(), None, "recurring",
                              "monthly" if unit == "thang" else "quarterly"))
    for m in _DAY_DEADLINE.finditer(span, start):
        if any(d.start <= m.start() < d.end for d in found):
            continue
        tail = _RECURRING_TAIL.match(span, m.end())
        if tail:
            count = 1 + len(_DATE_RE.findall(span[m.end():tail.start(7)]))
            unit = tail.group(7)
            frequency = {"thang": "monthly", "quy": "quarterly"}.get(unit) or (
                {1: "yearly", 2: "half_yearly"}.get(count, "quarterly"))
            found.append(Deadline(m.start(), tail.end(), None, "recurring", frequency))
            continue
        day = _date_of(m.groups()[:6], issued_on)
        if day is not None:
            found.append(Deadline(m.start(), m.end(), day, "date"))
    for m in _MONTH.finditer(span, start):
        month = int(m.group(1))
        day = _month_end(_period_year(m.group(2), month, issued_on), month)
        if day is not None:
            found.append(Deadline(m.start(), m.end(), day, "month_end"))
    for m in _QUARTER.finditer(span, start):
        quarter = _ROMAN.get(m.group(1)) or int(m.group(1))
        last = quarter * 3
        found.append(Deadline(m.start(), m.end(),
                              _month_end(_period_year(m.group(2), last, issued_on), last),
                              "quarter_end"))
    for m in _HALF.finditer(span, start):
        last = 6 if m.group(1) == "dau" else 12
        found.append(Deadline(m.start(), m.end(),
                              _month_end(_period_year(m.group(2), last, issued_on), last),
                              "half_year"))
    for m in _YEAR.finditer(span, start):
        year = int(m.group(1))
        if issued_on.year <= year <= 9999:
            found.append(Deadline(m.start(), m.end(), dt.date(year, 12, 31), "year_end"))
    for m in _DAYS.finditer(span, start):
        count = int(m.group(1))
        base = _date_of(m.groups()[2:8], issued_on) if (m.group(3) or m.group(6)) else None
        base = base or issued_on
        if m.group(2):  # working days, on the province's calendar
            day, rule = cal.add_working_days(base, count), "working_days"
        else:
            day, rule = base + dt.timedelta(days=count), "days"
        found.append(Deadline(m.start(), m.end(), day, rule))
    # A deadline is never before the directive (a past date is something else: an event, a
    # cited text) nor decades after it (a misread number).
    latest = issued_on.replace(year=min(9999, issued_on.year + 20), day=min(issued_on.day, 28))
    found = [d for d in found if d.day is None or issued_on <= d.day <= latest]
    found.sort(key=lambda d: d.start)
    return found


def clause_start(folded: str, pos: int, floor: int) -> int:
    """Start of the clause around ``pos``: after the last , ; . : ( before it (not before
    ``floor``)."""
    cut = floor
    for m in _BOUNDARY.finditer(folded, floor, pos):
        # A dot between digits belongs to a date (10.12.2023), not a clause boundary.
        if m.group() == "." and 0 < m.start() < len(folded) - 1 and folded[m.start() - 1].isdigit() \
                and folded[m.start() + 1].isdigit():
            continue
        cut = m.end()
    while cut < pos and folded[cut] == " ":
        cut += 1
    return cut


def find_frequency(folded: str) -> str | None:
    """The most frequent update period the text names, or None."""
    named = [name for name, pattern in _FREQUENCY_PATTERNS if pattern.search(folded)]
    return named[0] if named else None
