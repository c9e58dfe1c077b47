"""The admin's screen of the numbers a province may change (SLA days, report windows…)."""

from __future__ import annotations

from flask import flash, redirect, request
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from .. import labels
from ..auth import policy
from ..models import db
from ..services import DomainError
from ..services.settings import DEFAULTS, parse_setting, set_setting, setting_as_text
from .base import LoginRequiredMixin


class SettingsView(LoginRequiredMixin, BaseView):
    def is_accessible(self) -> bool:
        return policy.can_open_screen(current_user, "settings")

    def _render(self, values, errors, status=200):
        rows = [(key, labels.SETTING.get(key, key), values.get(key, setting_as_text(key)),
                 isinstance(DEFAULTS[key], dict), errors.get(key)) for key in DEFAULTS]
        return self.render("settings.html", rows=rows, errors=errors), status

    @expose("/")
    def index(self):
        return self._render({}, {})

    @expose("/", methods=("POST",))
    def save(self):
        """Check every value first; save all of them, or none."""
        values = {key: request.form.get(key, "") for key in DEFAULTS}
        parsed, errors = {}, {}
        for key, text in values.items():
            try:
                parsed[key] = parse_setting(key, text)
            except DomainError as exc:
                errors[key] = exc.message
        if errors:
            flash(_("Nothing was saved: correct the values marked below."), "error")
            return self._render(values, errors, 422)
        for key, value in parsed.items():
            set_setting(key, value)
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(self.get_url(".index"))
