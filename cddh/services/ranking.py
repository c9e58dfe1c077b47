"""Unit evaluation for emulation (Đ20.2): a transparent, configurable score per period.

score = w₁ × on-time completion rate (per cent)
        − w₂ × tasks open and overdue at the period's end
        − w₃ × missed or late progress updates within the period (Đ8.1a, Đ8.1b)
        − w₄ × returns of tasks to the Office within the period that the Office refused
          (Đ8.2a)
        − w₅ × shortcomings found by inspections within the period (Đ12–14)

The weights are the setting ``ranking_weights``. The on-time completion rate is done on time
over the tasks with a deadline the unit held (the report's statistics as of the end, or of
today while the period runs: not cancelled, not returned to the Office); a unit with nothing
due has no rate and that term counts 0. A task the Office holds (returned, or a draft) is
never the unit's overdue task (statistics). Every row carries the numbers behind its score.
Units of the Office itself are not ranked.

Rules that make the ranking defensible (issue 14 §5):

* Missed updates: a task flagged for a late update after it became overdue (Đ8.1a, notice
  ``late_update``) or for a missed periodic update of a task without deadline (Đ8.1b, notice
  ``update_due``), counted once per task and period.
* Returns: a return is the unit's fault only when the Office refused it, that is sent the task
  back to the same unit without changing it. A return the Office accepted (it re-forwarded
  the task to another unit, corrected it or cancelled it) or that the directing leader decided
  on (a difficulty asking for another lead unit) is not counted, nor one still with the
  Office. The unit is the one that returned the task (recorded in the history).
* A unit with no active account cannot update anything: it is flagged ``no_account`` and not
  ranked, rather than shown with a perfect score.
* Frozen: issuing the period report stores ``snapshot()`` (rows, weights and the format
  version) with it; the ranking of a period whose report is issued is read from there, so
  an extension approved later does not change it (``period_ranking``).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..models import (
    Role,
    Task,
    TaskHistory,
    TaskState,
    Unit,
    UnitKind,
    User,
    db,
)
from ..models.enums import UnitCategory
from . import facts
from .clock import local_today, start_of_local_day
from .inspection import shortcomings_by_unit
from .settings import DEFAULTS, get_setting
from .statistics import due_count, unit_statistics

MEASURES = ("on_time_rate", "overdue", "late_updates", "returns", "findings")
LATE_UPDATE_KIND = "late_update"  # the flag cddh.services.duties.flag_late_updates records
MISSED_UPDATE_KIND = "update_due"  # ... and flag_missing_periodic_updates (Đ8.1b)
UPDATE_KINDS = (LATE_UPDATE_KIND, MISSED_UPDATE_KIND)
SNAPSHOT_FORMAT = 1  # bump when the stored shape of a frozen ranking changes
# A return the Office accepted: after it, the task was changed or cancelled.
ACCEPTING_ACTIONS = ("edit", "change_content", "cancel")


def weights() -> dict[str, float]:
    """The formula's weights: the setting, any missing weight from the defaults."""
    stored = get_setting("ranking_weights") or {}
    return {key: float(stored.get(key, DEFAULTS["ranking_weights"][key])) for key in MEASURES}


def _window(column, start: dt.date, end: dt.date):
    return sa.and_(column >= start_of_local_day(start),
                   column < start_of_local_day(end + dt.timedelta(days=1)))


def formula_text(weights: dict) -> str:
    """The score's formula with this ranking's weights, in the user's number format (the
    screen and the workbook say the same)."""
    from flask_babel import format_decimal
    from flask_babel import gettext as _

    def w(key):
        return format_decimal(weights[key], format="#,##0.0##")

    return _("Score = %(a)s × on-time completion rate (%%) − %(b)s × overdue tasks − %(c)s × "
             "missed or late updates − %(d)s × refused returns − %(e)s × inspection "
             "shortcomings", a=w("on_time_rate"), b=w("overdue"), c=w("late_updates"),
             d=w("returns"), e=w("findings"))


def flagged_for_updates(start: dt.date, end: dt.date) -> sa.Select:
    """The ids of the tasks flagged for a late or missed update (Đ8.1a, Đ8.1b) within the
    window, never a sub-task (its parent counts, like every figure): the unit's measure
    (ranking) and each officer's (cddh.services.individual)."""
    # Each flag is a timeline entry of its task (cddh.services.duties._flag_late): the
    # night's notices are grouped per person and name no single task.
    return (sa.select(TaskHistory.task_id).join(Task, Task.id == TaskHistory.task_id)
            .where(TaskHistory.action.in_(UPDATE_KINDS), _window(TaskHistory.at, start, end),
                   Task.parent_task_id.is_(None)))


def late_updates_by_unit(start: dt.date, end: dt.date) -> dict[int, int]:
    """Per lead unit, the tasks flagged for a late or missed update within the window."""
    query = (sa.select(Task.lead_unit_id, sa.func.count(Task.id))
             .where(Task.id.in_(flagged_for_updates(start, end)))
             .group_by(Task.lead_unit_id))
    return dict(db.session.execute(query).all())


