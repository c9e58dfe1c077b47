"""Inspection (Đ12–14): plans, teams, requests for documents, findings, conclusions and
recommendations, and the follow-up tasks that recommendations become.

Who may attempt what is asked of ``cddh.auth.policy``; the state rules live here:

* a plan is drafted by an Office specialist and approved by a leader (draft → approved);
* a team is prepared (draft) by an Office specialist or by the inspector who will lead it,
  approved by a leader with its decision number and date, started and closed by its lead
  (draft → approved → in_progress → closed). Only a draft team's decision and inspected units
  change; while the team is open (approved or in progress, as in the policy) the lead
  invites members (Đ14.2), asks the inspected units for documents (Đ14.3) and records
  findings, conclusions and recommendations. Closing needs a conclusion for every unit and
  freezes the team.
* a recommendation becomes a follow-up task in the normal lifecycle: a *draft* task led by the
  inspected unit, under the team's conclusion notice (Thông báo kết luận, one document per
  team). It then waits in the Office's "drafts not yet forwarded" list, where a specialist
  checks and forwards it like any other task (Đ7.1a); from then on it counts in the period
  statistics like every forwarded task.

The caller owns the transaction. Every refusal is a ``DomainError`` that changed nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
import xlsxwriter
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import labels
from ..auth import policy
from ..models import (
    Attachment,
    DocType,
    Document,
    InspectedUnit,
    InspectionDocumentRequest,
    InspectionFinding,
    InspectionKind,
    InspectionMember,
    InspectionPlan,
    InspectionRecommendation,
    InspectionStatus,
    InspectionTeam,
    Role,
    Task,
    TaskState,
    Unit,
    User,
    db,
    utcnow,
)
from . import Conflict, DomainError, NotAllowed, NotFound, notifications
from .attachments import store_uploads
from .cells import write_cell, write_row
from .clock import local_today, start_of_local_day
from .documents import prepare_document
from .duties import message_text, notify, unit_users
from .leaders import hears_of, leader_recipients
from .lengths import check_lengths
from .parsing import to_id
from .scope import led_or_shared_by
from .tasks import parse_date
from .workflow import record_history

St = InspectionStatus
OPEN = policy.OPEN_INSPECTION_STATES

# --- small helpers -----------------------------------------------------------------------------

def _text(value, field_name: str, message: str, column=None) -> str:
    """A required text; with ``column``, no longer than the column holds."""
    text = (value or "").strip()
    if not text:
        raise DomainError(message, fields={field_name: "required"})
    if column is not None:
        check_lengths(None, {field_name: text}, columns={field_name: column})
    return text


def _date(value, field_name: str, message: str) -> dt.date:
    day = parse_date(value, field_name)
    if day is None:
        raise DomainError(message, fields={field_name: "required"})
    return day


def _id(value, field_name: str) -> int | None:
    if value in (None, ""):
        return None
    number = to_id(value)
    if number is None:
        raise DomainError(_("“%(v)s” is not a valid identifier.", v=str(value)[:40]),
                          fields={field_name: "invalid"})
    return number


def _in_default_locale(fn):
    """Stored texts (notifications, generated documents) are written in the province's
    language, whoever's screen triggered them."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return fn()


def _notify(recipients, kind: str, message: str, task_id: int | None = None) -> None:
    """Notify the active users matching ``recipients`` (one INSERT … SELECT)."""
    notify(sa.select(User.id, sa.literal(kind), sa.literal(task_id, sa.Integer()),
                     sa.literal(message)).where(User.active.is_(True), recipients))



# --- plans (Đ12.1a) ----------------------------------------------------------------------------

def prepare_plan(actor: User, plan: InspectionPlan, *, is_created: bool) -> None:
    """Check a plan saved from its form: drafted by an Office specialist, changed only as a
    draft."""
    if not policy.may_draft_inspection_plan(actor):
        raise NotAllowed(_("Only an Office specialist drafts inspection plans."))
    if is_created:
        plan.status = St.draft
    elif plan.status != St.draft:
        raise Conflict(_("An approved plan can no longer be changed."), code="wrong_state")
    plan.title = _text(plan.title, "title", _("Enter the plan's title."), InspectionPlan.title)
    check_lengths(InspectionPlan, period=plan.period)
    if plan.year is None or not 2000 <= int(plan.year) <= 2100:
        raise DomainError(_("Enter the plan's year."), fields={"year": "invalid"})


