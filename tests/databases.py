"""Databases of their own, for tests that must not share the suite's one."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import sqlalchemy as sa


@contextlib.contextmanager
def new_database(tmp_path: Path, suffix: str):
    """The URL of a new empty database of the kind under test (SQLite in ``tmp_path``, or
    ``<test database>_<suffix>_<pid>`` beside CDDH_TEST_DATABASE_URL's), dropped afterwards."""
    test_url = os.environ.get("CDDH_TEST_DATABASE_URL")
    if not test_url:
        yield f"sqlite:///{tmp_path / f'{suffix}.db'}"
        return
    url = sa.make_url(test_url)
    # The process id keeps two runs on one server (two engineers, two CI jobs) apart.
    name = f"{url.database}_{suffix}_{os.getpid()}"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()
