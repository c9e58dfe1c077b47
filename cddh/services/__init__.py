"""The domain rules. No Flask request objects here; the caller owns the transaction."""


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
