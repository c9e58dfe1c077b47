"""Settings read from CDDH_* environment variables, each with a typed default.

Every setting a deployment may change is here; code reads ``app.config`` only.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"CDDH_{name}", default)


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults for a development machine: SQLite in ./instance, Vietnamese UI."""

    ENV_NAME = "development"
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'cddh.db'}")
    SECRET_KEY = _env("SECRET_KEY")
    BABEL_DEFAULT_LOCALE = _env("DEFAULT_LANGUAGE", "vi")
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Asia/Ho_Chi_Minh")
    LANGUAGES = ("vi", "en")
    UPLOAD_FOLDER = _env("UPLOAD_FOLDER", str(BASE_DIR / "instance" / "uploads"))
    MAX_UPLOAD_MB = _env_int("MAX_UPLOAD_MB", 20)
    # Flask rejects larger request bodies before any view runs.
    MAX_CONTENT_LENGTH = (MAX_UPLOAD_MB + 1) * 1024 * 1024
    PAGE_SIZE = _env_int("PAGE_SIZE", 50)
    EXPORT_MAX_ROWS = _env_int("EXPORT_MAX_ROWS", 100_000)
    # Lists count exactly up to this many rows; above it (PostgreSQL) they show the planner's
    # estimate ("khoảng 1,2 triệu"), as Django's admin does.
    COUNT_ESTIMATE_ABOVE = _env_int("COUNT_ESTIMATE_ABOVE", 100_000)
    SESSION_HOURS = _env_int("SESSION_HOURS", 8)
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _env_int("LOGIN_LOCK_MINUTES", 15)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("COOKIE_SECURE", False)
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    FLASK_ADMIN_SWATCH = "default"
    # Mail: one daily digest per user through the province's SMTP relay. No host, no mail.
    SMTP_HOST = _env("SMTP_HOST", "")
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USER = _env("SMTP_USER", "")
    SMTP_PASSWORD = _env("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", False)
    SMTP_SSL = _env_bool("SMTP_SSL", False)
    SMTP_SENDER = _env("SMTP_SENDER", "cddh@localhost")
    # The site's public address, for links in mail (e.g. https://cddh.bentre.gov.vn).
    BASE_URL = _env("BASE_URL", "")


class ProductionConfig(Config):
    """Production refuses to start without an explicit secret key."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _env_bool("COOKIE_SECURE", True)


class TestConfig(Config):
    """Tests: database from CDDH_TEST_DATABASE_URL (SQLite file by default)."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    WTF_CSRF_ENABLED = True


CONFIGS = {"development": Config, "production": ProductionConfig, "test": TestConfig}


def load_config(name: str | None = None) -> type[Config]:
    """Pick the settings class by name or by CDDH_ENV (development by default)."""
    return CONFIGS[name or _env("ENV", "development")]
