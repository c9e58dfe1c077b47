"""The task lifecycle (Đ7–Đ11). Every transition checks role and unit (through the policy)
and state (here), writes the task's history, notifies who must act next, and refuses a
wrong move with a translated message that changes nothing.

The caller owns the transaction: it commits after a successful call and rolls back on a
``DomainError``. Optimistic locking: pass the ``version`` the user last saw; a stale one is
refused, and a concurrent commit of the same task fails at flush (see ``commit``).
"""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ..auth import policy
from ..models import (
    CooperationRequest,
    ExtensionRequest,
    ExtensionStatus,
    ProgressUpdate,
    ReturnReason,
    Task,
    TaskHistory,
    TaskOverdue,
    TaskState,
    Urging,
    UrgingChannel,
    User,
    db,
    utcnow,
)
from ..models.enums import OPEN_STATES
from . import Conflict, DomainError, NotAllowed
from . import notifications as notify
from .clock import local_date_of, local_today
from .duties import notify_users, record_ended_spells, unit_users, with_open_spell
from .lengths import check_lengths
from .tasks import check_task

S = TaskState

# The state machine: action -> states it may start from, and the state it leads to
# (None: the state does not change, or depends on the decision).
TRANSITIONS: dict[str, tuple[frozenset[TaskState], TaskState | None]] = {
    "edit": (frozenset({S.draft, S.returned}), None),
    "forward": (frozenset({S.draft, S.returned}), S.assigned),
    "receive": (frozenset({S.assigned}), S.in_progress),
    # Đ8.2a: before receiving it, or within ``return_after_receipt_working_days`` after.
    "return": (frozenset({S.assigned, S.in_progress}), S.returned),
    "progress": (frozenset({S.in_progress}), None),
    "report_completion": (frozenset({S.in_progress}), S.pending_verification),
    "verify": (frozenset({S.pending_verification}), None),
    "request_extension": (frozenset({S.assigned, S.in_progress}), None),
    "decide_extension": (frozenset(OPEN_STATES), None),
    "urge": (frozenset(OPEN_STATES), None),
    "cancel": (frozenset({S.draft, *OPEN_STATES}), S.cancelled),
    # Đ10.1a–c, Đ16.3: a unit raises a difficulty while it works on the task.
    "raise_difficulty": (frozenset({S.assigned, S.in_progress, S.pending_verification}), None),
    # Đ8.2a, Đ10.2: a cooperating unit asks the Office to take it off the task or to hand its
    # part to another unit; the Office decides.
    "request_cooperation_change": (frozenset({S.assigned, S.in_progress}), None),
    "decide_cooperation_change": (frozenset(OPEN_STATES), None),
    # Đ8.2b, Đ9.2a: the lead unit's leader names officers, delegates to a child unit
    # (cddh.services.delegation).
    "assign": (frozenset({S.assigned, S.in_progress, S.pending_verification}), None),
    "delegate": (frozenset({S.assigned, S.in_progress}), None),
    # Đ9.2c: the head's sign-off of an officer's report or proposed return
    # (cddh.services.signoff).
    "propose_return": (frozenset({S.assigned, S.in_progress}), None),  # as "return"
    "approve_signoff": (frozenset({S.assigned, S.in_progress}), None),
    "send_back_signoff": (frozenset({S.assigned, S.in_progress}), None),
}



def allowed_actions(user: User, task: Task) -> list[str]:
    """The actions this user may take on this task now (for showing buttons)."""
    result = []
    for action, (states, _target) in TRANSITIONS.items():
        if task.state in states and policy.may_act_on_task(user, task, action):
            if action == "request_extension" and task.deadline is None:
                continue
            if action == "decide_extension" and not _pending_extension(task):
                continue
            if action == "decide_cooperation_change" and not pending_cooperation_requests(task):
                continue
            if action == "request_cooperation_change" and _pending_cooperation_of(
                    task, user.unit_id):
                continue
            if action in ("return", "propose_return") and task.state == S.in_progress and \
                    return_window_closed(task, local_today()):
                continue
            if action == "delegate" and not _has_children(task.lead_unit_id):
                continue
            if not _signoff_shows(user, task, action):
                continue
            result.append(action)
    return result


