"""What waits for whom: the home pages' groups of tasks, set-based and limited."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth import policy
from ..models import (
    Document,
    ExtensionRequest,
    ExtensionStatus,
    Role,
    Task,
    TaskState,
    Timeliness,
    User,
    db,
    task_officer,
    task_unit,
)
from ..models.task import TaskUnitRole
from .calendar import (
    WorkingCalendar,
    first_deadline_due_by,
    last_deadline_due_by,
    transaction_calendar,
)
from .scope import (
    UNIT_ROW,
    first_of_each_state,
    row_urgency_order,
    state_as_array,
    states_of,
)
from .settings import get_setting
from .statistics import UNIT_OPEN, class_clause, measure_clause
from .transaction_memo import forget_when_written, per_transaction

S = TaskState


def due_soon_limit(today: dt.date, cal: WorkingCalendar | None = None) -> dt.date:
    """Đ11.1b: the last deadline that counts as "due soon" (N working days ahead)."""
    cal = cal or transaction_calendar()
    return cal.add_working_days(today, get_setting("due_soon_working_days"))


def due_soon_clause(today: dt.date, limit: dt.date | None = None, of=None,
                    cal: WorkingCalendar | None = None):
    """THE rule of "due soon" (Đ11.1b): open at the unit, the deadline today or within the
    next N working days. The lists, the homes and the reminder job (``duties.remind_due_soon``)
    all say it here. ``of``: the same rule on a unit's task_unit row (``scope.UNIT_ROW``)."""
    cal = cal or transaction_calendar()
    limit = limit or due_soon_limit(today, cal)
    if of is None:
        # Said on the deadline, the column the lists sort by (as the other open classes:
        # statistics.class_clause): the Office's list by deadline starts its walk at today's
        # deadlines, not at the oldest (860,000 tasks passed, 350-500 ms a page at 1M).
        return sa.and_(Task.state.in_(UNIT_OPEN),
                       Task.deadline.between(first_deadline_due_by(today, cal),
                                             last_deadline_due_by(limit, cal)))
    open_ = of.state.in_([s.value for s in UNIT_OPEN])
    return sa.and_(open_, of.effective_deadline >= today, of.effective_deadline <= limit)


def unit_group_rows(user: User, today: dt.date, only: str | None = None) -> dict[str, list]:
    """The unit user's home groups, in display order, each as conditions on the unit's
    ``task_unit`` rows (their state, "settled" flag and effective deadline, kept by
    cddh.services.scope): counting a group is an index range of the unit's rows, never a
    visit of the tasks. The task list's ``?group=`` reads the same conditions
    (``unit_groups``); ``only``: that group alone (none when the user has no such group),
    so a list of one group does not read what the others need (the due-soon limit's setting
    and calendar, whether the user handles any task: three statements)."""
    tu = task_unit.c
    # Open at the unit: the (unit_id, state, deadline, task_id) index covers every condition
    # below but the officers', so the counts are one index-only range scan. Said with the
    # "settled" flag too (as timeliness.unit_row_clause does): a group's first tasks by
    # urgency are then the urgency index's range of the open rows, where along the unit's
    # (deadline, task) index the walk passed every settled row due earlier (where a unit's
    # old tasks are settled: its overdue group passed 30,143 rows at 1M, 15 ms).
    unsettled = tu.settled == sa.false()
    open_ = sa.and_(unsettled, tu.state.in_([s.value for s in UNIT_OPEN]))
    limit = []  # the due-soon limit, read at most once

    def due_limit() -> dt.date:
        if not limit:
            limit.append(due_soon_limit(today))
        return limit[0]

    said = {}
    # Đ8.2b: the officer's own tasks first; the unit leader's received tasks without officer.
    if only in (None, "mine") and (user.role == Role.unit_staff or _is_officer_anywhere(user)):
        said["mine"] = lambda: [
            tu.state.in_([s.value for s in (*UNIT_OPEN, S.pending_verification)]),
            tu.task_id.in_(sa.select(task_officer.c.task_id).where(
                task_officer.c.user_id == user.id))]
    if user.role == Role.unit_leader:
        # A report waits for sign-off while the task is open at the unit (a partial index on
        # the few tasks with one).
        said["awaiting_signoff"] = lambda: [open_, tu.role == TaskUnitRole.lead, tu.task_id.in_(
            sa.select(Task.id).where(Task.signoff_action.is_not(None),
                                     Task.lead_unit_id == user.unit_id))]
        said["unassigned"] = lambda: [open_, tu.role == TaskUnitRole.lead, ~sa.exists().where(
            task_officer.c.task_id == tu.task_id)]
    said |= {
        # The dashboard's "open, overdue" class on the row (past the effective deadline,
        # Điều 148), within the user's scope; a sub-task the same way for its units.
        "overdue": lambda: [unsettled, class_clause(Timeliness.open_overdue.value, today,
                                                    today, of=UNIT_ROW)],
        "due_soon": lambda: [unsettled, due_soon_clause(today, due_limit(),
                                                        of=UNIT_ROW)],  # Đ11.1b
        "on_time": lambda: [open_, tu.deadline > due_limit()],
        "no_deadline": lambda: [open_, tu.deadline.is_(None)],
        "awaiting_verification": lambda: [tu.state == S.pending_verification.value],
    }
    return {name: conditions() for name, conditions in said.items()
            if only is None or name == only}


