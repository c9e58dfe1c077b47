"""The OpenAPI 3.0 description of the API, served at /api/v1/openapi.json (api.md).

Written by hand from api.md, next to the code it describes; tests/test_api_schema.py checks
the API against it with generated requests (schemathesis).
"""

from __future__ import annotations

from ..models import (
    Confidentiality,
    DifficultyAsk,
    DifficultyKind,
    DifficultyState,
    DocType,
    ExpectedProduct,
    LeaderPosition,
    PeriodKind,
    Priority,
    ReturnReason,
    Role,
    TaskState,
    Timeliness,
    UnitCategory,
    UpdateFrequency,
)
from ..models.enums import ExtensionStatus
from .inputs import DEFAULT_LIMIT, MAX_ID, MAX_LIMIT, MAX_WORKING_DAYS

REF = "#/components/schemas/"


def _values(enum_cls) -> list[str]:
    return [member.value for member in enum_cls]


def ref(name: str) -> dict:
    return {"$ref": REF + name}


def nullable(schema: dict) -> dict:
    schema = {**schema, "nullable": True}
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def obj(properties: dict, required=None) -> dict:
    """An object with these properties; all of them required unless ``required`` says."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else list(required)}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE = {"type": "string", "format": "date", "example": "2026-03-02"}
DATETIME = {"type": "string", "format": "date-time"}
VERSION = {"type": "integer", "description": "The task's `version` from the caller's last read; "
                                           "a stale one gives 409 and changes nothing."}
DIFFICULTY_TASK_VERSION = {
    "type": "integer", "description": "The `version` of the difficulty's task from the "
                                      "caller's last read; a stale one gives 409 and changes "
                                      "nothing."}

TASK_VERSION_AFTER = {
    "type": "integer", "description": "In the answer to the call that made it: the task's "
                                      "`version` after it, for the next call on the task."}

TASK_OUT = {
    "id": ID,
    "document_id": ID,
    "content": STRING,
    "state": {"type": "string", "enum": _values(TaskState)},
    "timeliness": nullable({"type": "string", "enum": _values(Timeliness)}),
    "deadline": nullable(DATE),
    "original_deadline": nullable(DATE),
    "lead_unit_id": nullable(ID),
    "directing_leader_id": nullable(ID),
    "cooperating_unit_ids": {"type": "array", "items": ID},
    "officer_ids": {"type": "array", "items": ID,
                    "description": "The handling officers named by the unit leader (Đ8.2b)."},
    "parent_task_id": nullable({**ID, "description": "Set on a sub-task (never counted in "
                                                     "the statistics)."}),
    "subtask_ids": {"type": "array", "items": ID},
    "signoff_pending": nullable({
        "type": "string", "enum": ["report_completion", "return"],
        "description": "An officer's completion report or return waiting for the unit "
                       "leader's sign-off (Đ9.2c); the task keeps its state meanwhile."}),
    "completed_on": nullable(DATE),
    "version": INTEGER,
    "created_at": DATETIME,
    "updated_at": DATETIME,
}

SCHEMAS = {
    "Error": obj({"error": obj({
        "code": STRING,
        "message": {"type": "string", "description": "Vietnamese by default; English with "
                                                     "`Accept-Language: en`."},
        "fields": {"type": "object", "additionalProperties": STRING,
                   "description": "A message per field, keyed like `tasks.0.lead_unit_id`."},
    }, required=("code", "message"))}),
    "Me": obj({"id": ID, "username": STRING, "full_name": STRING,
               "role": {"type": "string", "enum": _values(Role)}, "unit_id": ID,
               "parent_id": nullable({**ID, "description": "The parent of the user's unit "
                                                           "(null at the top)."}),
               "unit_parent_id": nullable({**ID, "description": "The same as parent_id."}),
               "position": nullable({"type": "string", "enum": _values(LeaderPosition)})}),
    "Leader": obj({"user_id": ID, "full_name": STRING,
                   "position": {"type": "string", "enum": _values(LeaderPosition)},
                   "sectors": {"type": "array", "items": STRING}}),
    "Unit": obj({"id": ID, "code": STRING, "name": STRING,
                 "kind": {"type": "string", "enum": _values(UnitCategory)},
                 "parent_id": nullable({**ID, "description": "Null at the top."})}),
    "TaskIn": obj({
        "content": STRING,
        "lead_unit_id": nullable(ID),
        "cooperating_unit_ids": nullable({"type": "array", "items": ID}),
        "monitoring_unit_id": nullable(ID),
        "directing_leader_id": nullable({**ID, "description": "An active leader with a "
                                         "position; the document's when omitted."}),
        "deadline": nullable({**DATE, "description": "null: a task without a deadline (Đ5)."}),
        "update_frequency": {"type": "string", "enum": _values(UpdateFrequency)},
        "priority": {"type": "string", "enum": _values(Priority)},
        "expected_product": {"type": "string", "enum": _values(ExpectedProduct)},
    }, required=("content", "lead_unit_id")),
    "DocumentIn": obj({
        "doc_type": {"type": "string", "enum": _values(DocType)},
        "number": STRING,
        "summary": STRING,
        "issued_on": DATE,
        "signer": STRING,
        "submitting_unit_id": nullable(ID),
        "directing_leader_id": nullable({**ID, "description": "An active leader with a "
                                         "position (GET /leaders): who signed or chaired."}),
        "tracked": {"type": "boolean", "description": "Only tracked documents carry tasks (Đ4)."},
        "confidentiality": {"type": "string", "enum": _values(Confidentiality),
                            "description": "Anything but `none` is refused with 422 "
                                           "`secret_document_not_allowed` (Đ1.1, Đ2.6)."},
        "tasks": {"type": "array", "items": ref("TaskIn")},
    }, required=("doc_type", "number", "summary", "issued_on")),
    "Task": obj(TASK_OUT),
    "HistoryEntry": obj({"at": DATETIME, "actor_id": nullable(ID), "action": STRING,
                         "from_state": nullable(STRING), "to_state": nullable(STRING),
                         "reason": STRING}),
    "ProgressUpdate": obj({"id": ID, "task_id": ID, "unit_id": ID, "author_id": ID,
                           "content": STRING, "percent": nullable(INTEGER),
                           "is_contribution": BOOLEAN, "created_at": DATETIME,
                           "task_version": TASK_VERSION_AFTER},
                          required=("id", "task_id", "unit_id", "author_id", "content",
                                    "percent", "is_contribution", "created_at")),
    "ExtensionRequest": obj({
        "id": ID, "task_id": ID, "unit_id": ID, "requested_by_id": ID, "requested_at": DATETIME,
        "current_deadline": nullable(DATE), "proposed_deadline": DATE, "reason": STRING,
        "status": {"type": "string", "enum": _values(ExtensionStatus)},
        "decided_by_id": nullable(ID), "decided_at": nullable(DATETIME),
        "decision_reason": STRING, "task_version": TASK_VERSION_AFTER,
    }, required=("id", "task_id", "unit_id", "requested_by_id", "requested_at",
                 "current_deadline", "proposed_deadline", "reason", "status", "decided_by_id",
                 "decided_at", "decision_reason")),
    "TaskDetail": obj({
        **TASK_OUT,
        "history": {"type": "array", "items": ref("HistoryEntry"), "description": "Oldest first."},
        "progress": {"type": "array", "items": ref("ProgressUpdate"),
                     "description": "Oldest first."},
        "extensions": {"type": "array", "items": ref("ExtensionRequest"),
                       "description": "Oldest first; decide a pending one with "
                                      "POST /extensions/{id}/decide."},
    }),
    "Document": obj({
        "id": ID, "doc_type": {"type": "string", "enum": _values(DocType)}, "number": STRING,
        "summary": STRING, "issued_on": DATE, "signer": STRING,
        "submitting_unit_id": nullable(ID), "directing_leader_id": nullable(ID),
        "tracked": BOOLEAN,
        "confidentiality": {"type": "string", "enum": [Confidentiality.none.value]},
        "entry_due_on": nullable({**DATE, "description": "1 working day after issue (Đ7.1a); "
                                                         "null when not tracked."}),
        "created_at": DATETIME,
        "tasks": {"type": "array", "items": ref("Task"),
                  "description": "Only the tasks the caller may see."},
    }),
    "Difficulty": obj({
        "id": ID, "task_id": ID,
        "kind": {"type": "string", "enum": _values(DifficultyKind)},
        "content": STRING,
        "asks": {"type": "string", "enum": _values(DifficultyAsk)},
        "state": {"type": "string", "enum": _values(DifficultyState)},
        "unit_id": ID,
        "directing_leader_id": nullable({**ID, "description": "The task's; null: any leader."}),
        "proposed_deadline": nullable(DATE),
        "due_on": nullable({**DATE, "description": "To be decided by this day "
                                                   "(difficulty_answer_working_days)."}),
        "proposal": STRING, "approved": nullable(BOOLEAN), "decision": STRING,
        "decided_by_id": nullable(ID), "decided_at": nullable(DATETIME),
        "history_action": nullable({"type": "string", "description": "The task history entry "
                                    "that records the decision and its effect."}),
        "created_at": DATETIME,
    }),
    "WorkingDay": obj({"date": DATE, "is_working_day": BOOLEAN, "name": STRING},
                      required=("date", "is_working_day")),
    "AddedWorkingDays": obj({"start": DATE, "days": INTEGER, "result": DATE}),
    "Period": obj({"kind": {"type": "string", "enum": _values(PeriodKind)}, "year": INTEGER,
                   "number": INTEGER, "start": DATE, "end": DATE}),
}
COUNTS = {name: {"type": "integer", "minimum": 0} for name in (
    "total", "done_on_time", "done_late", "open_on_time", "open_overdue", "no_deadline",
    "returned", "cancelled")}
SCHEMAS |= {
    "StatisticsRow": obj({"unit_id": ID, **COUNTS}),
    "StatisticsTotal": obj(COUNTS),
    "Statistics": obj({"period": ref("Period"),
                       "rows": {"type": "array", "items": ref("StatisticsRow")},
                       "total": ref("StatisticsTotal")}),
}
SCHEMAS["LeaderList"] = obj({"items": {"type": "array", "items": ref("Leader")}})
for _name, _item in (("UnitPage", "Unit"), ("TaskPage", "Task"),
                     ("DifficultyPage", "Difficulty")):
    SCHEMAS[_name] = obj({"items": {"type": "array", "items": ref(_item)},
                          "next_cursor": nullable({"type": "string", "description":
                                                   "Pass as ?cursor= for the next page; null "
                                                   "on the last page."})})

ERRORS = {
    400: "Malformed JSON or query parameter.",
    401: "No token, or a token that is unknown, revoked or of a deactivated account.",
    403: "The user's role or unit may not do this.",
    404: "Absent, or not visible to this user.",
    409: "The task's state does not allow it (`wrong_state`), or a stale `version` "
         "(`stale_version`); nothing changed.",
    413: "The request is larger than the upload limit.",
    422: "Validation failed; `fields` has a message per field.",
}
RESPONSES = {str(status): {"description": text,
                           "content": {"application/json": {"schema": ref("Error")}}}
             for status, text in ERRORS.items()}
LIST_PARAMS = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
    {"name": "cursor", "in": "query", "schema": STRING,
     "description": "The `next_cursor` of the previous page."},
]
PERIOD_PARAMS = [
    {"name": "kind", "in": "query", "required": True,
     "schema": {"type": "string", "enum": _values(PeriodKind)}},
    {"name": "year", "in": "query", "required": True, "schema": {**INTEGER, "example": 2026}},
    {"name": "number", "in": "query", "required": True, "schema": {**INTEGER, "example": 1},
     "description": "1–12 for a month, 1–4 for a quarter, 1 for the others."},
]


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {**ID, "example": 1}}


def operation(summary: str, ok: int, schema: str, errors=(), *, params=(), body: str | None = None,
              body_required: bool = True, description: str = "") -> dict:
    op = {
        "summary": summary,
        "operationId": summary.split(":")[0].lower().replace(" ", "_").replace("-", "_"),
        "responses": {str(ok): {"description": "OK" if ok == 200 else "Created",
                                "content": {"application/json": {"schema": ref(schema)}}},
                      "401": RESPONSES["401"],
                      **{str(s): RESPONSES[str(s)] for s in errors}},
    }
    if description:
        op["description"] = description
    if params:
        op["parameters"] = list(params)
    if body:
        op["requestBody"] = {"required": body_required,
                             "content": {"application/json": {"schema": ref(body)}}}
    return op


def action_body(properties: dict, required=()) -> dict:
    return obj({**properties, "version": VERSION}, required=required)


SCHEMAS |= {
    "VersionIn": action_body({}),
    "ReturnIn": action_body({"reason_category": {"type": "string", "enum": _values(ReturnReason)},
                             "reason": STRING}, ("reason_category", "reason")),
    "ProgressIn": action_body({"content": STRING,
                               "percent": nullable({"type": "integer", "minimum": 0,
                                                    "maximum": 100})}, ("content",)),
    "CompleteIn": action_body({"completed_on": DATE, "result_summary": STRING,
                               "result_document_number": STRING},
                              ("completed_on", "result_summary")),
    "SignoffIn": action_body({"approved": BOOLEAN,
                              "comment": {"type": "string",
                                          "description": "Required when not approved."}},
                             ("approved",)),
    "VerifyIn": action_body({"accepted": BOOLEAN,
                             "comment": {"type": "string",
                                         "description": "Required when not accepted."}},
                            ("accepted",)),
    "ExtensionIn": action_body({"proposed_deadline": DATE, "reason": STRING},
                               ("proposed_deadline", "reason")),
    "DecideIn": action_body({"approved": BOOLEAN,
                             "reason": {"type": "string",
                                        "description": "Required when refusing."}},
                            ("approved",)),
    "CancelIn": action_body({"reason": STRING}, ("reason",)),
    "AssignIn": action_body({"officer_ids": {"type": "array", "items": ID, "minItems": 1}},
                            ("officer_ids",)),
    "SubtaskIn": action_body({"unit_id": ID, "content": STRING, "deadline": DATE},
                             ("unit_id", "content", "deadline")),
    "DifficultyIn": action_body({
        "kind": {"type": "string", "enum": _values(DifficultyKind)},
        "content": STRING,
        "asks": {"type": "string", "enum": _values(DifficultyAsk)},
        "proposed_deadline": nullable({**DATE, "description": "With asks = more_time."}),
    }, required=("kind", "content", "asks")),
    # On a difficulty, "version" is still its task's (a difficulty has no version of its own).
    "ProposeIn": obj({"proposal": STRING, "version": DIFFICULTY_TASK_VERSION}),
    "DifficultyDecideIn": obj({
        "approved": BOOLEAN,
        "decision": STRING,
        "new_deadline": nullable({**DATE, "description": "asks = more_time: the new deadline "
                                                         "(default: the unit's proposed one)."}),
        "new_content": {"type": "string", "description": "asks = change_content: required."},
        "cancel_task": nullable({"type": "boolean", "description": "Approve by cancelling "
                                                                   "the task."}),
        "version": DIFFICULTY_TASK_VERSION,
    }, required=("approved", "decision")),
}

FREQUENCY = nullable({"type": "string", "enum": _values(UpdateFrequency)})
SCHEMAS |= {
    "ExtractIn": obj({"text": {"type": "string", "description": "The directive's text."},
                      "issued_on": DATE}),
    "ExtractFileIn": obj({"file": {"type": "string", "format": "binary",
                                   "description": "The directive as .docx or .pdf (typed from "
                                                  "its content)."},
                          "issued_on": DATE}),
    "ProposedTask": obj({
        "content": STRING,
        "source_text": {"type": "string", "description": "The words the task was read from."},
        "lead_unit_id": nullable(ID),
        "lead_unit_name": nullable({"type": "string", "description": (
            "The lead unit's full official name as the text designates it, even when no unit "
            "of this installation matches (then lead_unit_id is null).")}),
        "lead_group": nullable({"type": "string", "description": (
            "A group addressee as written (\"các sở, ban, ngành tỉnh\"), for the specialist "
            "to expand.")}),
        "cooperating_unit_ids": {"type": "array", "items": ID},
        "cooperating_unit_names": {"type": "array", "items": STRING},
        "deadline": nullable(DATE),
        "deadline_text": nullable({"type": "string",
                                   "description": "The words the deadline was read from."}),
        "update_frequency": FREQUENCY,
    }),
    "Extracted": obj({"tasks": {"type": "array", "items": ref("ProposedTask")}}),
}


def _extract_operation() -> dict:
    op = operation("Extract tasks: proposed tasks read from a directive", 200, "Extracted",
                   (400, 403, 413, 422), body="ExtractIn",
                   description="Office specialist only. Send the text as JSON, or the .docx/"
                               ".pdf as the multipart field `file`; nothing is stored.")
    op["requestBody"]["content"]["multipart/form-data"] = {"schema": ref("ExtractFileIn")}
    return op


ACTION_ERRORS = (400, 403, 404, 409, 422)
TASK_ACTIONS = [
    # path, summary, body schema, body required, success status, success schema, description
    ("forward", "Forward a task", "VersionIn", False, 200, "Task",
     "Office specialist: draft or returned → assigned (Đ7.1a–b)."),
    ("receive", "Receive a task", "VersionIn", False, 200, "Task",
     "Lead unit: assigned → in_progress."),
    ("return", "Return a task", "ReturnIn", True, 200, "Task",
     "Lead unit's leader: assigned → returned, with the reason (Đ8.2a). An officer's return, "
     "where the unit's kind asks for the leader's sign-off: 202, the task unchanged with "
     "`signoff_pending` \"return\" until the leader decides (`/signoff`)."),
    ("progress", "Post progress", "ProgressIn", True, 201, "ProgressUpdate",
     "Lead or cooperating unit adds a progress update (Đ6.8, Đ8, Đ10.2b)."),
    ("complete", "Report completion", "CompleteIn", True, 200, "Task",
     "Lead unit: in_progress → pending_verification. An officer's report, where the unit's "
     "kind asks for the leader's sign-off (Đ9.2c): 202, the task unchanged with "
     "`signoff_pending` \"report_completion\" until the leader decides (`/signoff`)."),
    ("signoff", "Sign off an officer's report", "SignoffIn", True, 200, "Task",
     "Lead unit's leader, on a task with `signoff_pending`: approved, the report or return "
     "takes effect as the unit's; else it goes back to the officer with the comment."),
    ("verify", "Verify a completion", "VerifyIn", True, 200, "Task",
     "Office specialist: accepted → completed, else → in_progress (Đ7.2đ)."),
    ("extensions", "Request an extension", "ExtensionIn", True, 201, "ExtensionRequest",
     "Lead unit asks to move the deadline (Đ11.1d)."),
    ("cancel", "Cancel a task", "CancelIn", True, 200, "Task",
     "Office specialist: any open state or draft → cancelled."),
    ("assign", "Assign officers", "AssignIn", True, 200, "Task",
     "Lead unit's leader names (or renames) the handling officers, staff of the unit (Đ8.2b)."),
    ("subtasks", "Add a sub-task", "SubtaskIn", True, 201, "Task",
     "Lead unit's leader delegates part of the task to a child unit: a sub-task, state "
     "assigned, deadline not after the task's (Đ9.2a, Đ10.2c)."),
]


def _paths() -> dict:
    paths = {
        "/openapi.json": {"get": {
            "summary": "This description", "operationId": "openapi", "security": [],
            "responses": {"200": {"description": "OpenAPI 3.0 document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        }},
        "/me": {"get": operation("Me: the token's user", 200, "Me")},
        "/units": {"get": operation("Units: every active unit", 200, "UnitPage", (400,),
                                    params=LIST_PARAMS)},
        "/leaders": {"get": operation("Leaders: by name, position and sectors", 200,
                                      "LeaderList")},
        "/difficulties": {"get": operation(
            "Difficulties: those the caller may see, newest first", 200, "DifficultyPage",
            (400,), params=[
                {"name": "state", "in": "query",
                 "schema": {"type": "string", "enum": _values(DifficultyState)}},
                {"name": "task_id", "in": "query", "schema": ID}, *LIST_PARAMS],
            description="The Office and leaders: all; a unit: those it raised.")},
        "/tasks/{task_id}/difficulties": {"post": operation(
            "Raise a difficulty", 201, "Difficulty", ACTION_ERRORS,
            params=[_path_id("task_id")], body="DifficultyIn",
            description="Lead or cooperating unit (Đ10.1a–c, Đ16.3).")},
        "/difficulties/{difficulty_id}/propose": {"post": operation(
            "Propose on a difficulty", 200, "Difficulty", ACTION_ERRORS,
            params=[_path_id("difficulty_id")], body="ProposeIn",
            description="Office specialist: open → proposed (Đ7.2d).")},
        "/difficulties/{difficulty_id}/decide": {"post": operation(
            "Decide a difficulty", 200, "Difficulty", ACTION_ERRORS,
            params=[_path_id("difficulty_id")], body="DifficultyDecideIn",
            description="The directing leader of its task (the Chairman may always): "
                        "proposed → decided; an approval is applied to the task.")},
        "/documents": {"post": operation(
            "Create document: with its tasks, as drafts", 201, "Document", (400, 403, 409, 422),
            body="DocumentIn", description="Office specialist only.")},
        "/documents/extract": {"post": _extract_operation()},
        "/documents/{document_id}": {"get": operation(
            "Document: with the tasks the caller may see", 200, "Document", (404,),
            params=[_path_id("document_id")])},
        "/tasks": {"get": operation("Tasks: those the caller may see, newest first", 200,
                                    "TaskPage", (400,), params=[
            {"name": "state", "in": "query", "schema": {"type": "string", "enum": _values(TaskState)}},
            {"name": "timeliness", "in": "query",
             "schema": {"type": "string", "enum": _values(Timeliness)},
             "description": "Tasks whose timeliness is this value (a returned task is open; "
                            "sub-tasks too)."},
            {"name": "unit_id", "in": "query", "schema": ID,
             "description": "Tasks this unit leads or cooperates on."},
            {"name": "document_id", "in": "query", "schema": ID},
            {"name": "deadline_from", "in": "query", "schema": DATE},
            {"name": "deadline_to", "in": "query", "schema": DATE},
            {"name": "q", "in": "query", "schema": STRING,
             "description": "Text contained in the task's content."},
            *LIST_PARAMS])},
        "/tasks/{task_id}": {"get": operation(
            "Task: with history, progress and extension requests", 200, "TaskDetail", (404,),
            params=[_path_id("task_id")])},
        "/extensions/{extension_id}/decide": {"post": operation(
            "Decide an extension", 200, "ExtensionRequest", ACTION_ERRORS,
            params=[_path_id("extension_id")], body="DecideIn",
            description="Leader or Office specialist approves or refuses (Đ11.1d).")},
        "/calendar/working-day": {"get": operation("Working day: is this date one", 200,
                                                   "WorkingDay", (400,), params=[
            {"name": "date", "in": "query", "required": True, "schema": DATE}])},
        "/calendar/add-working-days": {"get": operation(
            "Add working days: the n-th working day after a date", 200, "AddedWorkingDays",
            (400,), params=[
                {"name": "start", "in": "query", "required": True, "schema": DATE},
                {"name": "days", "in": "query", "required": True,
                 "schema": {"type": "integer", "minimum": 0, "maximum": MAX_WORKING_DAYS,
                            "example": 1}}])},
        "/reports/period": {"get": operation("Report period: its data window", 200, "Period",
                                             (400,), params=PERIOD_PARAMS)},
        "/reports/statistics": {"get": operation(
            "Report statistics: the table of a period", 200, "Statistics", (400, 403),
            params=PERIOD_PARAMS,
            description="The Office and leaders get every unit's row; a unit user their own "
                        "unit's.")},
    }
    for path, summary, body, required, status, schema, description in TASK_ACTIONS:
        paths[f"/tasks/{{task_id}}/{path}"] = {"post": operation(
            summary, status, schema, ACTION_ERRORS, params=[_path_id("task_id")], body=body,
            body_required=required, description=description)}
    for path in ("complete", "return"):  # held for the unit leader's sign-off
        paths[f"/tasks/{{task_id}}/{path}"]["post"]["responses"]["202"] = {
            "description": "Accepted: waiting for the unit leader's sign-off",
            "content": {"application/json": {"schema": ref("Task")}}}
    return paths


def openapi_document() -> dict:
    """The whole description."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "CĐĐH API", "version": "1",
                 "description": "Theo dõi, đôn đốc, kiểm tra nhiệm vụ (QĐ 09/2020/QĐ-UBND Bến "
                                "Tre). Every call but this description needs "
                                "`Authorization: Bearer <token>`."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }
