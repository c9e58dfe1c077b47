"""The head's sign-off (Đ9.2c: the unit's head answers for timeliness and accuracy). Where the
lead unit's kind asks for it (``UnitKind.signoff_required``, default on for departments and
districts), a staff member's completion report, or a return the staff proposes, waits for the
unit leader: the leader approves it (then it reaches the Office through the ordinary
transition, cddh.services.workflow) or sends it back to the officer with a comment. While it
waits the task keeps its state: the Office sees nothing yet and the figures do not move.

The caller owns the transaction.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..models import Role, Task, User
from . import Conflict
from .duties import notify_users
from .notifications import lead_unit_recipient
from .parsing import parse_date
from .workflow import _check, _required, guarded, record_history

ACTIONS = ("report_completion", "return")


def required(actor: User, task: Task) -> bool:
    """A staff member's report or return goes to the leader first, where the kind says so."""
    unit = task.lead_unit
    return bool(actor.role == Role.unit_staff and unit is not None and unit.kind.signoff_required)


def check_not_waiting(task: Task) -> None:
    if task.signoff_action:
        raise Conflict(_("A report on this task is waiting for the unit leader's sign-off."),
                       code="signoff_pending")


def submit(actor: User, task: Task, action: str, data: dict) -> None:
    """Keep the officer's report (or proposed return) for the leader's sign-off."""
    check_not_waiting(task)
    task.signoff_action = action
    task.signoff_data = data
    record_history(task, actor, "submit_signoff", reason=data.get("result_summary")
                   or data.get("reason", ""), data={"for": action, **data})
    from ..models import User as U

    notify_users("signoff_requested", (U.unit_id == task.lead_unit_id) & (
        U.role == Role.unit_leader), task)


@guarded
def propose_return(actor: User, task: Task, reason_category: str, reason: str, *,
                   version: int | None = None) -> None:
    """A staff member proposes to return the task to the Office (Đ8.2a); the leader decides."""
    from .workflow import check_return

    _check(actor, task, "propose_return", version)
    category, reason = check_return(task, reason_category, reason)
    submit(actor, task, "return", {"reason_category": category.value, "reason": reason})


@guarded
def approve(actor: User, task: Task, *, comment: str = "", version: int | None = None) -> None:
    """The leader signs the officer's report off: it goes to the Office as the unit's."""
    from . import workflow

    _check(actor, task, "approve_signoff", version)
    action, data = task.signoff_action, dict(task.signoff_data or {})
    if action not in ACTIONS:
        raise Conflict(_("Nothing on this task waits for your sign-off."), code="wrong_state")
    task.signoff_action, task.signoff_data = None, None
    record_history(task, actor, "approve_signoff", reason=(comment or "").strip(),
                   data={"for": action})
    if action == "report_completion":
        workflow.report_completion(
            actor, task, completed_on=parse_date(data.get("completed_on"), "completed_on"),
            result_summary=data.get("result_summary", ""),
            result_document_number=data.get("result_document_number", ""),
            result_document_date=parse_date(data.get("result_document_date"),
                                            "result_document_date"))
    else:
        workflow.return_task(actor, task, data.get("reason_category", ""),
                             data.get("reason", ""))


@guarded
def send_back(actor: User, task: Task, *, comment: str, version: int | None = None) -> None:
    """The leader sends the report back to the officer with a comment; the task goes on."""
    _check(actor, task, "send_back_signoff", version)
    if task.signoff_action not in ACTIONS:
        raise Conflict(_("Nothing on this task waits for your sign-off."), code="wrong_state")
    comment = _required(comment, "comment", _("Say what the officer must change."))
    action = task.signoff_action
    task.signoff_action, task.signoff_data = None, None
    record_history(task, actor, "send_back_signoff", reason=comment, data={"for": action})
    from ..models import User as U

    notify_users("signoff_sent_back", (U.unit_id == task.lead_unit_id)
                 & lead_unit_recipient(task.id) & (U.role != Role.unit_leader), task)

