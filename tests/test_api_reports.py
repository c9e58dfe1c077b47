"""Reporting periods and the statistics table (domain.md "Reporting periods"), through the
services and through GET /reports/period and /reports/statistics."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from cddh.models import PeriodKind, Role, Task, TaskHistory, TaskState, UnitCategory, db
from cddh.services import DomainError, periods, statistics, tokens
from cddh.services.settings import set_setting

from .conftest import make_task, make_unit, make_user
from .test_api import Api, error_of

D = dt.date
S = TaskState
VN = ZoneInfo("Asia/Ho_Chi_Minh")


# --- periods ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,number,start,end", [
    ("month", 1, D(2025, 12, 15), D(2026, 1, 14)),
    ("month", 2, D(2026, 1, 15), D(2026, 2, 14)),
    ("month", 3, D(2026, 2, 15), D(2026, 3, 14)),
    ("month", 7, D(2026, 6, 15), D(2026, 7, 14)),
    ("month", 12, D(2026, 11, 15), D(2026, 12, 14)),
    ("quarter", 1, D(2025, 12, 15), D(2026, 3, 14)),
    ("quarter", 2, D(2026, 3, 15), D(2026, 6, 14)),
    ("quarter", 3, D(2026, 6, 15), D(2026, 9, 14)),
    ("quarter", 4, D(2026, 9, 15), D(2026, 12, 14)),
    ("half", 1, D(2025, 12, 15), D(2026, 6, 14)),
    ("nine_months", 1, D(2025, 12, 15), D(2026, 9, 14)),
    ("year", 1, D(2025, 12, 15), D(2026, 12, 14)),
])
def test_period_bounds(ctx, kind, number, start, end):
    assert periods.period_bounds(kind, 2026, number) == (start, end)
    assert periods.period_bounds(PeriodKind(kind), 2026, number) == (start, end)


def test_the_cut_off_day_is_a_setting(ctx):
    set_setting("report_cutoff_day", 20)
    assert periods.period_bounds("month", 2026, 2) == (D(2026, 1, 21), D(2026, 2, 20))
    assert periods.period_bounds("quarter", 2026, 1) == (D(2025, 12, 21), D(2026, 3, 20))
    # A cut-off day the month lacks falls on its last day (31: calendar months).
    assert periods.period_bounds("month", 2026, 3, cutoff_day=31) == (D(2026, 3, 1), D(2026, 3, 31))
    assert periods.period_bounds("month", 2024, 2, cutoff_day=30) == (D(2024, 1, 31), D(2024, 2, 29))
    assert periods.period_bounds("month", 2024, 3, cutoff_day=30) == (D(2024, 3, 1), D(2024, 3, 30))


@pytest.mark.parametrize("kind,year,number,field", [
    ("week", 2026, 1, "kind"), ("month", 2026, 0, "number"), ("month", 2026, 13, "number"),
    ("quarter", 2026, 5, "number"), ("half", 2026, 2, "number"), ("nine_months", 2026, 2, "number"),
    ("year", 2026, 2, "number"), ("year", 1, 1, "year"), ("year", 10000, 1, "year"),
])
def test_periods_that_do_not_exist(ctx, kind, year, number, field):
    with pytest.raises(DomainError) as exc:
        periods.period_bounds(kind, year, number)
    assert exc.value.code == "invalid_period"
    assert field in exc.value.fields


# --- the statistics table on a hand-built dataset ---------------------------------------------
# Window: quarter 2 of 2026 = 15/03/2026 → 14/06/2026. Times are local (Asia/Ho_Chi_Minh).
START, END = D(2026, 3, 15), D(2026, 6, 14)


def at(y, m, d, hour=9, minute=0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=VN)


def history(task, *moves):
    """State changes (local time, to_state) written on a task's timeline."""
    for moment, to_state in moves:
        db.session.add(TaskHistory(task=task, action="move", to_state=to_state.value, at=moment))