def unit_groups(user: User, today: dt.date) -> dict[str, sa.ColumnElement[bool]]:
    """The conditions of a unit user's home groups on the tasks (the list's ``?group=``)."""
    from .scope import rows_in

    return {name: rows_in(user.unit_id, conds)
            for name, conds in unit_group_rows(user, today).items()}


def unit_grouped_tasks(user: User, today: dt.date, limit: int = 10) -> dict[str, dict]:
    """A unit user's home groups: the counts, each an index range of the unit's
    ``task_unit`` rows cut at COUNT_CAP as the Office's are (one statement; past the cap
    the home says "more than 1,000" and the list it links to counts them), and each group's
    first ``limit`` tasks by effective deadline along the urgency index."""
    tu = task_unit.c
    groups = unit_group_rows(user, today)
    mine = [tu.unit_id == user.unit_id, tu.state != TaskState.draft.value]
    # The index holds one row per (unit, task) (cddh.services.scope.rows_for). One pass
    # counting every row of the unit took 6 ms (staff) and 13 ms (leader) for a unit of
    # 37,000 tasks at 1M; the capped ranges take 1–2 ms at any size.
    counts = db.session.execute(sa.select(*[
        capped_count(*mine, *conds, select_from=task_unit).label(name)
        for name, conds in groups.items()])).one()
    firsts = first_tasks([
        sa.select(tu.task_id, tu.deadline).where(*mine, *conds)
        .order_by(*row_urgency_order()).limit(limit)
        for conds in groups.values()], policy.task_scope(user))
    return {name: {"count": capped(getattr(counts, name)), "tasks": tasks}
            for name, tasks in zip(groups, firsts, strict=True)}


def first_tasks(ranges: list[sa.Select], scope=None) -> list[list[Task]]:
    """The tasks of each of ``ranges`` (each a limited select of task ids and deadlines, in
    the order of the deadline, none last, then the id), in that order, in one statement
    whatever their number: the ids of all (one UNION ALL of the ranges) joined to their
    tasks (within ``scope``) and those tasks' lead units (the homes' tables name them).
    Read as three statements (the ids, the tasks, their units), each one's round trip cost
    more than the reading (a unit's home at 10k: 8 ms for the three, 4 ms so)."""
    if not ranges:
        return []
    picked: list[list] = [[] for _range in ranges]
    firsts = sa.union_all(*[
        sa.select(sa.literal(position).label("grp"), *subquery.c)
        for position, subquery in enumerate(r.subquery() for r in ranges)]).subquery("firsts")
    grp, task_id, deadline = firsts.c
    rows = db.session.execute(
        sa.select(grp, deadline, Task).join(Task, Task.id == task_id)
        .where(*([] if scope is None else [scope])).options(joinedload(Task.lead_unit)))
    for position, due, task in rows:
        picked[position].append((due is None, due, task.id, task))
    return [[task for *_key, task in sorted(rows, key=lambda row: row[:3])]
            for rows in picked]


def _is_officer_anywhere(user: User) -> bool:
    """The user handles a task somewhere (read once a transaction: a list's groups are said
    for its rows, its count and its heading; forgotten when a flush writes a task, whose
    officers may have changed)."""
    return per_transaction(("officer_anywhere", user.id), lambda: db.session.scalar(
        sa.select(sa.exists().where(task_officer.c.user_id == user.id))) is True)


forget_when_written("officer_anywhere", Task)


def office_groups(user: User, today: dt.date) -> dict[str, sa.ColumnElement[bool]]:
    """What waits for the Office: returns, completion reports, drafts, overdue tasks."""
    mine = sa.true() if user.role.value != "office_specialist" else sa.or_(
        Task.specialist_id == user.id, Task.specialist_id.is_(None))
    return {
        "returned": sa.and_(Task.state == S.returned, mine),
        # A sub-task is verified by its parent unit, not the Office.
        "awaiting_verification": sa.and_(Task.state == S.pending_verification, mine,
                                         Task.parent_task_id.is_(None)),
        "drafts": sa.and_(Task.state == S.draft, mine),
        "overdue": sa.and_(measure_clause("open_overdue", None, today, today), mine),
    }


