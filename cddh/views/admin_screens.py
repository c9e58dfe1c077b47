"""Admin screens: units, unit kinds, users, the calendar overrides and the audit log."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum

from flask import make_response
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from wtforms import PasswordField
from wtforms.validators import DataRequired, Optional

from .. import labels
from ..models import AuditLog, Role, Unit, UnitKind, User, db
from ..services import accounts
from .base import LookupFilter, ScopedModelView
from .formatting import local_datetime

ADMIN = frozenset({Role.admin})


def _enum_labels() -> dict[type, dict]:
    """Each closed vocabulary's labels (labels.py), by its enum class."""
    found = {}
    for mapping in vars(labels).values():
        if isinstance(mapping, dict) and mapping:
            first = next(iter(mapping))
            if isinstance(first, Enum):
                found.setdefault(type(first), mapping)
    return found


def _model_of_table(name: str):
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.local_table, "name", None) == name:
            return mapper.class_
    return None


def _field_label(admin, model, key: str) -> str:
    """The label a model's own screen gives the field, else its name in words."""
    keys = (key, key.removesuffix("_id"), key.removesuffix("_ids") + "s")
    for view in getattr(admin, "_views", ()):
        if getattr(view, "model", None) is model:
            for name in keys:
                if name in (view.column_labels or {}):
                    return str(view.column_labels[name])
    if key in labels.FIELD:
        return str(labels.FIELD[key])
    return key.replace("_", " ").capitalize()


