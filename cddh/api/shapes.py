"""The JSON shapes of api.md ("Shapes"): what a row looks like on the way out."""

from __future__ import annotations

import datetime as dt

from ..models import (
    Difficulty,
    Document,
    ExtensionRequest,
    ProgressUpdate,
    Task,
    TaskHistory,
    Unit,
    User,
)
from ..services.timeliness import timeliness


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def moment(value: dt.datetime | None) -> str | None:
    """ISO 8601 with its offset (stored in UTC)."""
    return value.isoformat() if value else None


def me_out(user: User) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name,
            "role": user.role.value, "unit_id": user.unit_id,
            # "unit_id's parent_id" (the contract's Additions): the parent of the user's unit
            "parent_id": user.unit.parent_id if user.unit else None,
            "unit_parent_id": user.unit.parent_id if user.unit else None,
            "position": user.position.value if user.position else None}


def leader_out(user: User) -> dict:
    return {"user_id": user.id, "full_name": user.full_name or user.username,
            "position": user.position.value, "sectors": user.sector_list}


def difficulty_out(item: Difficulty) -> dict:
    return {
        "id": item.id,
        "task_id": item.task_id,
        "kind": item.kind.value,
        "content": item.content,
        "asks": item.asks.value,
        "state": item.state.value,
        "unit_id": item.unit_id,
        "directing_leader_id": item.task.directing_leader_id,
        "proposed_deadline": day(item.proposed_deadline),
        "due_on": day(item.due_on),
        "proposal": item.proposal,
        "approved": item.approved,
        "decision": item.decision,
        "decided_by_id": item.decided_by_id,
        "decided_at": moment(item.decided_at),
        "history_action": item.history.action if item.history else None,
        "created_at": moment(item.created_at),
    }


def unit_out(unit: Unit) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.category.value,
            "parent_id": unit.parent_id}


def inner_ids(tasks: list[Task], viewer: User) -> tuple[dict[int, list[int]],
                                                         dict[int, list[int]]]:
    """The officers and the sub-tasks of the given tasks, two queries for a whole page: only
    the sub-tasks the viewer may read (api.md: 404 for a row not visible, so never its id)."""
    from ..services.delegation import officer_ids, subtask_ids

    ids = [t.id for t in tasks]
    return officer_ids(ids), subtask_ids(ids, viewer)


def task_out(task: Task, today: dt.date, inner=None, *, viewer: User) -> dict:
    """A task as ``viewer`` sees it; ``inner`` is ``inner_ids`` of a page the task is on (else
    it is read here)."""
    value = timeliness(task, today)
    officers, subtasks = inner if inner is not None else inner_ids([task], viewer)
    return {
        "id": task.id,
        "document_id": task.document_id,
        "content": task.content,
        "state": task.state.value,
        "timeliness": value.value if value else None,
        "deadline": day(task.deadline),
        "original_deadline": day(task.original_deadline),
        "lead_unit_id": task.lead_unit_id,
        "directing_leader_id": task.directing_leader_id,
        "cooperating_unit_ids": sorted(u.id for u in task.cooperating_units),
        "officer_ids": officers.get(task.id, []),
        "parent_task_id": task.parent_task_id,
        "subtask_ids": subtasks.get(task.id, []),
        # What of an officer's waits for the unit leader's sign-off (Đ9.2c): "report_completion"
        # or "return"; the task keeps its state meanwhile.
        "signoff_pending": task.signoff_action or None,
        "completed_on": day(task.completed_on),
        "version": task.version,
        "created_at": moment(task.created_at),
        "updated_at": moment(task.updated_at),
    }


def history_out(entry: TaskHistory) -> dict:
    return {"at": moment(entry.at), "actor_id": entry.actor_id, "action": entry.action,
            "from_state": entry.from_state, "to_state": entry.to_state, "reason": entry.reason}


def progress_out(update: ProgressUpdate) -> dict:
    return {"id": update.id, "task_id": update.task_id, "unit_id": update.unit_id,
            "author_id": update.author_id, "content": update.content, "percent": update.percent,
            "is_contribution": update.is_contribution, "created_at": moment(update.created_at)}


def extension_out(request: ExtensionRequest) -> dict:
    return {
        "id": request.id,
        "task_id": request.task_id,
        "unit_id": request.unit_id,
        "requested_by_id": request.requested_by_id,
        "requested_at": moment(request.requested_at),
        "current_deadline": day(request.current_deadline),
        "proposed_deadline": day(request.proposed_deadline),
        "reason": request.reason,
        "status": request.status.value,
        "decided_by_id": request.decided_by_id,
        "decided_at": moment(request.decided_at),
        "decision_reason": request.decision_reason,
    }


def document_out(doc: Document, tasks: list[Task], today: dt.date, *, viewer: User) -> dict:
    """A document with the tasks given (the caller passes only those ``viewer`` may see)."""
    inner = inner_ids(tasks, viewer)
    return {
        "id": doc.id,
        "doc_type": doc.doc_type.value,
        "number": doc.number,
        "summary": doc.summary,
        "issued_on": day(doc.issued_on),
        "signer": doc.signer,
        "submitting_unit_id": doc.submitting_unit_id,
        "directing_leader_id": doc.directing_leader_id,
        "tracked": doc.tracked,
        # Secret documents are refused on entry (Đ1.1, Đ2.6): every stored one is "none".
        "confidentiality": "none",
        "entry_due_on": day(doc.entry_due_on),
        "created_at": moment(doc.created_at),
        "tasks": [task_out(task, today, inner, viewer=viewer) for task in tasks],
    }
