"""The endpoints of api.md. Each one loads through the policy (404 when a row is absent or not
visible), checks access, reads its input and acts through a service; the transaction the
services leave to their caller is committed here."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, g, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..auth import policy
from ..models import (
    Difficulty,
    DifficultyState,
    Document,
    ExtensionRequest,
    ProgressUpdate,
    Task,
    TaskHistory,
    TaskState,
    Timeliness,
    Unit,
    User,
    db,
    task_unit,
)
from ..services import (
    DomainError,
    NotAllowed,
    delegation,
    difficulties,
    documents,
    duties,
    leaders,
    periods,
    scope,
    signoff,
    statistics,
    tokens,
    workflow,
)
from ..services import search as text_search
from ..services.calendar import calendar
from ..services.clock import local_today
from ..services.directives import read as directives
from ..services.scope import UNIT_ROW
from ..services.timeliness import task_timeliness_clause, task_timeliness_states
from . import shapes
from .errors import ApiError, handle_api_error, handle_domain_error, json_response, not_found
from .inputs import (
    MAX_ID,
    MAX_WORKING_DAYS,
    Fields,
    document_input,
    json_body,
    page,
    query_choice,
    query_date,
    query_int,
    query_text,
)
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_error_handler(ApiError, handle_api_error)
bp.register_error_handler(DomainError, handle_domain_error)

# Larger ids cannot exist (see inputs.MAX_ID): the router answers 404 for them.
ID = f"int(max={MAX_ID})"
PUBLIC_ENDPOINTS = {"api.openapi"}


# --- who is asking -------------------------------------------------------------------------
@bp.before_request
def authenticate():
    """``Authorization: Bearer <token>``; the token's user becomes flask_login's current_user
    (so the audit log names them). No session cookie is read or written on /api."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized",
                       _("Send an API token in the Authorization header: Bearer <token>."))
    user = tokens.user_for_token(token.strip())
    if user is None:
        raise ApiError(401, "invalid_token", _("The API token is not valid: it is unknown or "
                                               "revoked, or its account is deactivated."))
    if db.session.dirty:  # the token's last use was recorded
        db.session.commit()
    g._login_user = user