def _value_text(model, key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    column = getattr(getattr(model, key, None), "property", None)
    column_type = getattr(getattr(column, "columns", [None])[0], "type", None)
    enum_class = getattr(column_type, "enum_class", None)
    if enum_class is not None and enum_class in ENUM_LABELS:
        return labels.label(ENUM_LABELS[enum_class], value)
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            return local_datetime(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def audit_changes(view, context, model, name) -> Markup:
    """An audit row's before/after as "label: value" lines, in words (enum values by their
    labels, booleans as yes/no, times local)."""
    values = getattr(model, name) or {}
    if not values:
        return Markup("")
    record = _model_of_table(model.entity)
    items = Markup("").join(
        Markup("<li><span class=\"text-muted\">{}</span>: {}</li>").format(
            _field_label(view.admin, record, key), _value_text(record, key, value))
        for key, value in values.items())
    return Markup('<ul class="list-unstyled small mb-0">{}</ul>').format(items)


ENUM_LABELS = _enum_labels()


class UnitKindView(ScopedModelView):
    screen = "unit_kinds"
    allow_create = allow_edit = True
    column_list = ("code", "name", "name_en", "category", "signoff_required")
    form_columns = ("code", "name", "name_en", "category", "signoff_required")
    column_labels = {"code": _l("Code"), "name": _l("Name"), "name_en": _l("English name"),
                     "category": _l("Category"),
                     "signoff_required": _l("Unit leader signs off reports and returns")}
    form_choices = {"category": labels.choices(labels.UNIT_CATEGORY)}
    column_formatters = {"category": ScopedModelView.enum_formatter(labels.UNIT_CATEGORY)}


class UnitView(ScopedModelView):
    screen = "units"
    allow_create = allow_edit = allow_export = True
    column_list = ("code", "name", "short_name", "kind", "parent", "active")
    column_details_list = ("code", "name", "short_name", "kind", "parent", "email", "sort_order",
                           "active", "aliases", "created_at", "updated_at")
    form_columns = ("code", "name", "short_name", "kind", "parent", "email", "sort_order",
                    "aliases")
    form_args = {"aliases": {"description": _l(
        "Other names directives use for this unit, one per line (for example “Sở KH&ĐT”); "
        "the reader of directives matches them.")}}
    column_searchable_list = ("code", "name")
    column_default_sort = ("sort_order", False)
    column_export_list = ("code", "name", "short_name", "kind", "parent_code", "email", "active")
    column_formatters_export = {"parent_code": lambda v, c, m, n: m.parent.code if m.parent else ""}
    column_filters = (
        LookupFilter(Unit.kind_id, _l("Kind"),
                     lambda: [(k.id, k.name) for k in db.session.query(UnitKind).order_by(UnitKind.name)]),
        BooleanEqualFilter(Unit.active, _l("Active")),
    )
    column_labels = {"code": _l("Code"), "name": _l("Name"), "short_name": _l("Short name"),
                     "kind": _l("Kind"), "parent": _l("Parent unit"), "email": _l("E-mail"),
                     "sort_order": _l("Order"), "active": _l("Active"),
                     "parent_code": _l("Parent unit code"), "aliases": _l("Aliases"),
                     "created_at": _l("Created"), "updated_at": _l("Updated")}
    action_roles = {"deactivate": ADMIN, "reactivate": ADMIN}

    def get_query(self):
        # The CSV export streams after the request's session work is done: load parents now.
        return super().get_query().options(joinedload(Unit.parent))

    @action("deactivate", _l("Deactivate"), _l("Deactivate the selected units? They can no longer be chosen for new tasks."))
    def action_deactivate(self, rows):
        self.apply_to_rows(rows, accounts.deactivate_unit, _("%(n)d units deactivated."))

    @action("reactivate", _l("Reactivate"))
    def action_reactivate(self, rows):
        self.apply_to_rows(rows, accounts.reactivate_unit, _("%(n)d units reactivated."))


class UserView(ScopedModelView):
    screen = "users"
    allow_create = allow_edit = allow_export = True
    column_list = ("username", "full_name", "role", "position", "unit", "active", "last_login_at")
    column_details_list = ("username", "full_name", "email", "phone", "role", "position",
                           "sectors", "unit", "active", "language", "last_login_at", "created_at",
                           "updated_at")
    column_export_list = ("username", "full_name", "email", "role", "position", "unit", "active")
    form_columns = ("username", "full_name", "email", "phone", "role", "position", "sectors",
                    "unit", "language", "password")
    form_args = {"sectors": {"description": _l("A vice-chairman's sectors, one per line.")}}
    form_extra_fields = {"password": PasswordField(_l("Password"), validators=[Optional()])}
    form_choices = {"role": labels.choices(labels.ROLE),
                    "position": [("", _l("— none —")), *labels.choices(labels.LEADER_POSITION)],
                    "language": [("", _l("Default")), ("vi", "Tiếng Việt"), ("en", "English")]}
    column_searchable_list = ("username", "full_name")
    column_filters = (
        FilterEqual(User.role, _l("Role"), options=labels.choices(labels.ROLE)),
        LookupFilter(User.unit_id, _l("Unit"),
                     lambda: [(u.id, u.name) for u in db.session.query(Unit).order_by(Unit.sort_order, Unit.name)]),
        BooleanEqualFilter(User.active, _l("Active")),
    )
    column_formatters = {"role": ScopedModelView.enum_formatter(labels.ROLE),
                         "position": ScopedModelView.enum_formatter(labels.LEADER_POSITION)}
    column_formatters_export = {
        "role": lambda v, c, m, n: labels.label(labels.ROLE, m.role),
        "position": lambda v, c, m, n: labels.label(labels.LEADER_POSITION, m.position)}
    column_labels = {"username": _l("Username"), "full_name": _l("Full name"),
                     "email": _l("E-mail"), "phone": _l("Phone"), "role": _l("Role"),
                     "unit": _l("Unit"), "active": _l("Active"), "language": _l("Language"),
                     "position": _l("Position"), "sectors": _l("Sectors directed"),
                     "last_login_at": _l("Last login"), "created_at": _l("Created"),
                     "updated_at": _l("Updated")}
    action_roles = {"deactivate": ADMIN, "reactivate": ADMIN, "reset_password": ADMIN}

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.password.validators = [DataRequired(_l("Enter a password."))]
        form.password.flags.required = True
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form.username  # a username never changes; passwords are reset by the action
        del form.password
        return form

    def create_model(self, form):
        """Accounts are created by the accounts service (checks, hashing, audit)."""
        try:
            user = accounts.create_user(
                form.username.data, role=form.role.data, unit=form.unit.data,
                password=form.password.data or "", full_name=form.full_name.data or "",
                email=form.email.data or "", position=form.position.data or None,
                sectors=form.sectors.data or "", temporary=True)
            user.phone = form.phone.data or ""
            user.language = form.language.data or ""
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - shown to the admin, nothing saved
            db.session.rollback()
            if not self.handle_view_exception(exc):
                raise
            return False
        return user

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        accounts.set_position(model, model.position or None, model.sectors or "")

    @action("deactivate", _l("Deactivate"), _l("Deactivate the selected accounts? Their holders can no longer sign in and their open sessions end at once."))
    def action_deactivate(self, rows):
        self.apply_to_rows(rows, lambda u: accounts.deactivate_user(u, by=current_user),
                           _("%(n)d accounts deactivated."))

    @action("reactivate", _l("Reactivate"))
    def action_reactivate(self, rows):
        self.apply_to_rows(rows, accounts.reactivate_user, _("%(n)d accounts reactivated."))

    @action("reset_password", _l("Reset password"),
            _l("Give the selected accounts a new temporary password?"))
    def action_reset_password(self, rows):
        """New temporary passwords, shown once on this response and nowhere else: not in a
        flash message or the session (a signed cookie anyone holding it can read), and the
        users must change them at their next login."""
        issued = []
        for user in rows:
            password = accounts.generate_password(user.username)
            accounts.set_password(user, password, temporary=True)
            issued.append((user.username, password))
        db.session.commit()
        response = make_response(self.render("auth/issued_passwords.html", issued=issued))
        response.headers["Cache-Control"] = "no-store"
        return response


class CalendarOverrideView(ScopedModelView):
    screen = "calendar"
    allow_create = allow_edit = True
    column_list = ("day", "kind", "name", "legal_basis")
    form_columns = ("day", "kind", "name", "legal_basis")
    column_default_sort = ("day", True)
    form_choices = {"kind": labels.choices(labels.CALENDAR_OVERRIDE_KIND)}
    column_formatters = {"kind": ScopedModelView.enum_formatter(labels.CALENDAR_OVERRIDE_KIND)}
    column_labels = {"day": _l("Day"), "kind": _l("Kind"), "name": _l("Name"),
                     "legal_basis": _l("Legal basis")}


class AuditLogView(ScopedModelView):
    screen = "audit_log"
    allow_export = True
    column_list = ("at", "actor", "action", "entity", "entity_id")
    column_details_list = ("at", "actor", "action", "entity", "entity_id", "before", "after")
    column_default_sort = ("at", True)
    column_filters = (
        FilterEqual(AuditLog.entity, _l("Record type"), options=labels.choices(labels.RECORD_TYPE)),
        FilterEqual(AuditLog.entity_id, _l("Record id")),
        FilterEqual(AuditLog.action, _l("Action"), options=labels.choices(labels.AUDIT_ACTION)),
        LookupFilter(AuditLog.actor_id, _l("Actor"),
                     lambda: [(u.id, str(u)) for u in db.session.query(User).order_by(User.username)]),
    )
    column_labels = {"at": _l("Time"), "actor": _l("Actor"), "action": _l("Action"),
                     "entity": _l("Record type"), "entity_id": _l("Record id"),
                     "before": _l("Before"), "after": _l("After")}
    simple_list_pager = True  # an exact count of a large log is not worth its cost
    column_formatters = {"action": lambda v, c, m, n: labels.label(labels.AUDIT_ACTION, m.action),
                         "entity": lambda v, c, m, n: labels.label(labels.RECORD_TYPE, m.entity),
                         "before": audit_changes, "after": audit_changes}
    column_formatters_export = {
        "action": lambda v, c, m, n: labels.label(labels.AUDIT_ACTION, m.action),
        "entity": lambda v, c, m, n: labels.label(labels.RECORD_TYPE, m.entity)}
