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

from config import load_config

from .models import db
from .services import scope as _scope  # noqa: F401  (keeps task_unit with the tasks)
from .services import search as _search  # noqa: F401  (keeps search_text)

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent

csrf = CSRFProtect()
migrate = Migrate()


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application. No database queries run here."""
    app = Flask(__name__, template_folder=str(ROOT_DIR / "templates"),
                static_folder=str(ROOT_DIR / "static"), instance_path=str(ROOT_DIR / "instance"))
    configure_settings(app, config_name, overrides)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    configure_babel(app)
    configure_login(app)
    configure_views(app)
    configure_api(app)
    configure_cli(app)
    return app


def configure_settings(app: Flask, config_name: str | None, overrides: dict | None) -> None:
    config = load_config(config_name)
    app.config.from_object(config)
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("CDDH_SECRET_KEY must be set in production.")
        # Development only: a key per checkout, kept in instance/ so sessions survive restarts.
        key_file = Path(app.instance_path) / "secret_key"
        key_file.parent.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(os.urandom(32).hex())
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=app.config["SESSION_HOURS"])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and ":memory:" not in uri:
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


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
