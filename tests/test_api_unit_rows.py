"""``GET /api/v1/tasks`` of a unit user reads its unit's task_unit rows and says each filter
there (policy.task_scope_on_row, cddh.services.scope's row rules, timeliness.unit_row_clause):
it must answer exactly the tasks, in the same order, that the filters said on the tasks
themselves give (the rule the API used before, written out here as the reference), alone and
combined, page after page through the cursor.

The data has what the row rules must get right: a task the unit only cooperates on, sub-tasks
it sees as their parent task's lead unit (one also as a cooperating unit), drafts (never
visible), deadlines on each day of a run of days off (a Friday given off, the weekend: their
effective deadline, which the row holds, is the Monday after) and tasks of other units (never
visible)."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from cddh.auth import policy
from cddh.models import CalendarOverride, Role, Task, TaskState, Timeliness, UnitCategory, db
from cddh.models.enums import CalendarOverrideKind
from cddh.services import tokens
from cddh.services.calendar import WorkingCalendar
from cddh.services.clock import local_today
from cddh.services.scope import led_or_shared_by
from cddh.services.timeliness import task_timeliness_clause

from .conftest import make_document, make_task, make_unit, make_user
from .test_api import Api

S = TaskState
LIMIT = 3  # small pages: every answer below takes several


def _long_weekend(today: dt.date) -> dict[str, dt.date]:
    """A past week whose Thursday, Friday and Monday are working days and whose weekend is
    off (the built-in calendar), by weekday name."""
    cal = WorkingCalendar({})
    saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7) - dt.timedelta(days=7)
    while True:
        days = {name: saturday + dt.timedelta(days=offset) for name, offset in
                (("thu", -2), ("fri", -1), ("sat", 0), ("sun", 1), ("mon", 2), ("tue", 3))}
        if all(cal.is_working_day(days[n]) for n in ("thu", "fri", "mon", "tue")) and not (
                cal.is_working_day(days["sat"]) or cal.is_working_day(days["sun"])):
            return days
        saturday -= dt.timedelta(days=7)


@pytest.fixture
def world(app):
    with app.app_context():
        today = local_today()
        days = _long_weekend(today)
        # The province gives the Friday off: Friday, Saturday and Sunday run to Monday.
        db.session.add(CalendarOverride(day=days["fri"], kind=CalendarOverrideKind.day_off,
                                        name="Nghỉ bù"))
        db.session.flush()
        unit, other, child = make_unit(), make_unit(), make_unit()
        far, stranger = make_unit(category=UnitCategory.district), make_unit()
        people = {"staff": make_user(Role.unit_staff, unit),
                  "leader": make_user(Role.unit_leader, unit),
                  "other_staff": make_user(Role.unit_staff, other)}
        shared, foreign = make_document(), make_document()

        def ago(n):
            return today - dt.timedelta(days=n)

        overdue = make_task(unit, state=S.in_progress, deadline=ago(40), document=shared)
        on_time = make_task(unit, state=S.assigned, deadline=today + dt.timedelta(days=20))
        tasks = [
            overdue, on_time,
            make_task(unit, state=S.in_progress, deadline=None, has_deadline=False),
            make_task(unit, state=S.pending_verification, deadline=ago(3), completed_on=ago(5),
                      document=shared),
            make_task(unit, state=S.completed, deadline=ago(3), completed_on=ago(1)),
            make_task(unit, state=S.completed, deadline=ago(10), completed_on=ago(12)),
            make_task(unit, state=S.returned, deadline=ago(2)),
            make_task(unit, state=S.cancelled, deadline=days["sat"],
                      cancelled_at=dt.datetime.now(dt.UTC)),
            make_task(unit, state=S.draft, deadline=days["sat"], document=shared),
            make_task(other, state=S.draft, deadline=days["sat"], cooperating=[unit]),
            # Each day of the run of days off, and the working days around it.
            *[make_task(unit, state=state, deadline=days[name], completed_on=done,
                        document=shared if name in ("sat", "mon") else None)
              for name, state, done in (("thu", S.in_progress, None),
                                        ("fri", S.completed, days["mon"]),
                                        ("sat", S.in_progress, None),
                                        ("sun", S.completed, days["tue"]),
                                        ("mon", S.assigned, None),
                                        ("tue", S.completed, days["mon"]))],
            # Shared with the unit by another unit; one also with a district.
            make_task(other, state=S.in_progress, deadline=days["sat"], cooperating=[unit],
                      document=shared),
            make_task(other, state=S.completed, deadline=days["sun"], completed_on=ago(1),
                      cooperating=[unit, far]),
            # Sub-tasks of the unit's tasks: seen as the parent task's lead unit (one also as a
            # cooperating unit); the figures never count them, the timeliness filter finds
            # them by their ``timeliness``.
            make_task(child, state=S.in_progress, deadline=ago(5), parent_task=overdue),
            make_task(child, state=S.assigned, deadline=days["sat"], parent_task=on_time,
                      cooperating=[unit], document=shared),
            # Never the unit's.
            make_task(other, state=S.in_progress, deadline=days["sat"], document=shared),
            make_task(stranger, state=S.in_progress, deadline=days["sun"], cooperating=[far],
                      document=foreign),
            make_task(other, state=S.completed, deadline=ago(3), completed_on=ago(1),
                      document=foreign),
        ]
        plaintext = {name: tokens.issue_token(user, name)[1] for name, user in people.items()}
        db.session.commit()
        return SimpleNamespace(
            app=app, today=today, days=days, tasks=[t.id for t in tasks],
            users={name: user.id for name, user in people.items()},
            unit=unit.id, other=other.id, child=child.id, far=far.id, stranger=stranger.id,
            shared=shared.id, foreign=foreign.id, tokens=plaintext)


def _old_rule(world, who: str, params: dict) -> list[int]:
    """The ids the filters select said on the tasks (the API's rule before it read the rows),
    newest first."""
    from cddh.models import User

    user = db.session.get(User, world.users[who])
    conditions = [policy.task_scope(user)]
    if "state" in params:
        conditions.append(Task.state == S(params["state"]))
    if "timeliness" in params:
        conditions.append(task_timeliness_clause(Timeliness(params["timeliness"]), world.today))
    if "unit_id" in params:
        conditions.append(led_or_shared_by(params["unit_id"]))
    if "document_id" in params:
        conditions.append(Task.document_id == params["document_id"])
    if "deadline_from" in params:
        conditions.append(Task.deadline >= params["deadline_from"])
    if "deadline_to" in params:
        conditions.append(Task.deadline <= params["deadline_to"])
    return list(db.session.scalars(sa.select(Task.id).where(*conditions)
                                   .order_by(Task.id.desc())))


def _api_ids(api: Api, params: dict) -> list[int]:
    """Every page of the API's answer, through its cursor, in order."""
    query = "&".join(f"{k}={v.isoformat() if isinstance(v, dt.date) else v}"
                     for k, v in params.items())
    ids, cursor = [], None
    for _ in range(50):
        resp = api.get(f"/tasks?limit={LIMIT}&{query}" + (f"&cursor={cursor}" if cursor else ""))
        assert resp.status_code == 200, (params, resp.get_json())
        body = resp.get_json()
        assert len(body["items"]) <= LIMIT
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError(f"the cursor never ends: {params}")


def _single_filters(world) -> list[dict]:
    d = world.days
    cases = [{}]
    cases += [{"state": s.value} for s in S]
    cases += [{"timeliness": t.value} for t in Timeliness]
    cases += [{"unit_id": u} for u in (world.unit, world.other, world.child, world.far,
                                       world.stranger, 999999)]
    cases += [{"document_id": doc} for doc in (world.shared, world.foreign, 999999)]
    bounds = [None, d["thu"], d["fri"], d["sat"], d["sun"], d["mon"], d["tue"]]
    for start, end in itertools.product(bounds, bounds):
        case = {}
        if start is not None:
            case["deadline_from"] = start
        if end is not None:
            case["deadline_to"] = end
        if case:
            cases.append(case)
    return cases


def _combined_filters(world) -> list[dict]:
    d = world.days
    options = [
        [{}, {"state": "in_progress"}, {"state": "completed"}],
        [{}, {"timeliness": "open_overdue"}, {"timeliness": "done_late"}],
        [{}, {"unit_id": world.other}, {"unit_id": world.child}, {"unit_id": world.unit}],
        [{}, {"document_id": world.shared}],
        [{}, {"deadline_from": d["sat"]}, {"deadline_to": d["sun"]},
         {"deadline_from": d["fri"], "deadline_to": d["mon"]}],
    ]
    cases = []
    for parts in itertools.product(*options):
        case = {k: v for part in parts for k, v in part.items()}
        if sum(1 for part in parts if part) >= 2:
            cases.append(case)
    return cases


def test_a_unit_users_task_list_read_on_its_rows_is_the_tasks_own_filters(world):
    app, d = world.app, world.days
    with app.app_context():
        # The data is what the comparison needs (else it proves nothing).
        assert WorkingCalendar().next_working_day(d["fri"]) == d["mon"]
        everything = _old_rule(world, "staff", {})
        assert len(everything) == len(world.tasks) - 5  # 2 drafts, 3 tasks of others
        assert _old_rule(world, "staff", {"deadline_from": d["sun"]}) != \
            _old_rule(world, "staff", {"deadline_from": d["mon"]})
    for who in ("staff", "leader"):
        api = Api(app, world.tokens[who])
        cases = _single_filters(world) + (_combined_filters(world) if who == "staff" else [])
        answered = 0
        for params in cases:
            with app.app_context():
                wanted = _old_rule(world, who, params)
            assert _api_ids(api, params) == wanted, (who, params)
            answered += bool(wanted)
        assert answered >= len(cases) // 3, (who, answered, len(cases))


def test_the_day_off_cases_the_row_rules_must_tell(world):
    """The cases where the row's effective deadline alone would answer wrong: spelled out."""
    d, t = world.days, world.tasks
    api = Api(world.app, world.tokens["staff"])
    # Thu, Fri, Sat, Sun, Mon, Tue tasks of the unit are t[10:16]; t[16]: shared, Saturday.
    by_day = dict(zip(("thu", "fri", "sat", "sun", "mon", "tue"), t[10:16], strict=True))
    # From Monday: Friday–Sunday (effective deadline Monday) are out, Monday in.
    ids = set(_api_ids(api, {"deadline_from": d["mon"]}))
    assert by_day["mon"] in ids and not ids & {by_day["fri"], by_day["sat"], by_day["sun"]}
    # To Saturday: Friday and Saturday in, Sunday and Monday (also Monday on the row) out.
    ids = set(_api_ids(api, {"deadline_to": d["sat"]}))
    assert {by_day["fri"], by_day["sat"], t[16]} <= ids
    assert not ids & {by_day["sun"], by_day["mon"]}
    # Another unit's task and a draft on the same day never show.
    ids = set(_api_ids(api, {"deadline_from": d["sat"], "deadline_to": d["sat"]}))
    assert ids == {by_day["sat"], t[7], t[16], t[19]}  # t[7]: cancelled, still visible


def test_the_timeliness_filter_finds_exactly_the_tasks_showing_that_timeliness(world):
    """``?timeliness=X`` answers the visible tasks whose ``timeliness`` is X, no more and no
    fewer, for the unit's staff and leader (read on the unit's rows) and another unit's staff:
    sub-tasks (which the figures never count) and a returned task (open, domain.md; the
    figures count it apart) included; drafts and cancelled tasks have none."""
    returned = world.tasks[6]
    sub_tasks = set(world.tasks[-5:-3])
    for who in ("staff", "leader", "other_staff"):
        api = Api(world.app, world.tokens[who])
        shown = {}
        for item in _api_items(api):
            shown.setdefault(item["timeliness"], set()).add(item["id"])
        found = {value.value: set(_api_ids(api, {"timeliness": value.value}))
                 for value in Timeliness}
        assert found == {value.value: shown.get(value.value, set()) for value in Timeliness}, who
        if who == "staff":
            assert returned in found["open_overdue"]
            assert sub_tasks <= set().union(*found.values())


def _api_items(api: Api) -> list[dict]:
    """Every task the API lists for ``api``'s user, through the cursor."""
    items, cursor = [], None
    for _ in range(50):
        resp = api.get(f"/tasks?limit={LIMIT}" + (f"&cursor={cursor}" if cursor else ""))
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ends")