# A home's group or card counts its rows up to this many: past it, the home says "more than
# 1,000" and the list it links to counts them (its own count or estimate). A home's counts then
# cost the same at a thousand tasks as at a million.
COUNT_CAP = 1000


class MoreThan(int):
    """A count cut at its cap: there are more than this many (shown "more than 1,000")."""

    more = True


def capped_count(*where, select_from=Task, correlate=()) -> sa.ScalarSelect:
    """SQL: how many rows of ``select_from`` match ``where``, counting at most COUNT_CAP + 1
    (``correlate``: the enclosing query's tables that ``where`` names)."""
    rows = (sa.select(sa.literal(1)).select_from(select_from).where(*where)
            .limit(COUNT_CAP + 1).correlate(*correlate))
    return sa.select(sa.func.count()).select_from(rows.subquery()).scalar_subquery()


def capped(count: int | None) -> int:
    """The count read back from ``capped_count``: itself, or MoreThan(COUNT_CAP) past it."""
    return MoreThan(COUNT_CAP) if (count or 0) > COUNT_CAP else (count or 0)


def first_and_count(query: sa.Select, limit: int) -> tuple[int, list]:
    """The first ``limit`` rows of ``query`` (a select of one entity, in its order) and how
    many it has in all, in one statement: the count rides on each row as a window (counted
    before the limit); with no row there is none. For a home's short lists of a few
    matters (extension requests, difficulties)."""
    rows = db.session.execute(query.add_columns(sa.func.count().over()).limit(limit)).all()
    return (rows[0][-1] if rows else 0), [row[0] for row in rows]


def grouped_tasks(user: User, groups: dict, limit: int = 10) -> dict[str, dict]:
    """For each group: its count, up to COUNT_CAP (one statement, each group's count an
    index range cut at the cap), and its first ``limit`` tasks (``first_tasks``: three
    statements for every group)."""
    scope = policy.task_scope(user)
    counts = db.session.execute(sa.select(*[
        capped_count(scope, cond).label(name) for name, cond in groups.items()])).one()
    firsts = first_tasks([first_rows(sa.select(Task.id, Task.deadline).where(scope, cond), limit)
                          for cond in groups.values()])
    return {name: {"count": capped(getattr(counts, name)), "tasks": tasks}
            for name, tasks in zip(groups, firsts, strict=True)}


# A home group of at most this many states has its first tasks read a state at a time.
MERGED_STATES = 3


def first_rows(ids: sa.Select, limit: int) -> sa.Select:
    """The first ``limit`` of ``ids`` (a select of task ids and deadlines) by deadline (none
    last), then id. Where its conditions fix one state (the Office's returned, awaiting
    verification, drafts), on PostgreSQL the state is said as an array and put first in the
    order (scope.state_as_array), so the range is read along (state, deadline, id): said as
    "state = s", the planner walked the whole table's (deadline, id) index and tested each
    task's state and specialist (the Office home at 1M: 5,460, 1,820 and 7,280 tasks passed,
    1.5, 0.5 and 2.3 ms; 0.2-0.4 ms along the state)."""
    order = [Task.deadline.asc().nulls_last(), Task.id]
    if db.session.get_bind().dialect.name != "postgresql":
        return ids.order_by(*order).limit(limit)
    one, state = state_as_array(ids)
    if state is not None:
        return one.order_by(Task.state, *order).limit(limit)
    states = states_of(ids)
    if states is None or not 1 < len(states) <= MERGED_STATES:
        return ids.order_by(*order).limit(limit)
    # A few states (the overdue group's assigned and in progress): each state's first
    # along (state, deadline, id), merged.
    parts = sa.union_all(*[sa.select(*part.c) for part in (
        first.subquery() for first in first_of_each_state(ids, states, order, limit))]
    ).subquery("of_states")
    return (sa.select(*parts.c).order_by(parts.c[1].asc().nulls_last(), parts.c[0])
            .limit(limit))


