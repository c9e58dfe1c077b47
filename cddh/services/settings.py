"""Numbers a province may change. Defaults are the regulation's; the table overrides them."""

from __future__ import annotations

from ..models import Setting, db

DEFAULTS: dict[str, object] = {
    "entry_sla_working_days": 1,          # Đ7.1a
    "due_soon_working_days": 3,           # Đ11.1b
    "overdue_update_grace_days": 1,       # Đ8.1a
    "feedback_answer_working_days": 7,    # Đ15.5
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


def get_setting(key: str):
    """The stored value of a setting, or its default."""
    row = db.session.get(Setting, key)
    if row is not None:
        return row.value.get("v")
    return DEFAULTS[key]


def set_setting(key: str, value) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value={"v": value}))
    else:
        row.value = {"v": value}