def approve_plan(actor: User, plan: InspectionPlan, *, decision_number, decision_date) -> None:
    """A leader approves a draft plan by its decision (number and date)."""
    if not policy.may_approve_inspection(actor):
        raise NotAllowed(_("Only a leader approves inspection plans."))
    if plan.status != St.draft:
        raise Conflict(_("This plan is already approved."), code="wrong_state")
    plan.decision_number = _text(decision_number, "decision_number",
                                 _("Enter the number of the approving decision."),
                                 InspectionPlan.decision_number)
    plan.decision_date = _date(decision_date, "decision_date",
                               _("Enter the date of the approving decision."))
    plan.status = St.approved
    plan.approved_by_id = actor.id
    plan.approved_at = utcnow()


# --- teams (Đ12.1b, Đ13, Đ14) --------------------------------------------------------------------

def _check_team_fields(team: InspectionTeam) -> None:
    """What every team needs: a name, a lead who may lead, its basis (Đ13.2), contents
    (Đ13.1) and a coherent schedule."""
    team.name = _text(team.name, "name", _("Enter the team's name."), InspectionTeam.name)
    lead = team.lead if team.lead is not None else db.session.get(User, team.lead_id or 0)
    if lead is None or not policy.may_sit_on_inspection_team(lead):
        raise DomainError(_("The team lead must be an active inspector or Office account."),
                          fields={"lead": "invalid"})
    plan = team.plan if team.plan is not None else (
        db.session.get(InspectionPlan, team.plan_id) if team.plan_id else None)
    if team.kind == InspectionKind.regular and plan is None:
        raise DomainError(_("A regular inspection is based on an approved plan (Đ13.2a): "
                            "choose the plan."), fields={"plan": "required"})
    if plan is not None and plan.status == St.draft:
        raise DomainError(_("The plan “%(p)s” is not approved yet.", p=plan.title),
                          fields={"plan": "not_approved"})
    if team.kind == InspectionKind.ad_hoc:
        team.ground = _text(team.ground, "ground", _("An ad hoc inspection needs its ground: the "
                                                     "direction or the signs found (Đ13.2b)."))
    if not any(getattr(team, name) for name, _label in labels.INSPECTION_CONTENTS):
        raise DomainError(_("Choose at least one content of the inspection (Đ13.1)."),
                          fields={"covers_task_results": "required"})
    if team.start_on and team.end_on and team.end_on < team.start_on:
        raise DomainError(_("The inspection cannot end before it starts."),
                          fields={"end_on": "invalid"})
    if team.id is not None and db.session.scalar(sa.select(InspectionMember.id).where(
            InspectionMember.team_id == team.id, InspectionMember.user_id == lead.id)):
        raise DomainError(_("The lead is already a member of the team; remove that membership "
                            "first."), fields={"lead": "invalid"})


def prepare_team(actor: User, team: InspectionTeam, *, is_created: bool) -> None:
    """Check a team saved from its form. An inspector who prepares a team leads it."""
    with db.session.no_autoflush:  # the form's half-filled row must not be flushed yet
        if is_created:
            if not policy.may_form_inspection_team(actor):
                raise NotAllowed(_("Only an Office specialist or an inspector prepares a team."))
            team.status = St.draft
            if not policy.is_office(actor):
                team.lead = db.session.get(User, actor.id)
        else:
            if not policy.may_manage_inspection_team(actor, team):
                raise NotAllowed(_("Only the team's lead or an Office specialist changes the "
                                   "team."))
            if team.status != St.draft:
                raise Conflict(_("The decision is issued: the team can no longer be edited. The "
                                 "lead can still invite members on the team's page."),
                               code="wrong_state")
            if not policy.is_office(actor) and team.lead_id != actor.id:
                raise NotAllowed(_("An inspector cannot hand the team to another lead."))
        _check_team_fields(team)
    if is_created:  # Đ12.1b: the Chairman establishes the team
        _notify(leader_recipients("inspection_team"), "inspection_team_drafted",
                message_text("inspection_team_drafted", team.name))