def _signoff_shows(user: User, task: Task, action: str) -> bool:
    """Sign-off buttons only while a report waits; the officer's only while none does."""
    waiting = bool(task.signoff_action)
    if action in ("approve_signoff", "send_back_signoff"):
        return waiting
    if action == "propose_return":
        from .signoff import required

        return not waiting and required(user, task)
    if action in ("report_completion", "return"):
        return not waiting
    return True


def _has_children(unit_id) -> bool:
    from .delegation import has_children

    return has_children(unit_id)


QUICK_ACTIONS = ("forward", "receive")


def forwarded_from_list(task: Task) -> bool:
    """May a list (its row buttons, its bulk action) forward the task? Not a returned one:
    its new lead unit is chosen on its page (Đ8.2a), never the unit that returned it by
    default."""
    return task.state != S.returned


def quick_actions(user: User, task: Task) -> list[str]:
    """The actions that need no input, for buttons on list rows (no extra queries)."""
    return [a for a in QUICK_ACTIONS
            if task.state in TRANSITIONS[a][0] and policy.may_act_on_task(user, task, a)
            and (a != "forward" or forwarded_from_list(task))]


def check_version(task: Task, version: int | None) -> None:
    """Optimistic locking: ``version`` is the task's version the user last read (None: not
    given); a stale one is refused (409 ``stale_version``) before anything changes. Every
    call that acts on a task checks it here, the task's own transitions (``_check``) and the
    calls on the rows that hang off a task (cddh.services.difficulties)."""
    try:
        version = int(version) if version is not None else None
    except (TypeError, ValueError):
        raise DomainError(_("The version must be a whole number."), fields={"version": "invalid"}) from None
    if version is not None and version != task.version:
        raise Conflict(_("Someone else changed this task after you opened it. Reload the page "
                         "and try again; nothing was saved."), code="stale_version")


def _check(user: User, task: Task, action: str, version: int | None) -> None:
    if not policy.may_act_on_task(user, task, action):
        raise NotAllowed(_("You are not allowed to do this on this task."))
    check_version(task, version)
    states, _target = TRANSITIONS[action]
    if task.state not in states:
        raise Conflict(_("This cannot be done while the task is in the state “%(state)s”.",
                         state=_state_label(task.state)), code="wrong_state")


def _state_label(state) -> str:
    from ..labels import TASK_STATE, label

    return label(TASK_STATE, state)


def record_history(task: Task, actor: User | None, action: str, *, from_state=None,
                   to_state=None, reason: str = "", reason_category=None,
                   data: dict | None = None) -> TaskHistory:
    """Append one entry to the task's timeline."""
    entry = TaskHistory(task=task, actor_id=actor.id if actor else None, action=action,
                        from_state=from_state.value if from_state else None,
                        to_state=to_state.value if to_state else None, reason=reason or "",
                        reason_category=reason_category, data=data or {}, at=utcnow())
    db.session.add(entry)
    return entry


def timeline(task: Task) -> list[TaskHistory]:
    """The task's timeline, oldest first: its history and, while it is overdue, the entry of
    that spell (``duties.with_open_spell``)."""
    return with_open_spell(task, list(db.session.scalars(
        sa.select(TaskHistory).where(TaskHistory.task_id == task.id)
        .order_by(TaskHistory.at, TaskHistory.id))))


def _move(task: Task, actor: User, action: str, to_state: TaskState, **history) -> TaskHistory:
    from_state = task.state
    task.state = to_state
    return record_history(task, actor, action, from_state=from_state, to_state=to_state, **history)


def _required(text, field: str, message: str) -> str:
    text = "" if text is None else str(text).strip()
    if not text:
        raise DomainError(message, fields={field: "required"})
    return text


def _concurrent_change() -> Conflict:
    db.session.rollback()
    return Conflict(_("Someone else changed this task at the same time. Reload the page "
                      "and try again; nothing was saved."), code="stale_version")


def commit() -> None:
    """Commit, turning a concurrent change of the same task into a conflict."""
    try:
        db.session.commit()
    except StaleDataError:
        raise _concurrent_change() from None