def me() -> User:
    return g._login_user


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI description of this API (public: it shows no data)."""
    return json_response(openapi_document())


@bp.get("/me")
def whoami():
    return json_response(shapes.me_out(me()))


@bp.get("/units")
def units():
    """Units a user may name in a document or task (every active unit)."""
    query = sa.select(Unit).where(policy.reference_scope(me(), Unit))
    rows, next_cursor = page(query, Unit.id)
    return json_response({"items": [shapes.unit_out(u) for u in rows], "next_cursor": next_cursor})


@bp.get("/leaders")
def leader_list():
    """The leaders by name: position and, for vice-chairmen, the sectors they direct."""
    return json_response({"items": [shapes.leader_out(u) for u in leaders.leaders()]})


# --- documents -----------------------------------------------------------------------------
def _visible_tasks_of(doc: Document) -> list[Task]:
    return list(db.session.scalars(
        sa.select(Task).where(Task.document_id == doc.id, policy.task_scope(me()))
        .options(selectinload(Task.cooperating_units)).order_by(Task.id)))


@bp.post("/documents")
def create_document():
    """Enter a document with its draft tasks (the Office specialist; Đ7.1a)."""
    if not policy.may_enter_documents(me()):
        raise NotAllowed(_("Only an Office specialist can enter documents."))
    data = document_input(json_body())
    doc = documents.create_document(me(), data)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # A unique number entered by someone else at the same moment.
        raise ApiError(409, "conflict", _("The same data was saved by someone else at the same "
                                          "time; nothing was saved. Reload and try again.")) from None
    return json_response(shapes.document_out(doc, _visible_tasks_of(doc), local_today(),
                                             viewer=me()), 201,
                         {"Location": url_for(".document", document_id=doc.id)})


@bp.get(f"/documents/<{ID}:document_id>")
def document(document_id: int):
    doc = db.session.scalar(sa.select(Document).where(Document.id == document_id,
                                                      policy.document_scope(me())))
    if doc is None:
        raise not_found()
    return json_response(shapes.document_out(doc, _visible_tasks_of(doc), local_today(),
                                             viewer=me()))


@bp.post("/documents/extract")
def extract_tasks():
    """Proposed tasks read from a directive's text or its .docx/.pdf (the Office specialist);
    nothing is stored."""
    if not policy.may_enter_documents(me()):
        raise NotAllowed(_("Only an Office specialist can enter documents."))
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(422, "invalid", _("Send the directive as the multipart field “file”."),
                           {"file": _("Send the directive as the multipart field “file”.")})
        fields = Fields(request.form.to_dict())
        issued_on = fields.date("issued_on")
        fields.check()
        text = directives.text_of_file(upload.filename or "", upload.read())
    else:
        fields = Fields(json_body())
        text, issued_on = fields.text("text"), fields.date("issued_on")
        fields.check()
    tasks = directives.read_directive(text, issued_on)
    return json_response({"tasks": [t.as_dict() for t in tasks]})


# --- tasks ---------------------------------------------------------------------------------
@bp.get("/tasks")
def tasks():
    """The tasks the user may read, newest first, with the filters of api.md.

    A unit user's tasks are its unit's ``task_unit`` rows: each task is read with its row
    (policy.task_scope_on_row) and every filter the row can tell is said there, by the same
    rules as the list screen's (cddh.services.scope; the timeliness of the Task out:
    timeliness.task_timeliness_clause), so that a page is one range of the unit's rows,
    newest first (the row's task id: the key of the unit's primary-key index). Anyone else
    filters the tasks themselves."""
    today = local_today()
    user = me()
    on_row = policy.scope_on_unit_row(user)
    conditions = [policy.task_scope_on_row(user) if on_row else policy.task_scope(user)]
    state = query_choice("state", TaskState)
    if state is not None:
        conditions += scope.row_state(state.value) if on_row else [Task.state == state]
    value = query_choice("timeliness", Timeliness)
    if value is not None:
        # The tasks whose ``timeliness`` (Task out) is that value: sub-tasks and returned
        # tasks too, which the figures count apart or not at all.
        conditions.append(task_timeliness_clause(value, today, of=UNIT_ROW if on_row else None))
        if state is not None and state not in task_timeliness_states(value):
            # No task is in that state and class: found without a search (the planner
            # cannot tell, and walks the whole table backwards for a page).
            conditions.append(sa.false())
    unit_id = query_int("unit_id", 1, MAX_ID)
    if unit_id is not None:
        conditions += (scope.row_led_or_shared_by(unit_id, user.unit_id) if on_row
                       else [scope.led_or_shared_by(unit_id)])
    document_id = query_int("document_id", 1, MAX_ID)
    if document_id is not None:
        conditions += (scope.row_document(document_id) if on_row
                       else [Task.document_id == document_id])
    deadline_from, deadline_to = query_date("deadline_from"), query_date("deadline_to")
    if on_row and (deadline_from is not None or deadline_to is not None):
        # Exact for the stored deadline, though the row holds the effective one (Điều 148).
        conditions += scope.row_deadline_within(deadline_from, deadline_to)
    elif not on_row:
        if deadline_from is not None:
            conditions.append(Task.deadline >= deadline_from)
        if deadline_to is not None:
            conditions.append(Task.deadline <= deadline_to)
    found = text_search.task_match(query_text("q"))
    if found is not None:  # the list screens' search: every word, without diacritics
        conditions.append(found[0])
    query = sa.select(Task)
    if on_row:  # joined as the list joins it: a condition that is false keeps the join
        query = query.join(task_unit, task_unit.c.task_id == Task.id)
    query = query.where(*conditions).options(selectinload(Task.cooperating_units))
    rows, next_cursor = page(query, task_unit.c.task_id if on_row else Task.id, descending=True)
    inner = shapes.inner_ids(rows, user)
    return json_response({"items": [shapes.task_out(t, today, inner, viewer=user) for t in rows],
                          "next_cursor": next_cursor})


def _visible_task(task_id: int) -> Task:
    task = db.session.scalar(sa.select(Task).where(Task.id == task_id, policy.task_scope(me())))
    if task is None:
        raise not_found()
    return task


def _of_task(model, task: Task, *order) -> list:
    return list(db.session.scalars(sa.select(model).where(
        model.task_id == task.id, policy.row_scope(me(), model)).order_by(*order)))


@bp.get(f"/tasks/<{ID}:task_id>")
def task(task_id: int):
    """A task with its history and progress updates (oldest first) and extension requests."""
    task = _visible_task(task_id)
    out = shapes.task_out(task, local_today(), viewer=me())
    history = duties.with_open_spell(task, _of_task(TaskHistory, task, TaskHistory.at,
                                                    TaskHistory.id))
    out["history"] = [shapes.history_out(h) for h in
                      delegation.without_unseen_subtasks(task, history, me())]
    out["progress"] = [shapes.progress_out(p) for p in
                       _of_task(ProgressUpdate, task, ProgressUpdate.created_at, ProgressUpdate.id)]
    out["extensions"] = [shapes.extension_out(e) for e in
                         _of_task(ExtensionRequest, task, ExtensionRequest.requested_at,
                                  ExtensionRequest.id)]
    return json_response(out)


def _acting_on(task_id: int, action: str) -> tuple[Task, Fields, int | None]:
    """Load → check access → read: the task (404 if not visible), 403 if the user's role and
    unit may not attempt ``action``, then the body and its optional ``version``."""
    task = _visible_task(task_id)
    if not policy.may_act_on_task(me(), task, action):
        raise NotAllowed(_("You are not allowed to do this on this task."))
    fields = Fields(json_body())
    return task, fields, fields.version()


def _changed(task: Task, status: int = 200, result=None):
    """Commit the change; answer with the task (or ``result``)."""
    workflow.commit()
    if result is None:
        result = shapes.task_out(task, local_today(), viewer=me())
    else:  # the task's version after the change: what the client's next call sends
        result = {**result, "task_version": task.version}
    return json_response(result, status)


@bp.post(f"/tasks/<{ID}:task_id>/forward")
def forward(task_id: int):
    task, fields, version = _acting_on(task_id, "forward")
    fields.check()
    workflow.forward(me(), task, version=version)
    return _changed(task)


@bp.post(f"/tasks/<{ID}:task_id>/receive")
def receive(task_id: int):
    task, fields, version = _acting_on(task_id, "receive")
    fields.check()
    workflow.receive(me(), task, version=version)
    return _changed(task)


@bp.post(f"/tasks/<{ID}:task_id>/return")
def return_task(task_id: int):
    task, fields, version = _acting_on(task_id, "return")
    category, reason = fields.text("reason_category"), fields.text("reason")
    fields.check()
    workflow.return_task(me(), task, category, reason, version=version)
    return _changed(task, _held_or_done(task))


@bp.post(f"/tasks/<{ID}:task_id>/progress")
def progress(task_id: int):
    task, fields, version = _acting_on(task_id, "progress")
    content, percent = fields.text("content"), fields.integer("percent")
    fields.check()
    update = workflow.post_progress(me(), task, content, percent, version=version)
    db.session.flush()
    return _changed(task, 201, shapes.progress_out(update))


@bp.post(f"/tasks/<{ID}:task_id>/complete")
def complete(task_id: int):
    task, fields, version = _acting_on(task_id, "report_completion")
    completed_on = fields.date("completed_on")
    summary, number = fields.text("result_summary"), fields.text("result_document_number")
    fields.check()
    workflow.report_completion(me(), task, completed_on=completed_on, result_summary=summary,
                               result_document_number=number, version=version)
    return _changed(task, _held_or_done(task))


def _held_or_done(task: Task) -> int:
    """200 when the report or return took effect; 202 when it waits for the unit leader's
    sign-off (Đ9.2c, cddh.services.signoff: a staff member's, where the unit's kind asks for
    it): the task keeps its state and says what waits in ``signoff_pending``."""
    return 202 if task.signoff_action else 200


@bp.post(f"/tasks/<{ID}:task_id>/signoff")
def sign_off(task_id: int):
    """Đ9.2c: the lead unit's leader signs off what an officer's report or return proposes
    (``signoff_pending``): approved, it reaches the Office as the unit's (the task changes
    state as it would have); else it goes back to the officer with the comment (required)."""
    task, fields, version = _acting_on(task_id, "approve_signoff")
    approved, comment = fields.boolean("approved", required=True), fields.text("comment")
    fields.check()
    if approved:
        signoff.approve(me(), task, comment=comment or "", version=version)
    else:
        signoff.send_back(me(), task, comment=comment or "", version=version)
    return _changed(task)


@bp.post(f"/tasks/<{ID}:task_id>/verify")
def verify(task_id: int):
    task, fields, version = _acting_on(task_id, "verify")
    accepted, comment = fields.boolean("accepted", required=True), fields.text("comment")
    fields.check()
    workflow.verify(me(), task, accepted=accepted, comment=comment, version=version)
    return _changed(task)


@bp.post(f"/tasks/<{ID}:task_id>/assign")
def assign(task_id: int):
    """Đ8.2b: the lead unit's leader names the task's handling officers."""
    task, fields, version = _acting_on(task_id, "assign")
    officer_ids = fields.identifiers("officer_ids")
    fields.check()
    delegation.assign_officers(me(), task, officer_ids, version=version)
    return _changed(task)


@bp.post(f"/tasks/<{ID}:task_id>/subtasks")
def add_subtask(task_id: int):
    """Đ9.2a, Đ10.2c: the lead unit's leader delegates part of the task to a child unit."""
    task, fields, version = _acting_on(task_id, "delegate")
    unit_id, content, deadline = (fields.identifier("unit_id"), fields.text("content"),
                                  fields.date("deadline"))
    fields.check()
    sub = delegation.add_subtask(me(), task, unit_id=unit_id, content=content,
                                 deadline=deadline, version=version)
    workflow.commit()
    return json_response(shapes.task_out(sub, local_today(), viewer=me()), 201)


