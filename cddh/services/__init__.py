"""The domain rules. No Flask request objects here; the caller owns the transaction."""

from flask_babel import gettext as _


class DomainError(Exception):
    """A refused operation. ``message`` is already translated for the user; nothing changed."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class ValidationErrors(DomainError):
    """Several field errors at once, keyed like ``tasks.0.lead_unit_id``."""

    def __init__(self, fields: dict[str, str]):
        first = next(iter(fields.values()))
        super().__init__(first if len(fields) == 1 else
                         _("Please correct the %(n)d errors marked below.", n=len(fields)),
                         code="validation_failed", fields=fields)
