"""Unit evaluation for emulation (Đ20.2): a transparent, configurable score per period.

score = w₁ × on-time completion rate (per cent)
        − w₂ × tasks open and overdue at the period's end
        − w₃ × tasks flagged for a late progress update within the period (Đ8.1a)
        − w₄ × returns of tasks to the Office within the period (Đ8.2a)
        − w₅ × shortcomings found by inspections within the period (Đ12–14)

The weights are the setting ``ranking_weights``. The on-time completion rate is done on time
over the tasks with a deadline the unit held (the report's statistics as of the end, or of
today while the period runs: not cancelled, not returned to the Office); a unit with nothing due has no rate and that term counts 0. Every row carries the
numbers behind its score. Units of the Office itself are not ranked.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..models import Notification, Task, TaskHistory, TaskState, Unit, UnitKind, db
from ..models.enums import UnitCategory
from .clock import start_of_local_day
from .inspection import shortcomings_by_unit
from .settings import DEFAULTS, get_setting
from .statistics import due_count, unit_statistics

MEASURES = ("on_time_rate", "overdue", "late_updates", "returns", "findings")
LATE_UPDATE_KIND = "late_update"  # the notice cddh.services.duties.flag_late_updates sends


def weights() -> dict[str, float]:
    """The formula's weights: the setting, any missing weight from the defaults."""
    stored = get_setting("ranking_weights") or {}
    return {key: float(stored.get(key, DEFAULTS["ranking_weights"][key])) for key in MEASURES}


def _window(column, start: dt.date, end: dt.date):
    return sa.and_(column >= start_of_local_day(start),
                   column < start_of_local_day(end + dt.timedelta(days=1)))


def late_updates_by_unit(start: dt.date, end: dt.date) -> dict[int, int]:
    """Per lead unit, the tasks flagged for a late update within the window."""
    flagged = (sa.select(Notification.task_id).where(Notification.kind == LATE_UPDATE_KIND,
                                                     _window(Notification.created_at, start, end)))
    query = (sa.select(Task.lead_unit_id, sa.func.count(Task.id))
             .where(Task.id.in_(flagged), Task.parent_task_id.is_(None))  # never a sub-task
             .group_by(Task.lead_unit_id))
    return dict(db.session.execute(query).all())


def returns_by_unit(start: dt.date, end: dt.date) -> dict[int, int]:
    """Per lead unit, the times its tasks were returned to the Office within the window."""
    query = (sa.select(Task.lead_unit_id, sa.func.count(TaskHistory.id))
             .join(Task, Task.id == TaskHistory.task_id)
             .where(TaskHistory.to_state == TaskState.returned.value,
                    _window(TaskHistory.at, start, end), Task.parent_task_id.is_(None))
             .group_by(Task.lead_unit_id))
    return dict(db.session.execute(query).all())


def ranked_unit_ids() -> list[int]:
    """The active units outside the Office, in display order."""
    office = (UnitCategory.office, UnitCategory.office_division)
    return list(db.session.scalars(
        sa.select(Unit.id).join(UnitKind, UnitKind.id == Unit.kind_id)
        .where(Unit.active.is_(True), UnitKind.category.notin_(office))
        .order_by(Unit.sort_order, Unit.name, Unit.id)))


def unit_ranking(start: dt.date, end: dt.date) -> list[dict]:
    """The ranking of the window [start, end], best first, with the numbers behind it.

    Each row: unit_id, unit, the statistics behind the rate (done_on_time, due), the five
    measures, score and rank (equal scores share a rank).
    """
    unit_ids = ranked_unit_ids()
    w = weights()
    late = late_updates_by_unit(start, end)
    returns = returns_by_unit(start, end)
    findings = shortcomings_by_unit(start, end)
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name)
                                    .where(Unit.id.in_(unit_ids))).all())
    rows = []
    for stats in unit_statistics(start, end, unit_ids):
        unit_id = stats["unit_id"]
        due = due_count(stats)
        rate = round(100.0 * stats["done_on_time"] / due, 1) if due else None
        row = {"unit_id": unit_id, "unit": names[unit_id], "done_on_time": stats["done_on_time"],
               "due": due, "on_time_rate": rate, "overdue": stats["open_overdue"],
               "late_updates": late.get(unit_id, 0), "returns": returns.get(unit_id, 0),
               "findings": findings.get(unit_id, 0)}
        row["score"] = round(w["on_time_rate"] * (rate or 0.0)
                             - sum(w[key] * row[key] for key in MEASURES[1:]), 1)
        rows.append(row)
    rows.sort(key=lambda r: -r["score"])
    for i, row in enumerate(rows):
        same = i and rows[i - 1]["score"] == row["score"]
        row["rank"] = rows[i - 1]["rank"] if same else i + 1
    return rows
