"""A state and a timeliness class that no task can have together (in progress and done late,
completed and overdue, two states) list nothing without looking for it (the database would
walk the whole table: 550 ms at 1M tasks); every other pair lists what each filter alone
lists in common."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from types import SimpleNamespace

import pytest

from cddh.models import Role, TaskState, Timeliness, UnitCategory, db
from cddh.services import statistics, task_filters, tokens
from cddh.services.clock import local_today

from .conftest import make_task, make_unit, make_user, recorded_statements

S = TaskState
DAY = dt.timedelta(days=1)
STATE = 0  # the filters' places in TaskView.column_filters (bookmarked URLs: flt0_0=…)
LEAD = 1
TIMELINESS = 8


def _listed(page: str) -> tuple[int, list[int]]:
    found = re.search(r'class="nav-link active">[^<(]*\((\d+)\)', page)
    return (int(found.group(1)) if found else 0,
            sorted({int(i) for i in re.findall(r"/tasks/details/\?id=(\d+)", page)}))


def _listed_by(br, query: str) -> list[int]:
    count, ids = _listed(br.get("/tasks/?" + query).get_data(as_text=True))
    assert count == len(ids), query
    return ids


def test_each_class_holds_only_the_states_it_says():
    today = dt.date(2026, 3, 11)
    seen = {}
    for state, deadline, completed in itertools.product(
            S, (None, today - 5 * DAY, today, today + 5 * DAY),
            (None, today - 9 * DAY, today - DAY, today + DAY)):
        value = statistics.classify(state, deadline, completed, today)
        if value is not None:
            assert state in statistics.class_states(value), (state, value)
            seen.setdefault(value, set()).add(state)
    # Not wider than the rule either: each state it names is reached.
    assert {value: statistics.class_states(value) for value in seen} == seen


@pytest.fixture
def world(app):
    """An Office specialist, a unit's staff, the unit's tasks in every state and class, and
    another unit's tasks."""
    with app.app_context():
        today = local_today()
        office = make_unit("VP", UnitCategory.office)
        unit, other = make_unit("SNV"), make_unit("STC")
        specialist = make_user(Role.office_specialist, office)
        staff = make_user(Role.unit_staff, unit)
        for lead, state, deadline, completed in [
            (unit, S.assigned, today - 3 * DAY, None),
            (unit, S.in_progress, today + DAY, None),
            (unit, S.in_progress, today + 60 * DAY, None),
            (unit, S.in_progress, None, None),
            (unit, S.pending_verification, today - 3 * DAY, today - 5 * DAY),
            (unit, S.pending_verification, None, today - DAY),
            (unit, S.completed, today - 3 * DAY, today - DAY),
            (unit, S.completed, today - 3 * DAY, today - 9 * DAY),
            (unit, S.returned, today - 3 * DAY, None),
            (unit, S.cancelled, today + DAY, None),
            (unit, S.draft, today + DAY, None),
            (other, S.in_progress, today - 3 * DAY, None),
            (other, S.completed, today - 3 * DAY, today - DAY),
        ]:
            make_task(lead, state=state, deadline=deadline, completed_on=completed,
                      has_deadline=deadline is not None)
        tokens_ = {"office": tokens.issue_token(specialist, "test")[1],
                   "unit": tokens.issue_token(staff, "test")[1]}
        db.session.commit()
        return SimpleNamespace(specialist=specialist, staff=staff, tokens=tokens_,
                               lead_ids=[unit.id, other.id])


