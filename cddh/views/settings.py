"""The admin's screen of the numbers a province may change (SLA days, report windows…).

Each setting shows its label, what it means and its default; a list of periods is ticked, not
typed as codes, and the ranking weights are one labelled number each."""

from __future__ import annotations

from flask import flash, redirect, request
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from .. import labels
from ..auth import policy
from ..models import db
from ..services import DomainError
from ..services.settings import DEFAULTS, get_setting, parse_setting, set_setting, setting_as_text
from .base import LoginRequiredMixin
from .reports import PERIOD_KINDS


def _default_text(key: str) -> str:
    default = DEFAULTS[key]
    if isinstance(default, list):
        return ", ".join(labels.label(PERIOD_KINDS, v) for v in default)
    if isinstance(default, dict):
        return "; ".join(f"{labels.label(labels.RANKING_WEIGHT, k)}: {v:g}"
                         for k, v in default.items())
    return str(default)


def _weights(text: str) -> dict[str, str]:
    pairs = (line.partition("=") for line in text.splitlines() if line.strip())
    return {name.strip(): value.strip() for name, _sep, value in pairs}


class SettingsView(LoginRequiredMixin, BaseView):
    def is_accessible(self) -> bool:
        return policy.can_open_screen(current_user, "settings")

    def _render(self, values, errors, status=200):
        rows = []
        for key, default in DEFAULTS.items():
            text = values.get(key, setting_as_text(key))
            row = {"key": key, "label": labels.SETTING.get(key, key),
                   "help": labels.SETTING_HELP.get(key, ""), "default": _default_text(key),
                   "value": text, "error": errors.get(key), "kind": "text"}
            if isinstance(default, list):
                chosen = {part.strip() for part in text.split(",")}
                row.update(kind="choices", options=[
                    (kind.value, label, kind.value in chosen) for kind, label in PERIOD_KINDS.items()])
            elif isinstance(default, dict):
                current = _weights(text)
                names = list(dict.fromkeys([*default, *get_setting(key)]))
                row.update(kind="weights", options=[
                    (name, labels.label(labels.RANKING_WEIGHT, name), current.get(name, ""))
                    for name in names])
            rows.append(row)
        return self.render("settings.html", rows=rows, errors=errors), status

    @staticmethod
    def _posted(key: str) -> str:
        """The text of a setting as parse_setting reads it, from its form fields."""
        default = DEFAULTS[key]
        if isinstance(default, list):
            return ", ".join(request.form.getlist(key))
        if isinstance(default, dict) and key not in request.form:
            prefix = f"{key}."
            return "\n".join(f"{name[len(prefix):]} = {value}" for name, value in request.form.items()
                             if name.startswith(prefix))
        return request.form.get(key, "")

    @expose("/")
    def index(self):
        return self._render({}, {})

    @expose("/", methods=("POST",))
    def save(self):
        """Check every value first; save all of them, or none."""
        values = {key: self._posted(key) for key in DEFAULTS}
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
