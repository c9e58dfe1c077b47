"""The scheduler process: ``flask --app app cddh scheduler``. Run exactly one.

It is a process of its own because a scheduler started inside the web app would run every
job once per gunicorn worker (stack.md); web workers never import this module. A second
scheduler by mistake does no harm on PostgreSQL (each job takes an advisory lock and the
loser records itself as skipped), but it is still a mistake.

A tick missed while the process was down or busy still runs if it is at most an hour late
(``misfire_grace_time``), and several missed ticks of a job run once (``coalesce``). The
rules themselves compare dates, so a day the scheduler missed entirely is caught up by the
next day's run.

Every minute it touches its heartbeat row, which ``/healthz`` reads.

As it starts it also runs ``follow_calendar`` once: an upgrade of the ``holidays`` package
comes with a restart, and the stored effective deadlines (which the lists' deadline bounds
and the figures read) then follow the new calendar at once, not at the next midnight.
"""

from __future__ import annotations

import datetime as dt

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from ..services import health
from . import JOBS, run_job

JOB_DEFAULTS = {"misfire_grace_time": 3600, "coalesce": True, "max_instances": 1}
HEARTBEAT_SECONDS = 60
FOLLOW_CALENDAR = "follow_calendar"


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A blocking scheduler with every job of ``JOBS`` on its cron, in the province's zone."""
    zone = app.config["BABEL_DEFAULT_TIMEZONE"]
    scheduler = BlockingScheduler(timezone=zone, job_defaults=JOB_DEFAULTS)
    for job in JOBS:
        scheduler.add_job(run_job, CronTrigger.from_crontab(job.cron, timezone=zone),
                          args=(job.name,), kwargs={"app": app}, id=job.name, name=job.name)
    scheduler.add_job(run_job, DateTrigger(run_date=dt.datetime.now(dt.UTC)),
                      args=(FOLLOW_CALENDAR,), kwargs={"app": app}, id=f"{FOLLOW_CALENDAR}@start",
                      name=f"{FOLLOW_CALENDAR} at start", misfire_grace_time=None)
    scheduler.add_job(Heartbeat(app), IntervalTrigger(seconds=HEARTBEAT_SECONDS, timezone=zone),
                      next_run_time=dt.datetime.now(dt.UTC), id="heartbeat", name="heartbeat",
                      misfire_grace_time=HEARTBEAT_SECONDS)
    return scheduler


class Heartbeat:
    """The scheduler's sign of life: registers this process at its first beat (as the
    scheduler starts), then touches its row at every beat."""

    def __init__(self, app: Flask):
        self.app = app
        self.heartbeat_id: int | None = None

    def __call__(self) -> None:
        with self.app.app_context():
            if self.heartbeat_id is None:
                self.heartbeat_id = health.register_scheduler()
            else:
                health.beat(self.heartbeat_id)
