"""The JSON API v1 (api.md): a door like any screen, thin over the same policy and services.

Requests authenticate with a bearer token only: under /api no session cookie is read or set,
so a logged-in browser cannot be made to call the API (and no CSRF token is needed).
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask.sessions import SessionInterface

from .errors import API_PREFIX, json_errors_under_api
from .routes import bp

__all__ = ["bp", "init_api"]


class NoSessionUnderApi(SessionInterface):
    """Wraps the app's session interface: requests under /api get a null session, which is
    never loaded from a cookie nor saved to one."""

    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def open_session(self, app, request):
        if request.path.startswith(API_PREFIX):
            return self.make_null_session(app)
        return self.inner.open_session(app, request)

    def save_session(self, app, session, response):
        return self.inner.save_session(app, session, response)


def anonymous_under_api() -> None:
    """Under /api nobody is logged in until a token says who (routes.authenticate). Set for
    every path, so that even an unknown one never makes Flask-Login look for a session."""
    if request.path.startswith(API_PREFIX):
        g._login_user = current_app.login_manager.anonymous_user()


def init_api(app: Flask) -> None:
    """Register the blueprint, JSON errors under /api and the cookie-less sessions."""
    app.register_blueprint(bp)
    app.before_request(anonymous_under_api)
    json_errors_under_api(app)
    app.session_interface = NoSessionUnderApi(app.session_interface)
