"""A unit's counts read from the task–unit index (issue 13 §2, §4): the list's count of the
whole scope and the home page's groups agree with the tasks themselves and with the lists
they open, a task the unit holds in two roles counts once, and a calendar change moves the
index's effective deadlines with the tasks'."""

from __future__ import annotations

import datetime as dt
import re
import warnings

import sqlalchemy as sa

from cddh.auth import policy
from cddh.models import CalendarOverride, Role, Task, TaskState, Timeliness, db, task_unit
from cddh.services import overview, statistics
from cddh.services.clock import local_today

from .conftest import make_task, make_unit, make_user

S = TaskState
OPEN = (S.assigned, S.in_progress)


def _listed_count(page: str) -> int:
    """The count Flask-Admin's list shows in its tab: "Danh sách (N)"."""
    found = re.search(r'class="nav-link active">[^<(]*\((\d+)\)', page)
    return int(found.group(1)) if found else 0


def _listed_ids(page: str) -> list[int]:
    return [int(i) for i in dict.fromkeys(re.findall(r"/tasks/details/\?id=(\d+)", page))]


def _world(today: dt.date):
    unit, other, child = make_unit(), make_unit(), make_unit()
    staff = make_user(Role.unit_staff, unit)
    leader = make_user(Role.unit_leader, unit)
    limit = overview.due_soon_limit(today)
    # The nearest Saturday before today: a deadline on a day off moves to the next working
    # day (Điều 148), so it may still be running today although the date has passed.
    saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7)
    tasks = [
        make_task(unit, state=S.in_progress, deadline=today - dt.timedelta(days=40)),
        make_task(unit, state=S.assigned, deadline=saturday),
        make_task(unit, state=S.assigned, deadline=today),
        make_task(unit, state=S.in_progress, deadline=limit),
        make_task(unit, state=S.in_progress, deadline=limit + dt.timedelta(days=30)),
        make_task(unit, state=S.in_progress, deadline=None, has_deadline=False),
        make_task(unit, state=S.pending_verification, deadline=today - dt.timedelta(days=3)),
        make_task(unit, state=S.completed, deadline=today - dt.timedelta(days=3),
                  completed_on=today - dt.timedelta(days=5)),
        make_task(unit, state=S.draft, deadline=today - dt.timedelta(days=3)),
        make_task(other, state=S.in_progress, deadline=today - dt.timedelta(days=2),
                  cooperating=[unit]),
        make_task(other, state=S.in_progress, deadline=today - dt.timedelta(days=2)),
    ]
    # A sub-task the unit sees twice: as its parent task's lead unit and as a cooperating unit.
    parent = tasks[0]
    twice = make_task(child, state=S.in_progress, deadline=today - dt.timedelta(days=10),
                      parent_task=parent, cooperating=[unit])
    tasks.append(twice)
    staff_officer = tasks[1]
    db.session.execute(sa.insert(overview.task_officer).values(task_id=staff_officer.id,
                                                               user_id=staff.id))
    db.session.commit()
    return unit, staff, leader, tasks, twice


def _by_hand(tasks, user, today):
    """Each group's tasks from the tasks' own fields, in Python."""
    limit = overview.due_soon_limit(today)
    seen = set(db.session.scalars(sa.select(Task.id).where(policy.task_scope(user))))
    mine = [t for t in tasks if t.id in seen]

    def open_(t):
        return t.state in OPEN

    groups = {
        "overdue": [t for t in mine if open_(t) and t.effective_deadline is not None
                    and t.effective_deadline < today],
        "due_soon": [t for t in mine if open_(t) and t.effective_deadline is not None
                     and today <= t.effective_deadline <= limit],
        "on_time": [t for t in mine if open_(t) and t.effective_deadline is not None
                    and t.effective_deadline > limit],
        "no_deadline": [t for t in mine if open_(t) and t.deadline is None],
        "awaiting_verification": [t for t in mine if t.state == S.pending_verification],
    }
    return {name: {t.id for t in found} for name, found in groups.items()}, seen


