"""Each user's in-app notifications (their own rows only, through the policy)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BooleanEqualFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..auth import policy
from ..auth.policy import ALL_ROLES
from ..models import Notification, db, utcnow
from ..services.notifications import (
    hidden_task_label,
    notice_link,
    shown_message,
    visible_task_ids,
)
from ..services.parsing import to_id
from .base import ScopedModelView
from .formatting import task_links
from .memo import UNREAD, per_request
from .next_url import safe_next


def _visible() -> set[int]:
    return getattr(g, "visible_notification_tasks", set())


def _open_form(model, text, bold: bool = True) -> Markup:
    """Opening a notification's task marks it read: a small POST form (CSRF), never a GET
    that changes state."""
    weight = " font-weight-bold" if bold and model.read_at is None else ""
    return Markup(
        '<form method="post" action="{}" class="d-inline notification-open">'
        '<input type="hidden" name="csrf_token" value="{}">'
        '<input type="hidden" name="id" value="{}">'
        '<button type="submit" class="btn btn-link p-0 text-left align-baseline{}">{}</button>'
        '</form>').format(url_for("notifications.open_view"), generate_csrf(), model.id, weight,
                          text)


def _message(view, context, model, name):
    text = shown_message(model, _visible())
    if model.task_id is not None and model.task_id in _visible():
        return _open_form(model, text)
    return task_links(text)


def _task(view, context, model, name):
    if model.task_id is None:
        url = notice_link(model)
        if not url:
            return ""
        return Markup('<a href="{}">{}</a>').format(url, _("See the list"))
    if model.task_id not in _visible():
        return hidden_task_label(model.task_id)
    return _open_form(model, str(model.task), bold=False)


class NotificationView(ScopedModelView):
    screen = "notifications"
    column_list = ("created_at", "message", "task", "read_at")
    column_default_sort = ("created_at", True)
    column_filters = (BooleanEqualFilter(Notification.read_at.is_(None), _l("Unread")),)
    column_formatters = {"message": _message, "task": _task}
    column_labels = {"created_at": _l("Time"), "message": _l("Notification"), "task": _l("Task"),
                     "read_at": _l("Read at")}
    can_view_details = False
    list_template = "notifications/list.html"
    simple_list_pager = True
    action_roles = {"mark_read": ALL_ROLES}

    def get_list(self, *args, **kwargs):
        """The page's rows, and which of their tasks the user may still read (one query)."""
        count, rows = super().get_list(*args, **kwargs)
        g.visible_notification_tasks = visible_task_ids(current_user,
                                                        [row.task_id for row in rows])
        return count, rows

    def is_visible(self) -> bool:
        """Reached from the badge in the navigation bar, not from the menu."""
        return False

    @action("mark_read", _l("Mark as read"))
    def action_mark_read(self, rows):
        now = utcnow()
        for row in rows:
            row.read_at = row.read_at or now
        db.session.commit()

    @expose("/open/", methods=("POST",))
    def open_view(self):
        """Open a notification: it is marked read (once; again is harmless) and its task
        opens when the user may still read it. Only the owner's own notification is found."""
        note = db.session.scalar(sa.select(Notification).where(
            Notification.id == (to_id(request.form.get("id", "")) or 0),
            policy.row_scope(current_user, Notification)))
        if note is None:
            abort(404)
        if note.read_at is None:
            note.read_at = utcnow()
        db.session.commit()
        if note.task_id is not None and visible_task_ids(current_user, [note.task_id]):
            return redirect(url_for("tasks.details_view", id=note.task_id))
        return redirect(self.get_url(".index_view"))

    @expose("/read-all/", methods=("POST",))
    def read_all_view(self):
        """Mark every unread notification of the current user as read."""
        db.session.query(Notification).filter(
            Notification.user_id == current_user.id, Notification.read_at.is_(None)
        ).update({Notification.read_at: utcnow()}, synchronize_session=False)
        db.session.commit()
        return redirect(safe_next(request.referrer, self.get_url(".index_view")))


def unread_badge() -> int:
    """The navigation bar's count (read with the login on a GET page: views.auth.load_user)."""
    from ..services.notifications import unread_count

    if not current_user.is_authenticated:
        return 0
    return per_request(UNREAD, lambda: unread_count(current_user))



