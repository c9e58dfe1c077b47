"""How jobs run: recorded, all or nothing, once on PostgreSQL however many runners start them,
from the command line and from the one scheduler process; shown to the administrator."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from cddh import jobs
from cddh.jobs import JOBS, run_job
from cddh.jobs.scheduler import build_scheduler
from cddh.models import JobRun, Role, Task, TaskState, UnitCategory, db

from .conftest import make_task, make_unit, make_user, overdue_entries

ROOT = Path(__file__).resolve().parent.parent
MONDAY = dt.date(2026, 3, 9)


@pytest.fixture
def overdue_tasks(ctx):
    lead = make_unit("SNV")
    make_user(Role.unit_staff, lead)
    ids = [make_task(lead, state=TaskState.in_progress, deadline=dt.date(2026, 3, 2)).id
           for _ in range(3)]
    db.session.commit()
    return ids


def _runs():
    db.session.expire_all()
    return db.session.execute(sa.select(JobRun.name, JobRun.status).order_by(JobRun.id)).all()


def _overdue_history() -> int:
    return len(overdue_entries())


def test_a_run_is_recorded_with_its_day_counts_and_times(overdue_tasks):
    outcome = run_job("mark_overdue", today=MONDAY)
    assert (outcome.status, outcome.counts["became_overdue"]) == ("ok", 3)
    run = db.session.get(JobRun, outcome.run_id)
    assert run.counts["today"] == "2026-03-09"
    assert run.started_at <= run.finished_at
    assert run.error == ""


def test_a_failing_job_changes_nothing_and_records_the_error(overdue_tasks, monkeypatch):
    real = jobs.JOBS_BY_NAME["mark_overdue"]

    def half_then_fail(today, cal):
        real.duty(today, cal)  # writes history and marks, then:
        raise RuntimeError("the database went away")

    monkeypatch.setitem(jobs.JOBS_BY_NAME, "mark_overdue", replace(real, duty=half_then_fail))
    outcome = run_job("mark_overdue", today=MONDAY)
    assert outcome.status == "failed"
    assert "RuntimeError: the database went away" in outcome.error
    db.session.expire_all()
    assert _overdue_history() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)
                             .where(Task.overdue_since.is_not(None))) == 0
    assert _runs() == [("mark_overdue", "failed")]


def test_an_interrupted_run_keeps_nothing_and_says_so(overdue_tasks, monkeypatch):
    """Ctrl+C on ``run-job`` (or the process told to exit) in the middle of a run: nothing it
    did is kept, the run is recorded as failed with the reason (not left "running" for
    ever), and the interruption goes on to stop the process."""
    real = jobs.JOBS_BY_NAME["mark_overdue"]

    def half_then_interrupted(today, cal):
        real.duty(today, cal)
        raise KeyboardInterrupt

    monkeypatch.setitem(jobs.JOBS_BY_NAME, "mark_overdue", replace(real, duty=half_then_interrupted))
    with pytest.raises(KeyboardInterrupt):
        run_job("mark_overdue", today=MONDAY)
    db.session.expire_all()
    assert _overdue_history() == 0
    assert _runs() == [("mark_overdue", "failed")]
    run = db.session.scalar(sa.select(JobRun))
    assert run.finished_at is not None
    assert run.error == "Lượt chạy bị ngắt trước khi hoàn tất; không giữ lại thay đổi nào của lượt chạy."


def test_mail_without_smtp_host_is_skipped_with_the_reason(ctx):
    office = make_unit("VP", UnitCategory.office)
    user = make_user(Role.office_specialist, office)
    user.email = "cv@example.vn"
    lead = make_unit("SNV")
    make_user(Role.unit_staff, lead).email = "staff@example.vn"
    db.session.commit()
    from cddh.services.duties import notify_users

    notify_users("urged", sa.true(), make_task(lead))
    db.session.commit()
    outcome = run_job("mail_digest", today=MONDAY)
    assert outcome.status == "skipped" and "CDDH_SMTP_HOST" in outcome.error


def test_two_concurrent_runs_on_postgresql_do_the_work_once(app, overdue_tasks, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite lets one writer at a time anyway "
                    "(run with CDDH_TEST_DATABASE_URL=postgresql+psycopg://…)")
    real = jobs.JOBS_BY_NAME["mark_overdue"]
    working, release = threading.Event(), threading.Event()

    def slow(today, cal):
        counts = real.duty(today, cal)
        working.set()  # the work is done but not committed; the lock is held
        assert release.wait(10)
        return counts

    monkeypatch.setitem(jobs.JOBS_BY_NAME, "mark_overdue", replace(real, duty=slow))
    outcomes = {}
    first = threading.Thread(target=lambda: outcomes.setdefault(
        "first", run_job("mark_overdue", today=MONDAY, app=app)))
    first.start()
    assert working.wait(10)
    monkeypatch.setitem(jobs.JOBS_BY_NAME, "mark_overdue", real)
    outcomes["second"] = run_job("mark_overdue", today=MONDAY, app=app)  # another connection
    release.set()
    first.join(10)
    assert outcomes["first"].status == "ok" and outcomes["first"].counts["became_overdue"] == 3
    assert outcomes["second"].status == "skipped"
    assert "lock" in outcomes["second"].error or "khóa" in outcomes["second"].error
    db.session.expire_all()
    assert _overdue_history() == 3
    assert sorted(_runs()) == [("mark_overdue", "ok"), ("mark_overdue", "skipped")]


def test_run_job_from_the_command_line_with_an_injected_day(app, overdue_tasks):
    result = app.test_cli_runner().invoke(
        args=["cddh", "run-job", "mark_overdue", "--today", "2026-03-09"])
    assert result.exit_code == 0, result.output
    assert "mark_overdue: ok" in result.output and '"became_overdue": 3' in result.output
    assert _runs() == [("mark_overdue", "ok")]
    unknown = app.test_cli_runner().invoke(args=["cddh", "run-job", "no_such_job"])
    assert unknown.exit_code == 2


def test_the_scheduler_runs_every_job_in_the_province_s_time_zone(app):
    scheduler = build_scheduler(app)
    assert str(scheduler.timezone) == "Asia/Ho_Chi_Minh"
    # Every job, the calendar followed as it starts, and the heartbeat /healthz reads (due at
    # once: the scheduler is up).
    assert [j.id for j in scheduler.get_jobs()] == [job.name for job in JOBS] + [
        "follow_calendar@start", "heartbeat"]
    # A tick up to an hour late still runs; missed ticks run once; never two at a time.
    assert scheduler._job_defaults == {"misfire_grace_time": 3600, "coalesce": True,
                                       "max_instances": 1}
    for job in scheduler.get_jobs():
        if job.id != "follow_calendar@start":  # a moment, not a time of day
            assert str(job.trigger.timezone) == "Asia/Ho_Chi_Minh"
    overdue = scheduler.get_job("mark_overdue")
    after = dt.datetime(2026, 3, 9, 12, 0, tzinfo=scheduler.timezone)
    assert overdue.trigger.get_next_fire_time(None, after) == dt.datetime(
        2026, 3, 10, 0, 5, tzinfo=scheduler.timezone)


def test_the_scheduler_follows_the_holiday_calendar_as_it_starts(app):
    """An upgrade of the holidays package comes with a restart: the stored effective
    deadlines follow the new calendar then, not at the next midnight."""
    before = dt.datetime.now(dt.UTC)
    scheduler = build_scheduler(app)
    start = scheduler.get_job("follow_calendar@start")
    fires = start.trigger.get_next_fire_time(None, dt.datetime.now(dt.UTC))
    assert before <= fires <= dt.datetime.now(dt.UTC)
    start.func(*start.args, **start.kwargs)
    with app.app_context():
        assert _runs() == [("follow_calendar", "ok")]


def test_the_scheduler_command_starts_one_blocking_scheduler(app, monkeypatch):
    from apscheduler.schedulers.blocking import BlockingScheduler

    started = []
    monkeypatch.setattr(BlockingScheduler, "start", lambda self: started.append(self))
    result = app.test_cli_runner().invoke(args=["cddh", "scheduler"])
    assert result.exit_code == 0, result.output
    assert len(started) == 1 and "mark_overdue" in result.output


def test_the_scheduler_stops_on_sigterm_as_on_ctrl_c(app, monkeypatch):
    """A service manager's SIGTERM stops the scheduler as Ctrl+C does: shut down, letting a
    running job finish its transaction (by default SIGTERM ends the process at once, and
    the job would stay recorded as running)."""
    import os
    import signal

    from apscheduler.schedulers.base import STATE_RUNNING
    from apscheduler.schedulers.blocking import BlockingScheduler

    stopped = []

    def start(self):
        self.state = STATE_RUNNING
        os.kill(os.getpid(), signal.SIGTERM)  # as systemd or docker stop do

    monkeypatch.setattr(BlockingScheduler, "start", start)
    monkeypatch.setattr(BlockingScheduler, "shutdown", lambda self, wait=True: stopped.append(wait))
    # The test process's own handler (the default would end the test run): reached only if
    # the command left SIGTERM to whatever was there before.
    def before(signum, frame):
        stopped.append("not stopped")

    previous = signal.signal(signal.SIGTERM, before)
    try:
        result = app.test_cli_runner().invoke(args=["cddh", "scheduler"])
        assert signal.getsignal(signal.SIGTERM) is before  # put back
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert result.exit_code == 0, result.output
    assert stopped == [True]  # shut down, waiting for the running job


def test_the_web_app_never_loads_a_scheduler():
    """Only ``flask cddh scheduler`` imports APScheduler: gunicorn workers never run jobs."""
    code = ("import sys; from cddh import create_app; "
            "app = create_app('test', {'SQLALCHEMY_DATABASE_URI': 'sqlite://'}); "
            "app.test_client().get('/login'); "
            "print('apscheduler' in ' '.join(sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_job_runs_screen_is_for_the_administrator(app, browser):
    with app.test_request_context():  # the browser needs its own contexts
        office = make_unit("VP", UnitCategory.office)
        admin, specialist = make_user(Role.admin, office), make_user(Role.office_specialist, office)
        make_task(make_unit("SNV"), state=TaskState.in_progress, deadline=dt.date(2026, 3, 2))
        db.session.commit()
        admin.id, specialist.id  # noqa: B018  (loads the row before the context ends)
        run_job("mark_overdue", today=MONDAY)
    page = browser(admin).get("/job_runs/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    with app.test_request_context():  # the screen says what ran and what it did in words
        from cddh.views.jobs import RESULT, job_title

        ran, became, digest = (job_title("mark_overdue"), f"{RESULT['became_overdue']}: 1",
                               job_title("mail_digest"))
    assert ran in text and became in text and 'id="job-schedule"' in text
    assert "became_overdue" not in text  # a label, not the code
    assert digest in text  # the schedule lists every job
    assert browser(specialist).get("/job_runs/").status_code == 403
