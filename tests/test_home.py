"""Home pages: a unit user's tasks grouped by urgency; what waits for the Office."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from cddh.models import Document, Role, Task, TaskState, UnitCategory, db
from cddh.services.clock import local_today

from .conftest import make_document, make_task, make_unit, make_user


def test_unit_home_groups_tasks_and_links_to_filtered_lists(app, browser):
    from cddh.services.calendar import transaction_calendar

    with app.test_request_context():
        today = local_today()
        # Five days or more before today, on a working day: a deadline on a day off runs to
        # the next working day (Điều 148), which would shorten the days overdue.
        late = today - dt.timedelta(days=5)
        calendar = transaction_calendar()
        while calendar.next_working_day(late) != late:
            late -= dt.timedelta(days=1)
        a, b = make_unit("SA"), make_unit("SB")
        staff = make_user(Role.unit_staff, a)
        make_task(a, content="VIEC-QUA-HAN", state=TaskState.in_progress, deadline=late)
        make_task(a, content="VIEC-SAP-DEN-HAN", state=TaskState.assigned, deadline=today)
        make_task(a, content="VIEC-CON-XA", state=TaskState.in_progress,
                  deadline=today + dt.timedelta(days=60))
        make_task(a, content="VIEC-KHONG-THOI-HAN", state=TaskState.in_progress, deadline=None,
                  has_deadline=False)
        make_task(a, content="VIEC-CHO-XAC-NHAN", state=TaskState.pending_verification)
        make_task(b, content="VIEC-DON-VI-KHAC", state=TaskState.in_progress,
                  deadline=today - dt.timedelta(days=5))
        db.session.commit()
        br = browser(staff)
    page = br.get("/").get_data(as_text=True)
    for marker in ("VIEC-QUA-HAN", "VIEC-SAP-DEN-HAN", "VIEC-CON-XA", "VIEC-KHONG-THOI-HAN",
                   "VIEC-CHO-XAC-NHAN"):
        assert marker in page
    assert "VIEC-DON-VI-KHAC" not in page
    assert f"(quá {(today - late).days} ngày)" in page
    overdue = br.get("/tasks/?group=overdue").get_data(as_text=True)
    assert "VIEC-QUA-HAN" in overdue
    assert "VIEC-CON-XA" not in overdue and "VIEC-DON-VI-KHAC" not in overdue
    soon = br.get("/tasks/?group=due_soon").get_data(as_text=True)
    assert "VIEC-SAP-DEN-HAN" in soon and "VIEC-QUA-HAN" not in soon
    assert "VIEC-QUA-HAN" in br.get("/tasks/?timeliness=open_overdue").get_data(as_text=True)


def test_office_home_shows_returns_verifications_and_late_entries(app, browser):
    with app.test_request_context():
        today = local_today()
        office = make_unit("VP", UnitCategory.office)
        unit = make_unit("SA")
        specialist = make_user(Role.office_specialist, office, username="chuyenvien1")
        specialist.full_name = "Nguyễn Văn Tổng Hợp"
        make_task(unit, content="VIEC-BI-TRA-LAI", state=TaskState.returned,
                  specialist_id=specialist.id)
        make_task(unit, content="VIEC-BAO-CAO-HOAN-THANH", state=TaskState.pending_verification,
                  specialist_id=specialist.id)
        make_document(specialist_id=specialist.id, tracked=True,
                      entry_due_on=today - dt.timedelta(days=3))
        db.session.commit()
        br = browser(specialist)
    page = br.get("/").get_data(as_text=True)
    assert "VIEC-BI-TRA-LAI" in page and "VIEC-BAO-CAO-HOAN-THANH" in page
    assert "Nguyễn Văn Tổng Hợp" in page  # counted among late entries
    with app.app_context():
        assert db.session.query(Document).count() >= 1


def _a_unit_and_two_specialists():
    """A unit and two Office specialists (the Office made for them): (unit, first, second)."""
    office = make_unit("VP", UnitCategory.office)
    unit = make_unit("SA")
    return (unit, make_user(Role.office_specialist, office, username="cv.mot"),
            make_user(Role.office_specialist, office, username="cv.hai"))


def test_office_home_counts_are_exact_up_to_the_cap_and_say_more_past_it(app, browser,
                                                                          monkeypatch):
    """The Office home counts each group and each specialist's late entries up to
    overview.COUNT_CAP, then says "more than N" (the list it links to counts them all). The
    late entries are the rule of overview.is_late_entry, per specialist, whatever the
    account's role or state now; documents without a specialist have their own row."""
    from cddh.services import overview
    from cddh.views.formatting import number

    with app.test_request_context():
        today = local_today()
        unit, first, second = _a_unit_and_two_specialists()
        first.full_name, second.full_name = "Trần Thị Một", "Lê Văn Hai"
        past, soon = today - dt.timedelta(days=5), today + dt.timedelta(days=2)
        docs = [
            # first: two waiting past their deadline, one forwarded late, one on time, one
            # not yet due, one untracked
            *(make_document(specialist_id=first.id, tracked=True, entry_due_on=past)
              for _ in range(2)),
            make_document(specialist_id=first.id, tracked=True, entry_due_on=past,
                          forwarded_on=past + dt.timedelta(days=1)),
            make_document(specialist_id=first.id, tracked=True, entry_due_on=past,
                          forwarded_on=past),
            make_document(specialist_id=first.id, tracked=True, entry_due_on=soon),
            make_document(specialist_id=first.id, tracked=False),
            # second: one late, and the account has since moved to a unit
            make_document(specialist_id=second.id, tracked=True, entry_due_on=past),
            # no specialist: two late
            *(make_document(tracked=True, entry_due_on=past) for _ in range(2)),
        ]
        for i in range(3):
            make_task(unit, content=f"VIEC-TRA-LAI-{i}", state=TaskState.returned,
                      specialist_id=first.id)
        db.session.flush()
        second.role, second.unit_id = Role.unit_staff, unit.id
        db.session.commit()
        expected = {}
        for doc in docs:
            if overview.is_late_entry(doc, today):
                expected[doc.specialist_id] = expected.get(doc.specialist_id, 0) + 1
        assert expected == {first.id: 3, None: 2, second.id: 1}
        late = overview.late_entries_by_specialist(today)
        assert [(u.id if u else None, n) for u, n in late] == [
            (first.id, 3), (None, 2), (second.id, 1)]
        groups = overview.grouped_tasks(first, overview.office_groups(first, today))
        assert groups["returned"]["count"] == 3

        monkeypatch.setattr(overview, "COUNT_CAP", 2)
        late = overview.late_entries_by_specialist(today)
        assert [(u.id if u else None, n) for u, n in late] == [
            (first.id, 2), (None, 2), (second.id, 1)]
        assert isinstance(late[0][1], overview.MoreThan) and not isinstance(late[1][1],
                                                                           overview.MoreThan)
        groups = overview.grouped_tasks(first, overview.office_groups(first, today))
        assert isinstance(groups["returned"]["count"], overview.MoreThan)
        assert len(groups["returned"]["tasks"]) == 3
        assert number(groups["returned"]["count"]) == "hơn 2"
        br = browser(first)
    page = br.get("/").get_data(as_text=True)
    assert "hơn 2" in page and "Xem tất cả" in page
    assert "Trần Thị Một" in page and "Lê Văn Hai" in page
    assert "Chưa phân công chuyên viên" in page


