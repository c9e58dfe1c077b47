"""Documents: derived fields and the rules for entering them (Đ4, Đ6.1–2, Đ7.1a)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..models import Confidentiality, Document
from . import DomainError
from .calendar import entry_due_on


def refuse_secret(confidentiality: str | None) -> None:
    """Đ1.1, Đ2.6: secret documents are out of scope; nothing of them is stored."""
    if confidentiality not in (None, "", Confidentiality.none, Confidentiality.none.value):
        raise DomainError(
            _("Secret documents (Mật, Tối mật, Tuyệt mật) must not be entered in this system."),
            code="secret_document_not_allowed", fields={"confidentiality": "secret"})


def prepare_document(doc: Document) -> None:
    """Fill the derived fields of a new or edited document."""
    if doc.issued_on is None:
        raise DomainError(_("Enter the issue date."), fields={"issued_on": "required"})
    doc.issue_year = doc.issued_on.year
    doc.entry_due_on = entry_due_on(doc.issued_on) if doc.tracked else None