def test_home_groups_and_list_counts_from_the_index_match_the_tasks(app, browser,
                                                                     monkeypatch):
    with app.test_request_context():
        today = local_today()
        unit, staff, leader, tasks, twice = _world(today)
        wanted, seen = _by_hand(tasks, staff, today)
        assert twice.id in seen and twice.id in wanted["overdue"]
        # The unit sees the sub-task for two reasons; the index holds it once, as cooperating.
        assert db.session.execute(sa.select(task_unit.c.role).where(
            task_unit.c.task_id == twice.id, task_unit.c.unit_id == unit.id)).all() == [
            ("cooperating",)]
        groups = overview.unit_grouped_tasks(staff, today)
        for name, ids in wanted.items():
            assert groups[name]["count"] == len(ids), name
            assert {t.id for t in groups[name]["tasks"]} == ids, name
        assert groups["mine"]["count"] == 1
        leader_groups = overview.unit_grouped_tasks(leader, today)
        # Every open task the unit leads has no officer but one (a sub-task is led by the child).
        led_open = [t for t in tasks if t.lead_unit_id == unit.id and t.state in OPEN]
        assert leader_groups["unassigned"]["count"] == len(led_open) - 1
        assert leader_groups["awaiting_signoff"]["count"] == 0
        # Past the cap a group says "more than" it (as the Office's home), and still lists
        # its first tasks; below it, the exact count.
        with monkeypatch.context() as patched:
            patched.setattr(overview, "COUNT_CAP", 2)
            capped = overview.unit_grouped_tasks(staff, today)
        assert {len(ids) > 2 for ids in wanted.values()} == {True, False}
        for name, ids in wanted.items():
            count = capped[name]["count"]
            assert isinstance(count, overview.MoreThan) == (len(ids) > 2), name
            assert count == min(len(ids), 2), name
            assert {t.id for t in capped[name]["tasks"]} == ids, name
        visible = len(seen)
        classes = {value.value: {t.id for t in tasks if t.id in seen and t.parent_task_id is None
                                 and statistics.classify(t.state, t.effective_deadline,
                                                         t.completed_on, today) == value.value}
                   for value in Timeliness}
        assert all(classes[v] for v in ("open_overdue", "open_on_time", "no_deadline",
                                        "done_late"))
        unit_id = unit.id
        led_by_unit = {t.id for t in tasks if t.lead_unit_id == unit.id}
        # The list's own filters, by the rules on the tasks (the row is not read here).
        from cddh.services import task_filters

        def on_tasks(condition):
            return set(db.session.scalars(sa.select(Task.id).where(policy.task_scope(staff),
                                                                   condition)))
        by_filter = {f"flt0_8={value}": on_tasks(task_filters.timeliness_class(value, today))
                     for value in task_filters.TIMELINESS_CLASSES}
        by_filter |= {f"flt0_0={state.value}": on_tasks(Task.state == state) for state in S}
        # The priority: an urgent task the unit leads, a flash one it cooperates on.
        from cddh.models.enums import Priority

        tasks[1].priority, tasks[9].priority = Priority.urgent, Priority.flash
        db.session.commit()
        by_filter |= {f"flt0_7={p.value}": on_tasks(Task.priority == p) for p in Priority}
        assert by_filter["flt0_7=urgent"] == {tasks[1].id}
        # A state with a priority, either first (counted from the unit's counts by state, or
        # as all the rows less the few urgent and flash ones, then from the index).
        for state in S:
            for p in (Priority.normal, Priority.urgent):
                both = on_tasks(sa.and_(Task.state == state, Task.priority == p))
                by_filter[f"flt0_0={state.value}&flt1_7={p.value}"] = both
                by_filter[f"flt0_7={p.value}&flt1_0={state.value}"] = both
        assert by_filter["flt0_0=in_progress&flt1_7=normal"]
        # The deadline filters around a Saturday deadline (its effective deadline, on the
        # row, is the Monday after): from the Sunday leaves it out, to the Saturday keeps it.
        saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7)
        sunday, later = saturday + dt.timedelta(days=1), today + dt.timedelta(days=60)

        def day(value):
            return value.strftime("%d/%m/%Y")
        by_filter |= {
            f"flt0_9={day(sunday)}": on_tasks(Task.deadline >= sunday),
            f"flt0_10={day(saturday)}": on_tasks(Task.deadline <= saturday),
            f"flt0_4={day(saturday)}+-+{day(saturday)}": on_tasks(Task.deadline == saturday),
            f"flt0_4={day(sunday)}+-+{day(later)}": on_tasks(Task.deadline.between(sunday,
                                                                                   later)),
        }
        # The lead unit: the unit itself, another unit it cooperates with, the child unit
        # leading the sub-task it sees twice.
        for lead in {unit.id, tasks[9].lead_unit_id, twice.lead_unit_id}:
            by_filter[f"flt0_1={lead}"] = on_tasks(Task.lead_unit_id == lead)
        assert by_filter[f"flt0_1={twice.lead_unit_id}"] == {twice.id}
        # The cooperating unit: the unit itself, the lead unit of a task it cooperates on.
        for partner in {unit.id, tasks[9].lead_unit_id}:
            by_filter[f"flt0_5={partner}"] = on_tasks(task_filters.cooperating_unit(partner))
        assert by_filter[f"flt0_5={unit.id}"] >= {tasks[9].id, twice.id}
        by_filter["flt0_11=1"] = on_tasks(task_filters.mine(staff))
        assert by_filter[f"flt0_10={day(saturday)}"] != by_filter[f"flt0_9={day(sunday)}"]
        assert by_filter[f"flt0_4={day(saturday)}+-+{day(saturday)}"]
        assert sum(1 for ids in by_filter.values() if ids) >= 10
        br = browser(staff)
    # The whole scope: counted from the index, each task once.
    assert _listed_count(br.get("/tasks/").get_data(as_text=True)) == visible
    # Each group opens the list of the same tasks and count: in the unit's urgency order
    # (the group read on the joined task_unit rows, counted from them) and sorted by a column
    # (an IN over them), and with another filter on top (counted on the tasks).
    for name, ids in wanted.items():
        for order in ("", "&sort=4", "&sort=0&desc=1"):
            page = br.get(f"/tasks/?group={name}{order}").get_data(as_text=True)
            assert _listed_count(page) == len(ids), (name, order)
            assert set(_listed_ids(page)) == ids, (name, order)
        page = br.get(f"/tasks/?group={name}&timeliness=open_overdue").get_data(as_text=True)
        both = (ids & wanted["overdue"]) - {twice.id}  # the figures never count a sub-task
        assert _listed_count(page) == len(both) and set(_listed_ids(page)) == both, name
    # A page that is not the list (the task's own page) with the list's parameters still
    # reads the one task: the conditions on the list's joined row are the list's only.
    # (Joined to nothing, they would make a cartesian product: SQLAlchemy warns of it.)
    some = sorted(wanted["overdue"])[0]
    for extra in ("group=overdue", "timeliness=open_overdue", "group=overdue&sort=4"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", sa.exc.SAWarning)
            page = br.get(f"/tasks/details/?id={some}&{extra}")
        assert page.status_code == 200, extra
    # The timeliness filters (the dashboard's classes, within the unit's scope): those the
    # task_unit row can tell are read there, the others on the tasks; the same tasks.
    for value, ids in classes.items():
        for order in ("", "&sort=4"):
            page = br.get(f"/tasks/?timeliness={value}{order}").get_data(as_text=True)
            assert _listed_count(page) == len(ids), (value, order)
            assert set(_listed_ids(page)) == ids, (value, order)
        # With a condition on the tasks as well (the lead unit): counted on the tasks.
        page = br.get(f"/tasks/?timeliness={value}&unit_id={unit_id}").get_data(as_text=True)
        led = ids & led_by_unit
        assert _listed_count(page) == len(led) and set(_listed_ids(page)) == led, value
    # The list's state and timeliness filters: in the urgency order said on the unit's row
    # where it can tell (and counted from the index), else on the tasks; the same tasks.
    for args, ids in by_filter.items():
        for order in ("", "&sort=4", "&flt5_1=" + str(unit_id)):
            want = ids & led_by_unit if "flt5_1" in order else ids
            page = br.get(f"/tasks/?{args}{order}").get_data(as_text=True)
            assert _listed_count(page) == len(want), (args, order)
            assert set(_listed_ids(page)) == want, (args, order)
    # A filter narrows the count: it is no longer the whole scope's.
    page = br.get("/tasks/?timeliness=open_overdue").get_data(as_text=True)
    assert _listed_count(page) < visible


def test_one_group_asked_alone_is_said_as_among_all(app):
    """overview.unit_group_rows(only=): a list of one home group reads that group's
    conditions alone, the same as among all the user's groups; a group the user has not
    (a unit leader who handles no task has no "mine") or an unknown one is none."""
    def said(conditions) -> str:
        return str(sa.and_(*conditions).compile(db.engine,
                                                compile_kwargs={"literal_binds": True}))

    with app.test_request_context():
        today = local_today()
        _unit, staff, leader, _tasks, _twice = _world(today)
        for user, lacks in ((staff, {"unassigned", "awaiting_signoff"}), (leader, {"mine"})):
            every = overview.unit_group_rows(user, today)
            assert not lacks & every.keys() and len(every) >= 6
            for name, conditions in every.items():
                alone = overview.unit_group_rows(user, today, only=name)
                assert list(alone) == [name]
                assert said(alone[name]) == said(conditions), name
            for name in (*lacks, "no_such_group"):
                assert overview.unit_group_rows(user, today, only=name) == {}, name


def test_the_scope_said_on_the_unit_row_is_the_same_tasks_joined_or_not(app):
    """policy.task_scope_on_row (a unit's list in its urgency order): the tasks of
    task_scope, each once, on the joined row and unjoined alike (it names the row's task, so
    it never widens to another unit's task); anyone else gets task_scope itself."""
    from cddh.services import scope

    with app.test_request_context():
        today = local_today()
        unit, staff, leader, tasks, twice = _world(today)
        office = make_user(Role.office_specialist, make_unit())
        db.session.commit()
        wanted = sorted(db.session.scalars(sa.select(Task.id).where(policy.task_scope(staff))))
        target, on, order = scope.by_urgency(staff.unit_id)
        joined = db.session.scalars(sa.select(Task.id).join(target, on)
                                    .where(policy.task_scope_on_row(staff))).all()
        unjoined = db.session.scalars(sa.select(Task.id)
                                      .where(policy.task_scope_on_row(staff))).all()
        assert sorted(joined) == sorted(unjoined) == wanted
        assert len(wanted) < len(tasks)  # another unit's task and the draft are not in it
        assert str(policy.task_scope_on_row(office)) == str(policy.task_scope(office))


def test_a_calendar_change_moves_the_index_deadlines_with_the_tasks(ctx):
    unit = make_unit()
    monday = dt.date(2026, 3, 2)
    task = make_task(unit, state=S.in_progress, deadline=monday)
    db.session.commit()
    assert task.effective_deadline == monday
    # The province gives Monday off: the deadline moves to Tuesday, in the index too.
    # (Saving the day off re-derives the deadlines near it, in SQL: cddh.services.calendar.)
    db.session.add(CalendarOverride(day=monday, kind="day_off", name="Nghỉ bù"))
    db.session.commit()
    db.session.refresh(task)
    assert task.effective_deadline == dt.date(2026, 3, 3)
    assert set(db.session.scalars(sa.select(task_unit.c.deadline).where(
        task_unit.c.task_id == task.id))) == {dt.date(2026, 3, 3)}


def test_a_units_documents_are_counted_once_from_the_index_as_listed(app, browser):
    """A unit user's documents (those holding a task the unit may read, drafts not) are
    counted from the task–unit index (policy.scope_count): each document once, however many
    of its tasks the unit holds and in which role; the list shows that count."""
    from cddh.models import Document

    from .conftest import make_document

    with app.test_request_context():
        unit, other = make_unit(), make_unit()
        staff = make_user(Role.unit_staff, unit)
        shared = make_document()
        make_task(unit, document=shared, state=S.in_progress)
        make_task(other, document=shared, state=S.assigned, cooperating=[unit])
        make_task(other, state=S.in_progress, cooperating=[unit])  # its own document
        make_task(unit, state=S.draft)  # not forwarded yet: not the unit's
        make_task(other, state=S.in_progress)  # another unit's
        db.session.commit()
        scoped = db.session.scalar(sa.select(sa.func.count()).select_from(Document)
                                   .where(policy.document_scope(staff)))
        assert scoped == 2
        assert db.session.scalar(policy.scope_count(staff, Document)) == 2
        br = browser(staff)
    assert _listed_count(br.get("/documents/").get_data(as_text=True)) == 2
