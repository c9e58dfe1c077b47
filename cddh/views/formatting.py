"""Dates, times and numbers as a Vietnamese office reads them: dd/mm/yyyy, local time,
1.234 and 14,2 % (in English 1,234 and 14.2 %)."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_decimal

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