def approve_team(actor: User, team: InspectionTeam, *, decision_number, decision_date) -> None:
    """A leader approves the team by its establishing decision (number and date)."""
    if not policy.may_approve_inspection(actor):
        raise NotAllowed(_("Only a leader approves an inspection team's decision."))
    if not hears_of(actor, "inspection_team"):
        raise NotAllowed(_("The Chairman establishes an inspection team (Đ12.1b)."))
    if team.status != St.draft:
        raise Conflict(_("This team's decision is already approved."), code="wrong_state")
    _check_team_fields(team)
    if not db.session.scalar(sa.select(InspectedUnit.id).where(InspectedUnit.team_id == team.id)):
        raise DomainError(_("Add the units to inspect first."), fields={"unit_id": "required"})
    team.decision_number = _text(decision_number, "decision_number",
                                 _("Enter the number of the establishing decision."),
                                 InspectionTeam.decision_number)
    team.decision_date = _date(decision_date, "decision_date",
                               _("Enter the date of the establishing decision."))
    team.status = St.approved


def _check_lead(actor: User, team: InspectionTeam, *, open_only: bool = True) -> None:
    if not policy.is_inspection_lead(actor, team):
        raise NotAllowed(_("Only the team's lead can do this (Đ14.1)."))
    if open_only and team.status not in OPEN:
        raise Conflict(_("This can be done only while the inspection is open (decision approved, "
                         "not closed)."), code="wrong_state")


def start_team(actor: User, team: InspectionTeam) -> None:
    """Đ14.1: on the decision, the lead starts the inspection."""
    _check_lead(actor, team, open_only=False)
    if team.status != St.approved:
        raise Conflict(_("Only an approved team can start its inspection."), code="wrong_state")
    team.status = St.in_progress
    team.start_on = team.start_on or local_today()


def close_team(actor: User, team: InspectionTeam) -> None:
    """The lead closes the inspection once every inspected unit has its conclusion."""
    _check_lead(actor, team)
    missing = db.session.scalars(
        sa.select(Unit.name).join(InspectedUnit, InspectedUnit.unit_id == Unit.id)
        .where(InspectedUnit.team_id == team.id,
               sa.or_(InspectedUnit.conclusion.is_(None), InspectedUnit.conclusion == ""))
        .order_by(Unit.name)).all()
    if missing:
        raise DomainError(_("Record the conclusion for every inspected unit first: %(units)s.",
                            units="; ".join(missing)), fields={"conclusion": "required"})
    team.status = St.closed
    team.end_on = team.end_on or local_today()


def _check_composition(actor: User, team: InspectionTeam, *, draft_only: bool) -> None:
    if not policy.may_manage_inspection_team(actor, team):
        raise NotAllowed(_("Only the team's lead or an Office specialist changes the team."))
    if team.status == St.draft:
        return
    if draft_only:
        raise Conflict(_("The decision is issued: the inspected units no longer change."),
                       code="wrong_state")
    if team.status not in OPEN or not policy.is_inspection_lead(actor, team):
        # Đ14.2: once the decision is issued, only the lead invites, while the team works.
        raise Conflict(_("Once the decision is issued only the lead invites members, until "
                         "the inspection closes (Đ14.2)."), code="wrong_state")


def add_member(actor: User, team: InspectionTeam, *, user_id=None, external_name="",
               external_organisation="", position="") -> InspectionMember:
    """Add an Office account, or a person invited from another body (Đ14.2), to the team."""
    _check_composition(actor, team, draft_only=False)
    position = (position or "").strip()
    check_lengths(InspectionMember, position=position)
    member = InspectionMember(team_id=team.id, position=position)
    uid = _id(user_id, "user_id")
    if uid is not None:
        user = db.session.scalar(sa.select(User).where(
            User.id == uid, policy.reference_scope(actor, User)))
        if user is None or not policy.may_sit_on_inspection_team(user):
            raise DomainError(_("Choose an active inspector or Office account."),
                              fields={"user_id": "invalid"})
        if user.id == team.lead_id or db.session.scalar(sa.select(InspectionMember.id).where(
                InspectionMember.team_id == team.id, InspectionMember.user_id == user.id)):
            raise DomainError(_("%(u)s is already on the team.", u=str(user)),
                              fields={"user_id": "duplicate"})
        member.user_id = user.id
    else:
        name = _text(external_name, "external_name",
                     _("Choose an account, or enter the invited person's name."),
                     InspectionMember.external_name)
        organisation = (external_organisation or "").strip()
        check_lengths(InspectionMember, external_organisation=organisation)
        member.external_name, member.external_organisation = name, organisation
    db.session.add(member)
    db.session.flush()
    return member


