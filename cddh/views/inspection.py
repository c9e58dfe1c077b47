"""Inspection screens (Đ12–14): plans, teams, requests for documents, findings and
recommendations.

Every screen is a ScopedModelView, so lists, details, exports and look-ups are scoped by the
policy. Every state change is a POST that loads its row through the scoped ``get_one``
(another team's row is simply absent: 404) and calls cddh.services.inspection, which asks
the policy who may act and checks the state.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from .. import labels
from ..auth import policy
from ..models import (
    Attachment,
    Document,
    InspectionDocumentRequest,
    InspectionFinding,
    InspectionPlan,
    InspectionRecommendation,
    InspectionStatus,
    InspectionTeam,
    Task,
    Unit,
    User,
    db,
)
from ..services import inspection as service
from ..services.clock import local_today
from ..services.leaders import hears_of
from ..services.parsing import to_id
from .base import LookupFilter, ScopedModelView, link_formatter, run_service
from .memo import per_request

St = InspectionStatus


def _active_units():
    return [(u.id, u.name) for u in db.session.query(Unit).filter(Unit.active.is_(True))
            .order_by(Unit.sort_order, Unit.name)]


def _status(view, context, model, name):
    return labels.label(labels.INSPECTION_STATUS, model.status)


def _details_link(view, context, model, name):
    return Markup('<a href="{}">{}</a>').format(view.get_url(".details_view", id=model.id),
                                                getattr(model, name))


def _team_link(view, context, model, name):
    """The team, linked only for those who may open the team screen (not the inspected unit)."""
    if policy.can_open_screen(current_user, "inspection_teams"):
        return link_formatter("inspection_teams.details_view", "team")(view, context, model, name)
    return model.team.name


def task_ref(task: Task | None, visible: set[int]) -> Markup:
    """A cited or follow-up task: a link for a reader who may see it, else only its number."""
    if task is None:
        return Markup("")
    if task.id not in visible:
        return Markup("#{}").format(task.id)
    return Markup('<a href="{}">{}</a>').format(url_for("tasks.details_view", id=task.id),
                                                str(task))


def _visible(task_ids) -> set[int]:
    """Of these tasks, those the current user may read."""
    ids = [i for i in task_ids if i]
    if not ids or policy.is_office(current_user):
        return set(ids)
    return set(db.session.scalars(sa.select(Task.id).where(Task.id.in_(ids),
                                                           policy.task_scope(current_user))))


STATUS_FILTER = [(s.value, text) for s, text in labels.INSPECTION_STATUS.items()]


# --- plans -------------------------------------------------------------------------------------

class InspectionPlanView(ScopedModelView):
    """Đ12.1a: an Office specialist drafts a plan; a leader approves it by decision."""

    screen = "inspection_plans"
    allow_create = allow_edit = True
    details_template = "inspection/plan_details.html"
    column_list = ("year", "title", "period", "status", "decision_number", "decision_date")
    column_details_list = ("year", "title", "period", "content", "status", "decision_number",
                           "decision_date", "approved_at")
    form_columns = ("year", "title", "period", "content")
    column_default_sort = ("year", True)
    column_sortable_list = ("year", "title", "decision_date")
    column_filters = (
        FilterEqual(InspectionPlan.status, _l("Status"), options=STATUS_FILTER[:2]),
        FilterEqual(InspectionPlan.year, _l("Year")),
    )
    column_formatters = {"status": _status, "title": _details_link}
    column_formatters_detail = {"status": _status}
    column_labels = {"year": _l("Year"), "title": _l("Title"), "period": _l("Period"),
                     "content": _l("Content"), "status": _l("Status"),
                     "decision_number": _l("Decision number"), "decision_date": _l("Decision date"),
                     "approved_at": _l("Approved at")}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        service.prepare_plan(current_user, model, is_created=is_created)

    def get_save_return_url(self, model, is_created=False):
        return self.get_url(".details_view", id=model.id)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Only a draft plan is edited; an approved one is shown instead."""
        plan = self.get_one(request.args.get("id"))
        if plan is not None and plan.status != St.draft:
            flash(_("An approved plan can no longer be changed."), "warning")
            return redirect(self.get_url(".details_view", id=plan.id))
        return super().edit_view()

    def plan_page(self, plan) -> dict:
        """The plan's teams the user may see, and whether the user may approve it."""
        teams = (db.session.query(InspectionTeam)
                 .filter(InspectionTeam.plan_id == plan.id,
                         policy.row_scope(current_user, InspectionTeam))
                 .order_by(InspectionTeam.start_on, InspectionTeam.id).all())
        return {"teams": teams, "status": labels.label(labels.INSPECTION_STATUS, plan.status),
                "can_approve": policy.may_approve_inspection(current_user)
                and plan.status == St.draft,
                "can_form_team": policy.may_form_inspection_team(current_user)
                and plan.status != St.draft,
                "today": local_today()}

    @expose("/approve/", methods=("POST",))
    def approve_view(self):
        """A leader approves the plan with its decision; load → check → act."""
        plan = self.get_one(request.form.get("id"))
        if plan is None:
            abort(404)
        run_service(lambda: service.approve_plan(current_user, plan,
                                          decision_number=request.form.get("decision_number"),
                                          decision_date=request.form.get("decision_date")),
             _("The plan is approved."))
        return redirect(self.get_url(".details_view", id=plan.id))


# --- teams -------------------------------------------------------------------------------------

def _team_action(name):
    form = request.form
    return {
        "approve": lambda u, t: service.approve_team(
            u, t, decision_number=form.get("decision_number"),
            decision_date=form.get("decision_date")),
        "start": service.start_team,
        "close": service.close_team,
        "add_member": lambda u, t: service.add_member(
            u, t, user_id=form.get("user_id"), external_name=form.get("external_name", ""),
            external_organisation=form.get("external_organisation", ""),
            position=form.get("position", "")),
        "remove_member": lambda u, t: service.remove_member(u, t, form.get("member_id")),
        "add_unit": lambda u, t: service.add_inspected_unit(
            u, t, unit_id=form.get("unit_id"), scheduled_on=form.get("scheduled_on")),
        "remove_unit": lambda u, t: service.remove_inspected_unit(
            u, t, form.get("inspected_unit_id")),
        "request": lambda u, t: service.request_documents(
            u, t, inspected_unit_id=form.get("inspected_unit_id"), what=form.get("what"),
            due_on=form.get("due_on")),
        "finding": lambda u, t: service.record_finding(
            u, t, inspected_unit_id=form.get("inspected_unit_id"), content=form.get("content"),
            is_shortcoming=form.get("is_shortcoming") == "y", task_ids=form.getlist("task_ids")),
        "conclusion": lambda u, t: service.record_conclusion(
            u, t, inspected_unit_id=form.get("inspected_unit_id"),
            conclusion=form.get("conclusion")),
        "recommendation": lambda u, t: service.add_recommendation(
            u, t, inspected_unit_id=form.get("inspected_unit_id"), content=form.get("content")),
        "follow_up": lambda u, t: service.create_follow_up_task(
            u, t, recommendation_id=form.get("recommendation_id"),
            deadline=form.get("deadline"), content=form.get("content", ""),
            notice_number=form.get("notice_number", ""), notice_date=form.get("notice_date")),
    }.get(name)


TEAM_ACTION_DONE = {
    "approve": _l("The team's decision is approved."),
    "start": _l("The inspection has started."),
    "close": _l("The inspection is closed."),
    "add_member": _l("The member was added."),
    "remove_member": _l("The member was removed."),
    "add_unit": _l("The unit was added."),
    "remove_unit": _l("The unit was removed."),
    "request": _l("The request was sent to the unit."),
    "finding": _l("The finding was recorded."),
    "conclusion": _l("The conclusion was recorded."),
    "recommendation": _l("The recommendation was recorded."),
    "follow_up": _l("The follow-up task was created as a draft; an Office specialist forwards "
                    "it to the unit."),
}


