"""The home page, one per role (issue 12 §4): what waits for the user.

- Office specialist and unit users: their task queues, grouped by urgency.
- Leader: the dashboard's headline figures and what awaits this leader's decision
  (extensions, inspection plans and teams, escalated overdue tasks, difficulties), routed
  like the notices (cddh.services.leaders).
- Inspector: the teams they lead or sit on, and what each waits for.
- Administrator: the accounts, the scheduled jobs' last runs and failures, the settings.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_admin import expose
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import labels
from ..auth import policy
from ..models import Role, utcnow
from ..services import difficulties, overview, reports, statistics
from ..services.clock import local_today
from .base import HomeBase
from .jobs import STATUS, STATUS_CSS
from .reports import _chart_labels, tasks_url

GROUP_TITLES = {
    "mine": _l("My tasks"),
    "awaiting_signoff": _l("Waiting for your sign-off"),
    "unassigned": _l("Received, no handling officer named yet"),
    "overdue": _l("Overdue"),
    "due_soon": _l("Due soon"),
    "on_time": _l("On time"),
    "no_deadline": _l("Without deadline"),
    "awaiting_verification": _l("Awaiting verification"),
    "returned": _l("Returned by units"),
    "drafts": _l("Drafts not yet forwarded"),
    "escalated": _l("Overdue tasks escalated to the leadership"),
}
GROUP_CSS = {"mine": "primary", "unassigned": "warning", "awaiting_signoff": "info",
             "overdue": "danger", "due_soon": "warning", "on_time": "success",
             "no_deadline": "secondary", "awaiting_verification": "info", "returned": "danger",
             "drafts": "secondary", "escalated": "danger"}
# The dashboard's headline figures, in its order.
HEADLINE = (*statistics.CLASSES, "total", statistics.AWAITING)
TEAM_WAITS = {
    "no_units": _l("Add the units to inspect, then the establishing decision"),
    "decision": _l("Waits for the establishing decision (Đ12.1b)"),
    "start": _l("Decision issued: the lead starts the inspection"),
    "documents": _l("Requests for documents not yet answered: %(n)d"),
    "documents_late": _l("of which past their due date: %(n)d"),
    "conclusions": _l("Inspected units without a conclusion: %(n)d"),
    "close": _l("Every unit has its conclusion: the lead can close the inspection"),
}


def groups_for(user, today):
    """The group conditions that apply to this user (the task list's ?group=)."""
    if policy.is_office(user) and user.role == Role.leader:
        return overview.leader_groups(user, today)
    if policy.is_office(user):
        return overview.office_groups(user, today)
    return overview.unit_groups(user, today)


class HomeView(HomeBase):
    @expose()
    def index(self):
        today = local_today()
        role = current_user.role
        if role == Role.leader:
            return self._leader(today)
        if role == Role.admin:
            return self._admin(today)
        if role == Role.inspector:
            return self._inspector(today)
        if policy.is_office(current_user):
            groups = overview.grouped_tasks(current_user, groups_for(current_user, today))
        else:
            groups = overview.unit_grouped_tasks(current_user, today)
        ext_count, extensions = overview.pending_extensions(current_user)
        late = overview.late_entries_by_specialist(today) if policy.is_office(current_user) else []
        dif_count, open_difficulties = difficulties.awaiting(current_user)
        # The Office's period reports due or late (issue 14 §3): templates/partials/home_reports_due.html
        reports_due = reports.due_reports(today) if policy.is_office(current_user) else []
        return self.render("home.html", home="queues", groups=groups, titles=GROUP_TITLES,
                           css=GROUP_CSS, ext_count=ext_count, extensions=extensions,
                           late_entries=late, dif_count=dif_count,
                           open_difficulties=open_difficulties, reports_due=reports_due,
                           today=today)

    def _headline(self, today):
        return dict(headline=reports.dashboard_totals(today), headline_keys=HEADLINE,
                    headline_labels=_chart_labels(), tasks_url=tasks_url)

    def _leader(self, today):
        groups = overview.grouped_tasks(current_user, groups_for(current_user, today))
        ext_count, extensions = overview.pending_extensions(current_user)
        dif_count, open_difficulties = difficulties.awaiting(current_user)
        return self.render("home.html", home="leader", groups=groups, titles=GROUP_TITLES,
                           css=GROUP_CSS, ext_count=ext_count, extensions=extensions,
                           dif_count=dif_count, open_difficulties=open_difficulties,
                           inspection=overview.inspection_approvals(current_user),
                           reports_due=reports.due_reports(today),
                           today=today, **self._headline(today))

    def _inspector(self, today):
        teams = overview.inspector_teams(current_user, today)
        for item in teams:
            item["status"] = labels.label(labels.INSPECTION_STATUS, item["team"].status)
            item["waits"] = [(key, TEAM_WAITS[key] % {"n": n}) for key, n in item["waits"]]
        return self.render("home.html", home="inspector", today=today, teams=teams)

    def _admin(self, today):
        from ..jobs import JOBS

        now = utcnow()
        window = dt.timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
        return self.render("home.html", home="admin", today=today, jobs=JOBS,
                           accounts=overview.account_summary(now, window),
                           window_minutes=current_app.config["LOGIN_WINDOW_MINUTES"],
                           job_runs=overview.job_summary(now), job_status=STATUS,
                           job_css=STATUS_CSS, **self._headline(today))
