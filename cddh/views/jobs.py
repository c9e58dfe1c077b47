"""The scheduled jobs' runs, for the administrator: what ran, when, what it did, what failed."""

from __future__ import annotations

from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..jobs import FAILED, JOBS, OK, RUNNING, SKIPPED
from ..models import JobRun
from .base import ScopedModelView

STATUS = {OK: _l("Done"), SKIPPED: _l("Skipped"), FAILED: _l("Failed"), RUNNING: _l("Running")}
STATUS_CSS = {OK: "success", SKIPPED: "secondary", FAILED: "danger", RUNNING: "info"}


def _status(view, context, model, name) -> Markup:
    return Markup('<span class="badge badge-{}">{}</span>').format(
        STATUS_CSS.get(model.status, "light"), STATUS.get(model.status, model.status))


def _counts(view, context, model, name) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted((model.counts or {}).items()))


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
        FilterEqual(JobRun.name, _l("Job"), options=[(job.name, job.name) for job in JOBS]),
        FilterEqual(JobRun.status, _l("Status"), options=list(STATUS.items())),
    )
    column_formatters = {"status": _status, "counts": _counts, "error": _error}
    column_formatters_detail = {"status": _status, "counts": _counts}
    column_labels = {"name": _l("Job"), "started_at": _l("Started"), "finished_at": _l("Finished"),
                     "status": _l("Status"), "counts": _l("Result"), "error": _l("Error")}
    simple_list_pager = True  # one row per job and day: an exact count is not worth its cost

    @staticmethod
    def schedule() -> list:
        """The declared jobs, in running order (minute hour day month weekday, local time)."""
        return list(JOBS)
