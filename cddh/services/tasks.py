"""Reading and validating task fields from plain data (screens, API and Excel import)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..models import (
    ExpectedProduct,
    Priority,
    Task,
    Unit,
    UnitCategory,
    UpdateFrequency,
    User,
    db,
)
from . import DomainError
from .parsing import date_in_range, parse_date, to_id, to_ids  # noqa: F401 - parse_date is re-exported


def _enum(enum_cls, value, field: str, default):
    if value in (None, ""):
        return default
    try:
        return enum_cls(value)
    except ValueError:
        raise DomainError(_("“%(v)s” is not an accepted value.", v=value),
                          fields={field: "invalid"}) from None


def _int_or_none(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    number = to_id(value)
    if number is None:
        raise DomainError(_("“%(v)s” is not a valid identifier.", v=str(value)[:40]),
                          fields={field: "invalid"})
    return number


def load_units(ids) -> dict[int, Unit]:
    """Active units by id, in one query (ids may come as form strings; junk is ignored)."""
    ids = to_ids(ids)
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(
        sa.select(Unit).where(Unit.id.in_(ids), Unit.active.is_(True)))}


def apply_task_fields(task: Task, data: dict, units: dict[int, Unit] | None = None) -> None:
    """Set a task's editable fields from ``data``; refuses unknown units and bad values."""
    if "cooperating_unit_ids" in data and not isinstance(data["cooperating_unit_ids"], list | tuple):
        raise DomainError(_("The cooperating units must be a list."),
                          fields={"cooperating_unit_ids": "invalid"})
    lead_id = _int_or_none(data.get("lead_unit_id"), "lead_unit_id") if "lead_unit_id" in data else task.lead_unit_id
    coop_ids = [_int_or_none(v, "cooperating_unit_ids") for v in data.get("cooperating_unit_ids", [])]
    monitoring_id = _int_or_none(data.get("monitoring_unit_id"), "monitoring_unit_id")
    if units is None:
        units = load_units([lead_id, monitoring_id, *coop_ids])
    if "content" in data:
        content = data.get("content")
        task.content = "" if content is None else str(content).strip()
    if "lead_unit_id" in data:
        if lead_id is not None and lead_id not in units:
            raise DomainError(_("The lead unit does not exist or is deactivated."),
                              fields={"lead_unit_id": "unknown"})
        task.lead_unit = units.get(lead_id) if lead_id else None
    if "cooperating_unit_ids" in data:
        unknown = [i for i in coop_ids if i not in units]
        if unknown:
            raise DomainError(_("A cooperating unit does not exist or is deactivated."),
                              fields={"cooperating_unit_ids": "unknown"})
        if lead_id is not None and lead_id in coop_ids:
            raise DomainError(_("The lead unit cannot also be a cooperating unit."),
                              fields={"cooperating_unit_ids": "includes_lead"})
        task.cooperating_units = [units[i] for i in dict.fromkeys(coop_ids)]
    if "monitoring_unit_id" in data:
        if monitoring_id is not None and monitoring_id not in units:
            raise DomainError(_("The monitoring division does not exist or is deactivated."),
                              fields={"monitoring_unit_id": "unknown"})
        task.monitoring_unit = units.get(monitoring_id) if monitoring_id else None
    if "specialist_id" in data:
        specialist_id = _int_or_none(data.get("specialist_id"), "specialist_id")
        if specialist_id is not None:
            specialist = db.session.get(User, specialist_id)
            if specialist is None or not specialist.active or not specialist.is_office:
                raise DomainError(_("The specialist must be an active Office account."),
                                  fields={"specialist_id": "unknown"})
        task.specialist_id = specialist_id
    if "directing_leader_id" in data:
        from .leaders import check_directing_leader

        task.directing_leader_id = check_directing_leader(data.get("directing_leader_id"))
    if "deadline" in data or "has_deadline" in data:
        deadline = parse_date(data.get("deadline"), "deadline")
        has_deadline = data.get("has_deadline")
        task.has_deadline = bool(has_deadline) if has_deadline is not None else deadline is not None
        task.deadline = deadline if task.has_deadline else None
    task.update_frequency = _enum(UpdateFrequency, data.get("update_frequency"), "update_frequency",
                                  task.update_frequency or UpdateFrequency.monthly)
    task.priority = _enum(Priority, data.get("priority"), "priority",
                          task.priority or Priority.normal)
    task.expected_product = _enum(ExpectedProduct, data.get("expected_product"),
                                  "expected_product", task.expected_product or ExpectedProduct.other)


OFFICE_CATEGORIES = (UnitCategory.office, UnitCategory.office_division)


def task_rule_errors(task: Task) -> dict[str, str]:
    """The rules every task must keep, whatever door wrote it (the entry form, the API, the
    Excel import or the generic task screen), checked on the task as it stands: messages
    keyed by the API's field names."""
    errors: dict[str, str] = {}
    with db.session.no_autoflush:
        if not (task.content or "").strip():
            errors["content"] = _("Enter the task's content.")
        lead = task.lead_unit or (db.session.get(Unit, task.lead_unit_id)
                                  if task.lead_unit_id else None)
        if lead is not None and not lead.active:
            errors["lead_unit_id"] = _("The lead unit does not exist or is deactivated.")
        cooperating = list(task.cooperating_units or ())
        if any(not unit.active for unit in cooperating):
            errors["cooperating_unit_ids"] = _("A cooperating unit does not exist or is "
                                               "deactivated.")
        elif lead is not None and any(unit.id == lead.id for unit in cooperating):
            errors["cooperating_unit_ids"] = _("The lead unit cannot also be a cooperating unit.")
        monitoring = task.monitoring_unit or (db.session.get(Unit, task.monitoring_unit_id)
                                              if task.monitoring_unit_id else None)
        if monitoring is not None and (not monitoring.active
                                       or monitoring.kind.category not in OFFICE_CATEGORIES):
            errors["monitoring_unit_id"] = _("The monitoring division must be an active "
                                             "division of the Office.")
        specialist = task.specialist or (db.session.get(User, task.specialist_id)
                                         if task.specialist_id else None)
        if specialist is not None and (not specialist.active or not specialist.is_office):
            errors["specialist_id"] = _("The specialist must be an active Office account.")
        for key in ("deadline", "original_deadline"):
            if not date_in_range(getattr(task, key)):
                errors.setdefault("deadline", _("The deadline is out of range."))
        document = task.document
        if (task.deadline is not None and document is not None and document.issued_on
                and task.deadline < document.issued_on and "deadline" not in errors):
            errors["deadline"] = _("The deadline cannot be before the issue date.")
    return errors


def check_task(task: Task) -> None:
    """Refuse a task that breaks a rule of ``task_rule_errors`` (the first one, by field)."""
    errors = task_rule_errors(task)
    if errors:
        field, message = next(iter(errors.items()))
        raise DomainError(message, fields={field: "invalid"})
