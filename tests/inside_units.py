"""A small world for the "inside the unit" tests (issue 15): a district D with two communes
C1 and C2 under it, an unrelated department B, the Office; a task P of D with a handling
officer, its sub-tasks S1 (C1) and S2 (C2), a task Q of D received without officer.

Users (key → role, unit): the Office's specialist, leader, admin and inspector; D's leader,
its named officer and a staff member not named; each commune's leader and staff; B's leader.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import sqlalchemy as sa

from cddh.models import Role, TaskState, UnitCategory, User, db
from cddh.services import tokens
from cddh.services.clock import local_today

from .conftest import make_document, make_task, make_unit, make_user

S = TaskState

USERS = {
    "specialist": (Role.office_specialist, "VP"),
    "leader": (Role.leader, "VP"),
    "admin": (Role.admin, "VP"),
    "inspector": (Role.inspector, "VP"),
    "d_leader": (Role.unit_leader, "D"),
    "d_officer": (Role.unit_staff, "D"),
    "d_staff": (Role.unit_staff, "D"),
    "c1_leader": (Role.unit_leader, "C1"),
    "c1_staff": (Role.unit_staff, "C1"),
    "c2_leader": (Role.unit_leader, "C2"),
    "c2_staff": (Role.unit_staff, "C2"),
    "b_leader": (Role.unit_leader, "B"),
}


def build(app, *, with_tokens: bool = True) -> SimpleNamespace:
    """Create the world; returns ids (units, users, tasks) and API tokens by user key."""
    with app.app_context():
        today = local_today()
        vp = make_unit("VP", UnitCategory.office, name="Văn phòng UBND tỉnh")
        d = make_unit("D", UnitCategory.district, name="UBND thành phố Bến Tre")
        c1 = make_unit("C1", UnitCategory.district, name="UBND phường An Hội")
        c2 = make_unit("C2", UnitCategory.district, name="UBND xã Phú Hưng")
        b = make_unit("B", name="Sở Tài chính")
        c1.parent, c2.parent = d, d
        units = {"VP": vp, "D": d, "C1": c1, "C2": c2, "B": b}
        users = {key: make_user(role, units[unit], username=key.replace("_", "."))
                 for key, (role, unit) in USERS.items()}
        doc = make_document()
        p = make_task(d, state=S.in_progress, document=doc, content="zqparentzq Báo cáo",
                      deadline=today + dt.timedelta(days=30))
        p.officers = [users["d_officer"]]
        s1 = make_task(c1, state=S.in_progress, document=doc, parent_task=p,
                       content="zqsubonezq Phần việc phường",
                       deadline=today + dt.timedelta(days=20))
        s2 = make_task(c2, state=S.in_progress, document=doc, parent_task=p,
                       content="zqsubtwozq Phần việc xã", deadline=today + dt.timedelta(days=20))
        q = make_task(d, state=S.in_progress, content="zqunassignedzq Rà soát",
                      deadline=today + dt.timedelta(days=40))
        bt = make_task(b, state=S.in_progress, content="zqbtaskzq Việc của sở")
        db.session.flush()
        out = SimpleNamespace(
            today=today,
            units=SimpleNamespace(**{k: u.id for k, u in units.items()}),
            users={k: u.id for k, u in users.items()},
            tasks={"P": p.id, "S1": s1.id, "S2": s2.id, "Q": q.id, "BT": bt.id},
            markers={"P": "zqparentzq", "S1": "zqsubonezq", "S2": "zqsubtwozq",
                     "Q": "zqunassignedzq", "BT": "zqbtaskzq"},
            tokens={},
        )
        if with_tokens:
            for key, user in users.items():
                out.tokens[key] = tokens.issue_token(user, "test")[1]
        db.session.commit()
        return out


# --- the oracle: written from the issue and the regulation, not from cddh.auth.policy -------

def readable(user_key: str, task_key: str) -> bool:
    """Đ9.2a: the parent sees its children's sub-tasks; the Office sees the whole tree; a
    child never sees its siblings' work nor the parent's task; B sees nothing of D."""
    role, unit = USERS[user_key]
    if role in (Role.office_specialist, Role.leader, Role.admin):
        return True
    if role == Role.inspector:
        return False
    lead = {"P": "D", "Q": "D", "S1": "C1", "S2": "C2", "BT": "B"}[task_key]
    if unit == lead:
        return True
    return unit == "D" and task_key in ("S1", "S2")


# action → who may attempt it on which task (the state permitting)
def may(user_key: str, action: str, task_key: str) -> bool:
    role, unit = USERS[user_key]
    sub = task_key in ("S1", "S2")
    lead = {"P": "D", "Q": "D", "S1": "C1", "S2": "C2", "BT": "B"}[task_key]
    if action in ("assign", "delegate"):
        # Đ8.2b: the lead unit's leader; a commune has no sub-units to delegate to.
        return (role == Role.unit_leader and unit == lead
                and (action == "assign" or task_key in ("P", "Q")))
    if action in ("progress", "complete"):
        if unit != lead or role not in (Role.unit_leader, Role.unit_staff):
            return False
        # Once officers are named, another staff member of the unit does not act.
        return not (task_key == "P" and user_key == "d_staff")
    if action in ("verify", "cancel", "urge"):
        if sub:  # the parent unit's leader plays the Office's part for a sub-task
            return role == Role.unit_leader and unit == "D"
        return role == Role.office_specialist
    raise ValueError(action)


def user_id(world, key: str) -> int:
    return world.users[key]


def officer_ids_of(task_id: int) -> list[int]:
    from cddh.models import task_officer

    return sorted(db.session.scalars(sa.select(task_officer.c.user_id).where(
        task_officer.c.task_id == task_id)))


def load_user(key: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == key.replace("_", ".")))