def guarded(fn):
    """A service call that flushes may meet a concurrent change too: same conflict."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StaleDataError:
            raise _concurrent_change() from None

    return wrapper


# --- Đ7.1b: what a task needs before it can be forwarded ------------------------------------
def missing_for_forward(task: Task) -> list[str]:
    """What a task still lacks before it may be forwarded (Đ7.1b), as translated phrases."""
    missing = []
    if not (task.content or "").strip():
        missing.append(_("the task's content"))
    if task.lead_unit_id is None and task.lead_unit is None:
        missing.append(_("the lead unit"))
    if task.has_deadline and task.deadline is None:
        missing.append(_("the deadline"))
    lead_id = task.lead_unit_id or (task.lead_unit.id if task.lead_unit else None)
    if any(u.id == lead_id for u in task.cooperating_units):
        missing.append(_("cooperating units different from the lead unit"))
    if any(not u.active for u in task.cooperating_units) or (task.lead_unit and not task.lead_unit.active):
        missing.append(_("active units (a chosen unit is deactivated)"))
    return missing


# --- transitions -------------------------------------------------------------------------
@guarded
def forward(actor: User, task: Task, *, version: int | None = None) -> None:
    """Đ7.1a: the specialist sends a draft or returned task to its units."""
    _check(actor, task, "forward", version)
    missing = missing_for_forward(task)
    if missing:
        raise DomainError(_("The task cannot be forwarded yet. Missing: %(list)s.",
                            list="; ".join(missing)), code="incomplete_task")
    now = utcnow()
    first = task.assigned_at is None
    if first:
        task.assigned_at = now
        task.original_deadline = task.deadline
    if task.specialist_id is None:
        task.specialist_id = actor.id
    told = set() if first else units_forwarded_to(task)
    cooperating = [u.id for u in task.cooperating_units]
    _move(task, actor, "forward", S.assigned,
          data={"lead_unit_id": task.lead_unit_id, "cooperating_unit_ids": cooperating})
    _mark_document_forwarded(task, now)
    # The lead unit is told of every forwarding (the task is now its to carry out); a
    # cooperating unit only once: a re-forward tells only the units it newly adds.
    notify.task_event(task, "forwarded", to_units=[task.lead_unit_id],
                      cc_units=[u for u in cooperating if u not in told])


@guarded
def forward_from_list(actor: User, task: Task) -> None:
    """``forward`` from a list's bulk action: a task a list may not forward
    (``forwarded_from_list``: a returned one) is refused, as its row never offers it."""
    if not forwarded_from_list(task):
        raise DomainError(_("Task #%(id)d was returned by its unit: open it to choose its lead "
                            "unit, then forward it from there (Đ8.2a). Nothing was forwarded.",
                            id=task.id), code="returned_task")
    forward(actor, task)


def units_forwarded_to(task: Task) -> set[int]:
    """The units earlier forwardings of ``task`` went to (lead and cooperating), from its
    history (one indexed query on the task's entries)."""
    told: set[int] = set()
    for data in db.session.scalars(sa.select(TaskHistory.data).where(
            TaskHistory.task_id == task.id, TaskHistory.action == "forward")):
        data = data or {}
        ids = [data.get("lead_unit_id"), *(data.get("cooperating_unit_ids") or [])]
        told.update(i for i in ids if isinstance(i, int))
    return told


def _mark_document_forwarded(task: Task, now: dt.datetime) -> None:
    """Đ7.2e: a document's file is done when none of its tasks is left unforwarded. The
    first time is what the entry deadline of Đ7.1a is judged on; a later return of one task
    does not undo it."""
    doc = task.document
    if all(t.state not in (S.draft, S.returned) for t in doc.tasks if t is not task):
        if doc.forwarded_at is None:
            doc.forwarded_at = now
            doc.forwarded_on = local_today()


@guarded
def receive(actor: User, task: Task, *, version: int | None = None) -> None:
    """The lead unit accepts a forwarded task and starts work."""
    _check(actor, task, "receive", version)
    task.received_at = utcnow()
    _move(task, actor, "receive", S.in_progress)


def received_on(task: Task) -> dt.date | None:
    """The local day the lead unit received the task (its forwarding day for a task received
    outside the workflow, without a receipt time)."""
    from .clock import local_tz

    moment = task.received_at or task.assigned_at
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(local_tz()).date()


def return_deadline(task: Task, cal=None) -> dt.date | None:
    """Đ8.2a: the last day on which the lead unit may still send a received task back: the
    ``return_after_receipt_working_days``-th working day after receipt."""
    from .calendar import calendar
    from .settings import get_setting

    day = received_on(task)
    if day is None:
        return None
    return (cal or calendar()).add_working_days(
        day, int(get_setting("return_after_receipt_working_days")))


def return_window_closed(task: Task, today: dt.date, cal=None) -> bool:
    """True when a received (in progress) task can no longer be sent back (Đ8.2a)."""
    last = return_deadline(task, cal)
    return last is not None and today > last


def check_return(task: Task, reason_category: str, reason: str) -> tuple[ReturnReason, str]:
    """Đ8.2a, one rule for a return and for an officer's proposal to return (the head's
    sign-off): before receipt, or within ``return_after_receipt_working_days`` working days
    after it, with a kind of reason and the reason. Returns (category, reason)."""
    if task.state == S.in_progress:
        last = return_deadline(task)
        if last is not None and local_today() > last:
            from .settings import get_setting

            raise Conflict(_("The task was received on %(received)s; it could be returned only "
                             "within %(n)d working days after receipt (until %(last)s). Raise a "
                             "difficulty or proposal instead.",
                             received=received_on(task).strftime("%d/%m/%Y"),
                             n=int(get_setting("return_after_receipt_working_days")),
                             last=last.strftime("%d/%m/%Y")),
                           code="return_window_closed")
    try:
        category = ReturnReason(reason_category)
    except ValueError:
        raise DomainError(_("Choose the kind of reason."),
                          fields={"reason_category": "required"}) from None
    return category, _required(reason, "reason", _("State the reason for returning the task."))


@guarded
def return_task(actor: User, task: Task, reason_category: str, reason: str, *,
                version: int | None = None) -> None:
    """Đ8.2a: the lead unit sends a task back to the Office with a stated reason: before
    receiving it, or within ``return_after_receipt_working_days`` working days after."""
    _check(actor, task, "return", version)
    category, reason = check_return(task, reason_category, reason)
    data = {"lead_unit_id": task.lead_unit_id}
    if task.state == S.in_progress:
        data["after_receipt"] = True
        data["received_on"] = received_on(task).isoformat()
    _move(task, actor, "return", S.returned, reason=reason, reason_category=category, data=data)
    notify.task_event(task, "returned", to_specialist=True)


@guarded
def post_progress(actor: User, task: Task, content: str, percent: int | None = None, *,
                  version: int | None = None) -> ProgressUpdate:
    """Đ6.8, Đ8: the lead or a cooperating unit reports progress; a cooperating unit's
    update is a contribution to the lead unit (Đ10.2b)."""
    _check(actor, task, "progress", version)
    content = _required(content, "content", _("Describe the progress."))
    try:
        percent = int(percent) if percent not in (None, "") else None
    except (TypeError, ValueError):
        percent = -1
    if percent is not None and not 0 <= percent <= 100:
        raise DomainError(_("The percentage must be between 0 and 100."),
                          fields={"percent": "range"})
    relation = policy.unit_relation(actor, task)
    update = ProgressUpdate(task=task, unit_id=actor.unit_id, author_id=actor.id,
                            content=content, percent=percent,
                            is_contribution=relation == "cooperating", created_at=utcnow())
    db.session.add(update)
    if relation == "lead":
        task.last_update_at = update.created_at
        task.late_update = False
        if percent is not None:
            task.percent_complete = int(percent)
    record_history(task, actor, "progress", reason=content,
                   data={"percent": percent, "contribution": relation == "cooperating"})
    if relation == "cooperating":
        notify.task_event(task, "contribution", to_units=[task.lead_unit_id])
    return update


@guarded
def report_completion(actor: User, task: Task, *, completed_on: dt.date, result_summary: str,
                      result_document_number: str = "",
                      result_document_date: dt.date | None = None,
                      version: int | None = None) -> None:
    """The lead unit reports the task done; the Office then verifies it (Đ7.2đ)."""
    _check(actor, task, "report_completion", version)
    if completed_on is None:
        raise DomainError(_("Enter the completion date."), fields={"completed_on": "required"})
    if completed_on > local_today():
        raise DomainError(_("The completion date cannot be in the future."),
                          fields={"completed_on": "future"})
    if task.assigned_at and completed_on < local_date_of(task.assigned_at):
        raise DomainError(_("The completion date cannot be before the task was assigned."),
                          fields={"completed_on": "before_assignment"})
    summary = _required(result_summary, "result_summary", _("Summarise the result."))
    result_document_number = (result_document_number or "").strip()
    check_lengths(Task, result_document_number=result_document_number)
    from . import signoff

    signoff.check_not_waiting(task)
    if signoff.required(actor, task):  # Đ9.2c: the unit leader signs it off first
        signoff.submit(actor, task, "report_completion", {
            "completed_on": completed_on.isoformat(), "result_summary": summary,
            "result_document_number": result_document_number,
            "result_document_date": (result_document_date.isoformat()
                                     if result_document_date else None)})
        return
    task.completed_on = completed_on
    task.result_summary = summary
    task.result_document_number = result_document_number
    task.result_document_date = result_document_date
    task.completion_reported_at = utcnow()
    task.percent_complete = 100
    _move(task, actor, "report_completion", S.pending_verification, reason=summary,
          data={"completed_on": completed_on.isoformat(),
                "result_document_number": task.result_document_number})
    notify.task_event(task, "completion_reported", to_specialist=True)


@guarded
def verify(actor: User, task: Task, *, accepted: bool, comment: str = "",
           version: int | None = None) -> None:
    """Đ7.2đ: the Office confirms a completion, or sends it back with the reason."""
    _check(actor, task, "verify", version)
    comment = (comment or "").strip()
    if accepted:
        task.verified_at = utcnow()
        task.verified_by_id = actor.id
        _move(task, actor, "verify", S.completed, reason=comment, data={"accepted": True})
        notify.task_event(task, "verified", to_units=[task.lead_unit_id])
    else:
        comment = _required(comment, "comment",
                            _("Say why the result does not meet the requirements."))
        task.completed_on = None
        task.completion_reported_at = None
        _move(task, actor, "verify", S.in_progress, reason=comment, data={"accepted": False})
        notify.task_event(task, "verification_rejected", to_units=[task.lead_unit_id])


def _pending_extension(task: Task) -> ExtensionRequest | None:
    return db.session.query(ExtensionRequest).filter_by(
        task_id=task.id, status=ExtensionStatus.pending).first()


@guarded
def request_extension(actor: User, task: Task, *, proposed_deadline: dt.date, reason: str,
                      version: int | None = None) -> ExtensionRequest:
    """Đ11.1d: the lead unit asks to move the deadline, with a reason."""
    _check(actor, task, "request_extension", version)
    if task.deadline is None:
        raise Conflict(_("A task without a deadline needs no extension."), code="wrong_state")
    if proposed_deadline is None or proposed_deadline <= task.deadline:
        raise DomainError(_("The proposed deadline must be later than the current one (%(d)s).",
                            d=task.deadline.strftime("%d/%m/%Y")),
                          fields={"proposed_deadline": "not_later"})
    reason = _required(reason, "reason", _("State the reason for the extension."))
    if _pending_extension(task):
        raise Conflict(_("An extension request for this task is already waiting for a "
                         "decision."), code="extension_pending")
    request = ExtensionRequest(task=task, unit_id=actor.unit_id, requested_by_id=actor.id,
                               current_deadline=task.deadline,
                               proposed_deadline=proposed_deadline, reason=reason)
    db.session.add(request)
    record_history(task, actor, "request_extension", reason=reason,
                   data={"proposed_deadline": proposed_deadline.isoformat()})
    notify.task_event(task, "extension_requested", to_specialist=True,
                      to_leaders="extension")
    return request


@guarded
def decide_extension(actor: User, request: ExtensionRequest, *, approved: bool, reason: str = "",
                     version: int | None = None) -> None:
    """Đ11.1d: a leader or the Office approves or refuses; the original deadline is kept."""
    task = request.task
    _check(actor, task, "decide_extension", version)
    if request.status != ExtensionStatus.pending:
        raise Conflict(_("This extension request has already been decided."),
                       code="already_decided")
    reason = (reason or "").strip()
    if not approved:
        reason = _required(reason, "reason", _("State the reason for refusing."))
    request.status = ExtensionStatus.approved if approved else ExtensionStatus.refused
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.decision_reason = reason
    data = {"approved": approved, "proposed_deadline": request.proposed_deadline.isoformat(),
            "previous_deadline": task.deadline.isoformat() if task.deadline else None}
    if approved:
        _set_deadline(task, request.proposed_deadline)
    record_history(task, actor, "decide_extension", reason=reason, data=data)
    notify.task_event(task, "extension_approved" if approved else "extension_refused",
                      to_units=[task.lead_unit_id])


def _set_deadline(task: Task, deadline: dt.date) -> None:
    """Đ11.1d: move the deadline; the original one is kept, the overdue mark starts over."""
    if task.original_deadline is None:
        task.original_deadline = task.deadline
    task.deadline = deadline
    if task.overdue_mark is not None:
        record_ended_spells(TaskOverdue.task_id == task.id)
    task.overdue_since = None


# --- Đ8.2a, Đ10.2: a cooperating unit asks to leave the task or to hand its part over -------
COOPERATION_CHANGE_KINDS = ("remove", "replace")


def pending_cooperation_requests(task: Task) -> list[CooperationRequest]:
    """The cooperating units' requests on this task still waiting for the Office."""
    return list(db.session.scalars(
        sa.select(CooperationRequest).where(CooperationRequest.task_id == task.id,
                                            CooperationRequest.status == ExtensionStatus.pending)
        .order_by(CooperationRequest.requested_at, CooperationRequest.id)))


def _pending_cooperation_of(task: Task, unit_id) -> CooperationRequest | None:
    return db.session.scalar(sa.select(CooperationRequest).where(
        CooperationRequest.task_id == task.id, CooperationRequest.unit_id == unit_id,
        CooperationRequest.status == ExtensionStatus.pending).limit(1))


@guarded
def request_cooperation_change(actor: User, task: Task, *, kind: str, reason: str,
                               proposed_unit_id=None,
                               version: int | None = None) -> CooperationRequest:
    """A cooperating unit asks the Office, with a reason, to remove it from the task
    ("remove") or to give its part to another unit ("replace"); recorded on the timeline,
    the specialist is told."""
    from ..models import Unit
    from .parsing import to_id

    _check(actor, task, "request_cooperation_change", version)
    if kind not in COOPERATION_CHANGE_KINDS:
        raise DomainError(_("Choose whether your unit asks to be removed or replaced."),
                          fields={"kind": "required"})
    reason = _required(reason, "reason", _("State the reason for the request."))
    proposed = None
    if kind == "replace":
        proposed_id = to_id(proposed_unit_id) if proposed_unit_id not in (None, "") else None
        proposed = db.session.get(Unit, proposed_id) if proposed_id is not None else None
        taken = {task.lead_unit_id, *(u.id for u in task.cooperating_units)}
        if proposed is None or not proposed.active or proposed.id in taken:
            raise DomainError(_("Choose an active unit that does not take part in the task yet."),
                              fields={"proposed_unit_id": "invalid"})
    if _pending_cooperation_of(task, actor.unit_id):
        raise Conflict(_("Your unit's request on this task is already waiting for the Office."),
                       code="request_pending")
    item = CooperationRequest(task=task, unit_id=actor.unit_id, kind=kind,
                              proposed_unit_id=proposed.id if proposed else None,
                              requested_by_id=actor.id, reason=reason, requested_at=utcnow())
    db.session.add(item)
    record_history(task, actor, "request_cooperation_change", reason=reason,
                   data={"kind": kind, "unit_id": actor.unit_id,
                         "proposed_unit_id": proposed.id if proposed else None})
    notify.task_event(task, "cooperation_change_requested", to_specialist=True)
    return item


@guarded
def decide_cooperation_change(actor: User, item: CooperationRequest, *, accepted: bool,
                              reason: str = "", version: int | None = None) -> None:
    """The Office accepts (the unit leaves the cooperating units; for "replace" the proposed
    unit joins them) or rejects with a reason; recorded on the timeline, the unit is told."""
    from ..models import Unit

    task = item.task
    _check(actor, task, "decide_cooperation_change", version)
    if item.status != ExtensionStatus.pending:
        raise Conflict(_("This request has already been decided."), code="already_decided")
    reason = (reason or "").strip()
    if not accepted:
        reason = _required(reason, "reason", _("State the reason for rejecting."))
    before = sorted(u.id for u in task.cooperating_units)
    if accepted:
        task.cooperating_units = [u for u in task.cooperating_units if u.id != item.unit_id]
        if item.kind == "replace" and item.proposed_unit_id:
            unit = db.session.get(Unit, item.proposed_unit_id)
            if unit is None or not unit.active or unit.id == task.lead_unit_id:
                raise DomainError(_("The proposed unit can no longer take part in the task."),
                                  fields={"proposed_unit_id": "invalid"})
            if all(u.id != unit.id for u in task.cooperating_units):
                task.cooperating_units.append(unit)
    item.status = ExtensionStatus.approved if accepted else ExtensionStatus.refused
    item.decided_by_id = actor.id
    item.decided_at = utcnow()
    item.decision_reason = reason
    record_history(task, actor, "decide_cooperation_change", reason=reason,
                   data={"accepted": accepted, "kind": item.kind, "unit_id": item.unit_id,
                         "proposed_unit_id": item.proposed_unit_id, "request_id": item.id,
                         "cooperating_before": before,
                         "cooperating_after": sorted(u.id for u in task.cooperating_units)})
    notify.task_event(task, "cooperation_change_decided", to_units=[item.unit_id])
    if accepted and item.kind == "replace" and item.proposed_unit_id:
        notify.task_event(task, "forwarded", cc_units=[item.proposed_unit_id])


# A leader's approved decision on a unit's difficulty (cddh.services.difficulties) changes
# the task: effect -> the states it may apply in.
DECISION_EFFECTS: dict[str, frozenset[TaskState]] = {
    "deadline": frozenset({S.assigned, S.in_progress, S.pending_verification}),
    "content": frozenset({S.assigned, S.in_progress, S.pending_verification}),
    # The lead unit changes by the return / re-forward path (Đ8.2a): the Office re-forwards.
    "lead": frozenset({S.assigned, S.in_progress}),
    "cancel": frozenset(OPEN_STATES),
    "none": frozenset({S.draft, *OPEN_STATES, S.completed, S.cancelled}),
}


@guarded
def apply_decision(actor: User, task: Task, effect: str, *, reason: str, data: dict,
                   deadline: dt.date | None = None, content: str = "") -> TaskHistory:
    """Apply a leader's decision to the task (the policy check is the caller's: the
    directing leader decides, cddh.services.leaders.directs) and return the history entry
    that records it."""
    if task.state not in DECISION_EFFECTS[effect]:
        raise Conflict(_("The decision cannot change the task while it is in the state "
                         "“%(state)s”.", state=_state_label(task.state)), code="wrong_state")
    if effect == "deadline":
        if deadline is None or (task.deadline is not None and deadline <= task.deadline):
            raise DomainError(_("The new deadline must be later than the current one."),
                              fields={"new_deadline": "not_later"})
        data = {**data, "previous_deadline": task.deadline.isoformat() if task.deadline else None,
                "deadline": deadline.isoformat()}
        _set_deadline(task, deadline)
        task.has_deadline = True
        entry = record_history(task, actor, "change_deadline", reason=reason, data=data)
        notify.task_event(task, "extension_approved", to_units=[task.lead_unit_id])
        return entry
    if effect == "content":
        content = _required(content, "new_content", _("Enter the new content of the task."))
        data = {**data, "previous_content": task.content}
        task.content = content
        return record_history(task, actor, "change_content", reason=reason, data=data)
    if effect == "lead":
        entry = _move(task, actor, "return", S.returned, reason=reason,
                      reason_category=ReturnReason.other,
                      data={**data, "lead_unit_id": task.lead_unit_id})
        notify.task_event(task, "returned", to_specialist=True)
        return entry
    if effect == "cancel":
        return _cancel(actor, task, reason, "", data)
    return record_history(task, actor, "decide_difficulty", reason=reason, data=data)


@guarded
def urge(actor: User, task: Task, channel: str, note: str, document_number: str = "", *,
         version: int | None = None) -> Urging:
    """Đ11.2: the Office records an urging of the lead unit by any channel (system, report,
    meeting, phone, e-mail, fax, inspection); it goes on the timeline and the unit is told."""
    _check(actor, task, "urge", version)
    try:
        channel = UrgingChannel(channel)
    except ValueError:
        raise DomainError(_("Choose how the unit was urged."),
                          fields={"channel": "required"}) from None
    note = _required(note, "note", _("Say what the unit was urged to do."))
    number = (document_number or "").strip()
    check_lengths(Urging, {"document_number": number})
    urging = Urging(task=task, channel=channel, note=note, document_number=number,
                    by_id=actor.id, at=utcnow())
    db.session.add(urging)
    record_history(task, actor, "urge", reason=note,
                   data={"channel": channel.value, "document_number": number})
    notify_users("urged", unit_users(task.lead_unit_id), task)
    return urging


@guarded
def cancel(actor: User, task: Task, *, reason: str, deciding_document: str = "",
           version: int | None = None) -> None:
    """The Office cancels a task, with the reason and the deciding document."""
    _check(actor, task, "cancel", version)
    reason = _required(reason, "reason", _("State the reason for cancelling."))
    _cancel(actor, task, reason, deciding_document, {})


def _cancel(actor: User, task: Task, reason: str, deciding_document: str,
            data: dict) -> TaskHistory:
    task.cancelled_at = utcnow()
    task.cancel_reason = reason
    was_forwarded = task.state != S.draft
    entry = _move(task, actor, "cancel", S.cancelled, reason=reason,
                  data={**data, "deciding_document": (deciding_document or "").strip()})
    if was_forwarded:
        notify.task_event(task, "cancelled", to_units=[task.lead_unit_id])
    return entry


EDITABLE_FIELDS = ("content", "lead_unit_id", "cooperating_unit_ids", "monitoring_unit_id",
                   "specialist_id", "directing_leader_id", "expected_product", "has_deadline", "deadline",
                   "update_frequency", "priority")


@guarded
def edit_task(actor: User, task: Task, changes: dict, *, version: int | None = None) -> None:
    """The Office edits a draft or returned task before (re-)forwarding it."""
    from .tasks import apply_task_fields

    _check(actor, task, "edit", version)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed here: %(f)s", f=", ".join(sorted(unknown))))
    apply_task_fields(task, changes)
    _normalise_deadline(task)
    check_task(task)
    record_history(task, actor, "edit", data={k: str(v) for k, v in changes.items()})


def _normalise_deadline(task: Task) -> None:
    """Đ5: a task without a deadline has no deadline date."""
    if not task.has_deadline:
        task.deadline = None
    if task.assigned_at is None:
        task.original_deadline = task.deadline


def add_task(actor: User, task: Task) -> None:
    """A new draft task in an existing document, entered on the generic task screen."""
    if not policy.may_enter_documents(actor):
        raise NotAllowed(_("Only an Office specialist can enter tasks."))
    task.state = S.draft
    if task.specialist is None and task.specialist_id is None:
        task.specialist = actor  # the relationship, so a form's empty choice does not win
    if task.directing_leader is None and task.directing_leader_id is None and task.document:
        task.directing_leader_id = task.document.directing_leader_id  # inherited (Đ3.2)
    _check_directing_leader(task)
    _normalise_deadline(task)
    check_task(task)
    record_history(task, actor, "create", to_state=S.draft)


@guarded
def record_edit(actor: User, task: Task, changed: list[str]) -> None:
    """The generic edit screen changed a draft or returned task: check and record it. After
    forwarding, the deadline moves only by an approved extension (Đ11.1d)."""
    _check(actor, task, "edit", None)
    if "directing_leader" in changed:
        _check_directing_leader(task)
    _normalise_deadline(task)
    check_task(task)
    record_history(task, actor, "edit", data={"fields": sorted(changed)})


def _check_directing_leader(task: Task) -> None:
    """A generic form may name only a leader with a position as the directing leader."""
    from .leaders import check_directing_leader

    leader = task.directing_leader
    check_directing_leader(leader.id if leader is not None else task.directing_leader_id)
