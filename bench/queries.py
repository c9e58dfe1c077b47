"""Time the screens' hot queries on a large database (see bench/generate.py).

    CDDH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        PYTHONPATH=. .venv/bin/python bench/queries.py

Each query runs through the real policy and services, as the given users; median of 5 runs.
``--facts`` first stores the closed periods' facts (the ``period_facts`` job, timed once) so
the dashboard, ranking and period statistics read them; ``--no-facts`` empties them first (the
figures are then all counted live, as before issue 13 §1). ``--jit-off`` sets ``jit = off``; ``--once`` runs each query once (the live figures of past
periods take minutes); ``--figures-only`` skips the list and home queries.
"""

from __future__ import annotations

import datetime as dt
import statistics as stats
import sys
import time

import sqlalchemy as sa

from cddh import create_app
from cddh.auth import policy
from cddh.models import PeriodFact, PeriodKind, Role, Task, User, db
from cddh.models.enums import Timeliness
from cddh.services import facts, overview, ranking, reports, task_filters
from cddh.services import scope as scope_index
from cddh.services.clock import local_today
from cddh.services.periods import period_bounds
from cddh.services.statistics import unit_statistics
from cddh.services.timeliness import timeliness_clause

TODAY = dt.date(2026, 11, 25)


RUNS = 1 if "--once" in sys.argv else 5


def timed(label, fn, runs=None):
    runs = runs or RUNS
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        db.session.rollback()
    print(f"{label:<58} {stats.median(samples):8.1f} ms", flush=True)


def main():
    app = create_app()
    with app.test_request_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
        print(f"tasks: {total}")
        office = db.session.scalar(sa.select(User).where(User.role == Role.office_specialist))
        unit_user = db.session.scalar(sa.select(User).where(User.username == "canbo.snv"))
        if "--figures-only" not in sys.argv:
            for who, user in (("office", office), ("unit", unit_user)):
                bench_user(who, user)
        bench_figures()


def bench_figures() -> None:
    """The dashboard, the ranking and a year's statistics, with or without stored facts."""
    today = local_today()
    if "--jit-off" in sys.argv:
        db.session.execute(sa.text("SET jit = off"))
        db.session.commit()
    if "--no-facts" in sys.argv:
        db.session.execute(sa.delete(PeriodFact))
        db.session.commit()
    if "--facts" in sys.argv:
        t0 = time.perf_counter()
        counts = facts.store_closed_periods(today)
        db.session.commit()
        print(f"{'job period_facts (first run): ' + str(counts):<58} "
              f"{(time.perf_counter() - t0) * 1000:8.1f} ms")
        t0 = time.perf_counter()
        counts = facts.store_closed_periods(today)
        db.session.commit()
        print(f"{'job period_facts (second run): ' + str(counts):<58} "
              f"{(time.perf_counter() - t0) * 1000:8.1f} ms")
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(PeriodFact))
    print(f"today {today}, period_fact rows: {stored}")
    closed_q = period_bounds(PeriodKind.quarter, 2026, 3)
    running_q = period_bounds(PeriodKind.quarter, 2026, 4)
    timed("dashboard (totals, by unit, 12-month trend)", lambda: reports.dashboard(today))
    timed("ranking, Q3 2026 (closed)", lambda: ranking.unit_ranking(*closed_q))
    timed("ranking, Q4 2026 (running)", lambda: ranking.unit_ranking(*running_q))
    timed("statistics, year 2025 (closed)",
          lambda: unit_statistics(*period_bounds(PeriodKind.year, 2025, 1)))
    timed("statistics, year 2026 (running)",
          lambda: unit_statistics(*period_bounds(PeriodKind.year, 2026, 1)))


def bench_user(who: str, user) -> None:
    """The list, count, filter and home-page queries as one user sees them."""
    scope = policy.task_scope(user)
    timed(f"{who}: list page 1 (50 newest visible tasks)",
          lambda: db.session.scalars(sa.select(Task).where(scope)
                                     .order_by(Task.id.desc()).limit(50)).all())
    timed(f"{who}: exact count of visible tasks",
          lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(scope)))
    timed(f"{who}: overdue filter, page 1",
          lambda: db.session.scalars(sa.select(Task).where(
              scope, timeliness_clause(Timeliness.open_overdue, TODAY))
              .order_by(Task.id.desc()).limit(50)).all())
    if who == "unit":
        target, on, order = scope_index.by_urgency(user.unit_id)
        timed(f"{who}: list page 1 by urgency (the unit list's default)",
              lambda: db.session.scalars(sa.select(Task).where(scope).join(target, on)
                                         .order_by(*order).limit(50)).all())
    timed(f"{who}: document number filter 'B77/UBND-TH', page 1",
          lambda: db.session.scalars(sa.select(Task).where(
              scope, task_filters.document_number("B77/UBND-TH"))
              .order_by(Task.id.desc()).limit(50)).all())
    groups = (overview.office_groups if who == "office" else overview.unit_groups)(user, TODAY)
    timed(f"{who}: home page groups (counts + 10 rows each)",
          lambda: overview.grouped_tasks(user, groups))


if __name__ == "__main__":
    main()