def test_the_homes_statements_do_not_grow_with_their_rows(app, browser):
    """Each home reads its groups' tasks, extension requests and difficulties a few
    statements at a time, never one per row: the same statements for one row of each as for
    six (the lists show up to ten)."""
    from cddh.models import (
        Difficulty,
        DifficultyAsk,
        DifficultyKind,
        DifficultyState,
        ExtensionRequest,
    )

    from .conftest import recorded_statements

    with app.app_context():
        today = local_today()
        office = make_unit("VP", UnitCategory.office)
        unit = make_unit("SNV")
        specialist = make_user(Role.office_specialist, office)
        staff = make_user(Role.unit_staff, unit)
        db.session.commit()
        unit_id, staff_id = unit.id, staff.id

        def add(n: int) -> None:
            unit = db.session.get(type(office), unit_id)
            for i in range(n):
                for state, days in ((TaskState.returned, 9), (TaskState.in_progress, -3 - i)):
                    make_task(unit, state=state, deadline=today + dt.timedelta(days=days))
                task = make_task(unit, state=TaskState.in_progress,
                                 deadline=today + dt.timedelta(days=20))
                db.session.add(ExtensionRequest(
                    task=task, unit_id=unit_id, requested_by_id=staff_id,
                    current_deadline=task.deadline, reason=f"LY-DO-{i}",
                    proposed_deadline=today + dt.timedelta(days=40)))
                task = make_task(unit, state=TaskState.in_progress,
                                 deadline=today + dt.timedelta(days=20))
                db.session.add(Difficulty(
                    task=task, unit_id=unit_id, author_id=staff_id,
                    kind=DifficultyKind.difficulty, asks=DifficultyAsk.other,
                    content=f"KHO-KHAN-{i}", state=DifficultyState.open,
                    due_on=today + dt.timedelta(days=5)))
            db.session.commit()

        add(1)
    counted = {}
    for size, more in ((1, 5), (6, 0)):
        for user, role in ((specialist, Role.office_specialist), (staff, Role.unit_staff)):
            br = browser(user)
            br.get("/")  # the first request of a session reads what it keeps
            with recorded_statements(app) as seen:
                page = br.get("/")
            assert page.status_code == 200
            counted[role, size] = seen
        if more:
            with app.app_context():
                add(more)
    page = browser(specialist).get("/").get_data(as_text=True)
    assert page.count("KHO-KHAN-") == 6 and page.count("LY-DO-") == 6  # all listed
    # Past the ten listed, each card still counts them all (one statement each).
    with app.app_context():
        add(6)
    page = browser(specialist).get("/").get_data(as_text=True)
    assert page.count("KHO-KHAN-") == 10 and page.count("LY-DO-") == 10
    for card in ("home-extensions", "home-difficulties"):
        found = re.search(f'id="{card}".*?badge-pill">([^<]*)<', page, re.S)
        assert found and found.group(1) == "12", (card, found and found.group(1))
    for role in (Role.office_specialist, Role.unit_staff):
        assert len(counted[role, 1]) == len(counted[role, 6]), (counted[role, 1],
                                                                counted[role, 6])


