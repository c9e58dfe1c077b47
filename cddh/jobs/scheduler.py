"""The scheduler process: ``flask --app app cddh scheduler``. Run exactly one.

It is a process of its own because a scheduler started inside the web app would run every
job once per gunicorn worker (stack.md); web workers never import this module. A second
scheduler by mistake does no harm on PostgreSQL (each job takes an advisory lock and the
loser records itself as skipped), but it is still a mistake.

A tick missed while the process was down or busy still runs if it is at most an hour late
(``misfire_grace_time``), and several missed ticks of a job run once (``coalesce``). The
rules themselves compare dates, so a day the scheduler missed entirely is caught up by the
next day's run.
"""

from __future__ import annotations

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from . import JOBS, run_job

JOB_DEFAULTS = {"misfire_grace_time": 3600, "coalesce": True, "max_instances": 1}


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A blocking scheduler with every job of ``JOBS`` on its cron, in the province's zone."""
    zone = app.config["BABEL_DEFAULT_TIMEZONE"]
    scheduler = BlockingScheduler(timezone=zone, job_defaults=JOB_DEFAULTS)
    for job in JOBS:
        scheduler.add_job(run_job, CronTrigger.from_crontab(job.cron, timezone=zone),
                          args=(job.name,), kwargs={"app": app}, id=job.name, name=job.name)
    return scheduler
