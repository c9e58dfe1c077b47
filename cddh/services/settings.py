"""Numbers a province may change. Defaults are the regulation's; the table overrides them."""

from __future__ import annotations

import math

import sqlalchemy as sa

from ..models import Setting, db
from .transaction_memo import per_transaction

MAX_WEIGHT = 1000  # a ranking weight (points per item)

DEFAULTS: dict[str, object] = {
    "entry_sla_working_days": 1,          # Đ7.1a
    "due_soon_working_days": 3,           # Đ11.1b
    "overdue_update_grace_days": 1,       # Đ8.1a
    "feedback_answer_working_days": 7,    # Đ15.5
    # Đ10.1a–c, Đ16.3: a unit's difficulty or proposal is decided within this many days.
    "difficulty_answer_working_days": 5,
    # Đ8.2a: the lead unit may still send a received task back within this many working days.
    "return_after_receipt_working_days": 5,
    "escalate_unit_leader_after_working_days": 3,
    "escalate_office_after_working_days": 10,
    "report_cutoff_day": 14,              # Nghị định 09/2019 Điều 12
    "report_due_working_days": 1,         # Nghị định 09/2019 Điều 8.5
    # The periods whose reports the job drafts (Đ17.1: month, quarter, half, 9 months, year).
    "report_period_kinds": ["month", "quarter", "half", "nine_months", "year"],
    "max_upload_mb": 20,
    # The official report's heading and signature (Nghị định 30/2020 layout).
    "report_agency_parent": "UBND TỈNH BẾN TRE",
    "report_agency": "VĂN PHÒNG",
    "report_place": "Bến Tre",
    "report_signer_title": "CHÁNH VĂN PHÒNG",
    # Đ20 unit ranking: points per percent of on-time completion, minus points per count.
    "ranking_weights": {"on_time_rate": 1.0, "overdue": 2.0, "late_updates": 1.0,
                        "returns": 1.0, "findings": 3.0},
    # Self-inspection reports are due this many working days after the period's cut-off.
    "self_inspection_due_working_days": 5,
}


# The transaction's record of the settings it found unset (``transaction_memo``): a stored
# setting is found again in the session's identity map, an unset one would be asked of the
# database at every read (13 times on the dashboard, each period's bounds reading the
# cut-off day).
_UNSET = "unset_settings"


def get_setting(key: str):
    """The stored value of a setting, or its default."""
    unset = per_transaction(_UNSET, set)
    if key not in unset:
        row = db.session.get(Setting, key)
        if row is not None:
            return row.value.get("v")
        unset.add(key)
    return DEFAULTS[key]


def setting_on(connection, key: str):
    """``get_setting`` read on a connection: where the session cannot query (inside a
    flush) or is not the one in use (a migration)."""
    stored = connection.execute(sa.select(Setting.value).where(Setting.key == key)).scalar()
    return stored.get("v") if stored is not None else DEFAULTS[key]


def set_setting(key: str, value) -> None:
    """Store a setting. A new cut-off day moves every month window, by which the running
    tally knows completion and cancellation dates: it is counted again
    (``cddh.services.tally``)."""
    if key not in DEFAULTS:
        raise KeyError(key)
    moves_windows = key == "report_cutoff_day" and get_setting(key) != value
    per_transaction(_UNSET, set).discard(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value={"v": value}))
    else:
        row.value = {"v": value}
    if moves_windows:
        from . import tally

        db.session.flush()
        tally.rebuild(db.session.connection())


# Bounds of the whole-number settings, (smallest, largest); others are 0–365.
INT_BOUNDS = {"report_cutoff_day": (1, 28), "max_upload_mb": (1, 200),
              "entry_sla_working_days": (1, 30)}


def setting_as_text(key: str) -> str:
    """A setting's current value as the admin edits it."""
    value = get_setting(key)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k} = {v}" for k, v in value.items())
    return str(value)


def parse_setting(key: str, text: str):
    """The typed value of an admin's input, checked against the default's type; a
    DomainError with a translated message when it does not fit."""
    from flask_babel import gettext as _

    from ..models import PeriodKind
    from . import DomainError

    default = DEFAULTS[key]
    text = (text or "").strip()
    if isinstance(default, bool):
        return text.lower() in {"1", "true", "yes", "có"}
    if isinstance(default, int):
        low, high = INT_BOUNDS.get(key, (0, 365))
        try:
            value = int(text)
        except ValueError:
            raise DomainError(_("“%(v)s” is not a whole number.", v=text), fields={key: "int"}) from None
        if not low <= value <= high:
            raise DomainError(_("Enter a number from %(a)d to %(b)d.", a=low, b=high),
                              fields={key: "range"})
        return value
    if isinstance(default, str):
        if not text:
            raise DomainError(_("This value cannot be empty."), fields={key: "required"})
        return text
    if isinstance(default, list):
        items = [part.strip() for part in text.split(",") if part.strip()]
        allowed = {k.value for k in PeriodKind}
        wrong = [item for item in items if item not in allowed]
        if wrong or not items:
            raise DomainError(_("Use some of: %(allowed)s.", allowed=", ".join(sorted(allowed))),
                              fields={key: "invalid"})
        return items
    if isinstance(default, dict):
        value = {}
        for line in text.splitlines():
            if not line.strip():
                continue
            name, _sep, number = line.partition("=")
            name = name.strip()
            try:
                weight = float(number.strip().replace(",", "."))
            except ValueError:
                raise DomainError(_("Write one “name = number” per line."),
                                  fields={key: "invalid"}) from None
            # No NaN, no infinity (no database stores them in JSON), nothing absurd.
            if not math.isfinite(weight) or not 0 <= weight <= MAX_WEIGHT:
                raise DomainError(_("Each weight is a number from 0 to %(max)d.", max=MAX_WEIGHT),
                                  fields={key: "invalid"})
            value[name] = weight
        if set(value) != set(default):
            raise DomainError(_("Give a number for each of: %(names)s.",
                                names=", ".join(default)), fields={key: "invalid"})
        return value
    raise DomainError(_("This setting cannot be changed here."), fields={key: "invalid"})