def test_the_homes_task_rows_are_each_tasks_own_and_escaped(app, browser):
    """The short task tables (cddh.views.tasks.task_table_rows): each row links to its own
    task, its texts escaped, a long content cut at a word, the lead unit and deadline."""
    with app.test_request_context():
        today = local_today()
        unit = make_unit("SA", name="Sở <i>A</i> & B")
        unit.short_name = ""
        staff = make_user(Role.unit_staff, unit)
        long_words = " ".join(["chữ"] * 40)
        tasks = [make_task(unit, content=f"VIEC-{i} <script>x</script> & {long_words if i else ''}",
                           state=TaskState.in_progress, deadline=today - dt.timedelta(days=i + 1))
                 for i in range(3)]
        db.session.commit()
        ids = [t.id for t in tasks]
        br = browser(staff)
    page = br.get("/").get_data(as_text=True)
    assert "<script>x" not in page and "<i>A</i>" not in page
    rows = re.findall(r'<tr><td><a href="/tasks/details/\?id=(\d+)">(.*?)</a>'
                      r'<div class="text-muted">(.*?)</div>', page)
    assert {int(i) for i, _content, _where in rows} == set(ids)
    for task_id, content, where in rows:
        i = ids.index(int(task_id))
        assert content.startswith(f"VIEC-{i} &lt;script&gt;x&lt;/script&gt; &amp;")
        assert len(content) < 130 and content.endswith("...") == bool(i)
        deadline = (today - dt.timedelta(days=i + 1)).strftime("%d/%m/%Y")
        assert where == f"Sở &lt;i&gt;A&lt;/i&gt; &amp; B · {deadline}"