def remove_member(actor: User, team: InspectionTeam, member_id) -> None:
    """Take a member off the team (the membership row goes; the audit log keeps it)."""
    _check_composition(actor, team, draft_only=False)
    member = db.session.get(InspectionMember, _id(member_id, "member_id") or 0)
    if member is None or member.team_id != team.id:
        raise NotFound(_("The member was not found in this team."))
    db.session.delete(member)


def add_inspected_unit(actor: User, team: InspectionTeam, *, unit_id,
                       scheduled_on=None) -> InspectedUnit:
    """Name a unit the team inspects (before the decision is issued)."""
    _check_composition(actor, team, draft_only=True)
    unit = db.session.scalar(sa.select(Unit).where(Unit.id == (_id(unit_id, "unit_id") or 0),
                                                   policy.reference_scope(actor, Unit)))
    if unit is None:
        raise DomainError(_("Choose an active unit to inspect."), fields={"unit_id": "invalid"})
    if db.session.scalar(sa.select(InspectedUnit.id).where(
            InspectedUnit.team_id == team.id, InspectedUnit.unit_id == unit.id)):
        raise DomainError(_("%(u)s is already inspected by this team.", u=unit.name),
                          fields={"unit_id": "duplicate"})
    day = parse_date(scheduled_on, "scheduled_on")
    if day and ((team.start_on and day < team.start_on) or (team.end_on and day > team.end_on)):
        raise DomainError(_("The working day with the unit must fall within the inspection's "
                            "schedule."), fields={"scheduled_on": "invalid"})
    inspected = InspectedUnit(team_id=team.id, unit_id=unit.id, scheduled_on=day)
    db.session.add(inspected)
    db.session.flush()
    return inspected


def remove_inspected_unit(actor: User, team: InspectionTeam, inspected_unit_id) -> None:
    """Take a unit off a draft team."""
    _check_composition(actor, team, draft_only=True)
    db.session.delete(_inspected_unit(team, inspected_unit_id))


def _inspected_unit(team: InspectionTeam, inspected_unit_id) -> InspectedUnit:
    inspected = db.session.get(InspectedUnit, _id(inspected_unit_id, "inspected_unit_id") or 0)
    if inspected is None or inspected.team_id != team.id:
        raise NotFound(_("This unit is not inspected by this team."))
    return inspected


# --- requests for documents (Đ14.3) --------------------------------------------------------------

def request_documents(actor: User, team: InspectionTeam, *, inspected_unit_id, what,
                      due_on) -> InspectionDocumentRequest:
    """The lead asks an inspected unit for reports and documents, by a date."""
    _check_lead(actor, team)
    inspected = _inspected_unit(team, inspected_unit_id)
    due = _date(due_on, "due_on", _("Enter the date the documents are due."))
    if due < local_today():
        raise DomainError(_("The due date cannot be in the past."), fields={"due_on": "invalid"})
    item = InspectionDocumentRequest(
        team_id=team.id, unit_id=inspected.unit_id,
        what=_text(what, "what", _("Describe the reports and documents requested.")), due_on=due)
    db.session.add(item)
    db.session.flush()
    message = _in_default_locale(lambda: _(
        "The inspection team %(team)s asks your unit for documents by %(due)s: %(what)s",
        team=team.name, due=due.strftime("%d/%m/%Y"), what=item.what))
    _notify(unit_users(inspected.unit_id), "inspection_request", message)
    return item


def upload_requested_documents(actor: User, doc_request: InspectionDocumentRequest,
                               files) -> list[Attachment]:
    """Đ14.3: the inspected unit uploads what the team asked for, while the team is open."""
    if not policy.may_upload_inspection_documents(actor, doc_request):
        raise NotAllowed(_("Only the users of the unit the request is addressed to upload "
                           "its documents."))
    team = db.session.get(InspectionTeam, doc_request.team_id)
    if team.status not in OPEN:
        raise Conflict(_("The inspection is not open: nothing can be uploaded."),
                       code="wrong_state")
    stored = store_uploads(files, uploader=actor, inspection_request_id=doc_request.id)
    if not stored:
        raise DomainError(_("Choose the files to upload."), fields={"files": "required"})
    doc_request.fulfilled_at = doc_request.fulfilled_at or utcnow()
    message = _in_default_locale(lambda: _("%(unit)s uploaded documents for: %(what)s",
                                           unit=actor.unit.name, what=str(doc_request)))
    _notify(User.id == team.lead_id, "inspection_upload", message)
    return stored


