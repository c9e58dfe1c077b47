"""Stored period facts (issue 13 §1): a closed period's figures, computed once.

A period whose end (its cut-off, ``cddh.services.periods``) is before today can no longer
change its figures (Đ17: they are counted as of that end). When it closes, the job
``period_facts`` stores, for every period kind (month, quarter, half, nine months, year), each
unit's statistics row as ``cddh.services.statistics.live_unit_statistics`` counts it, the
report's "of which assigned in this period" and the ranking's inputs (late updates, returns,
inspection shortcomings) in ``period_fact``; a row with no unit holds the period's total and
marks it as stored.

Why every kind and not only months: a quarter's figures are not the sum of its months' (a
task open for three months counts once in the quarter, not three times; "open and overdue"
is taken at the quarter's end, not at each month's end; the ranking counts each task flagged
for a late update once). Storing each closed period's row, computed by the very same
function, makes the stored figure equal the live one exactly, for any rule.

Readers never ask for facts by name: ``statistics.unit_statistics`` and
``ranking.unit_ranking`` look a window (start, end) up here when it has ended and fall back
to counting live when it is not stored (not yet closed, before the job ran, or a window that
a changed cut-off day no longer produces). A running period is always counted live, as of
today. ``recompute`` rebuilds the facts (after an import or a rule change): the CLI command
``flask --app app cddh recompute-facts [--from YYYY-MM] [--to YYYY-MM]``.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..models import PeriodFact, PeriodKind, Task, db, utcnow
from .clock import local_today, local_tz, start_of_local_day
from .periods import period_bounds
from .statistics import COLUMNS, in_unit_order, live_unit_statistics, total_row

RANKING_INPUTS = ("late_updates", "returns", "findings")
ASSIGNED = "assigned_in_period"
STORED = (*COLUMNS, ASSIGNED, *RANKING_INPUTS)
# kind -> the numbers of its periods in a year
PERIODS = {PeriodKind.month: range(1, 13), PeriodKind.quarter: range(1, 5),
           PeriodKind.half: (1,), PeriodKind.nine_months: (1,), PeriodKind.year: (1,)}


# --- reading ---------------------------------------------------------------------------------

def _window_rows(start: dt.date, end: dt.date) -> list[PeriodFact] | None:
    """The stored rows of a window (the total row first), or None when it is not stored."""
    rows = db.session.scalars(
        sa.select(PeriodFact).where(PeriodFact.start_on == start, PeriodFact.end_on == end)
        .order_by(PeriodFact.unit_id.is_not(None), PeriodFact.unit_id)).all()
    if not rows or rows[0].unit_id is not None:
        return None
    return rows


def _as_dict(fact: PeriodFact, names=COLUMNS) -> dict:
    return {name: getattr(fact, name) for name in names}


def stored_statistics(start: dt.date, end: dt.date, unit_ids=None) -> list[dict] | None:
    """The stored statistics rows of the window, exactly as ``live_unit_statistics`` returned
    them when the window closed; None when the window is not stored."""
    rows = _window_rows(start, end)
    if rows is None:
        return None
    wanted = None if unit_ids is None else list(dict.fromkeys(int(i) for i in unit_ids))
    keep = set(wanted) if wanted is not None else None
    found = {fact.unit_id: {"unit_id": fact.unit_id, **_as_dict(fact)} for fact in rows[1:]
             if (fact.unit_id in keep if keep is not None else fact.total > 0)}
    return in_unit_order(found, wanted)


def stored_unit_figures(start: dt.date, end: dt.date) -> dict[int, dict] | None:
    """Per unit, every stored figure of the window (statistics, assigned, ranking inputs);
    units absent have zeros; None when the window is not stored."""
    rows = _window_rows(start, end)
    if rows is None:
        return None
    return {fact.unit_id: _as_dict(fact, STORED) for fact in rows[1:]}


def stored_totals(windows: list[tuple[dt.date, dt.date]]) -> dict[tuple, dict]:
    """The stored total rows of several windows in one query: {(start, end): total row}."""
    if not windows:
        return {}
    found = db.session.scalars(sa.select(PeriodFact).where(
        PeriodFact.unit_id.is_(None),
        sa.or_(*[sa.and_(PeriodFact.start_on == s, PeriodFact.end_on == e) for s, e in windows])))
    return {(fact.start_on, fact.end_on): _as_dict(fact) for fact in found}


def stored_figure(start: dt.date, end: dt.date, measure: str,
                  lead_unit_id: int | None = None) -> int | None:
    """One stored figure of a window (a statistics column or ``ASSIGNED``): the total, or a
    lead unit's (0 for a unit without a row, as ``stored_unit_figures``); None when the window
    is not stored or the figure is not one it stores. What a figure's list counts (the
    tasks of ``reports.period_conditions``) without counting them."""
    if measure not in (*COLUMNS, ASSIGNED):
        return None
    column = getattr(PeriodFact, measure)
    which = PeriodFact.unit_id.is_(None)
    if lead_unit_id is not None:
        which = sa.or_(which, PeriodFact.unit_id == lead_unit_id)
    found = dict(db.session.execute(sa.select(PeriodFact.unit_id, column).where(
        PeriodFact.start_on == start, PeriodFact.end_on == end, which)).all())
    if None not in found:
        return None
    return found[None] if lead_unit_id is None else found.get(lead_unit_id, 0)


def stored_last_id(start: dt.date, end: dt.date, measure: str = "total",
                   lead_unit_id: int | None = None) -> int | None:
    """The greatest id a task behind one stored figure of the window can have: the figure's
    own newest task (``PeriodFact.last_ids``; 0 for a figure of none, a lead unit without a
    row has none), else any the window counts (``PeriodFact.last_task_id``; ``ASSIGNED``
    and ``AWAITING`` too); None when the window is not stored or it is not known."""
    which = PeriodFact.unit_id.is_(None)
    if lead_unit_id is not None:
        which = sa.or_(which, PeriodFact.unit_id == lead_unit_id)
    found = {unit_id: (last_ids, last_task_id) for unit_id, last_ids, last_task_id in
             db.session.execute(sa.select(PeriodFact.unit_id, PeriodFact.last_ids,
                                          PeriodFact.last_task_id).where(
                 PeriodFact.start_on == start, PeriodFact.end_on == end, which))}
    if None not in found:
        return None
    last_ids, bound = found[None]
    if last_ids is not None and measure in last_ids:
        if lead_unit_id is None:
            return int(last_ids[measure])
        return int((found.get(lead_unit_id, ({}, None))[0] or {}).get(measure, 0))
    return bound


# --- storing ---------------------------------------------------------------------------------

def last_task_id(end: dt.date) -> int:
    """The greatest id of a task forwarded by the end of ``end`` (0 for none)."""
    return int(db.session.scalar(sa.select(sa.func.max(Task.id)).where(
        Task.assigned_at < start_of_local_day(end + dt.timedelta(days=1)))) or 0)


def compute_period(kind, year: int, number: int, today: dt.date) -> list[dict]:
    """The rows ``period_fact`` stores for one closed period (the total row first)."""
    from . import ranking, reports
    from .inspection import shortcomings_by_unit

    start, end = period_bounds(kind, year, number)
    if end >= today:
        raise ValueError(f"{kind} {year}/{number} has not ended")
    stats = {row["unit_id"]: row for row in live_unit_statistics(start, end, None, today)}
    last_ids = {row["unit_id"]: {name: row[name] for name in COLUMNS}
                for row in live_unit_statistics(start, end, None, today, last_ids=True)}
    extra = {ASSIGNED: reports.assigned_in_period(start, end),
             "late_updates": ranking.late_updates_by_unit(start, end),
             "returns": ranking.returns_by_unit(start, end),
             "findings": shortcomings_by_unit(start, end)}
    unit_ids = set(stats)
    for by_unit in extra.values():
        unit_ids.update(u for u in by_unit if u is not None)
    now = utcnow()
    base = {"kind": PeriodKind(kind), "year": year, "number": number, "start_on": start,
            "end_on": end, "computed_at": now}
    rows = []
    for unit_id in sorted(unit_ids):
        row = {**base, "unit_id": unit_id,
               **{name: stats.get(unit_id, {}).get(name, 0) for name in COLUMNS},
               **{name: int(by_unit.get(unit_id, 0)) for name, by_unit in extra.items()},
               "last_ids": last_ids.get(unit_id, dict.fromkeys(COLUMNS, 0))}
        rows.append(row)
    total = {**base, "unit_id": None, **total_row(list(stats.values())),
             **{name: sum(r[name] for r in rows) for name in extra},
             "last_task_id": last_task_id(end),
             "last_ids": {name: max((ids[name] for ids in last_ids.values()), default=0)
                          for name in COLUMNS}}
    return [total, *rows]


def store_period(kind, year: int, number: int, today: dt.date) -> int:
    """(Re)store one closed period's facts; returns the rows written."""
    rows = compute_period(kind, year, number, today)
    start, end = rows[0]["start_on"], rows[0]["end_on"]
    db.session.execute(sa.delete(PeriodFact).where(PeriodFact.start_on == start,
                                                   PeriodFact.end_on == end))
    db.session.execute(sa.insert(PeriodFact), rows)
    return len(rows)