def test_a_state_and_a_class_list_what_each_lists_alone_in_common(app, browser, world):
    specialist, staff, lead_ids = world.specialist, world.staff, world.lead_ids
    states = [s.name for s in S]
    classes = list(task_filters.TIMELINESS_CLASSES)
    for user, role in ((specialist, "office"), (staff, "unit")):
        br = browser(user)
        listed = functools.partial(_listed_by, br)

        by_state = {s: set(listed(f"flt0_{STATE}={s}")) for s in states}
        by_class = {c: set(listed(f"flt0_{TIMELINESS}={c}")) for c in classes}
        assert any(by_class.values()) and any(by_state.values())
        for s, c in itertools.product(states, classes):
            both = listed(f"flt0_{STATE}={s}&flt1_{TIMELINESS}={c}")
            assert both == sorted(by_state[s] & by_class[c]), (role, s, c)
            if c in Timeliness.__members__:  # the dashboard's link with the state filter
                assert listed(f"timeliness={c}&flt0_{STATE}={s}") == both, (role, s, c)
        # A class with a lead unit, and with a state and a lead unit: the Office counts these
        # from the running tally (TaskView._tally); the count is the rows'.
        for lead_id, c in itertools.product(lead_ids, classes):
            by_lead = set(listed(f"flt0_{LEAD}={lead_id}"))
            assert listed(f"flt0_{LEAD}={lead_id}&flt1_{TIMELINESS}={c}") == sorted(
                by_lead & by_class[c]), (role, lead_id, c)
            if c in Timeliness.__members__:  # the dashboard's links, with the filters
                assert listed(f"timeliness={c}&flt0_{LEAD}={lead_id}") == sorted(
                    by_lead & by_class[c]), (role, lead_id, c)
                assert listed(f"timeliness={c}&unit_id={lead_id}&flt0_{STATE}=in_progress") \
                    == sorted(by_lead & by_class[c] & by_state["in_progress"]), (role, c)
                other = next(i for i in lead_ids if i != lead_id)  # two units: none
                assert listed(f"timeliness={c}&unit_id={other}&flt0_{LEAD}={lead_id}") == []
            for s in ("in_progress", "completed", "pending_verification"):
                assert listed(f"flt0_{TIMELINESS}={c}&flt1_{STATE}={s}&flt2_{LEAD}={lead_id}") \
                    == sorted(by_lead & by_class[c] & by_state[s]), (role, lead_id, c, s)
        # Nothing is looked for: every statement that reads the tasks says "false".
        with recorded_statements(app) as seen:
            assert listed(f"flt0_{STATE}=in_progress&flt1_{TIMELINESS}=done_late") == []
            assert listed(f"flt0_{STATE}=completed&flt1_{STATE}=returned") == []
        reads = [q for q in seen if re.search(r"\bFROM task\b", q)]
        assert reads and all(re.search(r"\bfalse\b|0 = 1", q) for q in reads), reads
        for a, b in itertools.product(states, states):
            assert listed(f"flt0_{STATE}={a}&flt1_{STATE}={b}") == sorted(
                by_state[a] & by_state[b]), (a, b)


def _api_listed(client, token: str, query: str) -> list[int]:
    """Every page of GET /api/v1/tasks?{query}, through the cursor: the ids, sorted."""
    ids, cursor = [], ""
    while True:
        body = client.get(f"/api/v1/tasks?limit=5&{query}{cursor}",
                          headers={"Authorization": f"Bearer {token}"}).get_json()
        ids += [item["id"] for item in body["items"]]
        if not body["next_cursor"]:
            return sorted(ids)
        cursor = f"&cursor={body['next_cursor']}"


def test_the_api_lists_a_state_and_a_class_as_what_each_lists_alone_in_common(app, world):
    client = app.test_client()
    for role, token in world.tokens.items():
        listed = functools.partial(_api_listed, client, token)

        by_state = {s.name: set(listed(f"state={s.name}")) for s in S}
        by_class = {c.name: set(listed(f"timeliness={c.name}")) for c in Timeliness}
        assert any(by_class.values()) and any(by_state.values())
        for s, c in itertools.product(by_state, by_class):
            assert listed(f"state={s}&timeliness={c}") == sorted(by_state[s] & by_class[c]), \
                (role, s, c)
        with recorded_statements(app) as seen:
            assert listed("state=in_progress&timeliness=done_late") == []
        reads = [q for q in seen if re.search(r"\bFROM task\b", q)]
        assert reads and all(re.search(r"\bfalse\b|0 = 1", q) for q in reads), reads
