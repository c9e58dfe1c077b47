"""Reading and validating task fields from plain data (screens, API and Excel import)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from ..models import (
    ExpectedProduct,
    Priority,
    Task,
    Unit,
    UpdateFrequency,
    User,
    db,
)
from . import DomainError


def parse_date(value, field: str) -> dt.date | None:
    """A date from a date, an ISO string or dd/mm/yyyy; None for empty."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise DomainError(_("“%(v)s” is not a valid date (use dd/mm/yyyy).", v=text),
                      fields={field: "invalid_date"})


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
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(_("“%(v)s” is not a valid identifier.", v=value),
                          fields={field: "invalid"}) from None


def load_units(ids) -> dict[int, Unit]:
    """Active units by id, in one query (ids may come as form strings; junk is ignored)."""
    clean = set()
    for value in ids:
        try:
            clean.add(int(value))
        except (TypeError, ValueError):
            continue
    ids = clean
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