def returns_by_unit(start: dt.date, end: dt.date) -> dict[int, int]:
    """Per unit that returned it, the returns to the Office within the window that the Office
    refused (module docstring): the next forwarding after the return went to the same unit,
    with no change to the task in between, and no leader's decision caused the return."""
    ret = sa.orm.aliased(TaskHistory)
    later = sa.orm.aliased(TaskHistory)
    between = sa.orm.aliased(TaskHistory)
    returner = sa.func.coalesce(ret.data["lead_unit_id"].as_integer(), Task.lead_unit_id)
    next_forward_at = (sa.select(sa.func.min(later.at))
                       .where(later.task_id == ret.task_id, later.action == "forward",
                              later.at > ret.at)
                       .correlate(ret).scalar_subquery())
    forwarded_back = sa.exists().where(
        later.task_id == ret.task_id, later.action == "forward", later.at == next_forward_at,
        later.data["lead_unit_id"].as_integer() == returner)
    changed = sa.exists().where(
        between.task_id == ret.task_id, between.action.in_(ACCEPTING_ACTIONS),
        between.at > ret.at, between.at < next_forward_at)
    decided = ret.data["difficulty_id"].as_integer().is_not(None)
    query = (sa.select(returner, sa.func.count(ret.id))
             .join(Task, Task.id == ret.task_id)
             .where(ret.to_state == TaskState.returned.value, _window(ret.at, start, end),
                    ~decided, forwarded_back, ~changed, Task.parent_task_id.is_(None))
             .group_by(returner))
    return dict(db.session.execute(query).all())


def units_without_account(unit_ids) -> set[int]:
    """The units among ``unit_ids`` that have no active user account."""
    with_account = set(db.session.scalars(
        sa.select(User.unit_id).where(User.active.is_(True), User.unit_id.in_(list(unit_ids)),
                                      User.role.in_([Role.unit_leader, Role.unit_staff]))
        .distinct()))
    return set(unit_ids) - with_account


def ranked_unit_ids() -> list[int]:
    """The active units outside the Office, in display order."""
    office = (UnitCategory.office, UnitCategory.office_division)
    return list(db.session.scalars(
        sa.select(Unit.id).join(UnitKind, UnitKind.id == Unit.kind_id)
        .where(Unit.active.is_(True), UnitKind.category.notin_(office))
        .order_by(Unit.sort_order, Unit.name, Unit.id)))


def unit_ranking(start: dt.date, end: dt.date) -> list[dict]:
    """The live ranking of the window [start, end], best first, with the numbers behind it.

    Each row: unit_id, unit, the statistics behind the rate (done_on_time, due), the five
    measures, score, no_account and rank (equal scores share a rank; a unit flagged
    ``no_account`` has no rank and comes last).
    """
    unit_ids = ranked_unit_ids()
    w = weights()
    # A closed period reads its stored facts (the same figures, computed when it closed).
    stored = facts.stored_unit_figures(start, end) if end < local_today() else None
    if stored is not None:
        zero = dict.fromkeys(facts.STORED, 0)
        table = [{"unit_id": u, **stored.get(u, zero)} for u in unit_ids]
        late, returns, findings = ({u: f[key] for u, f in stored.items()}
                                   for key in facts.RANKING_INPUTS)
    else:
        table = unit_statistics(start, end, unit_ids)
        late = late_updates_by_unit(start, end)
        returns = returns_by_unit(start, end)
        findings = shortcomings_by_unit(start, end)
    nobody = units_without_account(unit_ids)
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name)
                                    .where(Unit.id.in_(unit_ids))).all())
    rows = []
    for stats in table:
        unit_id = stats["unit_id"]
        due = due_count(stats)
        rate = round(100.0 * stats["done_on_time"] / due, 1) if due else None
        row = {"unit_id": unit_id, "unit": names[unit_id], "done_on_time": stats["done_on_time"],
               "due": due, "on_time_rate": rate, "overdue": stats["open_overdue"],
               "late_updates": late.get(unit_id, 0), "returns": returns.get(unit_id, 0),
               "findings": findings.get(unit_id, 0), "no_account": unit_id in nobody}
        row["score"] = round(w["on_time_rate"] * (rate or 0.0)
                             - sum(w[key] * row[key] for key in MEASURES[1:]), 1)
        rows.append(row)
    rows.sort(key=lambda r: (r["no_account"], -r["score"]))
    ranked = [r for r in rows if not r["no_account"]]
    for i, row in enumerate(ranked):
        same = i and ranked[i - 1]["score"] == row["score"]
        row["rank"] = ranked[i - 1]["rank"] if same else i + 1
    for row in rows:
        row.setdefault("rank", None)
    return rows


def snapshot(start: dt.date, end: dt.date) -> dict:
    """The ranking as stored with an issued period report: its rows, the weights it used and
    the format version."""
    return {"format": SNAPSHOT_FORMAT, "start": start.isoformat(), "end": end.isoformat(),
            "weights": weights(), "rows": unit_ranking(start, end)}


def only_units(frozen: dict, unit_ids) -> dict:
    """A stored or live ranking narrowed to some units (a unit sees its own row)."""
    if unit_ids is None:
        return frozen
    wanted = set(unit_ids)
    return {**frozen, "rows": [r for r in frozen["rows"] if r["unit_id"] in wanted]}
