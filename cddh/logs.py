"""Logging: where the app's log lines go, and one line per request.

Lines go to standard error (journald under systemd, the terminal in development), unless
the host program (pytest, a WSGI server that set up the root logger) has configured logging
already. A request line is logfmt, easy to grep and to parse::

    2026-11-30 01:02:03,456 INFO cddh.requests: method=GET path=/tasks/ status=200 ms=41.7 user=12
"""

from __future__ import annotations

import logging
import time

from flask import Flask, g, request
from flask_login import current_user

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
request_log = logging.getLogger("cddh.requests")


def configure_logging(app: Flask) -> None:
    """Send log lines to stderr (if nobody else set logging up) and log every request."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format=FORMAT)
    logging.getLogger("cddh").setLevel(app.config["LOG_LEVEL"])
    app.before_request(_start_timer)
    app.after_request(_log_request)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response):
    started = g.pop("request_started", None)
    if started is not None and request_log.isEnabledFor(logging.INFO):
        user = getattr(current_user, "id", None) if current_user else None
        request_log.info("method=%s path=%s status=%d ms=%.1f user=%s", request.method,
                         _quoted(request.path), response.status_code,
                         (time.perf_counter() - started) * 1000, user if user is not None else "-")
    return response


def _quoted(value: str) -> str:
    """A logfmt value: as it is, or in double quotes when it has spaces or quotes."""
    if value and not any(c in value for c in ' "=\\'):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
