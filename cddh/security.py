"""Protections that hold for every response and every route, set once for the app.

* ``<int:…>`` in a route accepts only ids the database can hold (1 … 2³¹−1): a larger
  number is a 404 like any unknown id, instead of an overflow in the database driver.
* Security headers on every response (one after-request hook rather than flask-talisman:
  the app serves all its assets itself and needs five fixed headers; talisman would add a
  dependency whose HTTPS redirect and cookie settings overlap the session configuration):
  a Content-Security-Policy without inline script (all JavaScript is in files under
  ``static/``; figures reach it in ``application/json`` data blocks), no framing at all,
  no MIME sniffing, no referrer outside the site, and HSTS in production (behind HTTPS).
* A screen request whose query or form text the database cannot store (a NUL character, a
  lone surrogate) is refused with 400 before any view runs: PostgreSQL rejects NUL in text,
  so every search box, filter and form would otherwise fail one by one. The API answers the
  same input with its own 400 (``cddh.api.inputs``).
"""

from __future__ import annotations

from flask import Flask, Response, abort, request
from werkzeug.routing import IntegerConverter

from .services.parsing import MAX_ID, storable_text


class IdConverter(IntegerConverter):
    """Werkzeug's int converter bounded to the ids a row may have."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # Bootstrap and Flask-Admin set style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(response: Response, *, production: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if production:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def refuse_unstorable_text() -> None:
    """400 for a screen request carrying text no database column can hold."""
    if request.path.startswith("/api/"):
        return
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if not (storable_text(key) and storable_text(value)):
                abort(400)


def configure_security(app: Flask) -> None:
    app.before_request(refuse_unstorable_text)
    app.url_map.converters["int"] = IdConverter
    production = app.config.get("ENV_NAME") == "production"
    app.after_request(lambda response: security_headers(response, production=production))
