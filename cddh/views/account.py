"""A user's own account: change my password, my login sessions (Phiên đăng nhập)."""

from __future__ import annotations

from flask import flash, redirect
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from ..auth.policy import ALL_ROLES
from ..models import UserSession, db, utcnow
from ..services import DomainError, accounts, sessions
from .base import LoginRequiredMixin, ScopedModelView


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(_l("Enter your current password."))])
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(_l("Enter the new password."))])
    confirm = PasswordField(_l("New password, again"),
                            validators=[DataRequired(_l("Enter the new password again.")),
                                        EqualTo("password", _l("The two new passwords differ."))])


class PasswordView(LoginRequiredMixin, BaseView):
    """Every logged-in user changes their own password here; an admin-issued one must be."""

    def is_visible(self) -> bool:
        return False  # reached from the user menu in the top bar

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.active

    def _render(self, form, status=200):
        return self.render("auth/change_password.html", form=form,
                           min_length=accounts.MIN_PASSWORD_LENGTH), status

    @expose("/")
    def index(self):
        return self._render(PasswordForm())

    @expose("/", methods=("POST",))
    def save(self):
        form = PasswordForm()
        if not form.validate_on_submit():
            return self._render(form, 422)
        try:
            accounts.change_own_password(current_user, form.current.data, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            field = form.current if exc.fields and "current" in exc.fields else form.password
            field.errors = [*field.errors, exc.message]
            return self._render(form, 422)
        db.session.commit()
        flash(_("Your password was changed; your other sessions were ended."), "success")
        return redirect(self.get_url("admin.index"))


def _this_one(view, context, model, name):
    current = current_user.current_session
    return _("this browser") if current is not None and current.id == model.id else ""


class SessionView(ScopedModelView):
    """The user's own live logins; any of them can be ended (the policy scopes the rows to
    their owner, so nobody sees or ends another user's sessions)."""

    screen = "sessions"
    column_list = ("created_at", "expires_at", "user_agent", "address", "current")
    column_details_list = ("created_at", "expires_at", "user_agent", "address")
    column_default_sort = ("created_at", True)
    column_labels = {"created_at": _l("Logged in"), "expires_at": _l("Ends"),
                     "user_agent": _l("Browser"), "address": _l("Address"),
                     "current": _l("Current")}
    column_formatters = {"current": _this_one}
    action_roles = {"end": ALL_ROLES}

    def is_visible(self) -> bool:
        return False  # reached from the user menu in the top bar

    def get_query(self):
        return super().get_query().filter(UserSession.revoked_at.is_(None),
                                           UserSession.expires_at > utcnow())

    def get_count_query(self):
        return super().get_count_query().filter(UserSession.revoked_at.is_(None),
                                                UserSession.expires_at > utcnow())

    @action("end", _l("End session"), _l("End the selected sessions?"))
    def action_end(self, rows):
        self.apply_to_rows(rows, sessions.end_session, _("%(n)d sessions ended."))