class TeamPage:
    """What the team page shows beside the fields, and which forms the user gets."""

    def __init__(self, team: InspectionTeam, user):
        self.team = team
        self.today = local_today()
        self.status = labels.label(labels.INSPECTION_STATUS, team.status)
        self.kind = labels.label(labels.INSPECTION_KIND, team.kind)
        self.contents = [text for name, text in labels.INSPECTION_CONTENTS if getattr(team, name)]
        self.members = service.members_of(team)
        self.sections = service.unit_sections(team)
        self.visible = service.visible_task_ids(user, self.sections)
        self.notice = service.conclusion_document(team)
        # the notice opens for whoever may read it (its tasks are drafts until forwarded)
        self.notice_visible = self.notice is not None and db.session.scalar(
            sa.select(Document.id).where(Document.id == self.notice.id,
                                         policy.document_scope(user))) is not None
        self.is_lead = policy.is_inspection_lead(user, team)
        self.is_open = team.status in service.OPEN
        self.lead_writes = self.is_lead and self.is_open
        manages = policy.may_manage_inspection_team(user, team)
        # Đ12.1b: the Chairman establishes the team (any leader where no Chairman is set up)
        self.can_approve = (policy.may_approve_inspection(user) and team.status == St.draft
                            and hears_of(user, "inspection_team"))
        self.can_change_units = manages and team.status == St.draft
        self.can_invite = manages and (team.status == St.draft or self.lead_writes)
        self.can_start = self.is_lead and team.status == St.approved
        self.can_edit = manages and team.status == St.draft
        self.member_choices = self._member_choices(user) if self.can_invite else []
        self.unit_choices = self._unit_choices() if self.can_change_units else []
        self.citable = ({s.inspected.unit_id: service.citable_tasks(user, s.inspected.unit_id)
                         for s in self.sections} if self.lead_writes else {})

    def _member_choices(self, user) -> list[User]:
        taken = {m.user_id for m in self.members} | {self.team.lead_id}
        return [u for u in db.session.query(User).filter(
            policy.reference_scope(user, User), User.role.in_(list(policy.TEAM_ACCOUNT_ROLES)))
            .order_by(User.full_name, User.username) if u.id not in taken]

    def _unit_choices(self) -> list[Unit]:
        taken = {s.inspected.unit_id for s in self.sections}
        return [u for u in db.session.query(Unit).filter(Unit.active.is_(True))
                .order_by(Unit.sort_order, Unit.name) if u.id not in taken]

    @staticmethod
    def member_label(member) -> str:
        return service.member_label(member)

    def task_ref(self, task) -> Markup:
        return task_ref(task, self.visible)


