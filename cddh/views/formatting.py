"""Dates and times as a Vietnamese office reads them: dd/mm/yyyy, local time."""

from __future__ import annotations

import datetime as dt

from ..services.clock import local_tz


def local_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(local_tz()).strftime("%d/%m/%Y %H:%M")


def local_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""