# --- findings, conclusions, recommendations --------------------------------------------------------

def unit_task_clause(unit_id: int):
    """The forwarded tasks a unit leads or cooperates on: the ones a finding may cite."""
    return sa.and_(Task.state != TaskState.draft, led_or_shared_by(unit_id))


def citable_tasks(actor: User, unit_id: int, limit: int = 500) -> list[Task]:
    """The inspected unit's tasks the actor may read, newest first, for the finding form."""
    return list(db.session.scalars(
        sa.select(Task).where(unit_task_clause(unit_id), policy.task_scope(actor))
        .order_by(Task.id.desc()).limit(limit)))


def record_finding(actor: User, team: InspectionTeam, *, inspected_unit_id, content,
                   is_shortcoming: bool = True, task_ids=()) -> InspectionFinding:
    """The lead records a finding on an inspected unit; it may cite that unit's tasks."""
    _check_lead(actor, team)
    inspected = _inspected_unit(team, inspected_unit_id)
    ids = {i for i in (_id(v, "task_ids") for v in task_ids) if i is not None}
    tasks = list(db.session.scalars(sa.select(Task).where(
        Task.id.in_(ids), unit_task_clause(inspected.unit_id), policy.task_scope(actor)))) if ids else []
    if len(tasks) != len(ids):
        raise DomainError(_("A finding may cite only tasks of the inspected unit."),
                          fields={"task_ids": "invalid"})
    finding = InspectionFinding(
        team_id=team.id, unit_id=inspected.unit_id, is_shortcoming=bool(is_shortcoming),
        content=_text(content, "content", _("Describe the finding.")), tasks=tasks,
        recorded_by_id=actor.id, recorded_at=utcnow())
    db.session.add(finding)
    db.session.flush()
    return finding


def record_conclusion(actor: User, team: InspectionTeam, *, inspected_unit_id,
                      conclusion) -> InspectedUnit:
    """The lead's conclusion on one inspected unit (it may be rewritten while open)."""
    _check_lead(actor, team)
    inspected = _inspected_unit(team, inspected_unit_id)
    inspected.conclusion = _text(conclusion, "conclusion", _("Write the conclusion."))
    inspected.concluded_at = utcnow()
    return inspected


def add_recommendation(actor: User, team: InspectionTeam, *, inspected_unit_id,
                       content) -> InspectionRecommendation:
    """The lead recommends what an inspected unit should do."""
    _check_lead(actor, team)
    inspected = _inspected_unit(team, inspected_unit_id)
    item = InspectionRecommendation(team_id=team.id, unit_id=inspected.unit_id,
                                    content=_text(content, "content",
                                                  _("Write the recommendation.")))
    db.session.add(item)
    db.session.flush()
    return item


def conclusion_document(team: InspectionTeam) -> Document | None:
    """The team's conclusion notice: the document its follow-up tasks were entered under."""
    return db.session.scalar(
        sa.select(Document).join(Task, Task.document_id == Document.id)
        .join(InspectionRecommendation, InspectionRecommendation.follow_up_task_id == Task.id)
        .where(InspectionRecommendation.team_id == team.id).limit(1))


def _new_conclusion_document(actor: User, team: InspectionTeam, number, issued_on) -> Document:
    number = _text(number, "notice_number", _("Enter the number of the conclusion notice."),
                   Document.number)
    issued = _date(issued_on, "notice_date", _("Enter the date of the conclusion notice."))
    issuer = Document.__table__.c.issuer.default.arg
    if db.session.scalar(sa.select(Document.id).where(
            Document.number == number, Document.issuer == issuer,
            Document.issue_year == issued.year)):
        raise DomainError(_("Document %(n)s of %(y)d is already entered.", n=number, y=issued.year),
                          fields={"notice_number": "duplicate"})
    summary = _in_default_locale(lambda: _(
        "Conclusions of the inspection team %(team)s (decision %(n)s)", team=team.name,
        n=team.decision_number))
    specialist_id = actor.id if actor.role == Role.office_specialist else None
    doc = Document(doc_type=DocType.thong_bao_ket_luan, number=number, issuer=issuer,
                   summary=summary, issued_on=issued, tracked=True, specialist_id=specialist_id,
                   created_by_id=actor.id)
    prepare_document(doc)
    db.session.add(doc)
    return doc


