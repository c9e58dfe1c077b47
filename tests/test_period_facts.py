"""Stored period facts (issue 13 §1): on the demo data, every closed period's stored figures
equal the live ones (months, quarters, the half, nine months, the year; statistics, the
report's "assigned in this period", the ranking, the dashboard's trend); the job stores each
closed period once; a recompute rebuilds them after a change; the running month is live."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cddh.jobs import JOBS_BY_NAME, run_job
from cddh.models import PeriodFact, PeriodKind, Task, db
from cddh.services import clock, facts, ranking, reports, statistics
from cddh.services.periods import period_bounds

from .conftest import demo_on

TODAY = dt.date(2026, 10, 28)


@pytest.fixture
def demo(app, monkeypatch):
    demo_on(app, monkeypatch, TODAY)
    with app.app_context(), app.test_request_context():
        yield TODAY
        db.session.rollback()


def _live(start, end, unit_ids=None):
    return statistics.live_unit_statistics(start, end, unit_ids, TODAY)


def _live_ranking(start, end):
    """The ranking counted with no facts stored (then rolled back)."""
    nested = db.session.begin_nested()
    db.session.execute(sa.delete(PeriodFact))
    rows = ranking.unit_ranking(start, end)
    nested.rollback()
    return rows


def test_every_closed_period_stored_equals_live(demo):
    counts = facts.store_closed_periods(TODAY)
    db.session.commit()
    periods = facts.closed_periods(TODAY)
    kinds = {p[0] for p in periods}
    # months, quarters, the half and the nine months of 2026 have ended (the year has not)
    assert kinds == set(PeriodKind) - {PeriodKind.year}
    assert counts["periods"] == len(periods)
    some_unit = None
    not_additive = 0
    for kind, year, number, start, end in periods:
        live = _live(start, end)
        stored = facts.stored_statistics(start, end)
        assert stored == live, (kind, year, number)
        # what every reader gets: the stored rows
        assert statistics.unit_statistics(start, end) == live, (kind, year, number)
        if live and some_unit is None:
            some_unit = live[-1]["unit_id"]
        if some_unit is not None:
            wanted = [some_unit, 999999]
            assert statistics.unit_statistics(start, end, wanted) == _live(start, end, wanted)
        figures = facts.stored_unit_figures(start, end)
        assigned = reports.assigned_in_period(start, end)
        assert {u: f["assigned_in_period"] for u, f in figures.items() if f["assigned_in_period"]
                } == {u: n for u, n in assigned.items() if n}
        assert ranking.unit_ranking(start, end) == _live_ranking(start, end), (kind, number)
        if kind != PeriodKind.month:
            months = [period_bounds(PeriodKind.month, year, m) for m in range(1, 13)
                      if start <= period_bounds(PeriodKind.month, year, m)[1] <= end]
            summed = sum(statistics.total_row(_live(s, e))["total"] for s, e in months)
            not_additive += summed != statistics.total_row(live)["total"]
    # The demo has figures to compare, and a quarter is not the sum of its months.
    assert sum(statistics.total_row(facts.stored_statistics(s, e))["total"]
               for _k, _y, _n, s, e in periods) > 0
    assert not_additive > 0


def test_dashboard_trend_reads_the_stored_months(demo):
    # The dashboard's one scan equals the two live tables it replaces.
    start, end = period_bounds(PeriodKind.month, 2026, 11)
    assert statistics.windows_to_date([None, start], TODAY) == [
        _live(None, TODAY), _live(start, end)]
    assert _live(start, end) and _live(None, TODAY) != _live(start, end)
    live = reports.dashboard(TODAY)
    facts.store_closed_periods(TODAY)
    stored = reports.dashboard(TODAY)
    assert stored == live
    # A closed month's bar is the stored one: change it and the dashboard follows.
    closed = [t for t in stored["trend"] if not t["to_date"]]
    assert len(closed) == 11 and stored["trend"][-1]["to_date"]
    start, end = period_bounds(PeriodKind.month, 2026, 9)
    db.session.execute(sa.update(PeriodFact).where(
        PeriodFact.start_on == start, PeriodFact.end_on == end,
        PeriodFact.unit_id.is_(None)).values(total=424242))
    trend = {t["key"]: t for t in reports.dashboard(TODAY)["trend"]}
    assert trend["month:2026:9"]["total"] == 424242


def test_the_job_is_scheduled_and_idempotent(demo, app):
    assert "period_facts" in JOBS_BY_NAME
    db.session.commit()
    first = run_job("period_facts", today=TODAY, app=app)
    assert first.status == "ok" and first.counts["periods"] > 0
    again = run_job("period_facts", today=TODAY, app=app)
    assert again.status == "ok" and again.counts["periods"] == 0
    markers = db.session.scalar(sa.select(sa.func.count()).select_from(PeriodFact)
                                .where(PeriodFact.unit_id.is_(None)))
    assert markers == first.counts["periods"] == len(facts.closed_periods(TODAY))
    # The next day closes nothing new unless a cut-off passed: 14/11 closes month 11.
    later = run_job("period_facts", today=dt.date(2026, 11, 15), app=app)
    assert later.counts["periods"] == 1


def test_recompute_after_a_change(demo, app):
    facts.store_closed_periods(TODAY)
    db.session.commit()
    start, end = period_bounds(PeriodKind.quarter, 2026, 3)
    task = db.session.scalar(
        sa.select(Task).where(statistics.measure_clause("open_overdue", start, end))
        .order_by(Task.id).limit(1))
    assert task is not None
    # An import fixes a completion date the unit reported in the quarter (before its end).
    task.completed_on = end - dt.timedelta(days=3)
    db.session.commit()
    stored = statistics.unit_statistics(start, end)
    assert stored != _live(start, end)  # the stored figure does not move on its own
    result = app.test_cli_runner().invoke(args=["cddh", "recompute-facts", "--from", "2026-07",
                                                "--to", "2026-09"])
    assert result.exit_code == 0, result.output
    assert "periods" in result.output
    db.session.expire_all()
    assert statistics.unit_statistics(start, end) == _live(start, end)
    for kind, year, number, s, e in facts.closed_periods(TODAY, (2026, 7), (2026, 9)):
        assert facts.stored_statistics(s, e) == _live(s, e), (kind, year, number)
    # October was left alone (the task no longer counts there once done in September) ...
    october = period_bounds(PeriodKind.month, 2026, 10)
    assert facts.stored_statistics(*october) != _live(*october)
    # ... until a recompute of everything.
    result = app.test_cli_runner().invoke(args=["cddh", "recompute-facts"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    for kind, year, number, s, e in facts.closed_periods(TODAY):
        assert facts.stored_statistics(s, e) == _live(s, e), (kind, year, number)


def test_recompute_refuses_a_bad_month(demo, app):
    facts.store_closed_periods(TODAY)
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.max(PeriodFact.computed_at)))
    for args in (["--from", "2026-13"], ["--to", "junk"], ["--from", "2026-09", "--to", "2026-01"]):
        result = app.test_cli_runner().invoke(args=["cddh", "recompute-facts", *args])
        assert result.exit_code != 0
        assert "Traceback" not in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.max(PeriodFact.computed_at))) == before


def test_the_open_month_is_live(demo):
    facts.store_closed_periods(TODAY)
    start, end = period_bounds(PeriodKind.month, 2026, 11)  # 15/10 → 14/11: running
    assert start <= TODAY <= end
    assert facts.stored_statistics(start, end) is None  # never stored while it runs
    qs, qe = period_bounds(PeriodKind.quarter, 2026, 4)
    assert facts.stored_statistics(qs, qe) is None
    # Even a fact row for a running window is never read.
    db.session.add(PeriodFact(kind=PeriodKind.month, year=2026, number=11, start_on=start,
                              end_on=end, unit_id=None, total=424242,
                              computed_at=clock.local_now()))
    db.session.flush()
    live = statistics.unit_statistics(start, end)
    assert statistics.total_row(live)["total"] != 424242
    assert live == _live(start, end)
    trend = reports.dashboard(TODAY)["trend"][-1]
    assert trend["to_date"] and trend["total"] == statistics.total_row(live)["total"]