def _first_year() -> int | None:
    """The year of the first forwarding (no period before it counts anything)."""
    first = db.session.scalar(sa.select(sa.func.min(Task.assigned_at)))
    if first is None:
        return None
    if first.tzinfo is None:
        first = first.replace(tzinfo=dt.UTC)
    return first.astimezone(local_tz()).date().year


def closed_periods(today: dt.date, first: tuple[int, int] | None = None,
                   last: tuple[int, int] | None = None) -> list[tuple]:
    """(kind, year, number, start, end) of every period ended before ``today`` whose last
    month (year, month) is within [first, last]; by default from the first forwarding's
    year."""
    if first is None:
        year = _first_year()
        if year is None:
            return []
        first = (year, 1)
    found = []
    for year in range(first[0], today.year + 1):
        for kind, numbers in PERIODS.items():
            for number in numbers:
                start, end = period_bounds(kind, year, number)
                month = (end.year, end.month)
                if end < today and month >= first and (last is None or month <= last):
                    found.append((kind, year, number, start, end))
    return found


def store_closed_periods(today: dt.date, cal=None) -> dict:
    """The job: store every closed period not stored yet (idempotent: a second run on the
    same day stores nothing)."""
    stored = {(start, end) for start, end in db.session.execute(
        sa.select(PeriodFact.start_on, PeriodFact.end_on).where(PeriodFact.unit_id.is_(None)))}
    periods = rows = 0
    for kind, year, number, start, end in closed_periods(today):
        if (start, end) not in stored:
            rows += store_period(kind, year, number, today)
            periods += 1
    return {"periods": periods, "rows": rows}


def recompute(first: tuple[int, int] | None = None, last: tuple[int, int] | None = None,
              today: dt.date | None = None) -> dict:
    """Rebuild the facts of every closed period whose last month is within [first, last]
    (all by default), e.g. after an import or a change of rule."""
    today = today or local_today()
    periods = rows = 0
    for kind, year, number, _start, _end in closed_periods(today, first, last):
        rows += store_period(kind, year, number, today)
        periods += 1
    return {"periods": periods, "rows": rows}
