"""The API's one error shape (api.md): ``{"error": {"code", "message", "fields"?}}``.

Messages are translated (Vietnamese by default, English with ``Accept-Language: en``); the
services' messages already are. Every refusal rolls the session back: nothing is changed.
"""

from __future__ import annotations

import re

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, default_exceptions

from ..models import db
from ..services import DomainError
from ..services.documents import ValidationErrors

API_PREFIX = "/api/"


class ApiError(Exception):
    """A refusal decided by the API itself (no token, malformed input, not found)."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def not_found() -> ApiError:
    """Absent or not visible: the answer is the same, so a foreign row's existence never shows."""
    return ApiError(404, "not_found", _("The page or record was not found."))


def json_response(data, status: int = 200, headers: dict | None = None):
    """A UTF-8 JSON response (Vietnamese text stays readable, not \\u-escaped)."""
    body = current_app.json.dumps(data, ensure_ascii=False)
    return current_app.response_class(body + "\n", status=status, headers=headers,
                                      mimetype="application/json")


def error_response(status: int, code: str, message: str, fields: dict | None = None,
                   headers: dict | None = None):
    error = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = {key: str(value) for key, value in fields.items()}
    return json_response({"error": error}, status, headers)


def handle_api_error(exc: ApiError):
    db.session.rollback()
    headers = {"WWW-Authenticate": 'Bearer realm="cddh"'} if exc.status == 401 else None
    return error_response(exc.status, exc.code, exc.message, exc.fields, headers)


def handle_domain_error(exc: DomainError):
    """A service refused: its status, code and message, with a message for each field."""
    db.session.rollback()
    if isinstance(exc, ValidationErrors):
        fields = exc.fields  # already one message per field
    else:
        fields = {key: exc.message for key in exc.fields}
    return error_response(exc.status, exc.code, exc.message, fields)


def _http_message(exc: HTTPException) -> tuple[str, str]:
    code = exc.code or 500
    if code == 404:
        return "not_found", _("The page or record was not found.")
    if code == 413:
        return "too_large", _("The request is too large.")
    if code >= 500:
        return "server_error", _("Something went wrong on the server; nothing was saved. "
                                 "Please try again later.")
    name = re.sub(r"\W+", "_", (exc.name or "bad request").lower()).strip("_")
    return name, _("The request could not be understood.")


def handle_http_error(exc: HTTPException):
    db.session.rollback()
    code, message = _http_message(exc)
    return error_response(exc.code or 500, code, message)


def _api_or(previous, exc):
    if request.path.startswith(API_PREFIX):
        return handle_http_error(exc)
    return previous(exc) if previous is not None else exc


def json_errors_under_api(app) -> None:
    """Answer HTTP errors under /api in JSON.

    Routing errors (unknown path, wrong method) happen before any blueprint is known, and the
    screens' HTML handlers are registered on the app, so the API's answer has to be chosen
    here, by path; other paths keep the handler they had.
    """
    handlers = app.error_handler_spec[None]
    for status, exc_class in default_exceptions.items():
        previous = handlers.get(status, {}).get(exc_class)
        app.register_error_handler(status, lambda exc, _previous=previous: _api_or(_previous, exc))
