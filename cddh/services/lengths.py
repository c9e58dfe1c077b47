"""Text that fits its column: one rule, one place, for every door.

A ``String(n)`` column holds at most n characters. PostgreSQL refuses a longer value when the
row is flushed (a server error, after other rows of the operation may have been written);
SQLite stores it whole. So every service checks the text it takes from users here, before it
writes anything, and refuses an over-long value with a message for its field
(``check_lengths``, ``length_errors``). Beneath them, ``refuse_overlong_rows`` runs before
every flush and refuses, with the same message, any over-long value a door forgot to check:
on every database the answer is a ``DomainError`` (422 on the API, a form error on screens,
a message on the command line), never a server error, and the caller's rollback keeps
nothing of the operation.

Lengths are read from the columns themselves, so a migration that widens a column widens the
check with it. Enum columns are left out: their values are checked against the enum.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import ValidationErrors

# How a column is named in the message, by "table.column" (the screens' labels).
LABELS = {
    "document.number": _l("Number"),
    "document.issuer": _l("Issuer"),
    "document.signer": _l("Signer"),
    "task.result_document_number": _l("Result document number"),
    "urging.document_number": _l("Document number"),
    "feedback.matter": _l("Matter"),
    "feedback.answer_document_number": _l("Document number"),
    "unit.code": _l("Code"),
    "unit.name": _l("Name"),
    "unit.short_name": _l("Short name"),
    "unit.email": _l("E-mail"),
    "unit_kind.code": _l("Code"),
    "unit_kind.name": _l("Name"),
    "unit_kind.name_en": _l("English name"),
    "user_account.username": _l("Username"),
    "user_account.full_name": _l("Full name"),
    "user_account.email": _l("E-mail"),
    "user_account.phone": _l("Phone"),
    "calendar_override.name": _l("Name"),
    "calendar_override.legal_basis": _l("Legal basis"),
    "inspection_plan.title": _l("Title"),
    "inspection_plan.period": _l("Period"),
    "inspection_plan.decision_number": _l("Decision number"),
    "inspection_team.name": _l("Name"),
    "inspection_team.decision_number": _l("Decision number"),
    "inspection_member.external_name": _l("Invited person’s name"),
    "inspection_member.external_organisation": _l("Their agency or organisation"),
    "inspection_member.position": _l("Position in the team"),
    "saved_filter.name": _l("Name"),
    "api_token.name": _l("Name"),
}


def _column(column) -> sa.Column:
    """The table column of a mapped attribute (``Document.number``) or a column itself."""
    prop = getattr(column, "property", None)
    return prop.columns[0] if prop is not None else column


def max_length(column) -> int | None:
    """How many characters the column holds; None for unbounded text and for enums."""
    type_ = _column(column).type
    if isinstance(type_, sa.Enum) or not isinstance(type_, sa.String):
        return None
    return type_.length


def too_long_message(column, length: int, given: int) -> str:
    """The one message for a text longer than its column, naming the field when known."""
    col = _column(column)
    label = LABELS.get(f"{col.table.name}.{col.name}")
    if label is None:
        return _("This text is too long: at most %(n)d characters (%(m)d entered).",
                 n=length, m=given)
    return _("“%(field)s” is too long: at most %(n)d characters (%(m)d entered).",
             field=label, n=length, m=given)


def length_errors(model, values: Mapping[str, object], *, prefix: str = "",
                  columns: Mapping[str, object] | None = None) -> dict[str, str]:
    """A message for each text of ``values`` (field key → value) longer than its column:
    ``model``'s attribute of the same name, or ``columns[key]`` where the key differs."""
    errors = {}
    for key, value in values.items():
        if not isinstance(value, str):
            continue
        column = columns[key] if columns and key in columns else getattr(model, key)
        length = max_length(column)
        if length is not None and len(value) > length:
            errors[prefix + key] = too_long_message(column, length, len(value))
    return errors


def check_lengths(model, values: Mapping[str, object] | None = None, *,
                  columns: Mapping[str, object] | None = None, **texts) -> None:
    """Refuse, with a message for each field, any text longer than its column."""
    errors = length_errors(model, {**(values or {}), **texts}, columns=columns)
    if errors:
        raise ValidationErrors(errors)


# --- the safety net: no over-long text reaches the database --------------------------------
@cache
def _bounded(mapper) -> tuple[tuple[str, sa.Column, int], ...]:
    """(attribute, column, length) of each bounded text column of a mapped class."""
    found = []
    for attr in mapper.column_attrs:
        for column in attr.columns:
            if isinstance(column, sa.Column) and (length := max_length(column)) is not None:
                found.append((attr.key, column, length))
    return tuple(found)


@event.listens_for(Session, "before_flush")
def refuse_overlong_rows(session, _flush_context, _instances) -> None:
    """Refuse the flush when a new or changed row holds a text longer than its column."""
    errors = {}
    for obj in (*session.new, *session.dirty):
        state = sa.inspect(obj)
        changed = None if state.key is None else state.committed_state  # a loaded row: its edits
        for key, column, length in _bounded(state.mapper):
            if changed is not None and key not in changed:
                continue
            value = state.dict.get(key)
            if isinstance(value, str) and len(value) > length:
                errors.setdefault(key, too_long_message(column, length, len(value)))
    if errors:
        raise ValidationErrors(errors)