def pending_extensions(user: User, limit: int = 10) -> tuple[int, list[ExtensionRequest]]:
    """Pending extension requests: for the Office every one, for a leader those routed to
    them (cddh.services.leaders)."""
    if not policy.is_office(user):
        return 0, []
    cond = sa.and_(ExtensionRequest.status == ExtensionStatus.pending,
                   ExtensionRequest.task_id.in_(policy.visible_task_ids(user)))
    if user.role.value == "leader":
        cond = sa.and_(cond, _routed_extensions(user))
    return first_and_count(sa.select(ExtensionRequest).where(cond)
                           .order_by(ExtensionRequest.requested_at, ExtensionRequest.id)
                           .options(joinedload(ExtensionRequest.task)), limit)


def late_entry_clause(today: dt.date):
    """Đ7.1a: tracked documents forwarded after their entry deadline, or not yet forwarded
    when the deadline has passed."""
    forwarded_late = sa.and_(Document.forwarded_on.is_not(None),
                             Document.forwarded_on > Document.entry_due_on)
    still_waiting = sa.and_(Document.forwarded_on.is_(None), Document.entry_due_on < today)
    return sa.and_(Document.tracked.is_(True), sa.or_(forwarded_late, still_waiting))


def is_late_entry(doc: Document, today: dt.date) -> bool:
    """The same rule as ``late_entry_clause``, for one document."""
    if not (doc.tracked and doc.entry_due_on):
        return False
    if doc.forwarded_on is not None:
        return doc.forwarded_on > doc.entry_due_on
    return today > doc.entry_due_on


def late_entries_by_specialist(today: dt.date) -> list[tuple[User | None, int]]:
    """Late entries counted per specialist (each up to COUNT_CAP), most first; "no
    specialist" for documents without one. One statement: for every account (documents
    keep their specialist when the account changes role or is deactivated) the count of its
    late documents along the partial index of late entries, cut at the cap."""
    late = late_entry_clause(today)
    per_user = sa.select(User.id, capped_count(late, Document.specialist_id == User.id,
                                               select_from=Document, correlate=[User])
                         .label("n")).subquery()
    counts = (sa.select(per_user.c.id, per_user.c.n).where(per_user.c.n > 0)
              .union_all(sa.select(sa.null(), capped_count(
                  late, Document.specialist_id.is_(None), select_from=Document)))
              .subquery("late_counts"))
    # The accounts with their counts, in the same statement (the home names them).
    rows = [(user, n) for n, user in db.session.execute(
        sa.select(counts.c.n, User).select_from(counts)
        .outerjoin(User, User.id == counts.c.id)) if n]
    rows.sort(key=lambda row: (-row[1], row[0] is None, row[0].id if row[0] else 0))
    return [(user, capped(n)) for user, n in rows]


# --- the leaders' home: what awaits this leader's decision --------------------------------------

def leader_groups(user: User, today: dt.date) -> dict[str, sa.ColumnElement[bool]]:
    """A leader's task groups: the overdue tasks escalated to the leadership (the rule of
    the escalation job, cddh.services.duties) that are routed to this leader."""
    from .duties import escalated_clause
    from .leaders import routed_to

    return {"escalated": sa.and_(escalated_clause("escalate_office_after_working_days", today),
                                 routed_to(user, "escalation", Task.directing_leader_id))}


def _routed_extensions(user: User):
    """Pending extension requests on tasks whose extension goes to this leader."""
    from .leaders import routed_to

    return sa.exists().where(Task.id == ExtensionRequest.task_id,
                             routed_to(user, "extension", Task.directing_leader_id))


def inspection_approvals(user: User, limit: int = 10) -> dict:
    """Draft inspection plans and teams waiting for a leader's approving decision, for the
    leader they are routed to (the Chairman; every leader when no account holds that post)."""
    from ..models import InspectedUnit, InspectionPlan, InspectionStatus, InspectionTeam
    from .leaders import hears_of

    result = {"plans": [], "teams": [], "count": 0, "plan_count": 0, "team_count": 0}
    if not hears_of(user, "inspection_team"):
        return result
    draft = InspectionStatus.draft
    plans = db.session.scalars(sa.select(InspectionPlan).where(InspectionPlan.status == draft)
                               .order_by(InspectionPlan.id).limit(limit)).all()
    with_units = sa.exists().where(InspectedUnit.team_id == InspectionTeam.id)
    teams = db.session.execute(sa.select(InspectionTeam, with_units.label("ready"))
                               .where(InspectionTeam.status == draft)
                               .order_by(InspectionTeam.id).limit(limit)).all()
    counts = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(InspectionPlan)
        .where(InspectionPlan.status == draft).scalar_subquery(),
        sa.select(sa.func.count()).select_from(InspectionTeam)
        .where(InspectionTeam.status == draft).scalar_subquery())).one()
    result.update(plans=list(plans), teams=[(t, bool(ready)) for t, ready in teams],
                  plan_count=counts[0] or 0, team_count=counts[1] or 0)
    result["count"] = result["plan_count"] + result["team_count"]
    return result


