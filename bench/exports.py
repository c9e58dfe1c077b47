"""Time and peak memory of the task list exports (xlsx, CSV) on a generated database.

    CDDH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        PYTHONPATH=. .venv/bin/python bench/exports.py xlsx 100000

Runs one export as an Office specialist through the app (test client, no network) with
CDDH_EXPORT_MAX_ROWS set to the row count given, reads the streamed body, and prints seconds,
bytes, and the process's peak resident memory (one export per process, so the peak is its).
The login is made in memory (a transient server-side session the loader hands back), so the
benchmark database is only read.
"""

from __future__ import annotations

import resource
import sys
import time

import sqlalchemy as sa

from cddh import create_app
from cddh.models import Role, User, UserSession, db


def main(kind: str, rows: int) -> None:
    app = create_app(None, {"EXPORT_MAX_ROWS": rows, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.role == Role.office_specialist,
                                                             User.active.is_(True)).limit(1))

    def load_user(key: str) -> User | None:  # read-only: no UserSession row is written
        user = db.session.get(User, user_id) if key == "bench" else None
        if user is not None:
            user.current_session = UserSession(key=key)
        return user

    app.login_manager.user_loader(load_user)
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = "bench", True
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    response = client.get(f"/tasks/export/{kind}/", buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{kind} {rows} rows: status {response.status_code}, {seconds:.1f} s, "
          f"{size / 1e6:.1f} MB, peak RSS {peak / 1024:.0f} MB (before {before / 1024:.0f} MB)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
