"""Reading a request: the JSON body, typed fields, query parameters and keyset pages.

The API checks only the form of the input: a malformed body or query parameter gives 400, a
field of the wrong JSON type 422 with a message for that field. The domain's rules (what is
required, which values are allowed) are the services' business.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _

from ..models import db
from ..services import DomainError
from ..services.documents import ValidationErrors
from ..services.parsing import MAX_ID, parse_iso_date, storable_text, to_int, unstorable_message
from .errors import ApiError

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
# add-working-days walks day by day; a bound keeps one request cheap.
MAX_WORKING_DAYS = 1000


# --- the body ----------------------------------------------------------------------------
def _strings(value) -> Iterator[str]:
    """Every string in a parsed JSON value, keys included (iteratively: JSON may nest deep)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def json_body() -> dict:
    """The request's JSON object; an empty body is an empty object."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise ApiError(400, "malformed_json", _("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", _("The request body must be a JSON object."))
    if not all(storable_text(text) for text in _strings(data)):
        raise ApiError(400, "unstorable_text", unstorable_message())
    return data


class Fields:
    """Typed values read from a JSON object. A value of the wrong type is noted under its key
    (``prefix`` + key, like ``tasks.0.lead_unit_id``); ``check()`` refuses them all at once."""

    def __init__(self, data: dict, prefix: str = "", errors: dict | None = None):
        self.data, self.prefix = data, prefix
        self.errors = errors if errors is not None else {}

    def fail(self, key: str, message: str) -> None:
        self.errors.setdefault(self.prefix + key, message)

    def text(self, key: str) -> str:
        """A string; absent or null is empty."""
        value = self.data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(key, _("This must be text."))
            return ""
        return value

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, _("This must be a whole number."))
            return None
        return value

    def _is_id(self, key: str, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
            self.fail(key, _("“%(v)s” is not a valid identifier.", v=json.dumps(value)))
            return False
        return True

    def identifier(self, key: str) -> int | None:
        """The id of a row, or None."""
        value = self.data.get(key)
        return value if value is None or self._is_id(key, value) else None

    def identifiers(self, key: str) -> list[int]:
        """A list of ids; absent or null is empty."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, _("This must be a list of identifiers."))
            return []
        return [v for v in value if self._is_id(key, v)]

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, bool):
            self.fail(key, _("This must be true or false."))
            return None
        return value

    def date(self, key: str) -> dt.date | None:
        """A date (YYYY-MM-DD), or None."""
        text = self.text(key)
        try:
            return parse_iso_date(text, key)
        except DomainError as exc:
            self.fail(key, exc.message)
            return None

    def version(self) -> int | None:
        """The task version the client last read (optional)."""
        return self.integer("version")

    def check(self) -> None:
        if self.errors:
            raise ValidationErrors(self.errors)


DOCUMENT_TEXT = ("doc_type", "number", "summary", "issued_on", "signer", "confidentiality")
TASK_TEXT = ("content", "deadline", "update_frequency", "priority", "expected_product")


def document_input(body: dict) -> dict:
    """The Document-in of api.md, type-checked, in the shape ``documents.create_document``
    takes (keys the client left out stay out: the service applies its defaults)."""
    fields = Fields(body)
    data = {key: fields.text(key) for key in DOCUMENT_TEXT if key in body}
    if "issued_on" in body:  # YYYY-MM-DD only, as every date of the API
        data["issued_on"] = fields.date("issued_on")
    for key in ("submitting_unit_id", "directing_leader_id"):
        if key in body:
            data[key] = fields.identifier(key)
    if body.get("tracked") is not None:
        data["tracked"] = fields.boolean("tracked")
    tasks = body.get("tasks")
    if tasks is not None and not isinstance(tasks, list):
        fields.fail("tasks", _("This must be a list of tasks."))
    elif tasks is not None:
        data["tasks"] = [_task_input(item, Fields(item, f"tasks.{i}.", fields.errors))
                         if isinstance(item, dict) else item for i, item in enumerate(tasks)]
    fields.check()
    return data


def _task_input(item: dict, fields: Fields) -> dict:
    data = {key: fields.text(key) for key in TASK_TEXT if key in item}
    if "deadline" in item:
        data["deadline"] = fields.date("deadline")
    for key in ("lead_unit_id", "monitoring_unit_id", "directing_leader_id"):
        if key in item:
            data[key] = fields.identifier(key)
    data["cooperating_unit_ids"] = fields.identifiers("cooperating_unit_ids")
    return data


# --- query parameters ----------------------------------------------------------------------
def bad_parameter(name: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message, {name: message})


def query_text(name: str, *, required: bool = False) -> str | None:
    value = request.args.get(name)
    if value is None:
        if required:
            raise bad_parameter(name, _("This parameter is required."))
        return None
    if not storable_text(value):
        raise bad_parameter(name, unstorable_message())
    return value


def query_int(name: str, minimum: int, maximum: int, *, required: bool = False) -> int | None:
    """A whole number within [minimum, maximum]."""
    value = query_text(name, required=required)
    if value is None:
        return None
    number = to_int(value, minimum, maximum)
    if number is None:
        raise bad_parameter(name, _("“%(v)s” is not a whole number from %(a)d to %(b)d.",
                                    v=value[:40], a=minimum, b=maximum))
    return number


def query_date(name: str, *, required: bool = False) -> dt.date | None:
    value = query_text(name, required=required)
    if value is None:
        return None
    try:
        day = parse_iso_date(value, name)
    except DomainError as exc:
        raise bad_parameter(name, exc.message) from None
    if day is None:
        raise bad_parameter(name, _("This parameter is required."))
    return day


def query_choice(name: str, enum_cls, *, required: bool = False):
    value = query_text(name, required=required)
    if value is None:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        raise bad_parameter(name, _("“%(v)s” is not an accepted value.", v=value)) from None


# --- keyset pages ------------------------------------------------------------------------
def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues after; 400 for anything we did not hand out."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        prefix, _sep, number = text.partition(":")
        if prefix != "id" or not (number.isascii() and number.isdigit()):
            raise ValueError(text)
        value = int(number)
        if not 0 <= value <= MAX_ID:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeError):
        raise ApiError(400, "invalid_cursor", _("This cursor is not valid; start again from the "
                                                 "first page."), {"cursor": "invalid"}) from None
    return value


def page(query: sa.Select, key, *, descending: bool = False) -> tuple[list, str | None]:
    """One page of ``query`` ordered by the unique column ``key`` (an id), with the cursor of
    the next page or None on the last one."""
    limit = query_int("limit", 1, MAX_LIMIT) or DEFAULT_LIMIT
    cursor = query_text("cursor")
    if cursor is not None:
        after = decode_cursor(cursor)
        query = query.where(key < after if descending else key > after)
    rows = list(db.session.scalars(query.order_by(key.desc() if descending else key.asc())
                                   .limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more else None
