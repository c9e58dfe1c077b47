"""The home page: what waits for the user, grouped (issue: lifecycle, item 3)."""

from __future__ import annotations

from flask_admin import expose
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth import policy
from ..services import difficulties, overview
from ..services.clock import local_today
from .base import HomeBase

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
}
GROUP_CSS = {"mine": "primary", "unassigned": "warning", "awaiting_signoff": "info",
             "overdue": "danger", "due_soon": "warning", "on_time": "success",
             "no_deadline": "secondary", "awaiting_verification": "info", "returned": "danger",
             "drafts": "secondary"}


def groups_for(user, today):
    """The group conditions that apply to this user (Office or unit)."""
    if policy.is_office(user):
        return overview.office_groups(user, today)
    return overview.unit_groups(user, today)


class HomeView(HomeBase):
    @expose()
    def index(self):
        today = local_today()
        groups = overview.grouped_tasks(current_user, groups_for(current_user, today))
        ext_count, extensions = overview.pending_extensions(current_user)
        late = overview.late_entries_by_specialist(today) if policy.is_office(current_user) else []
        dif_count, open_difficulties = difficulties.awaiting(current_user)
        return self.render("home.html", groups=groups, titles=GROUP_TITLES, css=GROUP_CSS,
                           ext_count=ext_count, extensions=extensions, late_entries=late,
                           dif_count=dif_count, open_difficulties=open_difficulties,
                           today=today)
