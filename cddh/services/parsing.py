"""Reading ids, whole numbers and dates from untrusted text: query strings, forms, JSON and
spreadsheets. One place, so that every door refuses the same input the same way.

* an id is a whole number from 1 to ``MAX_ID`` written with ASCII digits (``²`` and ``٣``
  pass ``str.isdigit()`` but are no ids; a number beyond 32 bits names no row, and SQLite
  cannot even bind one beyond 64 bits);
* a date is ``YYYY-MM-DD`` or ``dd/mm/yyyy`` between ``MIN_DATE`` and ``MAX_DATE``: a year
  9999 passes ``strptime`` and then overflows every deadline computed from it.

The ``to_*`` functions answer None for anything they refuse (a screen drops it or answers
404); ``parse_date`` raises a ``DomainError`` with a message for the field.
"""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _

from . import DomainError

MAX_ID = 2**31 - 1
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)


def is_number_text(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts ``²`` and other scripts' digits)."""
    return bool(text) and text.isascii() and text.isdigit()


def to_int(value, minimum: int, maximum: int) -> int | None:
    """A whole number within [minimum, maximum] from an int or text, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        negative = text.startswith("-")
        digits = text[1:] if negative else text
        if not is_number_text(digits) or len(digits) > 20:
            return None
        number = -int(digits) if negative else int(digits)
    else:
        return None
    return number if minimum <= number <= maximum else None


def to_id(value) -> int | None:
    """The id of a row from an int or text, or None."""
    return to_int(value, 1, MAX_ID)


def to_ids(values) -> list[int]:
    """The valid ids among ``values``, in order, without repeats; the rest is dropped."""
    return list(dict.fromkeys(i for v in values if (i := to_id(v)) is not None))


def date_in_range(day: dt.date | None) -> bool:
    return day is None or MIN_DATE <= day <= MAX_DATE


def to_date(value) -> dt.date | None:
    """A date within the accepted range, or None for anything else."""
    try:
        return parse_date(value, "date")
    except DomainError:
        return None


def parse_date(value, field: str) -> dt.date | None:
    """A date from a date, an ISO string or dd/mm/yyyy; None for empty; refuses dates
    outside [MIN_DATE, MAX_DATE]."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip()
        day = None
        if len(text) <= 10:
            for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
                try:
                    day = dt.datetime.strptime(text, fmt).date()
                    break
                except ValueError:
                    continue
        if day is None:
            raise DomainError(_("“%(v)s” is not a valid date (use dd/mm/yyyy).", v=text[:40]),
                              fields={field: "invalid_date"})
    if not date_in_range(day):
        raise DomainError(_("The date must be between %(a)s and %(b)s.",
                            a=MIN_DATE.strftime("%d/%m/%Y"), b=MAX_DATE.strftime("%d/%m/%Y")),
                          fields={field: "invalid_date"})
    return day


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_iso_date(value, field: str) -> dt.date | None:
    """``parse_date`` for the API, whose dates are ``YYYY-MM-DD`` only (api.md): anything
    else, dd/mm/yyyy or digits of another script too, is refused with a message that says
    so; None for empty."""
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            if not ISO_DATE.fullmatch(text):
                raise ValueError(text)
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise DomainError(_("“%(v)s” is not a valid date (use YYYY-MM-DD).", v=text[:40]),
                              fields={field: "invalid_date"}) from None
    return parse_date(value, field)


def storable_text(text: str) -> bool:
    """False for text a database cannot store or compare: NUL characters, lone surrogates."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_message() -> str:
    """What a user is told of text ``storable_text`` refuses (the API and the services)."""
    return _("The text contains characters that cannot be stored (such as NUL).")
