"""``GET /api/v1/tasks`` in process, read-only (not part of the test run).

    CDDH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        PYTHONPATH=. .venv/bin/python bench/api_tasks.py [--runs 20] [--explain] [--ids FILE]

The connection is opened with ``default_transaction_read_only=on``: nothing can be written.
An API token's use is recorded on the token (a write), so the token lookup is replaced here,
in this script only, by the account's name (``Bearer bench:<username>``): one read of the
account instead of the token's. ``CDDH_CODE=DIR`` runs another tree's code (say an earlier
commit's, ``git archive <commit> | tar -x -C DIR``) for a before/after comparison.
``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of each request's task query; ``--ids FILE``
writes each request's first page's ids (to compare two trees' answers).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

CODE = os.environ.get("CDDH_CODE")
if CODE:
    sys.path.insert(0, CODE)

import sqlalchemy as sa  # noqa: E402

READ_ONLY = "options=-c%20default_transaction_read_only%3Don"


def requests_of(unit_id: int, rare: int, cursor: str) -> dict[str, tuple[str, str]]:
    return {
        "unit_all": ("canbo.snv", "/api/v1/tasks"),
        "unit_own_unit": ("canbo.snv", f"/api/v1/tasks?unit_id={unit_id}"),
        "unit_other_unit": ("canbo.snv", "/api/v1/tasks?unit_id=4"),
        "unit_rare_unit": ("canbo.snv", f"/api/v1/tasks?unit_id={rare}"),
        "unit_deep_page": ("canbo.snv", f"/api/v1/tasks?cursor={cursor}"),
        "unit_deep_overdue": ("canbo.snv", f"/api/v1/tasks?timeliness=open_overdue&cursor={cursor}"),
        "unit_deadline": ("canbo.snv",
                          "/api/v1/tasks?deadline_from=2026-01-01&deadline_to=2026-06-30"),
        "unit_in_progress": ("canbo.snv", "/api/v1/tasks?state=in_progress"),
        "unit_overdue": ("canbo.snv", "/api/v1/tasks?timeliness=open_overdue"),
        "unit_document": ("canbo.snv", "/api/v1/tasks?document_id={document}"),
        "unit_search_common": ("canbo.snv", "/api/v1/tasks?q=nhiem+vu"),
        "unit_search_rare": ("canbo.snv", "/api/v1/tasks?q=987654"),
        "office_all": ("chuyenvien", "/api/v1/tasks"),
        "office_unit": ("chuyenvien", f"/api/v1/tasks?unit_id={unit_id}"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--ids")
    parser.add_argument("--only")
    args = parser.parse_args()

    url = os.environ["CDDH_DATABASE_URL"]
    os.environ["CDDH_DATABASE_URL"] = url + ("&" if "?" in url else "?") + READ_ONLY
    os.environ.setdefault("CDDH_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("CDDH_LOG_LEVEL", "WARNING")

    from cddh import create_app
    from cddh.api import routes
    from cddh.api.inputs import encode_cursor
    from cddh.models import User, db, task_unit

    def by_name(plaintext):
        name = plaintext.removeprefix("bench:")
        return db.session.scalar(sa.select(User).where(User.username == name, User.active))

    routes.tokens.user_for_token = by_name  # this script only: no write on the token

    app = create_app()
    with app.app_context():
        unit_id = db.session.scalar(sa.select(User.unit_id).where(User.username == "canbo.snv"))
        # A document holding one of the unit's tasks, from the middle of its rows.
        document = db.session.scalar(
            sa.select(task_unit.c.document_id).where(task_unit.c.unit_id == unit_id,
                                                     task_unit.c.state != "draft")
            .order_by(task_unit.c.task_id).offset(10000).limit(1))
        # The unit that shares the fewest tasks with it (but one): the worst case of ?unit_id.
        mine = task_unit.alias("mine")
        rare = db.session.execute(
            sa.select(task_unit.c.unit_id).join(mine, sa.and_(
                mine.c.task_id == task_unit.c.task_id, mine.c.unit_id == unit_id))
            .where(task_unit.c.unit_id != unit_id).group_by(task_unit.c.unit_id)
            .order_by(sa.func.count(), task_unit.c.unit_id).limit(1)).scalar()
        # A cursor in the middle of the unit's tasks.
        middle = db.session.scalar(sa.select(task_unit.c.task_id).where(
            task_unit.c.unit_id == unit_id).order_by(task_unit.c.task_id.desc())
            .offset(20000).limit(1))
        engine = db.engine
    screens = requests_of(unit_id, rare, encode_cursor(middle))
    if args.only:
        screens = {k: v for k, v in screens.items() if k in args.only.split(",")}

    statements = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    client = app.test_client()
    ids = {}
    print(f"{'request':<17} {'median':>7} {'p95':>7} {'SQL':>4}  path")
    for key, (who, path) in screens.items():
        path = path.format(document=document)
        headers = {"Authorization": f"Bearer bench:{who}"}
        for _ in range(args.warmup):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (key, response.status_code, response.get_json())
        statements.clear()
        body = client.get(path, headers=headers).get_json()
        ids[key] = [item["id"] for item in body["items"]]
        ids[key + ":next"] = body["next_cursor"]
        n_sql = len(statements)
        main_query = next((s for s in statements if "FROM task" in s[0]
                           and "ORDER BY" in s[0] and "LIMIT" in s[0]), None)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            client.get(path, headers=headers)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{key:<17} {statistics.median(times):7.1f} {p95:7.1f} {n_sql:4d}  {path}",
              flush=True)
        if args.explain and main_query:
            with engine.connect() as conn:
                raw = conn.connection.driver_connection
                with raw.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + main_query[0],
                                   main_query[1])
                    plan = "\n".join(row[0] for row in cursor.fetchall())
            print("    " + plan.replace("\n", "\n    "), flush=True)
    if args.ids:
        with open(args.ids, "w") as out:
            json.dump(ids, out, indent=0)


if __name__ == "__main__":
    main()