def create_follow_up_task(actor: User, team: InspectionTeam, *, recommendation_id, deadline,
                          content="", notice_number="", notice_date=None) -> Task:
    """Turn a recommendation into a draft follow-up task with a deadline, led by the inspected
    unit, under the team's conclusion notice (created with the first follow-up). An Office
    specialist forwards it like any other draft (Đ7.1a)."""
    _check_lead(actor, team)
    rec = db.session.get(InspectionRecommendation, _id(recommendation_id, "recommendation_id") or 0)
    if rec is None or rec.team_id != team.id:
        raise NotFound(_("The recommendation was not found in this team."))
    if rec.follow_up_task_id is not None:
        raise Conflict(_("This recommendation already has its follow-up task."),
                       code="already_done")
    due = _date(deadline, "deadline", _("Enter the follow-up task's deadline."))
    if due < local_today():
        raise DomainError(_("The deadline cannot be in the past."), fields={"deadline": "invalid"})
    doc = conclusion_document(team) or _new_conclusion_document(actor, team, notice_number,
                                                                notice_date)
    if due < doc.issued_on:
        raise DomainError(_("The deadline cannot be before the issue date."),
                          fields={"deadline": "invalid"})
    task = Task(document=doc, content=(content or "").strip() or rec.content,
                lead_unit_id=rec.unit_id, cooperating_units=[], state=TaskState.draft,
                has_deadline=True, deadline=due, original_deadline=due,
                specialist_id=doc.specialist_id)
    db.session.add(task)
    db.session.flush()
    rec.follow_up_task_id = task.id
    record_history(task, actor, "create", to_state=TaskState.draft,
                   reason=_in_default_locale(lambda: _("Follow-up of the inspection team %(t)s",
                                                       t=team.name)),
                   data={"inspection_team_id": team.id, "inspection_recommendation_id": rec.id})
    message = _in_default_locale(lambda: _(
        "A follow-up task of an inspection waits to be forwarded: %(task)s", task=str(task)))
    specialists = (User.id == doc.specialist_id if doc.specialist_id
                   else User.role == Role.office_specialist)
    _notify(specialists, "inspection_follow_up", message, task.id)
    return task


# --- reading: the team's results, per inspected unit ----------------------------------------------

@dataclass
class UnitSection:
    """One inspected unit with what the team asked, found, concluded and recommended."""

    inspected: InspectedUnit
    requests: list[InspectionDocumentRequest] = field(default_factory=list)
    files: dict[int, list[Attachment]] = field(default_factory=dict)
    findings: list[InspectionFinding] = field(default_factory=list)
    recommendations: list[InspectionRecommendation] = field(default_factory=list)

    @property
    def unit(self) -> Unit:
        return self.inspected.unit


def unit_sections(team: InspectionTeam) -> list[UnitSection]:
    """The team's inspected units and their results, in a fixed number of queries."""
    sections = {iu.unit_id: UnitSection(iu) for iu in db.session.scalars(
        sa.select(InspectedUnit).where(InspectedUnit.team_id == team.id)
        .join(Unit, Unit.id == InspectedUnit.unit_id)
        .order_by(InspectedUnit.scheduled_on.is_(None), InspectedUnit.scheduled_on, Unit.name))}
    for item in db.session.scalars(sa.select(InspectionDocumentRequest).where(
            InspectionDocumentRequest.team_id == team.id).order_by(InspectionDocumentRequest.id)):
        if item.unit_id in sections:
            sections[item.unit_id].requests.append(item)
    unit_of_request = {r.id: s.inspected.unit_id for s in sections.values() for r in s.requests}
    files = db.session.scalars(sa.select(Attachment).where(
        Attachment.inspection_request_id.in_(list(unit_of_request))).order_by(Attachment.id))
    for item in files:
        section = sections[unit_of_request[item.inspection_request_id]]
        section.files.setdefault(item.inspection_request_id, []).append(item)
    for model, attr in ((InspectionFinding, "findings"), (InspectionRecommendation, "recommendations")):
        for item in db.session.scalars(sa.select(model).where(model.team_id == team.id)
                                       .order_by(model.id)):
            if item.unit_id in sections:
                getattr(sections[item.unit_id], attr).append(item)
    return list(sections.values())


