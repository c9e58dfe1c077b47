"""The scheduled jobs: a declarative list, and ``run_job`` that runs one of them.

A job is a rule from ``cddh.services`` applied for one day. ``run_job`` pushes its own app
context (so its own session), records the run in ``job_run`` before it starts, and applies
the rule and records the outcome in one transaction: the work and its record commit
together, or neither does and the failure is recorded instead. On PostgreSQL the work
transaction first takes ``pg_try_advisory_xact_lock`` on the job's own id; a second runner
(another scheduler, a ``run-job`` by hand) finds it taken and records itself as skipped.

The scheduler process (``cddh.jobs.scheduler``) and ``flask cddh run-job`` both call
``run_job``; web workers never import the scheduler.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..models import JobRun, db, utcnow
from ..services import calendar, duties, facts, feedback, mail, reports
from ..services.audit import acting_as
from ..services.calendar import WorkingCalendar
from ..services.clock import local_today

log = logging.getLogger(__name__)

RUNNING, OK, SKIPPED, FAILED = "running", "ok", "skipped", "failed"


@dataclass(frozen=True)
class Job:
    name: str
    duty: Callable[[dt.date, WorkingCalendar], dict]
    cron: str  # minute hour day month day-of-week, in the province's time zone
    title: object = field(compare=False)

    @property
    def lock_id(self) -> int:
        """A stable advisory-lock key for this job (the same in every process)."""
        return zlib.crc32(f"cddh.jobs.{self.name}".encode())


# In running order: each rule reads what the earlier ones of the night wrote.
JOBS: tuple[Job, ...] = (
    Job("follow_calendar", calendar.follow_package_calendar, "0 0 * * *",
        _l("Move deadlines when the holiday calendar learns a day off (Điều 148 BLDS)")),
    Job("mark_overdue", duties.mark_overdue, "5 0 * * *",
        _l("Mark overdue tasks and tell the lead units (Đ8.1a, Đ11)")),
    Job("late_updates", duties.flag_late_updates, "15 0 * * *",
        _l("Flag overdue tasks not updated in time (Đ8.1a)")),
    Job("periodic_updates", duties.flag_missing_periodic_updates, "20 0 * * *",
        _l("Flag tasks without deadline not updated this period (Đ8.1b)")),
    Job("due_soon", duties.remind_due_soon, "30 0 * * *",
        _l("Remind units of deadlines a few working days ahead (Đ11.1b)")),
    Job("escalate_overdue", duties.escalate_overdue, "40 0 * * *",
        _l("Escalate tasks still overdue to the unit leader, then the leadership")),
    Job("late_entries", duties.remind_late_entries, "45 0 * * *",
        _l("Remind specialists of documents not forwarded within a working day (Đ7.1a)")),
    Job("feedback_answers", feedback.flag_late_answers, "50 0 * * *",
        _l("Escalate district feedback not answered in time (Đ15.5)")),
    Job("period_facts", facts.store_closed_periods, "52 0 * * *",
        _l("Store the figures of each period that has ended (issue 13)")),
    Job("draft_period_reports", reports.draft_period_reports, "55 0 * * *",
        _l("Draft each period's report once its cut-off has passed (Đ17)")),
    Job("mail_digest", mail.send_digests, "0 7 * * *",
        _l("Mail each user a digest of unread notifications")),
)
JOBS_BY_NAME = {job.name: job for job in JOBS}


@dataclass(frozen=True)
class Outcome:
    """What a run did, readable after its session is gone."""

    run_id: int
    name: str
    status: str
    counts: dict
    error: str


def job_named(name: str) -> Job:
    try:
        return JOBS_BY_NAME[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}; jobs: {', '.join(JOBS_BY_NAME)}") from None


def run_job(name: str, *, today: dt.date | None = None, app: Flask | None = None) -> Outcome:
    """Run one job now, for ``today`` (the province's date unless given), in its own app
    context and transaction; never raises for a failing rule (the run records it)."""
    job = job_named(name)
    app = app or current_app._get_current_object()
    with app.app_context():
        return _run(job, today or local_today())


def _run(job: Job, today: dt.date) -> Outcome:
    log.info("job=%s event=start today=%s", job.name, today.isoformat())
    run = JobRun(name=job.name, started_at=utcnow(), status=RUNNING,
                 counts={"today": today.isoformat()})
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    try:
        with acting_as(None):
            if not _take_lock(job):
                with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
                    raise duties.Skipped(_("Another run of this job holds its lock; it did "
                                           "the work."))
            counts = job.duty(today, WorkingCalendar())
            _finish(run, OK, counts)
            db.session.commit()
    except duties.Skipped as exc:
        db.session.rollback()
        _finish(db.session.get(JobRun, run_id), SKIPPED, {}, str(exc))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("job %s failed", job.name)
        _finish(db.session.get(JobRun, run_id), FAILED, {}, traceback.format_exc())
        db.session.commit()
    except BaseException:
        # Stopped in the middle (Ctrl+C on ``run-job``, the process told to exit): nothing
        # it did is kept, and the run says so instead of staying "running" for ever.
        db.session.rollback()
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            _finish(db.session.get(JobRun, run_id), FAILED, {},
                    _("The run was interrupted before it finished; nothing it did was kept."))
        db.session.commit()
        log.error("job=%s event=end status=%s run=%d interrupted", job.name, FAILED, run_id)
        raise
    run = db.session.get(JobRun, run_id)
    seconds = (run.finished_at - run.started_at).total_seconds()
    counts = " ".join(f"{key}={value}" for key, value in sorted(run.counts.items())
                      if key != "today")
    log.log(logging.ERROR if run.status == FAILED else logging.INFO,
            "job=%s event=end status=%s seconds=%.1f run=%d %s", job.name, run.status, seconds,
            run.id, counts)
    return Outcome(run.id, run.name, run.status, dict(run.counts), run.error)


def _take_lock(job: Job) -> bool:
    """PostgreSQL: this transaction holds the job's advisory lock (until it ends), or another
    does. Elsewhere (SQLite, one writer at a time) there is nothing to take."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(job.lock_id))))


def _finish(run: JobRun, status: str, counts: dict, error: str = "") -> None:
    run.status = status
    run.counts = {**run.counts, **counts}
    run.error = error
    run.finished_at = utcnow()
