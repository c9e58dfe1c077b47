"""The list screens' Python cost, in process (not part of the test run).

    CDDH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/cddh_x \
        PYTHONPATH=. .venv/bin/python bench/inprocess.py [--runs 50] [--profile list_unit]
        [--dump DIR]

Logs in over the Flask test client (the login form, its CSRF token) as the Office
specialist and a unit's staff, warms up, then requests each screen ``--runs`` times: the
median and p95 in ms and the SQL statements per request (a ``before_cursor_execute``
listener) with their mean time a request (cursor execute, not the rows' loading). ``--profile SCREEN`` prints a cProfile of that screen's requests (``--sort tree``: a
pyinstrument call tree, if it is installed; ``PROFILE_OUT=file`` also saves the cProfile
statistics, for ``pstats``' callers and callees); ``--dump DIR``
writes each screen's HTML (CSRF tokens blanked) to compare two trees' output.
``--url WHO:PATH`` (repeatable) measures that page alone (``url0``, ``url1``…), as ``office``,
``unit``, ``unit_leader``, ``leader`` or ``admin``; ``SHOW_SQL=SCREEN`` (or ``all``) prints one
request's statements with their times, ``EXPLAIN=SCREEN`` (or ``all``) the EXPLAIN ANALYZE of
its slowest (PostgreSQL), after ``EXPLAIN_BEFORE`` (a statement, rolled back: ``DROP INDEX
…`` shows the plan without it).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

PASSWORD = "Demo@2026cddh"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')


def login(app, username):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, (username, response.status_code)
    return client


def unit_cursor(app, username) -> str:
    """``after=`` of the unit's page 200 in its urgency order (as bench/http.py)."""
    from cddh.auth import policy
    from cddh.models import Task, User, db
    from cddh.services import scope
    from cddh.views.tasks import UrgencyOrder

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        target, on, order = scope.by_urgency(user.unit_id)
        last = db.session.scalar(sa.select(Task).join(target, on)
                                 .where(policy.task_scope(user)).order_by(*order)
                                 .offset(199 * app.config["PAGE_SIZE"] - 1).limit(1))
        return UrgencyOrder().text(last) if last else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)  # at least 1
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--profile")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--callers")  # with --profile: who calls the functions matching this
    parser.add_argument("--dump")
    parser.add_argument("--only")
    # Another screen, measured alone: --url WHO:PATH (WHO: office, unit, unit_leader, leader,
    # admin).
    parser.add_argument("--url", action="append", default=[])
    args = parser.parse_args()

    from bench.plain_app import create

    os.environ.setdefault("CDDH_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("CDDH_LOG_LEVEL", "WARNING")
    app = create()
    clients = {"office": login(app, "chuyenvien"), "unit": login(app, "canbo.snv"),
               "unit_leader": login(app, "giamdoc.snv"), "leader": login(app, "lanhdao"),
               "admin": login(app, "admin")}
    cursor = unit_cursor(app, "canbo.snv")
    # As gunicorn's workers (cddh/gunicorn_conf.py): the loaded app out of the collector's
    # generations, else a full collection (tens of ms) lands in a random screen's figures.
    import gc

    gc.collect()
    gc.freeze()
    screens = {
        "list_office": ("office", "/tasks/"),
        "list_unit": ("unit", "/tasks/"),
        "overdue_unit": ("unit", "/tasks/?timeliness=open_overdue"),
        "sort_office": ("office", "/tasks/?sort=4"),
        "home_unit": ("unit", "/"),
        "home_office": ("office", "/"),
        "home_unit_leader": ("unit_leader", "/"),
        "dashboard": ("leader", "/dashboard/"),
        "page200_unit": ("unit", f"/tasks/?page=199&after={cursor}"),
        "state_unit": ("unit", "/tasks/?flt0_0=completed"),
        "done_late_unit": ("unit", "/tasks/?flt0_8=done_late"),
        "deadline_unit": ("unit", "/tasks/?flt0_4=01/06/2026+-+28/06/2026"),
        "priority_unit": ("unit", "/tasks/?flt0_7=normal"),
        "documents_unit": ("unit", "/documents/"),
        "priority_office": ("office", "/tasks/?flt0_7=urgent"),
        "done_late_office": ("office", "/tasks/?flt0_8=done_late"),
        "completed_late_office": ("office", "/tasks/?flt0_0=completed&flt1_8=done_late"),
        "documents_sorted_office": ("office", "/documents/?sort=0&desc=1"),
        "overdue_by_deadline_office": ("office", "/tasks/?timeliness=open_overdue&sort=4&desc=1"),
        "report_figure_office": ("office", "/tasks/?period=month:2025:6&measure=done_on_time"),
        "on_time_by_deadline_office": ("office", "/tasks/?timeliness=open_on_time&sort=4"),
        "overdue_by_number_unit": ("unit", "/tasks/?timeliness=open_overdue&sort=0&desc=1"),
        "overdue_by_deadline_unit": ("unit", "/tasks/?timeliness=open_overdue&sort=4&desc=1"),
        "unassigned_by_deadline_unit_leader": ("unit_leader",
                                               "/tasks/?group=unassigned&sort=4&desc=1"),
        "deep_by_deadline_unit": ("unit", "/tasks/?timeliness=open_overdue&sort=4&desc=1"
                                  "&after=2025-06-02,2000000000"),
        "plain_simple": ("office", "/plain/tasks-simple/"),
    }
    for n, extra in enumerate(args.url):
        who, _, path = extra.partition(":")
        screens[f"url{n}"] = (who, path)
    if args.url:
        args.only = ",".join([*filter(None, [args.only]), *(f"url{n}" for n in range(len(args.url)))])
    if args.only:
        screens = {k: v for k, v in screens.items() if k in args.only.split(",")}

    from cddh.models import db

    statements, parameters_of = [], []
    with app.app_context():
        engine = db.engine

    sql_ms = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor_, statement, parameters, context, executemany):
        statements.append(statement)
        parameters_of.append(parameters)
        conn.info["t0"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def timed(conn, cursor_, statement, parameters, context, executemany):
        sql_ms.append((time.perf_counter() - conn.info.pop("t0")) * 1000)

    print(f"{'screen':<14} {'median':>7} {'p95':>7} {'SQL':>4} {'SQL ms':>7}")
    for key, (who, url) in screens.items():
        client = clients[who]
        for _ in range(args.warmup):
            response = client.get(url)
            assert response.status_code == 200, (key, response.status_code)
        if args.dump:
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            html = TOKEN.sub(r"\1-\2", client.get(url).get_data(as_text=True))
            Path(args.dump, key + ".html").write_text(html)
        statements.clear()
        parameters_of.clear()
        sql_ms.clear()
        client.get(url)
        n_sql = len(statements)
        if os.environ.get("SHOW_SQL") in (key, "all"):  # the statements of one request
            for statement, ms in zip(statements, sql_ms, strict=False):
                print(f"   {ms:6.2f}", " ".join(statement.split())[:int(os.environ.get("SQL_WIDTH", 300))])
        if os.environ.get("EXPLAIN") in (key, "all") and sql_ms:  # its slowest statement
            slowest = max(range(len(sql_ms)), key=sql_ms.__getitem__)
            with engine.connect() as conn:  # rolled back: EXPLAIN_BEFORE may drop an index
                if os.environ.get("EXPLAIN_BEFORE"):
                    conn.exec_driver_sql(os.environ["EXPLAIN_BEFORE"])
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statements[slowest],
                                            parameters_of[slowest]).scalars().all()
            print(f"   {key}: {sql_ms[slowest]:.2f} ms", " ".join(statements[slowest].split()),
                  parameters_of[slowest], *plan, sep="\n")
        sql_ms.clear()
        parameters_of.clear()
        if args.profile == key and args.sort == "tree":
            from pyinstrument import Profiler  # pip install pyinstrument (not a dependency)

            profiler = Profiler(interval=0.0002)
            profiler.start()
        elif args.profile == key:
            profiler = cProfile.Profile()
            profiler.enable()
        times, each = [], []
        for _ in range(args.runs):
            t0, c0, before = time.perf_counter(), time.process_time(), len(sql_ms)
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            each.append(f"{times[-1]:.0f}/{sum(sql_ms[before:]):.0f}/"
                        f"{(time.process_time() - c0) * 1000:.0f}")
        if os.environ.get("SAMPLES"):  # each request in order: total / SQL / CPU ms
            print(f"   {key}:", *each)
        if args.profile == key and args.sort == "tree":
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
        elif args.profile == key:
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats(args.sort)
            stats.print_stats(args.limit)
            if os.environ.get("PROFILE_OUT"):
                profiler.dump_stats(os.environ["PROFILE_OUT"])
            if args.callers:
                stats.print_callers(args.callers)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{key:<14} {statistics.median(times):7.1f} {p95:7.1f} {n_sql:4d} "
              f"{sum(sql_ms) / args.runs:7.1f}", flush=True)


if __name__ == "__main__":
    main()