@bp.post(f"/tasks/<{ID}:task_id>/extensions")
def request_extension(task_id: int):
    task, fields, version = _acting_on(task_id, "request_extension")
    proposed, reason = fields.date("proposed_deadline"), fields.text("reason")
    fields.check()
    extension = workflow.request_extension(me(), task, proposed_deadline=proposed, reason=reason,
                                           version=version)
    db.session.flush()
    return _changed(task, 201, shapes.extension_out(extension))


@bp.post(f"/tasks/<{ID}:task_id>/cancel")
def cancel(task_id: int):
    task, fields, version = _acting_on(task_id, "cancel")
    reason = fields.text("reason")
    fields.check()
    workflow.cancel(me(), task, reason=reason, version=version)
    return _changed(task)


@bp.post(f"/extensions/<{ID}:extension_id>/decide")
def decide_extension(extension_id: int):
    extension = db.session.scalar(sa.select(ExtensionRequest).where(
        ExtensionRequest.id == extension_id, policy.row_scope(me(), ExtensionRequest)))
    if extension is None:
        raise not_found()
    if not policy.may_act_on_task(me(), extension.task, "decide_extension"):
        raise NotAllowed(_("You are not allowed to do this on this task."))
    fields = Fields(json_body())
    version = fields.version()
    approved, reason = fields.boolean("approved", required=True), fields.text("reason")
    fields.check()
    workflow.decide_extension(me(), extension, approved=approved, reason=reason, version=version)
    workflow.commit()
    return json_response({**shapes.extension_out(extension),
                          "task_version": extension.task.version})


