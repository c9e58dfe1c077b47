"""Fill a database with N synthetic tasks for benchmarks (not part of the test run).

    CDDH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        PYTHONPATH=. .venv/bin/python bench/generate.py --tasks 1000000

Loads the demo units and accounts first, then inserts documents and tasks with
INSERT … SELECT FROM generate_series on PostgreSQL (set-based, a minute or two for a
million rows) or executemany batches on SQLite.
"""

from __future__ import annotations

import argparse
import time

import sqlalchemy as sa

from cddh import create_app
from cddh.models import Unit, UnitCategory, UnitKind, db
from cddh.services import calendar, clock, facts, scope, tally
from cddh.services.audit import acting_as

# A task's state, by its place ``k`` (0-9) in this list (the uniform mix: g % 10).
STATES = ("assigned", "in_progress", "in_progress", "pending_verification", "completed",
          "completed", "completed", "returned", "cancelled", "draft")
# "aged": a task older than the newest tenth is settled (completed, else returned or
# cancelled), each tenth of them by the place of g % 10 in this list.
SETTLED = (4, 5, 6, 4, 5, 6, 4, 5, 8, 7)


def generate(n_tasks: int, order: str = "time", states: str = "uniform") -> None:
    """``order``: "time" (the default), the ids follow the days, as a real database's do (a
    task is entered, then assigned, after the tasks before it), so that the newest tasks by
    id are the latest by date and a past period's tasks lie behind every later one;
    "cyclic", each run of 1,000 consecutive tasks (and documents) spans the whole 1,000 days
    (the data of the measurements before session 45, which hid what time order shows).
    ``states``: "uniform" (the default), every stretch of the ids holds every state alike
    (30 % of all tasks assigned or in progress, most of them long overdue: the issue's
    data); "aged", as a province's years of work: the tasks before the newest tenth are
    settled (80 % completed, 10 % returned, 10 % cancelled), the newest tenth in the uniform
    mix, so that the tasks assigned or in progress (3 % of all) are the newest ones; and
    one task in nine urgent, one in 97 flash (the uniform data has none). A plan that
    counts on those being spread through the table (a walk until enough are found), or on
    urgent tasks being few, shows itself on it."""
    from cddh.demo import load_demo

    if not db.session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        with acting_as(None):
            load_demo(task_count=50)
            db.session.commit()
    units = db.session.scalars(
        sa.select(Unit.id).join(UnitKind).where(
            UnitKind.category.in_([UnitCategory.department, UnitCategory.district]))).all()
    n_docs = max(1, n_tasks // 3)
    conn = db.session.connection()
    # The day (of 1,000 or 1,100) of the g-th document or task, and a task's document.
    if order == "time":
        doc_day = "((g - 1)::bigint * 1000 / :n)::int"
        day, day1100 = ("((g - 1)::bigint * 1000 / :n)::int",
                        "((g - 1)::bigint * 1100 / :n)::int")
        doc_of = "((g - 1)::bigint * :ndocs / :n)::int"
    else:
        doc_day, day, day1100, doc_of = "(g % 1000)", "(g % 1000)", "(g % 1100)", "(g % :ndocs)"
    if conn.dialect.name != "postgresql":
        raise SystemExit("the generator is written for PostgreSQL (generate_series)")
    units_array = "ARRAY[" + ",".join(str(u) for u in units) + "]"
    states_array = ",".join(f"'{state}'" for state in STATES)
    place, priority = "g % 10", "'normal'"
    if states == "aged":
        # One task in nine urgent, one in 97 flash (of the demo's 50, 6 are one or the
        # other), unrelated to the state (9 and 97 are prime to 10).
        priority = ("CASE WHEN g % 97 = 5 THEN 'flash' WHEN g % 9 = 4 THEN 'urgent' "
                    "ELSE 'normal' END")
        settled = "ARRAY[" + ",".join(str(k) for k in SETTLED) + "]"
        place = f"CASE WHEN g > :n - :n / 10 THEN g % 10 ELSE ({settled})[1 + g % 10] END"
    t0 = time.perf_counter()
    conn.execute(sa.text(f"""
        INSERT INTO document (doc_type, number, issuer, summary, issued_on, issue_year, signer,
                              tracked, entry_due_on, created_at, updated_at, search_text)
        SELECT 'cong_van', 'B' || g || '/UBND-TH', 'UBND tỉnh',
               'Văn bản thử tải số ' || g, d, extract(year from d)::int, 'Phó Chủ tịch',
               true, d + 1, now(), now(),
               ' b' || g || '/ubnd-th van ban thu tai so ' || g || ' '
        FROM generate_series(1, :n) g, LATERAL (SELECT date '2024-01-01' + {doc_day} AS d) x
    """), {"n": n_docs})
    first_doc = conn.execute(sa.text("SELECT min(id) FROM document WHERE number LIKE 'B%'")).scalar()
    conn.execute(sa.text(f"""
        INSERT INTO task (document_id, content, lead_unit_id, expected_product, has_deadline,
                          deadline, original_deadline, update_frequency, priority, state,
                          assigned_at, percent_complete, completed_on, result_summary,
                          result_document_number, cancel_reason, version,
                          created_at, updated_at, search_text)
        SELECT :first + {doc_of}, 'Nhiệm vụ thử tải số ' || g,
               ({units_array})[1 + g % {len(units)}], 'other', (g % 10) <> 0,
               CASE WHEN g % 10 <> 0 THEN date '2024-01-15' + {day1100} END,
               CASE WHEN g % 10 <> 0 THEN date '2024-01-15' + {day1100} END,
               'monthly', {priority},
               (ARRAY[{states_array}])[1 + k],
               CASE WHEN k <> 9 THEN timestamptz '2024-01-02' + {day} * interval '1 day' END,
               0,
               -- done (awaiting verification or completed): reported with a completion
               -- date, as report_completion requires, never after today; one in seven
               -- late (five days after the deadline), the others five days before it
               CASE WHEN k IN (3,4,5,6) THEN least(current_date, date '2024-01-10'
                   + {day1100} + CASE WHEN g % 7 = 0 THEN 10 ELSE 0 END) END,
               '', '', '', 1, now(), now(),
               -- search_text as cddh.services.search.normalise makes it (ids are sequential)
               ' b' || (1 + {doc_of}) || '/ubnd-th van ban thu tai so ' || (1 + {doc_of})
                   || ' nhiem vu thu tai so ' || g || ' '
        FROM generate_series(1, :n) g, LATERAL (SELECT {place} AS k) p
    """), {"n": n_tasks, "first": first_doc, "ndocs": n_docs})
    conn.execute(sa.text("""
        INSERT INTO task_cooperating_unit (task_id, unit_id)
        SELECT t.id, u.id FROM task t
        JOIN LATERAL (SELECT id FROM unit WHERE id <> t.lead_unit_id
                      ORDER BY (id * 7919 + t.id) % 97 LIMIT 1) u ON true
        WHERE t.id % 3 = 0
    """))
    # Each task's history as the services write it: forwarded, received, reported done,
    # verified (or returned, or cancelled), about 2.5 entries a task. A closed period's
    # figures read a task's state then from it (statistics.returned_as_of) and the ranking
    # counts its returns: without it the planner reads a table of the demo's few entries.
    conn.execute(sa.text("""
        INSERT INTO task_history (task_id, at, action, from_state, to_state, reason, data)
        SELECT t.id, e.at, e.action, e.from_state, e.to_state, '', '{}'
        FROM task t
        CROSS JOIN LATERAL (SELECT greatest(t.completed_on + time '09:00',
                                            t.assigned_at + interval '3 days') AS done_at) d
        CROSS JOIN LATERAL (VALUES
            (1, t.assigned_at, 'forward', 'draft', 'assigned'),
            (2, t.assigned_at + interval '2 days', 'receive', 'assigned', 'in_progress'),
            (3, d.done_at, 'report_completion', 'in_progress', 'pending_verification'),
            (4, d.done_at + interval '1 day', 'verify', 'pending_verification', 'completed'),
            (5, t.assigned_at + interval '5 days', 'return', 'in_progress', 'returned'),
            (6, t.assigned_at + interval '3 days', 'cancel', 'assigned', 'cancelled')
        ) e(step, at, action, from_state, to_state)
        WHERE t.document_id >= :first AND t.assigned_at IS NOT NULL
          AND CASE t.state WHEN 'assigned' THEN e.step = 1
                           WHEN 'in_progress' THEN e.step <= 2
                           WHEN 'pending_verification' THEN e.step <= 3
                           WHEN 'completed' THEN e.step <= 4
                           WHEN 'returned' THEN e.step IN (1, 2, 5)
                           WHEN 'cancelled' THEN e.step IN (1, 6)
                           ELSE false END
    """), {"first": first_doc})
    # As the services keep it (statistics._mark_ever_returned).
    conn.execute(sa.text("""
        UPDATE task SET ever_returned = true WHERE document_id >= :first AND id IN
            (SELECT task_id FROM task_history WHERE to_state = 'returned')
    """), {"first": first_doc})
    calendar.refresh_effective_deadlines(conn)  # deadlines moved off days off (Điều 148)
    scope.rebuild(conn)  # task_unit: one row per (unit, task) with its role
    db.session.commit()
    conn = db.session.connection()
    conn.execute(sa.text("ANALYZE"))
    tally.rebuild(conn)  # today's figures, as the services keep them
    db.session.commit()
    print(f"{n_docs} documents, {n_tasks} tasks in {time.perf_counter() - t0:.1f} s")
    # What the nightly period_facts job would have stored: every closed period's figures.
    t0 = time.perf_counter()
    counts = facts.store_closed_periods(clock.local_today())
    db.session.commit()
    print(f"stored facts: {counts['periods']} periods in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--order", choices=("time", "cyclic"), default="time",
                        help="how the dates follow the ids (see generate)")
    parser.add_argument("--states", choices=("uniform", "aged"), default="uniform",
                        help="how the states lie along the ids (see generate)")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        db.create_all()
        generate(args.tasks, args.order, args.states)
