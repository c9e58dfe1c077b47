"""Bad and odd list arguments, as each kind of user (not part of the test run).

    CDDH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_t \\
        PYTHONPATH=. .venv/bin/python bench/badargs.py [--users chuyenvien,canbo.snv] [--slow 300]

Logs in over the Flask test client (bench/inprocess.py) and requests the lists, the home, the
dashboard, the ranking and the API with one argument at a time set to a bad or odd value
(an unknown period, a cursor that is none, a huge number, signs, a long text, markup), alone
and beside a figure link's arguments (``?period=&measure=``, ``?group=``, a sort). Prints
every 5xx and every request slower than ``--slow`` ms, then the count of each status. The
API is asked with a token of the same user. Every request must answer 200, 400 or 403 with a
message; a 5xx is a defect, a slow one a list the arguments made walk too far (session 48:
a search of signs alone, "%" or "_", reads every task at 1M: the trigram index holds no
signs).
"""

from __future__ import annotations

import argparse
import collections
import itertools
import logging
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from inprocess import login  # noqa: E402

USERS = ("chuyenvien", "canbo.snv", "giamdoc.snv", "lanhdao", "admin")
VALUES = ("", "x", "-1", "0", "99999999999999999999", "2025-13-45,abc", ",", "abc,1",
          "2025-06-02,", "None,5", "month:2026:13", "month:abc:1", "year:0:1", "quarter:2026:5",
          "month:2026", "month:9999:1", "year:2026:1:2", "<script>x</script>", "\x00", "1e9",
          "a" * 3000, "Hà Nội", "1,2,3", "true", "%", "_", "-", "[]", "{}")
ARGS = {
    "/tasks/": ("after", "period", "measure", "unit_id", "group", "sort", "desc", "page",
                "page_size", "search", "timeliness", "flt0_0", "flt0_3", "flt0_7", "flt0_8",
                "state", "document_id"),
    "/documents/": ("after", "sort", "page", "search", "flt0_0", "unit_id", "page_size"),
    "/ranking/": ("period", "kind", "year", "number", "unit_id"),
    "/dashboard/": ("period", "year", "unit_id", "month"),
    "/": ("group", "period"),
    "/api/v1/tasks": ("after", "q", "state", "unit_id", "limit", "sort", "deadline_from",
                      "timeliness", "document_id"),
    "/api/v1/reports/statistics": ("kind", "year", "number", "unit_id"),
}
# Each argument is also tried beside these (a figure link's, a home group's, a sort).
BESIDE = {
    "/tasks/": ({"period": "month:2026:6", "measure": "returned"}, {"measure": "open_overdue"},
                {"group": "escalated"}, {"sort": "4", "desc": "1"}),
    "/api/v1/reports/statistics": ({"kind": "year"},),
}


def token_for(app, username: str) -> str:
    from cddh.models import User, db
    from cddh.services.tokens import issue_token

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        plaintext = issue_token(user, "bench/badargs.py")[1]
        db.session.commit()
        return plaintext


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", default=",".join(USERS))
    parser.add_argument("--slow", type=float, default=300.0)  # ms
    args = parser.parse_args()

    from cddh import create_app

    logging.disable(logging.INFO)  # one line a request otherwise
    app = create_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 5xx is answered, and counted here
    statuses, failures, slow = collections.Counter(), 0, 0
    for username in args.users.split(","):
        client = login(app, username)
        bearer = {"Authorization": "Bearer " + token_for(app, username)}
        for path, names in ARGS.items():
            api = path.startswith("/api/")
            for name, value in itertools.product(names, VALUES):
                for beside in ({}, *BESIDE.get(path, ())):
                    query = {**beside, name: value}
                    started = time.perf_counter()
                    response = client.get(path, query_string=query,
                                          headers=bearer if api else None)
                    ms = (time.perf_counter() - started) * 1000
                    statuses[("api" if api else "screen", response.status_code)] += 1
                    shown = {k: (v if len(v) <= 40 else v[:20] + "…") for k, v in query.items()}
                    if response.status_code >= 500:
                        failures += 1
                        print(f"{response.status_code} {username} {path} {shown}", flush=True)
                    elif ms > args.slow:
                        slow += 1
                        print(f"slow {ms:6.0f} ms {username} {path} {shown}", flush=True)
    print(", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(statuses.items())))
    print(f"requests {sum(statuses.values())}, 5xx {failures}, slower than {args.slow:.0f} ms "
          f"{slow}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
