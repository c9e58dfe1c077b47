"""Dates, times and numbers as a Vietnamese office reads them: dd/mm/yyyy, local time,
1.234 and 14,2 % (in English 1,234 and 14.2 %)."""

from __future__ import annotations

import datetime as dt
import re

from flask import has_request_context, url_for
from flask_babel import format_decimal
from markupsafe import Markup, escape

from ..services.clock import local_tz


def local_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(local_tz()).strftime("%d/%m/%Y %H:%M")


def local_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def number(value) -> str:
    """A count with the locale's grouping: 1.234 in Vietnamese."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return format_decimal(value, format="#,##0")


def percent(value, empty: str = "-") -> str:
    """A rate already in per cent, one decimal: 14,2 % in Vietnamese."""
    if value is None:
        return empty
    return f"{format_decimal(value, format='#,##0.0')} %"


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


def shorten(text, width: int = 60) -> str:
    """The first ``width`` characters of a text on one line, "…" when cut (titles)."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
