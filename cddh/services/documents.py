"""Documents: entering a directive with its tasks (Đ4, Đ6.1–2, Đ7.1a–b).

``create_document`` takes plain data in the shape of the JSON API, so the entry screen, the
API and the Excel import share one set of rules and messages.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth import policy
from ..models import Confidentiality, DocType, Document, Task, TaskState, Unit, User, db
from . import DomainError, NotAllowed, ValidationErrors
from .calendar import WorkingCalendar, entry_due_on
from .leaders import check_directing_leader
from .lengths import check_lengths, length_errors
from .parsing import date_in_range, to_id
from .tasks import apply_task_fields, load_units, parse_date, task_rule_errors


def refuse_secret(confidentiality: str | None) -> None:
    """Đ1.1, Đ2.6: secret documents are out of scope; nothing of them is stored. A value
    that names no level at all is a plain mistake, said as such."""
    if confidentiality not in (None, "", *Confidentiality, *(c.value for c in Confidentiality)):
        raise ValidationErrors({"confidentiality": _("“%(v)s” is not an accepted value.",
                                                     v=str(confidentiality)[:40])})
    if confidentiality not in (None, "", Confidentiality.none, Confidentiality.none.value):
        raise DomainError(
            _("Secret documents (Mật, Tối mật, Tuyệt mật) must not be entered in this system."),
            code="secret_document_not_allowed", fields={"confidentiality": "secret"})


def prepare_document(doc: Document, cal: WorkingCalendar | None = None) -> None:
    """Check a new or edited document (whatever door wrote it) and fill its derived fields."""
    if doc.issued_on is None:
        raise DomainError(_("Enter the issue date."), fields={"issued_on": "required"})
    if not date_in_range(doc.issued_on):
        raise DomainError(_("The issue date is out of range."), fields={"issued_on": "invalid"})
    if not (doc.number or "").strip():
        raise DomainError(_("Enter the document number and symbol."), fields={"number": "required"})
    if not (doc.summary or "").strip():
        raise DomainError(_("Enter the summary (trích yếu)."), fields={"summary": "required"})
    check_lengths(Document, number=doc.number, issuer=doc.issuer, signer=doc.signer)
    with db.session.no_autoflush:
        specialist = doc.specialist or (db.session.get(User, doc.specialist_id)
                                        if doc.specialist_id else None)
        if specialist is not None and (not specialist.active or not specialist.is_office):
            raise DomainError(_("The specialist must be an active Office account."),
                              fields={"specialist_id": "invalid"})
        submitting = doc.submitting_unit or (db.session.get(Unit, doc.submitting_unit_id)
                                             if doc.submitting_unit_id else None)
        if submitting is not None and not submitting.active:
            raise DomainError(_("The submitting unit does not exist or is deactivated."),
                              fields={"submitting_unit_id": "invalid"})
    doc.issue_year = doc.issued_on.year
    doc.entry_due_on = entry_due_on(doc.issued_on, cal) if doc.tracked else None


def _text(value) -> str:
    """Plain text from any JSON-ish value (a number typed as a document number, say)."""
    if value is None:
        return ""
    return str(value).strip()


def create_document(actor: User, data: dict, *, cal: WorkingCalendar | None = None) -> Document:
    """Create a document and its draft tasks from plain data; all or nothing.

    Every problem is collected with its field key, so the caller can show them all at once.
    """
    if not policy.may_enter_documents(actor):
        raise NotAllowed(_("Only an Office specialist can enter documents."))
    refuse_secret(data.get("confidentiality"))
    errors: dict[str, str] = {}

    def guard(key, fn, *args):
        try:
            return fn(*args)
        except DomainError as exc:
            errors[key] = exc.message
            return None

    number = _text(data.get("number"))
    summary = _text(data.get("summary"))
    issuer = _text(data.get("issuer")) or Document.__table__.c.issuer.default.arg
    signer = _text(data.get("signer"))
    errors.update(length_errors(Document, {"number": number, "issuer": issuer, "signer": signer}))
    if not number:
        errors["number"] = _("Enter the document number and symbol.")
    if not summary:
        errors["summary"] = _("Enter the summary (trích yếu).")
    try:
        doc_type = DocType(data.get("doc_type") or "")
    except ValueError:
        doc_type = None
        errors["doc_type"] = _("Choose the type of document.")
    issued_on = guard("issued_on", parse_date, data.get("issued_on"), "issued_on")
    if issued_on is None and "issued_on" not in errors:
        errors["issued_on"] = _("Enter the issue date.")
    tracked = bool(data.get("tracked", True))
    tasks_data = data.get("tasks") or []
    if not isinstance(tasks_data, list):
        errors["tasks"] = _("The tasks must be a list.")
        tasks_data = []
    if tracked and not tasks_data:
        errors["tasks"] = _("A tracked document must assign at least one task (Đ4).")
    if not tracked and tasks_data:
        errors["tasks"] = _("A document that is not tracked carries no tasks (Đ4).")
    submitting_id = data.get("submitting_unit_id")
    units = load_units([submitting_id] + [
        t.get(k) for t in tasks_data if isinstance(t, dict) for k in ("lead_unit_id", "monitoring_unit_id")
    ] + [i for t in tasks_data if isinstance(t, dict) for i in (t.get("cooperating_unit_ids") or [])
         if isinstance(t.get("cooperating_unit_ids"), list)])
    submitting = None
    if submitting_id not in (None, ""):
        submitting = units.get(to_id(submitting_id))
        if submitting is None:
            errors["submitting_unit_id"] = _("The submitting unit does not exist or is deactivated.")
    if number and issued_on and not errors.get("number") and not errors.get("issuer"):
        taken = db.session.scalar(sa.select(Document.id).where(
            Document.number == number, Document.issuer == issuer,
            Document.issue_year == issued_on.year))
        if taken:
            errors["number"] = _("Document %(n)s of %(y)d is already entered.", n=number,
                                 y=issued_on.year)
    directing_id = guard("directing_leader_id", check_directing_leader,
                         data.get("directing_leader_id"))
    doc = Document(doc_type=doc_type, number=number, summary=summary, issued_on=issued_on,
                   issuer=issuer, signer=signer, submitting_unit=submitting,
                   tracked=tracked, specialist_id=actor.id, created_by_id=actor.id,
                   directing_leader_id=directing_id)
    tasks = []
    for index, item in enumerate(tasks_data):
        if not isinstance(item, dict):
            errors[f"tasks.{index}"] = _("Each task must be an object.")
            continue
        task = Task(state=TaskState.draft, specialist_id=actor.id, cooperating_units=[])
        try:
            # An omitted deadline means "without deadline", as null does (api.md).
            apply_task_fields(task, {"deadline": None, **item,
                                     "lead_unit_id": item.get("lead_unit_id"),
                                     "content": item.get("content")}, units)
        except DomainError as exc:
            key = next(iter(exc.fields), "content")
            errors[f"tasks.{index}.{key}"] = exc.message
            continue
        if task.directing_leader_id is None:  # a task inherits its document's (Đ3.2)
            task.directing_leader_id = directing_id
        for key, message in task_rule_errors(task).items():
            errors.setdefault(f"tasks.{index}.{key}", message)
        if not task.content:
            errors[f"tasks.{index}.content"] = _("Enter the task's content.")
        if task.lead_unit is None:
            errors[f"tasks.{index}.lead_unit_id"] = _("Choose the lead unit.")
        if task.has_deadline and issued_on and task.deadline and task.deadline < issued_on:
            errors[f"tasks.{index}.deadline"] = _("The deadline cannot be before the issue date.")
        task.original_deadline = task.deadline
        tasks.append(task)
    if errors:
        raise ValidationErrors(errors)
    prepare_document(doc, cal)
    db.session.add(doc)
    for task in tasks:
        task.document = doc
        db.session.add(task)
    db.session.flush()
    return doc


def unit_choices() -> list[Unit]:
    """Active units in display order, for forms."""
    return list(db.session.scalars(sa.select(Unit).where(Unit.active.is_(True))
                                   .order_by(Unit.sort_order, Unit.name)))