# --- the inspectors' home: their teams and what each waits for -----------------------------------

def inspector_teams(user: User, today: dt.date) -> list[dict]:
    """The teams the user leads or belongs to that are not closed, each with what it waits
    for (three queries, whatever the number of teams)."""
    from ..auth.policy import inspection_team_ids
    from ..models import InspectedUnit, InspectionDocumentRequest, InspectionStatus, InspectionTeam

    St = InspectionStatus
    teams = db.session.scalars(
        sa.select(InspectionTeam).where(InspectionTeam.id.in_(inspection_team_ids(user)),
                                        InspectionTeam.status != St.closed)
        .order_by(InspectionTeam.start_on.desc().nulls_first(), InspectionTeam.id.desc())).all()
    ids = [t.id for t in teams]
    if not ids:
        return []
    no_conclusion = sa.or_(InspectedUnit.conclusion.is_(None), InspectedUnit.conclusion == "")
    units = {row.team_id: row for row in db.session.execute(
        sa.select(InspectedUnit.team_id, sa.func.count().label("units"),
                  sa.func.count().filter(no_conclusion).label("open"))
        .where(InspectedUnit.team_id.in_(ids)).group_by(InspectedUnit.team_id))}
    R = InspectionDocumentRequest
    waiting = R.fulfilled_at.is_(None)
    requests = {row.team_id: row for row in db.session.execute(
        sa.select(R.team_id, sa.func.count().label("waiting"),
                  sa.func.count().filter(R.due_on < today).label("late"))
        .where(R.team_id.in_(ids), waiting).group_by(R.team_id))}
    result = []
    for team in teams:
        unit_row, request_row = units.get(team.id), requests.get(team.id)
        unit_count = unit_row.units if unit_row else 0
        open_units = unit_row.open if unit_row else 0
        waits = []
        if team.status == St.draft:
            waits.append(("no_units", 0) if not unit_count else ("decision", 0))
        elif team.status == St.approved:
            waits.append(("start", 0))
        else:
            if request_row and request_row.waiting:
                waits.append(("documents", request_row.waiting))
                if request_row.late:
                    waits.append(("documents_late", request_row.late))
            if open_units:
                waits.append(("conclusions", open_units))
            if not waits:
                waits.append(("close", 0))
        result.append({"team": team, "lead": team.lead_id == user.id, "units": unit_count,
                       "waits": waits})
    return result


# --- the administrator's home: accounts and jobs --------------------------------------------------

def account_summary(now: dt.datetime, window: dt.timedelta) -> dict:
    """Accounts by standing (one query) and the usernames with failed logins within the
    throttling ``window`` (their logins may be slowed down)."""
    from ..models import LoginFailure

    active = User.active.is_(True)
    row = db.session.execute(sa.select(
        sa.func.count().label("total"),
        sa.func.count().filter(active).label("active"),
        sa.func.count().filter(sa.not_(active)).label("inactive"),
        sa.func.count().filter(active, User.must_change_password.is_(True))
        .label("must_change_password"),
        sa.func.count().filter(active, User.last_login_at.is_(None)).label("never_logged_in"),
    ).select_from(User)).one()
    failing = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(LoginFailure.username)))
        .where(LoginFailure.at > now - window)) or 0
    return {**row._asdict(), "failed_logins": failing}


def job_summary(now: dt.datetime, days: int = 7) -> dict:
    """Each job's last run, and its failures over the last ``days`` days (two grouped
    queries on the (name, started_at) index), and the scheduler's last sign of life."""
    from ..models import JobRun, SchedulerHeartbeat

    latest = (sa.select(JobRun.name, sa.func.max(JobRun.started_at).label("at"))
              .group_by(JobRun.name).subquery())
    last = {run.name: run for run in db.session.scalars(
        sa.select(JobRun).join(latest, sa.and_(JobRun.name == latest.c.name,
                                               JobRun.started_at == latest.c.at)))}
    failures = {name: (n, at) for name, n, at in db.session.execute(
        sa.select(JobRun.name, sa.func.count(), sa.func.max(JobRun.started_at))
        .where(JobRun.status == "failed", JobRun.started_at >= now - dt.timedelta(days=days))
        .group_by(JobRun.name))}
    heartbeat = db.session.scalar(sa.select(sa.func.max(SchedulerHeartbeat.beat_at)))
    return {"last": last, "failures": failures, "days": days, "heartbeat": heartbeat}