def members_of(team: InspectionTeam) -> list[InspectionMember]:
    return list(db.session.scalars(sa.select(InspectionMember).where(
        InspectionMember.team_id == team.id).order_by(InspectionMember.id)))


def member_label(member: InspectionMember) -> str:
    if member.user is not None:
        return member.user.full_name or member.user.username
    if member.external_organisation:
        return f"{member.external_name} ({member.external_organisation})"
    return member.external_name


def _task_ref(task: Task | None, visible: set[int]) -> str:
    """A cited task: its text for a reader who may see it, else only its number."""
    if task is None:
        return ""
    return str(task) if task.id in visible else f"#{task.id}"


def conclusion_workbook(team: InspectionTeam, viewer: User) -> bytes:
    """The team's conclusions as an Excel workbook (one sheet, one block per unit)."""
    sections = unit_sections(team)
    visible = visible_task_ids(viewer, sections)
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet(_("Conclusions")[:31])
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 3, 28)
    row = 0
    write_cell(sheet, row, 0, _("Conclusions of the inspection team %(team)s", team=team.name), title)
    row += 2
    dates = " – ".join(d.strftime("%d/%m/%Y") for d in (team.start_on, team.end_on) if d)
    decision = team.decision_number + (
        f" ({team.decision_date.strftime('%d/%m/%Y')})" if team.decision_date else "")
    for name, value in (
            (_("Decision"), decision),
            (_("Kind"), labels.label(labels.INSPECTION_KIND, team.kind)),
            (_("Ground"), team.ground),
            (_("Team lead"), team.lead.full_name or team.lead.username),
            (_("Members"), "; ".join(member_label(m) for m in members_of(team))),
            (_("Contents"), "; ".join(str(text) for name_, text in labels.INSPECTION_CONTENTS if getattr(team, name_))),
            (_("Schedule"), dates),
            (_("Status"), labels.label(labels.INSPECTION_STATUS, team.status))):
        write_cell(sheet, row, 0, str(name), bold)
        write_cell(sheet, row, 1, value or "", wrap)
        row += 1
    for section in sections:
        row += 1
        write_cell(sheet, row, 0, section.unit.name, title)
        row += 1
        write_row(sheet, row, 0, [_("No."), _("Finding"), _("Shortcoming"), _("Tasks cited")], head)
        row += 1
        for n, finding in enumerate(section.findings, 1):
            write_row(sheet, row, 0, [n, finding.content, _("Yes") if finding.is_shortcoming else
                                     _("No"), "\n".join(_task_ref(t, visible) for t in finding.tasks)],
                            cell)
            row += 1
        write_cell(sheet, row, 0, _("Conclusion"), bold)
        write_cell(sheet, row, 1, section.inspected.conclusion, wrap)
        row += 1
        write_row(sheet, row, 0, [_("No."), _("Recommendation"), _("Follow-up task"), _("Deadline")],
                        head)
        row += 1
        for n, rec in enumerate(section.recommendations, 1):
            task = rec.follow_up_task
            write_row(sheet, row, 0, [n, rec.content, _task_ref(task, visible),
                                     task.deadline.strftime("%d/%m/%Y") if task and task.deadline
                                     else ""], cell)
            row += 1
    book.close()
    return buf.getvalue()


def visible_task_ids(viewer: User, sections: list[UnitSection]) -> set[int]:
    """Of the tasks the sections cite or follow up, those the viewer may read."""
    ids = {t.id for s in sections for f in s.findings for t in f.tasks}
    ids |= {r.follow_up_task_id for s in sections for r in s.recommendations if r.follow_up_task_id}
    return notifications.visible_task_ids(viewer, ids)


# --- for the unit ranking (Đ20.2) ------------------------------------------------------------

def shortcomings_by_unit(start: dt.date, end: dt.date) -> dict[int, int]:
    """Shortcomings found by inspections, per unit, recorded within [start, end] (local
    dates, both included). One grouped query; units without any are absent."""
    rows = db.session.execute(
        sa.select(InspectionFinding.unit_id, sa.func.count())
        .where(InspectionFinding.is_shortcoming.is_(True),
               InspectionFinding.recorded_at >= start_of_local_day(start),
               InspectionFinding.recorded_at < start_of_local_day(end + dt.timedelta(days=1)))
        .group_by(InspectionFinding.unit_id))
    return {unit_id: count for unit_id, count in rows}
