"""Today and now in the province's timezone. Tests and jobs pass an explicit date instead."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


def local_tz() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def local_now() -> dt.datetime:
    return dt.datetime.now(local_tz())


def local_today() -> dt.date:
    """The date in the province now (not the server's UTC date)."""
    return local_now().date()


def local_date_of(moment: dt.datetime) -> dt.date:
    """The province's date at a stored moment (timestamps are stored in UTC, naive or not):
    a report issued at 23:30 UTC on the 14th was issued on the 15th in Bến Tre."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(local_tz()).date()


def start_of_local_day(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, in UTC: timestamps are stored in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_tz()).astimezone(dt.UTC)
