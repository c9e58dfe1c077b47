"""Time the screens' hot queries on a large database (see bench/generate.py).

    CDDH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        PYTHONPATH=. .venv/bin/python bench/queries.py

Each query runs through the real policy and services, as the given users; median of 5 runs.
"""

from __future__ import annotations

import datetime as dt
import statistics as stats
import time

import sqlalchemy as sa

from cddh import create_app
from cddh.auth import policy
from cddh.models import Role, Task, User, db
from cddh.models.enums import Timeliness
from cddh.services import overview, task_filters
from cddh.services import scope as scope_index
from cddh.services.statistics import unit_statistics
from cddh.services.timeliness import timeliness_clause

TODAY = dt.date(2026, 11, 25)


def timed(label, fn, runs=5):
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        db.session.rollback()
    print(f"{label:<58} {stats.median(samples):8.1f} ms")


def main():
    app = create_app()
    with app.test_request_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
        print(f"tasks: {total}")
        office = db.session.scalar(sa.select(User).where(User.role == Role.office_specialist))
        unit_user = db.session.scalar(sa.select(User).where(User.username == "canbo.snv"))
        for who, user in (("office", office), ("unit", unit_user)):
            bench_user(who, user)
        timed("period statistics, all units, year 2025",
              lambda: unit_statistics(dt.date(2024, 12, 15), dt.date(2025, 12, 14)))


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