# key: (lead, state now, assigned at, deadline, completed on, cancelled at) and what it is
# at the end of the window, written out by hand.
TASKS = {
    "on_time": ("A", S.completed, at(2026, 1, 10), D(2026, 5, 1), D(2026, 4, 20), None),
    "late": ("A", S.completed, at(2026, 4, 1), D(2026, 5, 1), D(2026, 5, 10), None),
    "open_in_time": ("A", S.in_progress, at(2026, 2, 1), D(2026, 7, 1), None, None),
    "overdue": ("A", S.in_progress, at(2026, 2, 1), D(2026, 6, 1), None, None),
    "due_on_end": ("A", S.in_progress, at(2026, 2, 1), D(2026, 6, 14), None, None),
    "no_deadline": ("A", S.in_progress, at(2026, 3, 1), None, None, None),
    "done_after_end": ("A", S.completed, at(2026, 3, 1), D(2026, 6, 10), D(2026, 6, 20), None),
    "done_before_start": ("A", S.completed, at(2026, 1, 5), D(2026, 3, 31), D(2026, 3, 14), None),
    "done_on_start": ("A", S.completed, at(2026, 1, 5), D(2026, 3, 20), D(2026, 3, 15), None),
    "assigned_after_end": ("A", S.assigned, at(2026, 6, 15, 0, 30), D(2026, 12, 31), None, None),
    "assigned_last_minute": ("A", S.assigned, at(2026, 6, 14, 23, 30), D(2026, 12, 31), None, None),
    "cancelled_before_start": ("A", S.cancelled, at(2026, 1, 5), D(2026, 5, 1), None,
                               at(2026, 3, 10)),
    "cancelled_inside": ("A", S.cancelled, at(2026, 2, 1), D(2026, 5, 1), None, at(2026, 5, 5)),
    "cancelled_after_end": ("A", S.cancelled, at(2026, 2, 1), D(2026, 5, 1), None, at(2026, 6, 20)),
    "returned": ("A", S.returned, at(2026, 5, 1), D(2026, 8, 1), None, None),
    "returned_then_forwarded": ("A", S.assigned, at(2026, 4, 1), D(2026, 9, 1), None, None),
    "returned_after_end": ("A", S.returned, at(2026, 6, 1), D(2026, 6, 30), None, None),
    "draft_of_b": ("B", S.draft, None, D(2026, 5, 1), None, None),
    "b_reported_late": ("B", S.pending_verification, at(2026, 3, 20), D(2026, 4, 1),
                        D(2026, 4, 2), None),
    "b_no_deadline_done": ("B", S.completed, at(2026, 3, 20), None, D(2026, 4, 1), None),
}
# What a reader of the regulation expects, per unit, as of 14/06/2026.
# The returned task is its own column (with the Office at the end, not A's open task).
EXPECTED_A = {"total": 14, "done_on_time": 2, "done_late": 1, "open_on_time": 5,
              "open_overdue": 3, "no_deadline": 1, "returned": 1, "cancelled": 1,
              "no_deadline_done": 0}
EXPECTED_B = {"total": 2, "done_on_time": 0, "done_late": 1, "open_on_time": 0,
              "open_overdue": 0, "no_deadline": 1, "returned": 0, "cancelled": 0,
              "no_deadline_done": 1}
EXPECTED_TOTAL = {"total": 16, "done_on_time": 2, "done_late": 2, "open_on_time": 5,
                  "open_overdue": 3, "no_deadline": 2, "returned": 1, "cancelled": 1,
                  "no_deadline_done": 1}


@pytest.fixture
def dataset(app):
    with app.app_context():
        units = {"B": make_unit("B", name="B đơn vị"), "A": make_unit("A", name="A đơn vị"),
                 "C": make_unit("C", name="C đơn vị"), "VP": make_unit("VP", UnitCategory.office)}
        for order, key in enumerate("ABC"):
            units[key].sort_order = order  # display order A, B, C (ids: B first)
        tasks = {}
        for key, (lead, state, assigned, deadline, completed, cancelled) in TASKS.items():
            tasks[key] = make_task(units[lead], state=state, assigned_at=assigned,
                                   deadline=deadline, completed_on=completed,
                                   cancelled_at=cancelled, content=key)
        history(tasks["returned"], (at(2026, 5, 1), S.assigned), (at(2026, 5, 3), S.returned))
        history(tasks["returned_then_forwarded"], (at(2026, 4, 1), S.assigned),
                (at(2026, 4, 2), S.returned), (at(2026, 4, 5), S.assigned))
        history(tasks["returned_after_end"], (at(2026, 6, 1), S.assigned),
                (at(2026, 6, 20), S.returned))
        users = {
            "leader": make_user(Role.leader, units["VP"]),
            "specialist": make_user(Role.office_specialist, units["VP"]),
            "b_staff": make_user(Role.unit_staff, units["B"]),
            "c_leader": make_user(Role.unit_leader, units["C"]),
            "inspector": make_user(Role.inspector, units["VP"]),
        }
        plaintext = {k: tokens.issue_token(u)[1] for k, u in users.items()}
        db.session.commit()
        return {k: u.id for k, u in units.items()}, plaintext