# --- difficulties and proposals (Đ10.1a–c, Đ16.3) --------------------------------------------
@bp.post(f"/tasks/<{ID}:task_id>/difficulties")
def raise_difficulty(task_id: int):
    task, fields, version = _acting_on(task_id, "raise_difficulty")
    kind, content, asks = fields.text("kind"), fields.text("content"), fields.text("asks")
    proposed = fields.date("proposed_deadline")
    fields.check()
    item = difficulties.raise_difficulty(me(), task, kind=kind, content=content, asks=asks,
                                         proposed_deadline=proposed, version=version)
    workflow.commit()
    return json_response(shapes.difficulty_out(item), 201)


@bp.get("/difficulties")
def difficulty_list():
    """The Office and leaders see every difficulty; a unit those it raised."""
    conditions = [policy.row_scope(me(), Difficulty)]
    state = query_choice("state", DifficultyState)
    if state is not None:
        conditions.append(Difficulty.state == state)
    task_id = query_int("task_id", 1, MAX_ID)
    if task_id is not None:
        conditions.append(Difficulty.task_id == task_id)
    query = sa.select(Difficulty).where(*conditions).options(
        selectinload(Difficulty.task), selectinload(Difficulty.history))
    rows, next_cursor = page(query, Difficulty.id, descending=True)
    return json_response({"items": [shapes.difficulty_out(d) for d in rows],
                          "next_cursor": next_cursor})