def test_the_office_homes_groups_list_their_first_tasks_along_their_state(app, monkeypatch):
    """Each Office home group of one state lists its first tasks by deadline (undated last),
    then number, the specialist's and the unassigned ones only. On PostgreSQL their ids are
    read with the state said as an array and first in the order (overview.first_rows), so
    the (state, deadline, id) range is read, not the whole table's (deadline, id) index with
    each task's state tested: the same tasks as the rows read without it. The overdue group
    (assigned or in progress) is read so a state at a time, and the two merged by deadline
    (``test_on_postgresql_the_overdue_groups_first_tasks_are_read_a_state_at_a_time``)."""
    from cddh.services import overview

    from .conftest import recorded_statements

    with app.test_request_context():
        today = local_today()
        unit, mine, other = _a_unit_and_two_specialists()
        states = (TaskState.returned, TaskState.pending_verification, TaskState.draft,
                  TaskState.assigned, TaskState.in_progress)
        for i in range(100):  # the states interleaved by deadline, some undated or past,
            state = states[i % 5]  # two specialists
            specialist = (mine.id, other.id, None)[i % 3]
            deadline = None if i % 7 == 0 else today + dt.timedelta(days=(i * 5) % 17 - 8)
            make_task(unit, state=state, specialist_id=specialist, deadline=deadline)
        db.session.commit()
        postgres = db.engine.dialect.name == "postgresql"
        tasks = list(db.session.scalars(sa.select(Task)))

        def expected(state):
            rows = [t for t in tasks if t.state == state and t.specialist_id in (mine.id, None)]
            rows.sort(key=lambda t: (t.deadline is None, t.deadline or today, t.id))
            return [t.id for t in rows[:10]]

        with recorded_statements(app) as seen:
            groups = overview.grouped_tasks(mine, overview.office_groups(mine, today))
        firsts = {name: [t.id for t in group["tasks"]] for name, group in groups.items()}
        overdue = db.session.scalars(sa.select(Task).where(
            overview.office_groups(mine, today)["overdue"])).all()
        assert {t.state for t in overdue} == {TaskState.assigned, TaskState.in_progress}
        overdue.sort(key=lambda t: (t.deadline is None, t.deadline or today, t.id))
        assert firsts["overdue"] == [t.id for t in overdue[:10]]
        assert firsts["returned"] == expected(TaskState.returned)
        assert firsts["awaiting_verification"] == expected(TaskState.pending_verification)
        assert firsts["drafts"] == expected(TaskState.draft)
        assert all(len(firsts[name]) == 10 for name in ("returned", "drafts"))
        union = [s for s in seen if "UNION ALL" in s]
        assert len(union) == 1
        along = union[0].count("task.state = ANY (ARRAY[")
        assert along == (5 if postgres else 0), union[0]
        assert union[0].count("ORDER BY task.state, task.deadline") == along

        from cddh.services import scope

        # Read without it (the one state's groups here, the overdue group's states in
        # scope.first_of_each_state): the same tasks.
        for module in (overview, scope):
            monkeypatch.setattr(module, "state_as_array", lambda ids: (ids, None))
        with recorded_statements(app) as seen:
            plain = overview.grouped_tasks(mine, overview.office_groups(mine, today))
        assert not any("ANY (ARRAY[" in s for s in seen)
        assert {name: [t.id for t in group["tasks"]] for name, group in plain.items()} == firsts


def test_on_postgresql_the_overdue_groups_first_tasks_are_read_a_state_at_a_time(app):
    """Years of work: 36,000 settled tasks with the oldest deadlines, then 4,000 assigned or
    in progress and overdue, the newest. The Office home's overdue group (two states) has
    its first tasks read along (state, deadline, id) for each state and merged, not along
    the whole table's (deadline, id) with each task's state tested: that walk passed every
    settled task before the first open one (the Office's home at 1M on such data: 810,033
    tasks, 146 ms). The ten are the earliest deadlines of both states."""
    from cddh.services import overview

    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            import pytest

            pytest.skip("PostgreSQL plan")
        today = local_today()
        unit, mine, _other = _a_unit_and_two_specialists()
        document = make_document()
        db.session.commit()
        conn = db.session.connection()
        _years_of_work(conn, document.id, unit.id, today)
        conn.execute(sa.text("ANALYZE task"))
        overdue = overview.office_groups(mine, today)["overdue"]
        query = overview.first_rows(sa.select(Task.id, Task.deadline).where(overdue), 10)
        compiled = query.compile(dialect=conn.dialect,
                                 compile_kwargs={"render_postcompile": True})
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(
            "EXPLAIN " + str(compiled), compiled.params))
        first = conn.execute(query).all()
        expected = conn.execute(sa.select(Task.id, Task.deadline).where(overdue).order_by(
            Task.deadline, Task.id).limit(10)).all()
        db.session.rollback()
    assert plan.count("ix_task_state_deadline_id") == 2, plan
    assert "ix_task_deadline_id" not in plan, plan
    assert first == expected and len(first) == 10
    assert {task_id % 2 for task_id, _deadline in first} == {0, 1}, "both states"


