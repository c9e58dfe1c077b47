"""Dates, times and numbers as a Vietnamese office reads them: dd/mm/yyyy, local time,
1.234 and 14,2 % (in English 1,234 and 14.2 %)."""

from __future__ import annotations

import datetime as dt
import re

from flask import has_request_context, url_for
from flask_babel import format_decimal
from markupsafe import Markup, escape

from ..services.clock import local_tz
from ..services.overview import MoreThan
from .memo import per_language_kept


def local_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(local_tz()).strftime("%d/%m/%Y %H:%M")


def local_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _thousands() -> str | None:
    """The locale's group separator when ``#,##0`` groups a whole number by threes with it
    and nothing else (vi: ".", en: ","), or None: then Babel formats every count."""
    probe = format_decimal(1234567, format="#,##0")
    sep = probe[1:2]
    if sep and not sep.isdigit() and probe == f"1{sep}234{sep}567" \
            and format_decimal(1234, format="#,##0") == f"1{sep}234" \
            and format_decimal(123, format="#,##0") == "123":
        return sep
    return None


def number(value) -> str:
    """A count with the locale's grouping: 1.234 in Vietnamese. A non-negative whole number
    is grouped by Python with the locale's separator (read from Babel once per language):
    the same text, without Babel's pattern machinery for each of a dashboard's figures."""
    if type(value) is int and value >= 0:
        sep = per_language_kept(("thousands",), _thousands)
        if sep is not None:
            return str(value) if value < 1000 else f"{value:,}".replace(",", sep)
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, MoreThan):  # a home's count cut at its cap
        from flask_babel import gettext as _

        return _("more than %(num)s", num=format_decimal(int(value), format="#,##0"))
    return format_decimal(value, format="#,##0")


def decimal(value, empty: str = "-") -> str:
    """A rate or score with one decimal and no sign (the column says "(%)"): 14,2."""
    if value is None or value == "":
        return empty
    if isinstance(value, str):
        return value
    return format_decimal(value, format="#,##0.0")


def figure(value) -> str:
    """A cell of a figures table: a count as 1.234, a rate as 14,2, text as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else value
    return number(value) if isinstance(value, int) else decimal(value)


def percent(value, empty: str = "-") -> str:
    """A rate already in per cent, one decimal: 14,2 % in Vietnamese."""
    if value is None:
        return empty
    return f"{format_decimal(value, format='#,##0.0')} %"


def datepicker_locale() -> dict:
    """What Flask-Admin's date picker (bootstrap-daterangepicker) shows, in the user's
    language: month and day names from the locale data of Babel, the week starting on Monday,
    the buttons' words. static/js/widgets-locale.js hands it to every picker of the page."""
    from babel.dates import get_day_names, get_month_names
    from flask_babel import get_locale
    from flask_babel import gettext as _

    locale = get_locale() or "vi"
    months = get_month_names("wide", locale=locale)
    days = get_day_names("short", locale=locale)
    return {
        "monthNames": [months[m][:1].upper() + months[m][1:] for m in range(1, 13)],
        # Sunday first, as the picker counts them (Babel counts from Monday, 0).
        "daysOfWeek": [days[6]] + [days[d] for d in range(6)],
        "firstDay": 1,
        "applyLabel": _("Apply"),
        "cancelLabel": _("Cancel"),
        "fromLabel": _("From date"),
        "toLabel": _("To date"),
        "weekLabel": _("Wk"),
        "customRangeLabel": _("Custom range"),
    }


def select2_locale() -> dict:
    """What Select2's boxes say, in the user's language ({n}: a number); see
    static/js/widgets-locale.js."""
    from flask_babel import gettext as _

    return {
        "noMatches": _("No matches found"),
        "searching": _("Searching…"),
        "loadMore": _("Loading more results…"),
        "ajaxError": _("Loading failed"),
        "inputTooShort": _("Type {n} more characters"),
        "inputTooLong": _("Delete {n} characters"),
        "selectionTooBig": _("You can select only {n} items"),
        "matches": _("{n} results; use the arrow keys to choose"),
    }


# "#301" in a user's text: a task number, unless it is part of a word, an entity (&#39;) or
# an address (/path#301).
_TASK_REFERENCE = re.compile(r"(?<![\w&#/])#(\d{1,9})\b")


def task_links(text) -> Markup:
    """User text, escaped, with every ``#301`` made a link to task 301's page
    (``/tasks/301``). The text is cut at the task numbers and every piece of it escaped, so
    only the links are markup, whatever the text holds."""
    if text is None:
        return Markup("")
    text = str(text)
    prefix = url_for("tasks.short_view", id=0)[:-1] if has_request_context() else "/tasks/"
    parts, last = [], 0
    for found in _TASK_REFERENCE.finditer(text):
        parts.append(escape(text[last:found.start()]))
        parts.append(Markup('<a href="{}" class="task-ref">#{}</a>').format(
            f"{prefix}{int(found.group(1))}", found.group(1)))
        last = found.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def link_html(url, text) -> Markup:
    """``<a href="url">text</a>``, both escaped: ``Markup('<a href="{}">{}</a>').format(url,
    text)`` without the string formatter (a list writes one or two per row)."""
    return Markup(f'<a href="{escape(url)}">{escape(text)}</a>')


def shorten(text, width: int = 60) -> str:
    """The first ``width`` characters of a text on one line, "…" when cut (titles)."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
