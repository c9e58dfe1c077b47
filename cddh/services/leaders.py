"""The leaders by name (Đ3.2, Đ12.1b, Đ16.3): who directs a task, and which leaders hear of
a matter about it.

One routing rule for every door (workflow notices, the jobs, inspection, difficulties):
a matter goes to the task's directing leader, not to every leader. Where no directing leader
is recorded it goes to every leader (nobody is forgotten). The establishment of an inspection
team goes to the Chairman, who establishes it (Đ12.1b); to every leader when no account has
that position.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.sql.elements import ColumnElement

from ..models import LeaderPosition, Role, User, db
from . import DomainError

# The matters a leader is told of, and whether the Chairman hears of each one too.
MATTERS = {
    "extension": False,       # Đ11.1d
    "escalation": False,      # overdue tasks, after N working days (Đ11)
    "difficulty": False,      # Đ10.1a–c, Đ16.3
    "inspection_team": True,  # Đ12.1b: the Chairman establishes inspection teams
}


def _leader() -> ColumnElement[bool]:
    return sa.and_(User.active.is_(True), User.role == Role.leader)


def _chairman_or_anyone() -> ColumnElement[bool]:
    """The Chairman; every leader when no active account holds that position."""
    has_chairman = sa.exists().where(_leader(), User.position == LeaderPosition.chairman)
    chairman = sa.select(User.id).where(_leader(), User.position == LeaderPosition.chairman)
    return sa.or_(User.id.in_(chairman), ~has_chairman)


def leader_recipients(matter: str, directing_leader_id=None) -> ColumnElement[bool]:
    """The condition on ``User`` for the leaders who receive ``matter``.

    ``directing_leader_id`` is a value (one task) or a column such as
    ``Task.directing_leader_id`` (a set-based job joining tasks to users).
    """
    if matter not in MATTERS:
        raise ValueError(matter)
    if directing_leader_id is None:
        directed = sa.false() if MATTERS[matter] else sa.true()
    elif isinstance(directing_leader_id, int):
        directed = User.id == directing_leader_id
    else:
        directed = sa.or_(User.id == directing_leader_id, directing_leader_id.is_(None))
    chairman = _chairman_or_anyone() if MATTERS[matter] else sa.false()
    return sa.and_(_leader(), sa.or_(directed, chairman))


def hears_of(user, matter: str) -> bool:
    """Whether ``user`` receives ``matter`` when it is about no task or the task has no
    directing leader (an inspection plan or team): the rule of ``leader_recipients``."""
    if matter not in MATTERS:
        raise ValueError(matter)
    if user is None or user.role != Role.leader or not user.active:
        return False
    if not MATTERS[matter]:
        return True
    return is_chairman(user) or not db.session.scalar(
        sa.select(sa.exists().where(_leader(), User.position == LeaderPosition.chairman)))


def routed_to(user, matter: str, directing_leader_id) -> ColumnElement[bool]:
    """The same rule as ``leader_recipients`` read from one leader's side: the condition on
    the rows (tasks, ``directing_leader_id`` a column such as ``Task.directing_leader_id``)
    whose ``matter`` goes to ``user``: the tasks they direct, those no leader directs, and
    for the Chairman's matters every task."""
    if user is None or user.role != Role.leader or not user.active:
        return sa.false()
    if MATTERS[matter] and hears_of(user, matter):
        return sa.true()
    return sa.or_(directing_leader_id == user.id, directing_leader_id.is_(None))


def is_chairman(user) -> bool:
    return bool(user is not None and user.role == Role.leader
                and user.position == LeaderPosition.chairman)


def directs(user, task) -> bool:
    """Whether ``user`` is the leader who decides on ``task``'s matters: its directing
    leader, or the Chairman, who may always. A task without a directing leader is decided
    by any leader."""
    if user is None or user.role != Role.leader or not user.active:
        return False
    if is_chairman(user):
        return True
    return task.directing_leader_id is None or task.directing_leader_id == user.id


def _leaders(*columns) -> sa.Select:
    order = sa.case({p.value: i for i, p in enumerate(LeaderPosition)}, value=User.position)
    return (sa.select(*columns).where(_leader(), User.position.is_not(None))
            .order_by(order, User.full_name, User.id))


def leaders() -> list[User]:
    """Active leaders who hold a position, in protocol order (for forms and GET /leaders)."""
    return list(db.session.scalars(_leaders(User)))


def leader_names() -> list:
    """``leaders()`` as rows of (id, full_name, position): for a list filter's options."""
    return list(db.session.execute(_leaders(User.id, User.full_name, User.position)))


def check_directing_leader(leader_id, field: str = "directing_leader_id") -> int | None:
    """A directing leader named in a form or the API: an active leader with a position."""
    if leader_id in (None, ""):
        return None
    try:
        leader_id = int(leader_id)
    except (TypeError, ValueError):
        leader_id = None
    found = leader_id is not None and db.session.scalar(
        sa.select(User.id).where(User.id == leader_id, _leader(), User.position.is_not(None)))
    if not found:
        raise DomainError(_("The directing leader must be an active leader with a position."),
                          fields={field: "unknown"})
    return leader_id
