"""Difficulties, proposals and disagreements (Đ10.1a–c, Đ16.3): the list and page, where the
Office proposes a way forward and the directing leader decides. Units raise them from the
task page (cddh.views.tasks)."""

from __future__ import annotations

from flask import abort, redirect, request
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from .. import labels
from ..auth import policy
from ..models import Difficulty, DifficultyAsk, DifficultyState
from ..services import difficulties
from ..services.clock import local_today
from ..services.settings import get_setting
from .base import ScopedModelView, link_formatter, posted_version, run_service


def clock_badge(item: Difficulty) -> Markup:
    """State, and "late" when not decided by its due day."""
    if item.state == DifficultyState.decided:
        text = _("Approved") if item.approved else _("Refused")
        return Markup('<span class="badge badge-{}">{}</span>').format(
            "success" if item.approved else "secondary", text)
    css, text = "warning", labels.label(labels.DIFFICULTY_STATE, item.state)
    if difficulties.is_late(item, local_today()):
        css, text = "danger", _("%(state)s — late", state=text)
    return Markup('<span class="badge badge-{}">{}</span>').format(css, text)


class DifficultyView(ScopedModelView):
    screen = "difficulties"
    details_template = "difficulties/details.html"
    column_list = ("created_at", "task", "unit", "kind", "asks", "content", "due_on", "status")
    column_details_list = ("created_at", "task", "unit", "author", "kind", "asks", "content",
                           "proposed_deadline", "due_on", "status", "proposal", "proposed_by",
                           "decision", "decided_by", "decided_at")
    column_default_sort = ("created_at", True)
    column_filters = (
        FilterEqual(Difficulty.state, _l("State"), options=labels.choices(labels.DIFFICULTY_STATE)),
        FilterEqual(Difficulty.kind, _l("Kind"), options=labels.choices(labels.DIFFICULTY_KIND)),
        FilterEqual(Difficulty.task_id, _l("Task no.")),
    )
    column_formatters = {
        "task": link_formatter("tasks.details_view", "task"),
        "kind": ScopedModelView.enum_formatter(labels.DIFFICULTY_KIND),
        "asks": ScopedModelView.enum_formatter(labels.DIFFICULTY_ASK),
        "status": lambda v, c, m, n: clock_badge(m),
    }
    column_labels = {"created_at": _l("Raised"), "task": _l("Task"), "unit": _l("Unit"),
                     "author": _l("Raised by"), "kind": _l("Kind"), "asks": _l("Asks for"),
                     "content": _l("Content"), "proposed_deadline": _l("Proposed deadline"),
                     "due_on": _l("Decision due"), "status": _l("Status"),
                     "proposal": _l("The Office's proposal"), "proposed_by": _l("Proposed by"),
                     "decision": _l("Decision"), "decided_by": _l("Decided by"),
                     "decided_at": _l("Decided at")}

    def get_query(self):
        return super().get_query().options(joinedload(Difficulty.task), joinedload(Difficulty.unit))

    def may_propose(self, item: Difficulty) -> bool:
        return item.state == DifficultyState.open and policy.may_propose_on_difficulty(current_user)

    def may_decide(self, item: Difficulty) -> bool:
        return (item.state == DifficultyState.proposed
                and policy.may_decide_difficulty(current_user, item.task))

    @staticmethod
    def answer_days() -> int:
        return get_setting("difficulty_answer_working_days")

    @staticmethod
    def effect_hint(item: Difficulty) -> str:
        """What an approval will do to the task."""
        return str({
            DifficultyAsk.more_time: _("Approving moves the task's deadline."),
            DifficultyAsk.change_content: _("Approving replaces the task's content."),
            DifficultyAsk.change_lead: _("Approving sends the task back to the Office, to be "
                                         "forwarded to another lead unit."),
        }.get(item.asks, _("Approving changes nothing of the task, unless you cancel it.")))

    def _load(self):
        item = self.get_one(request.form.get("id"))
        if item is None:
            abort(404)
        return item

    @expose("/propose/", methods=("POST",))
    def propose_view(self):
        """The Office proposes a way forward; load → check → act."""
        item = self._load()
        if not policy.may_propose_on_difficulty(current_user):
            abort(403)
        run_service(lambda: difficulties.propose(current_user, item,
                                                 proposal=request.form.get("proposal", ""),
                                                 version=posted_version()),
                    _("The proposal was sent to the directing leader."))
        return redirect(self.get_url(".details_view", id=item.id))

    @expose("/decide/", methods=("POST",))
    def decide_view(self):
        """The directing leader (or the Chairman) decides; load → check → act."""
        item = self._load()
        if not policy.may_decide_difficulty(current_user, item.task):
            abort(403)
        form = request.form
        run_service(lambda: difficulties.decide(
            current_user, item, approved={"yes": True, "no": False}.get(form.get("approved")),
            decision=form.get("decision", ""), new_deadline=form.get("new_deadline") or None,
            new_content=form.get("new_content", ""), cancel_task=form.get("cancel_task") == "y",
            version=posted_version()),
            _("The decision was recorded and sent to the unit."))
        return redirect(self.get_url(".details_view", id=item.id))