def test_the_table_matches_the_hand_count(app, dataset):
    unit_ids, _tokens = dataset
    with app.app_context():
        rows = statistics.unit_statistics(START, END)
        assert rows == [{"unit_id": unit_ids["A"], **EXPECTED_A},
                        {"unit_id": unit_ids["B"], **EXPECTED_B}]
        assert statistics.total_row(rows) == EXPECTED_TOTAL
        # Named units each get a row, even one with nothing to count.
        only = statistics.unit_statistics(START, END, [unit_ids["C"], unit_ids["B"]])
        assert only == [{"unit_id": unit_ids["B"], **EXPECTED_B},
                        {"unit_id": unit_ids["C"], **{k: 0 for k in EXPECTED_B}}]


def test_the_sql_classes_agree_with_classify(app, dataset):
    """The report's SQL rule and timeliness.classify class every counted task alike."""
    with app.app_context():
        # The effective deadline, as the SQL rule judges (the written one agrees only where
        # no deadline falls on a day off).
        rows = db.session.execute(sa.select(Task.content, Task.effective_deadline,
                                            Task.completed_on,
                                            Task.cancelled_at, statistics.class_case(END))
                                  .where(statistics.counted_clause(START, END))).all()
        assert len(rows) == EXPECTED_TOTAL["total"]
        for content, deadline, completed_on, cancelled_at, sql_class in rows:
            if cancelled_at is not None and cancelled_at.astimezone(VN).date() <= END:
                state = S.cancelled
            elif content == "returned":  # the one task that stood returned at the end
                state = S.returned
            elif completed_on is not None and completed_on <= END:
                state = S.completed
            else:
                state = S.in_progress
            assert sql_class == statistics.classify(state, deadline, completed_on, END), content


def test_statistics_through_the_api(app, dataset):
    unit_ids, plaintext = dataset
    query = "/reports/statistics?kind=quarter&year=2026&number=2"
    for who in ("leader", "specialist"):
        resp = Api(app, plaintext[who]).get(query)
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert body["period"] == {"kind": "quarter", "year": 2026, "number": 2,
                                  "start": "2026-03-15", "end": "2026-06-14"}
        assert body["rows"] == [{"unit_id": unit_ids["A"], **EXPECTED_A},
                                {"unit_id": unit_ids["B"], **EXPECTED_B}]
        assert body["total"] == EXPECTED_TOTAL
    own = Api(app, plaintext["b_staff"]).get(query).get_json()
    assert own["rows"] == [{"unit_id": unit_ids["B"], **EXPECTED_B}]
    assert own["total"] == {**EXPECTED_B}
    empty = Api(app, plaintext["c_leader"]).get(query).get_json()
    assert empty["rows"] == [{"unit_id": unit_ids["C"], **{k: 0 for k in EXPECTED_B}}]
    refused = Api(app, plaintext["inspector"]).get(query)
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"


def test_period_through_the_api(app, dataset):
    _units, plaintext = dataset
    api = Api(app, plaintext["b_staff"])
    assert api.get("/reports/period?kind=month&year=2026&number=1").get_json() == {
        "kind": "month", "year": 2026, "number": 1, "start": "2025-12-15", "end": "2026-01-14"}
    resp = api.get("/reports/period?kind=month&year=2026&number=13")
    assert resp.status_code == 400
    assert error_of(resp)["code"] == "invalid_period"
    assert "number" in error_of(resp)["fields"]
