"""CĐĐH: following up the tasks a provincial People's Committee assigns (QĐ 09/2020 Bến Tre)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import Flask, request, session
from flask_babel import Babel
from flask_login import current_user
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from .catalogs import compile_catalogs
from .logs import configure_logging
from .models import db
from .paths import MIGRATIONS_DIR, STATIC_DIR, TEMPLATES_DIR, TRANSLATIONS_DIR, settings_module
from .security import configure_security
from .services import calendar as _calendar  # noqa: F401  (keeps effective_deadline)
from .services import lengths as _lengths  # noqa: F401  (no over-long text is flushed)
from .services import scope as _scope  # noqa: F401  (keeps task_unit with the tasks)
from .services import search as _search  # noqa: F401  (keeps search_text)
from .services import tally as _tally  # noqa: F401  (keeps the live figures' tally)

csrf = CSRFProtect()
migrate = Migrate()


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application. No database queries run here."""
    config = settings_module().load_config(config_name)
    instance_path = (overrides or {}).get("INSTANCE_PATH") or config.INSTANCE_PATH
    app = Flask(__name__, template_folder=str(TEMPLATES_DIR), static_folder=str(STATIC_DIR),
                instance_path=str(instance_path))
    configure_settings(app, config, overrides)
    configure_security(app)
    configure_logging(app)
    configure_proxy(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    configure_babel(app)
    configure_login(app)
    configure_views(app)
    configure_api(app)
    configure_cli(app)
    return app


def configure_settings(app: Flask, config: type, overrides: dict | None) -> None:
    app.config.from_object(config)
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("CDDH_SECRET_KEY must be set in production.")
        # Development only: a key per instance folder, so sessions survive restarts.
        key_file = Path(app.instance_path) / "secret_key"
        key_file.parent.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(os.urandom(32).hex())
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=app.config["SESSION_HOURS"])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ensure_catalogs(app))
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql") and app.config.get("PG_SESSION_OPTIONS"):
        engine = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(engine.get("connect_args") or {})
        connect_args.setdefault("options", app.config["PG_SESSION_OPTIONS"])
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**engine, "connect_args": connect_args}
    if uri.startswith("sqlite:///") and ":memory:" not in uri:
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def configure_proxy(app: Flask) -> None:
    """Behind nginx, take the client's address and the scheme (https) from its headers."""
    count = app.config["PROXY_COUNT"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def ensure_catalogs(app: Flask) -> Path:
    """The directory of compiled catalogues, compiling any .mo that is missing or stale.

    A built package has them already (setup.py compiles them); a checkout or editable install
    gets them compiled here whenever a .po is newer, so the UI can never fall back to English
    for want of a ``make``. Where the package directory is read-only, they go to the instance
    folder instead.
    """
    try:
        compile_catalogs(TRANSLATIONS_DIR)
        return TRANSLATIONS_DIR
    except OSError:
        compiled = Path(app.instance_path) / "translations"
        compile_catalogs(TRANSLATIONS_DIR, compiled)
        return compiled


def select_locale() -> str:
    """The user's chosen language, else the session's, else the default (Vietnamese)."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if request:
        if request.path.startswith("/api/"):
            # The API speaks the client's language (Accept-Language), whoever the token's user is.
            return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
        if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
            return current_user.language
        if session.get("language") in languages:
            return session["language"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def configure_babel(app: Flask) -> None:
    # Every app needs its own Babel, or every admin page raises KeyError: 'babel'.
    Babel(app, locale_selector=select_locale)


def configure_login(app: Flask) -> None:
    from .views.auth import init_login

    init_login(app)


def configure_views(app: Flask) -> None:
    from .views import init_views

    init_views(app)


def configure_api(app: Flask) -> None:
    from .api import bp, init_api

    init_api(app)
    csrf.exempt(bp)  # bearer tokens, no cookies: nothing for CSRF to protect


def configure_cli(app: Flask) -> None:
    from .cli import cddh_cli

    app.cli.add_command(cddh_cli)
