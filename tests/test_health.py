"""``/healthz`` for the proxy and monitoring, the scheduler's heartbeat, and the log lines an
IT team reads: one per request, and a start and an end per job run."""

from __future__ import annotations

import datetime as dt
import logging
import re

import flask_migrate
import pytest
import sqlalchemy as sa

from cddh import create_app
from cddh.jobs import run_job
from cddh.jobs.scheduler import Heartbeat
from cddh.models import Role, SchedulerHeartbeat, UnitCategory, db, utcnow
from cddh.services.health import schema_heads

from .conftest import make_unit, make_user
from .databases import new_database


@pytest.fixture
def migrated_app(tmp_path):
    """An app on a database of its own built by the migrations, as in production."""
    with new_database(tmp_path, "health") as url:
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url,
                                  "UPLOAD_FOLDER": str(tmp_path / "uploads")})
        with app.app_context():
            flask_migrate.upgrade()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _health(app):
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json()


def test_healthz_is_green_only_while_the_scheduler_beats(migrated_app):
    status, body = _health(migrated_app)
    assert status == 503 and body["status"] == "failing"
    assert body["checks"]["database"]["ok"] and body["checks"]["schema"]["ok"]
    assert body["checks"]["schema"]["current"] == sorted(schema_heads())
    assert body["checks"]["scheduler"] == {"ok": False, "last_heartbeat": None,
                                           "age_seconds": None, "stale_after_minutes": 5}

    beat = Heartbeat(migrated_app)
    beat()  # the scheduler starts
    status, body = _health(migrated_app)
    assert status == 200 and body["status"] == "ok", body

    with migrated_app.app_context():  # the scheduler stopped six minutes ago
        db.session.execute(sa.update(SchedulerHeartbeat).values(
            beat_at=utcnow() - dt.timedelta(minutes=6)))
        db.session.commit()
    status, body = _health(migrated_app)
    assert status == 503 and not body["checks"]["scheduler"]["ok"]
    assert body["checks"]["scheduler"]["age_seconds"] >= 360

    beat()  # its next beat touches the same row
    status, body = _health(migrated_app)
    assert status == 200
    with migrated_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SchedulerHeartbeat)) == 1


def test_healthz_fails_on_a_schema_behind_the_code(migrated_app):
    Heartbeat(migrated_app)()
    with migrated_app.app_context():
        flask_migrate.downgrade(revision="-1")
    status, body = _health(migrated_app)
    assert status == 503
    assert body["checks"]["database"]["ok"] and not body["checks"]["schema"]["ok"]
    assert body["checks"]["schema"]["current"] != body["checks"]["schema"]["head"]


def test_healthz_fails_when_the_database_is_down():
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI":
                              "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2"})
    status, body = _health(app)
    assert status == 503
    assert body["checks"] == {"database": {"ok": False, "error": "OperationalError"}}


def test_one_log_line_per_request_with_the_user(app, browser, caplog):
    caplog.set_level(logging.INFO, logger="cddh.requests")
    with app.app_context():
        user = make_user(Role.office_specialist, make_unit("VP", UnitCategory.office))
        db.session.commit()
        user_id = user.id
    signed_in = browser(user)
    caplog.clear()
    signed_in.get("/tasks/")
    signed_in.get("/no-such-page")
    lines = [r.getMessage() for r in caplog.records if r.name == "cddh.requests"]
    assert len(lines) == 2
    assert re.fullmatch(rf"method=GET path=/tasks/ status=200 ms=\d+\.\d user={user_id}",
                        lines[0]), lines
    assert re.fullmatch(rf"method=GET path=/no-such-page status=404 ms=\d+\.\d user={user_id}",
                        lines[1]), lines


def test_an_anonymous_request_is_logged_without_a_user(app, caplog):
    caplog.set_level(logging.INFO, logger="cddh.requests")
    app.test_client().get("/login")
    [line] = [r.getMessage() for r in caplog.records if r.name == "cddh.requests"]
    assert re.fullmatch(r"method=GET path=/login status=200 ms=\d+\.\d user=-", line)


def test_each_job_run_logs_its_start_and_its_end_with_counts(app, caplog):
    caplog.set_level(logging.INFO, logger="cddh.jobs")
    run_job("mark_overdue", today=dt.date(2026, 3, 9), app=app)
    lines = [r.getMessage() for r in caplog.records if r.name == "cddh.jobs"]
    assert lines[0] == "job=mark_overdue event=start today=2026-03-09"
    assert re.fullmatch(r"job=mark_overdue event=end status=ok seconds=\d+\.\d run=\d+ .*"
                        r"became_overdue=0.*", lines[-1]), lines


def test_on_postgresql_the_apps_connections_run_without_jit_or_parallel_workers(app):
    """CDDH_PG_SESSION_OPTIONS (config.py): every connection of the app starts with the
    screens' settings, whatever the server's defaults."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's session settings")
        settings = db.session.execute(sa.text(
            "SELECT current_setting('jit'), current_setting('max_parallel_workers_per_gather')"
        )).one()
    assert tuple(settings) == ("off", "0")
