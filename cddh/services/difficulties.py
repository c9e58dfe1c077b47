"""Difficulties, proposals and disagreements (Đ7.2d, Đ10.1a–c, Đ11.1d, Đ15.3, Đ16.3).

A unit taking part in a task (lead or cooperating) raises one, on its own or with a progress
update: its kind, its content and what it asks for. The Office's specialist proposes a way
forward (``proposed``); the task's directing leader decides (``decided``: approved or
refused, with the decision; the Chairman may always decide, another leader may not). The
decision goes back to the unit, and an approved one that changes the task is applied through
the workflow, with a link both ways (``Difficulty.history_id`` and the history entry's
``data["difficulty_id"]``):

=================  ===================================================================
asks               effect of an approval on the task
=================  ===================================================================
more_time          the deadline moves (the extension rule: the original one is kept)
change_content     the content changes
change_lead        the task goes back to the Office (returned) to be re-forwarded
others             none, unless the leader decides to cancel the task
=================  ===================================================================

A disagreement between the lead and a cooperating unit (Đ10.1c) goes the same way; the lead
unit hears of it and of the decision. Each has a clock: decided within
``difficulty_answer_working_days`` working days (a setting) of being raised.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..auth import policy
from ..models import (
    Difficulty,
    DifficultyAsk,
    DifficultyKind,
    DifficultyState,
    ProgressUpdate,
    Task,
    User,
    db,
    utcnow,
)
from . import Conflict, DomainError, NotAllowed, workflow
from .calendar import WorkingCalendar
from .clock import local_today
from .duties import notify_users, unit_users
from .leaders import leader_recipients
from .settings import get_setting
from .tasks import parse_date

St = DifficultyState
OPEN = (St.open, St.proposed)
EFFECT_OF_ASK = {DifficultyAsk.more_time: "deadline", DifficultyAsk.change_content: "content",
                 DifficultyAsk.change_lead: "lead"}


def _choice(enum_cls, value, field: str, message: str):
    try:
        return enum_cls(value)
    except ValueError:
        raise DomainError(message, fields={field: "required"}) from None


def _text(value, field: str, message: str) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise DomainError(message, fields={field: "required"})
    return text


def _office_of(task: Task):
    """The task's specialist, or every Office specialist when it has none."""
    from ..models import Role

    if task.specialist_id:
        return User.id == task.specialist_id
    return User.role == Role.office_specialist


@workflow.guarded
def raise_difficulty(actor: User, task: Task, *, kind, content, asks, proposed_deadline=None,
                     progress_update: ProgressUpdate | None = None,
                     today: dt.date | None = None,
                     cal: WorkingCalendar | None = None,
                     version: int | None = None) -> Difficulty:
    """A lead or cooperating unit raises a difficulty, proposal or disagreement.
    ``version``: the task's version the unit last read (a stale one is refused)."""
    if not policy.may_act_on_task(actor, task, "raise_difficulty"):
        raise NotAllowed(_("Only a unit that takes part in this task can raise a difficulty "
                           "on it."))
    workflow.check_version(task, version)
    if task.state not in workflow.TRANSITIONS["raise_difficulty"][0]:
        raise Conflict(_("A difficulty can be raised only while the task is being carried "
                         "out."), code="wrong_state")
    kind = _choice(DifficultyKind, kind, "kind", _("Choose whether it is a difficulty, a "
                                                    "proposal or a disagreement."))
    asks = _choice(DifficultyAsk, asks, "asks", _("Choose what the unit asks for."))
    content = _text(content, "content", _("Describe the difficulty or proposal."))
    proposed = parse_date(proposed_deadline, "proposed_deadline")
    if proposed is not None and task.deadline is not None and proposed <= task.deadline:
        raise DomainError(_("The proposed deadline must be later than the current one (%(d)s).",
                            d=task.deadline.strftime("%d/%m/%Y")),
                          fields={"proposed_deadline": "not_later"})
    today = today or local_today()
    due = (cal or WorkingCalendar()).add_working_days(
        today, get_setting("difficulty_answer_working_days"))
    item = Difficulty(task=task, unit_id=actor.unit_id, author_id=actor.id, kind=kind,
                      asks=asks, content=content, proposed_deadline=proposed, due_on=due,
                      state=St.open, progress_update=progress_update)
    db.session.add(item)
    db.session.flush()
    workflow.record_history(task, actor, "raise_difficulty", reason=content,
                            data={"difficulty_id": item.id, "kind": kind.value,
                                  "asks": asks.value})
    notify_users("difficulty_raised", _office_of(task), task)
    if kind == DifficultyKind.disagreement and task.lead_unit_id != actor.unit_id:
        notify_users("difficulty_raised", unit_users(task.lead_unit_id), task)
    return item