def _visible_difficulty(difficulty_id: int) -> Difficulty:
    item = db.session.scalar(sa.select(Difficulty).where(
        Difficulty.id == difficulty_id, policy.row_scope(me(), Difficulty)))
    if item is None:
        raise not_found()
    return item


@bp.post(f"/difficulties/<{ID}:difficulty_id>/propose")
def propose_on_difficulty(difficulty_id: int):
    item = _visible_difficulty(difficulty_id)
    if not policy.may_propose_on_difficulty(me()):
        raise NotAllowed(_("Only an Office specialist proposes a way forward."))
    fields = Fields(json_body())
    # "version": the version of the difficulty's task, as the caller last read it.
    proposal, version = fields.text("proposal"), fields.version()
    fields.check()
    difficulties.propose(me(), item, proposal=proposal, version=version)
    workflow.commit()
    return json_response(shapes.difficulty_out(item))


@bp.post(f"/difficulties/<{ID}:difficulty_id>/decide")
def decide_difficulty(difficulty_id: int):
    item = _visible_difficulty(difficulty_id)
    if not policy.may_decide_difficulty(me(), item.task):
        raise NotAllowed(_("Only the leader who directs this task, or the Chairman, decides "
                           "on it."))
    fields = Fields(json_body())
    approved, decision = fields.boolean("approved", required=True), fields.text("decision")
    new_deadline, new_content = fields.date("new_deadline"), fields.text("new_content")
    cancel_task = fields.boolean("cancel_task")
    version = fields.version()  # the version of the difficulty's task (as for propose)
    fields.check()
    difficulties.decide(me(), item, approved=approved, decision=decision,
                        new_deadline=new_deadline, new_content=new_content,
                        cancel_task=bool(cancel_task), version=version)
    workflow.commit()
    return json_response(shapes.difficulty_out(item))


# --- the working-day calendar ----------------------------------------------------------------
@bp.get("/calendar/working-day")
def working_day():
    day = query_date("date", required=True)
    cal = calendar()
    out = {"date": day.isoformat(), "is_working_day": cal.is_working_day(day)}
    name = cal.day_name(day)
    if name:
        out["name"] = name
    return json_response(out)


@bp.get("/calendar/add-working-days")
def add_working_days():
    """The ``days``-th working day after ``start``."""
    start = query_date("start", required=True)
    days = query_int("days", 0, MAX_WORKING_DAYS, required=True)
    try:
        result = calendar().add_working_days(start, days)
    except OverflowError:
        raise ApiError(400, "invalid_parameter", _("The result falls outside the calendar."),
                       {"days": _("The result falls outside the calendar.")}) from None
    return json_response({"start": start.isoformat(), "days": days, "result": result.isoformat()})


# --- reports -------------------------------------------------------------------------------
def _period() -> tuple[dict, dt.date, dt.date]:
    """The period named by ?kind=&year=&number= and its first and last day; a period that
    does not exist is a 400."""
    kind = query_text("kind", required=True)
    year = query_int("year", 0, MAX_ID, required=True)
    number = query_int("number", 0, MAX_ID, required=True)
    try:
        start, end = periods.period_bounds(kind, year, number)
    except DomainError as exc:
        raise ApiError(400, exc.code, exc.message, {k: exc.message for k in exc.fields}) from None
    period = {"kind": kind, "year": year, "number": number, "start": start.isoformat(),
              "end": end.isoformat()}
    return period, start, end


@bp.get("/reports/period")
def report_period():
    return json_response(_period()[0])


@bp.get("/reports/statistics")
def report_statistics():
    """The statistics table of a period: every unit for the Office and leaders, a unit user's
    own unit only."""
    unit_ids = policy.statistics_unit_ids(me())
    period, start, end = _period()
    rows = statistics.unit_statistics(start, end, unit_ids)
    return json_response({"period": period, "rows": rows, "total": statistics.total_row(rows)})