def test_on_postgresql_a_units_overdue_group_reads_its_open_rows_alone(app):
    """A unit's years of work: 36,000 settled tasks with the oldest deadlines, then 4,000
    assigned or in progress and overdue. Its home's overdue group (and the other groups of
    open rows) says the rows' "settled" flag, so its first tasks are the urgency index's
    range of the open rows, not the unit's (deadline, task) index walked past every settled
    row due earlier (30,143 rows at 1M, 15 ms). The ten are the earliest."""
    from cddh.models import task_unit
    from cddh.services import overview, scope

    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            import pytest

            pytest.skip("PostgreSQL plan")
        today = local_today()
        unit = make_unit("SA")
        staff = make_user(Role.unit_staff, unit)
        document = make_document()
        db.session.commit()
        conn = db.session.connection()
        _years_of_work(conn, document.id, unit.id, today)
        scope.rebuild(conn)
        conn.execute(sa.text("ANALYZE task_unit"))
        tu = task_unit.c
        [conditions] = overview.unit_group_rows(staff, today, only="overdue").values()
        query = (sa.select(tu.task_id, tu.deadline)
                 .where(tu.unit_id == unit.id, tu.state != TaskState.draft.value, *conditions)
                 .order_by(*scope.row_urgency_order()).limit(10))
        compiled = query.compile(dialect=conn.dialect,
                                 compile_kwargs={"render_postcompile": True})
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(
            "EXPLAIN " + str(compiled), compiled.params))
        first = [task_id for task_id, _deadline in conn.execute(query)]
        open_ids = conn.execute(sa.select(Task.id).where(
            Task.state.in_([TaskState.assigned, TaskState.in_progress]),
            Task.lead_unit_id == unit.id).order_by(Task.deadline, Task.id).limit(10)).scalars()
        expected = list(open_ids)
        db.session.rollback()
    assert "ix_task_unit_unit_id_urgency" in plan, plan
    assert "ix_task_unit_unit_id_deadline_task_id" not in plan, plan
    assert first == expected and len(first) == 10


def _years_of_work(conn, document_id: int, unit_id: int, today) -> None:
    """40,000 tasks of the unit, in one INSERT: the first 36,000 completed, with the oldest
    deadlines (800 days ago on), the last 4,000 assigned or in progress (alternately), with
    the latest, all before today."""
    conn.execute(sa.text(
        "INSERT INTO task (document_id, content, lead_unit_id, expected_product, "
        "has_deadline, deadline, original_deadline, effective_deadline, update_frequency, "
        "priority, state, assigned_at, percent_complete, completed_on, result_summary, "
        "result_document_number, cancel_reason, version, created_at, updated_at, "
        "search_text) "
        "SELECT :doc, 'Nhiệm vụ ' || g, :unit, 'other', true, d, d, d, 'monthly', "
        "'normal', s, :today - 900, 0, CASE WHEN g <= 36000 THEN d END, '', '', '', 1, "
        "now(), now(), '' FROM generate_series(1, 40000) g, LATERAL (SELECT "
        ":today - 800 + g / 50 AS d, CASE WHEN g <= 36000 THEN 'completed' "
        "WHEN g % 2 = 0 THEN 'assigned' ELSE 'in_progress' END AS s) x"),
        {"doc": document_id, "unit": unit_id, "today": today})