def propose(actor: User, item: Difficulty, *, proposal, version: int | None = None) -> None:
    """The Office's specialist proposes a way forward; the directing leader is told.
    ``version`` is the version of the difficulty's *task* as the user last read it (api.md:
    "the task's version from its last read"; a difficulty has no version of its own, its
    state guards it): a stale one is refused and nothing changes."""
    if not policy.may_propose_on_difficulty(actor):
        raise NotAllowed(_("Only an Office specialist proposes a way forward."))
    workflow.check_version(item.task, version)
    if item.state != St.open:
        raise Conflict(_("A way forward was already proposed for this matter."),
                       code="wrong_state")
    item.proposal = _text(proposal, "proposal", _("Write the proposed way forward."))
    item.proposed_by_id = actor.id
    item.proposed_at = utcnow()
    item.state = St.proposed
    notify_users("difficulty_proposed",
                 leader_recipients("difficulty", item.task.directing_leader_id), item.task)


@workflow.guarded
def decide(actor: User, item: Difficulty, *, approved, decision, new_deadline=None,
           new_content: str = "", cancel_task: bool = False,
           version: int | None = None) -> None:
    """The directing leader (or the Chairman) approves or refuses; an approval that changes
    the task is applied to it (module docstring). ``version``: the version of the
    difficulty's task the leader last read (as ``propose``); a stale one changes nothing."""
    task = item.task
    if not policy.may_decide_difficulty(actor, task):
        raise NotAllowed(_("Only the leader who directs this task, or the Chairman, decides "
                           "on it."))
    workflow.check_version(task, version)
    if item.state == St.decided:
        raise Conflict(_("This matter has already been decided."), code="already_decided")
    if item.state != St.proposed:
        raise Conflict(_("The Office has not yet proposed a way forward."), code="wrong_state")
    if not isinstance(approved, bool):
        raise DomainError(_("Choose whether to approve or refuse."), fields={"approved": "required"})
    decision = _text(decision, "decision", _("Write the decision."))
    data = {"difficulty_id": item.id, "approved": approved}
    effect = "none"
    if approved:
        effect = "cancel" if cancel_task else EFFECT_OF_ASK.get(item.asks, "none")
    deadline = None
    if effect == "deadline":
        deadline = parse_date(new_deadline, "new_deadline") or item.proposed_deadline
        if deadline is None:
            raise DomainError(_("Enter the new deadline."), fields={"new_deadline": "required"})
    entry = workflow.apply_decision(actor, task, effect, reason=decision, data=data,
                                    deadline=deadline, content=new_content)
    item.approved = approved
    item.decision = decision
    item.decided_by_id = actor.id
    item.decided_at = utcnow()
    item.state = St.decided
    item.history = entry
    told = unit_users(item.unit_id)
    if item.kind == DifficultyKind.disagreement:
        told = sa.or_(told, unit_users(task.lead_unit_id))
    notify_users("difficulty_decided", sa.or_(told, _office_of(task)), task)


def is_late(item: Difficulty, today: dt.date) -> bool:
    """Not decided by its due day."""
    return item.state != St.decided and item.due_on is not None and today > item.due_on


def open_clause():
    return Difficulty.state.in_(OPEN)


def awaiting(user: User, limit: int = 10) -> tuple[int, list[Difficulty]]:
    """The open matters that wait for this user: for the Office every open one, for a leader
    those proposed for their decision, routed like the notice (cddh.services.leaders: the
    tasks they direct, or that no leader directs; the Chairman's own too)."""
    from ..models import Role
    from .leaders import routed_to

    if not policy.is_office(user):
        return 0, []
    cond = [open_clause(), policy.difficulty_scope(user)]
    if user.role == Role.leader:
        cond.append(Difficulty.state == St.proposed)
        cond.append(sa.exists().where(Task.id == Difficulty.task_id,
                                      routed_to(user, "difficulty", Task.directing_leader_id)))
    from .overview import first_and_count

    return first_and_count(sa.select(Difficulty).where(*cond)
                           .order_by(Difficulty.due_on, Difficulty.id)
                           # The home names them: read in the same statement.
                           .options(joinedload(Difficulty.task),
                                    joinedload(Difficulty.unit)), limit)
