"""The scheduled jobs' runs, for the administrator: what ran, when, what it did, what failed."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..jobs import FAILED, JOBS, JOBS_BY_NAME, OK, RUNNING, SKIPPED
from ..models import JobRun, db
from ..services.clock import local_now, local_tz
from .base import ScopedModelView
from .formatting import local_datetime

STATUS = {OK: _l("Done"), SKIPPED: _l("Skipped"), FAILED: _l("Failed"), RUNNING: _l("Running")}
STATUS_CSS = {OK: "success", SKIPPED: "secondary", FAILED: "danger", RUNNING: "info"}


def _status(view, context, model, name) -> Markup:
    return Markup('<span class="badge badge-{}">{}</span>').format(
        STATUS_CSS.get(model.status, "light"), STATUS.get(model.status, model.status))


# What each number of a run's result counts (the keys the jobs' rules return).
RESULT = {
    "today": _l("Day"), "became_overdue": _l("Became overdue"),
    "no_longer_overdue": _l("No longer overdue"), "notified": _l("Notifications sent"),
    "flagged": _l("Flagged"), "cleared": _l("Cleared"), "tasks": _l("Tasks"),
    "window_ends": _l("Window ends"), "escalated": _l("Escalated"), "drafted": _l("Reports drafted"),
    "working_day": _l("Working day"), "sent": _l("Mails sent"), "failed": _l("Mails failed"),
    "notifications": _l("Notifications in the mails"), "uncertain": _l("Mails uncertain"),
    "unit_leader": _l("Unit leaders alerted"), "office": _l("Leadership alerted"),
    "every_deadline": _l("Every deadline derived again"),
    "days_changed": _l("Calendar days changed"), "deadlines_moved": _l("Deadlines moved"),
}


def _result_value(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


def _counts(view, context, model, name) -> str:
    return "; ".join(f"{RESULT.get(key, key)}: {_result_value(value)}"
                     for key, value in sorted((model.counts or {}).items()))


def job_title(name: str) -> str:
    job = JOBS_BY_NAME.get(name)
    return str(job.title) if job else name


def _job(view, context, model, name) -> Markup:
    return Markup('{} <code class="small text-muted">{}</code>').format(
        job_title(model.name), model.name)


def cron_words(cron: str) -> str:
    """A daily "M H * * *" schedule in words; any other schedule as its cron line."""
    minute, hour, *rest = cron.split()
    if rest == ["*", "*", "*"] and minute.isdigit() and hour.isdigit():
        time = f"{int(hour):02d}:{int(minute):02d}"
        return _("Every day at %(time)s", time=time)
    return cron


def _error(view, context, model, name) -> str:
    lines = (model.error or "").strip().splitlines()
    return lines[-1] if lines else ""  # a traceback's last line names the error


class JobRunView(ScopedModelView):
    screen = "job_runs"
    list_template = "jobs/list.html"
    column_list = ("name", "started_at", "finished_at", "status", "counts", "error")
    column_details_list = column_list
    column_default_sort = ("started_at", True)
    column_filters = (
        FilterEqual(JobRun.name, _l("Job"), options=[(job.name, job.title) for job in JOBS]),
        FilterEqual(JobRun.status, _l("Status"), options=list(STATUS.items())),
    )
    column_formatters = {"name": _job, "status": _status, "counts": _counts, "error": _error}
    column_formatters_detail = {"name": _job, "status": _status, "counts": _counts}
    column_formatters_export = {"name": lambda v, c, m, n: job_title(m.name),
                                "status": lambda v, c, m, n: str(STATUS.get(m.status, m.status)),
                                "counts": _counts, "error": _error}
    column_labels = {"name": _l("Job"), "started_at": _l("Started"), "finished_at": _l("Finished"),
                     "status": _l("Status"), "counts": _l("Result"), "error": _l("Error")}
    simple_list_pager = True  # one row per job and day: an exact count is not worth its cost

    @staticmethod
    def schedule() -> list[dict]:
        """The declared jobs in running order: what each does, when (in words, local time),
        its next run and its last run (one query for all jobs)."""
        now = local_now()
        latest = (sa.select(sa.func.max(JobRun.id)).where(JobRun.name.in_(JOBS_BY_NAME))
                  .group_by(JobRun.name))
        last = {run.name: run for run in db.session.scalars(
            sa.select(JobRun).where(JobRun.id.in_(latest)))}
        rows = []
        for job in JOBS:
            from apscheduler.triggers.cron import CronTrigger  # only here: the web app
            # never loads the scheduler (tests/test_jobs_runner.py)

            trigger = CronTrigger.from_crontab(job.cron, timezone=local_tz())
            run = last.get(job.name)
            rows.append({
                "name": job.name, "title": job.title, "cron": job.cron,
                "when": cron_words(job.cron),
                "next_run": local_datetime(trigger.get_next_fire_time(None, now)),
                "last_run": local_datetime(run.started_at) if run else "",
                "last_status": STATUS.get(run.status, run.status) if run else _("Never run"),
                "last_css": STATUS_CSS.get(run.status, "light") if run else "light",
            })
        return rows