class InspectionTeamView(ScopedModelView):
    """Đ13–14: a team's decision, composition and, per inspected unit, its results."""

    screen = "inspection_teams"
    allow_create = allow_edit = True
    details_template = "inspection/team_details.html"
    column_list = ("name", "decision_number", "decision_date", "kind", "lead", "start_on",
                   "end_on", "status")
    column_details_list = ("name", "plan", "decision_number", "decision_date", "kind", "ground",
                           "lead", "start_on", "end_on", "status")
    form_columns = ("name", "plan", "kind", "ground", "lead", "covers_task_results",
                    "covers_system_updates", "covers_reporting", "start_on", "end_on")
    form_choices = {"kind": [(k.value, text) for k, text in labels.INSPECTION_KIND.items()]}
    column_default_sort = ("id", True)
    column_sortable_list = ("name", "decision_date", "start_on", "status")
    column_searchable_list = ("name", "decision_number")
    column_filters = (
        FilterEqual(InspectionTeam.status, _l("Status"), options=STATUS_FILTER),
        FilterEqual(InspectionTeam.kind, _l("Kind"),
                    options=[(k.value, t) for k, t in labels.INSPECTION_KIND.items()]),
    )
    column_formatters = {
        "status": _status, "name": _details_link,
        "kind": lambda v, c, m, n: labels.label(labels.INSPECTION_KIND, m.kind),
        "plan": link_formatter("inspection_plans.details_view", "plan"),
    }
    column_formatters_detail = {k: v for k, v in column_formatters.items() if k != "name"}
    column_labels = {"name": _l("Team"), "plan": _l("Plan"), "decision_number": _l("Decision number"),
                     "decision_date": _l("Decision date"), "kind": _l("Kind"),
                     "ground": _l("Ground (ad hoc inspection)"), "lead": _l("Team lead"),
                     "covers_task_results": labels.INSPECTION_CONTENTS[0][1],
                     "covers_system_updates": labels.INSPECTION_CONTENTS[1][1],
                     "covers_reporting": labels.INSPECTION_CONTENTS[2][1],
                     "start_on": _l("From"), "end_on": _l("To"), "status": _l("Status")}

    def get_query(self):
        return super().get_query().options(joinedload(InspectionTeam.lead))

    # forms: an inspector leads the team they prepare; choices are the ones that can pass
    def _team_form(self, form):
        if "lead" in form:
            if policy.is_office(current_user):
                form.lead.query_factory = lambda: self._reference_query(User).filter(
                    User.role.in_(list(policy.TEAM_ACCOUNT_ROLES)))
            else:
                del form.lead
        form.plan.query_factory = lambda: self._reference_query(InspectionPlan).filter(
            InspectionPlan.status != St.draft)
        return form

    def create_form(self, obj=None):
        form = self._team_form(super().create_form(obj))
        plan_id = to_id(request.args.get("plan", ""))
        if request.method == "GET" and plan_id is not None:
            form.plan.data = self._reference_query(InspectionPlan).filter(
                InspectionPlan.id == plan_id).one_or_none()
        return form

    def edit_form(self, obj=None):
        return self._team_form(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        service.prepare_team(current_user, model, is_created=is_created)

    def get_save_return_url(self, model, is_created=False):
        return self.get_url(".details_view", id=model.id)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Only the lead or an Office specialist edits, and only a draft team."""
        team = self.get_one(request.args.get("id"))
        if team is not None and not (policy.may_manage_inspection_team(current_user, team)
                                     and team.status == St.draft):
            flash(_("Only a draft team is edited, by its lead or an Office specialist."), "warning")
            return redirect(self.get_url(".details_view", id=team.id))
        return super().edit_view()

    def team_page(self, team) -> TeamPage:
        """Built once per request: the details template asks for it in two blocks."""
        return per_request(("inspection_team_page", team.id),
                           lambda: TeamPage(team, current_user))

    @expose("/act/", methods=("POST",))
    def act_view(self):
        """Run one team action posted from the team page; load → check → act."""
        team = self.get_one(request.form.get("id"))
        if team is None:
            abort(404)
        action = request.form.get("action", "")
        handler = _team_action(action)
        if handler is None:
            abort(400)
        run_service(lambda: handler(current_user, team), str(TEAM_ACTION_DONE[action]))
        anchor = request.form.get("anchor", "")
        url = self.get_url(".details_view", id=team.id)
        return redirect(f"{url}#{anchor}" if anchor.replace("-", "").isalnum() else url)

    @expose("/conclusion/")
    def conclusion_view(self):
        """The team's conclusions as a printable page."""
        team = self.get_one(request.args.get("id"))
        if team is None:
            abort(404)
        return render_template("inspection/conclusion.html", page=TeamPage(team, current_user))

    @expose("/conclusion.xlsx")
    def conclusion_xlsx_view(self):
        """The team's conclusions as an Excel workbook."""
        team = self.get_one(request.args.get("id"))
        if team is None:
            abort(404)
        name = f"ket-luan-kiem-tra-{team.id}.xlsx"
        return Response(service.conclusion_workbook(team, current_user), headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store"},
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- requests for documents (Đ14.3) ---------------------------------------------------------------

class InspectionRequestView(ScopedModelView):
    """What the teams asked the inspected units for; the unit's users upload here."""

    screen = "inspection_requests"
    details_template = "inspection/request_details.html"
    column_list = ("team", "unit", "what", "due_on", "fulfilled_at")
    column_details_list = column_list
    column_default_sort = ("id", True)
    column_sortable_list = ("due_on", "fulfilled_at")
    column_filters = (LookupFilter(InspectionDocumentRequest.unit_id, _l("Unit"), _active_units),)
    column_formatters = {"team": _team_link, "what": _details_link}
    column_formatters_detail = {"team": _team_link}
    column_labels = {"team": _l("Inspection team"), "unit": _l("Unit"),
                     "what": _l("Documents requested"), "due_on": _l("Due on"),
                     "fulfilled_at": _l("First uploaded at")}

    def get_query(self):
        return super().get_query().options(joinedload(InspectionDocumentRequest.team),
                                           joinedload(InspectionDocumentRequest.unit))

    def request_page(self, item) -> dict:
        """The request's team, its uploaded files, and whether the user may upload."""
        files = (db.session.query(Attachment)
                 .filter(Attachment.inspection_request_id == item.id).order_by(Attachment.id).all())
        team = item.team
        return {"team": team, "files": files,
                "status": labels.label(labels.INSPECTION_STATUS, team.status),
                "can_upload": policy.may_upload_inspection_documents(current_user, item)
                and team.status in service.OPEN}

    @expose("/upload/", methods=("POST",))
    def upload_view(self):
        """The inspected unit uploads the requested documents; load → check → act."""
        item = self.get_one(request.form.get("id"))
        if item is None:
            abort(404)
        run_service(lambda: service.upload_requested_documents(current_user, item,
                                                        request.files.getlist("files")),
             _("The documents were uploaded."))
        return redirect(self.get_url(".details_view", id=item.id))


# --- findings and recommendations (read-only lists across teams) --------------------------------

class InspectionFindingView(ScopedModelView):
    """Every finding the user may read; what the unit ranking counts as shortcomings."""

    screen = "inspection_findings"
    column_list = ("recorded_at", "team", "unit", "content", "is_shortcoming")
    column_details_list = ("recorded_at", "team", "unit", "content", "is_shortcoming", "tasks")
    column_default_sort = ("recorded_at", True)
    column_sortable_list = ("recorded_at",)
    column_filters = (
        LookupFilter(InspectionFinding.unit_id, _l("Unit"), _active_units),
        BooleanEqualFilter(InspectionFinding.is_shortcoming, _l("Shortcoming")),
    )
    column_formatters = {
        "team": link_formatter("inspection_teams.details_view", "team"),
        "tasks": lambda v, c, m, n: Markup("<br>").join(
            task_ref(t, _visible([t.id for t in m.tasks])) for t in m.tasks),
    }
    column_labels = {"recorded_at": _l("Recorded at"), "team": _l("Inspection team"),
                     "unit": _l("Unit"), "content": _l("Finding"),
                     "is_shortcoming": _l("Shortcoming"), "tasks": _l("Tasks cited")}

    def get_query(self):
        return super().get_query().options(joinedload(InspectionFinding.team),
                                           joinedload(InspectionFinding.unit))


class InspectionRecommendationView(ScopedModelView):
    """Every recommendation the user may read, with its follow-up task."""

    screen = "inspection_recommendations"
    column_list = ("team", "unit", "content", "follow_up_task")
    column_details_list = column_list
    column_default_sort = ("id", True)
    column_filters = (LookupFilter(InspectionRecommendation.unit_id, _l("Unit"), _active_units),)
    column_formatters = {
        "team": link_formatter("inspection_teams.details_view", "team"),
        "follow_up_task": lambda v, c, m, n: task_ref(
            m.follow_up_task, _visible([m.follow_up_task_id])),
    }
    column_labels = {"team": _l("Inspection team"), "unit": _l("Unit"),
                     "content": _l("Recommendation"), "follow_up_task": _l("Follow-up task")}

    def get_query(self):
        return super().get_query().options(joinedload(InspectionRecommendation.team),
                                           joinedload(InspectionRecommendation.unit),
                                           joinedload(InspectionRecommendation.follow_up_task))

