"""Settings read from CDDH_* environment variables, each with a typed default.

Every setting a deployment may change is here; code reads ``app.config`` only.
"""

from __future__ import annotations

import os
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"CDDH_{name}", default)


# The instance folder: the development database, its uploads and secret key. It belongs to
# the place the app is run from (``instance/`` in the current directory, which is the
# checkout for ``make run``), never to the installed package's directory.
INSTANCE_PATH = Path(_env("INSTANCE_PATH") or Path.cwd() / "instance").resolve()


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
    INSTANCE_PATH = INSTANCE_PATH
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'cddh.db'}")
    SECRET_KEY = _env("SECRET_KEY")
    BABEL_DEFAULT_LOCALE = _env("DEFAULT_LANGUAGE", "vi")
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Asia/Ho_Chi_Minh")
    LANGUAGES = ("vi", "en")
    UPLOAD_FOLDER = _env("UPLOAD_FOLDER", str(INSTANCE_PATH / "uploads"))
    MAX_UPLOAD_MB = _env_int("MAX_UPLOAD_MB", 20)
    # Flask rejects larger request bodies before any view runs.
    MAX_CONTENT_LENGTH = (MAX_UPLOAD_MB + 1) * 1024 * 1024
    PAGE_SIZE = _env_int("PAGE_SIZE", 50)
    EXPORT_MAX_ROWS = _env_int("EXPORT_MAX_ROWS", 100_000)
    # Where the planner expects more rows than this (PostgreSQL), a list shows its estimate
    # ("khoảng 1,2 triệu") without counting, as Django's admin does.
    COUNT_ESTIMATE_ABOVE = _env_int("COUNT_ESTIMATE_ABOVE", 100_000)
    # Below that estimate a list counts its rows, but never past this many: counting a
    # filtered 100,000 reads their rows (30-120 ms at 1M tasks), 10,000 a tenth of that.
    # Past it the list shows the estimate when it says more, else "more than 10,000".
    COUNT_EXACT_UP_TO = _env_int("COUNT_EXACT_UP_TO", 10_000)
    # A search's list counts to this many at most: a word most tasks hold is in most of a
    # unit's tasks too, and 10,000 of them found among the unit's took a unit leader's list
    # 0.2-1.7 s at 1M tasks (its first page of newest tasks, 2 ms).
    SEARCH_COUNT_EXACT_UP_TO = _env_int("SEARCH_COUNT_EXACT_UP_TO", 1_000)
    # A list counted to at most this many rows reads them all by its filters' index and
    # sorts them (a few ms), never walking an index in its order past the others.
    SORT_FOUND_UP_TO = _env_int("SORT_FOUND_UP_TO", 2_000)
    # A login lasts this long from the moment it starts; activity does not extend it.
    SESSION_HOURS = _env_int("SESSION_HOURS", 8)
    # The cookie is never re-issued just because a request came: the server-side session
    # (user_session) decides, and ends at its absolute expiry.
    SESSION_REFRESH_EACH_REQUEST = False
    # Login throttling (cddh.services.accounts.login_throttled): failed logins of the last
    # LOGIN_WINDOW_MINUTES count; past the free number, each further try waits twice as long.
    LOGIN_WINDOW_MINUTES = _env_int("LOGIN_WINDOW_MINUTES", 15)
    LOGIN_ACCOUNT_FREE = _env_int("LOGIN_ACCOUNT_FREE", 5)
    LOGIN_ACCOUNT_WIDE_FREE = _env_int("LOGIN_ACCOUNT_WIDE_FREE", 20)
    LOGIN_ADDRESS_FREE = _env_int("LOGIN_ADDRESS_FREE", 20)
    LOGIN_BACKOFF_SECONDS = _env_int("LOGIN_BACKOFF_SECONDS", 30)
    # werkzeug's scrypt at its default cost (N=2**15): memory-hard, about 0.1 s a check.
    PASSWORD_HASH_METHOD = "scrypt"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("COOKIE_SECURE", False)
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL session settings of every connection (libpq ``options``): the screens run
    # many short queries, each a few index ranges; a parallel plan's workers take longer to
    # start (6-12 ms) than such a query takes (1-2 ms), and JIT compiles for ~0.4 s.
    PG_SESSION_OPTIONS = _env("PG_SESSION_OPTIONS",
                              "-c jit=off -c max_parallel_workers_per_gather=0")
    FLASK_ADMIN_SWATCH = "default"
    # Mail: one daily digest per user through the province's SMTP relay. No host, no mail.
    SMTP_HOST = _env("SMTP_HOST", "")
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USER = _env("SMTP_USER", "")
    SMTP_PASSWORD = _env("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", False)
    SMTP_SSL = _env_bool("SMTP_SSL", False)
    SMTP_SENDER = _env("SMTP_SENDER", "cddh@localhost")
    # Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto/-Host are
    # believed; without a proxy keep 0, or anyone could claim any address.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    # Logging: one line per request and per job run at INFO (cddh/logs.py).
    LOG_LEVEL = (_env("LOG_LEVEL", "INFO") or "INFO").upper()
    # /healthz fails when the scheduler process has not beaten (every minute) for this long.
    SCHEDULER_STALE_MINUTES = _env_int("SCHEDULER_STALE_MINUTES", 5)
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
    LOG_LEVEL = "WARNING"
    WTF_CSRF_ENABLED = True
    # The same algorithm at a test-sized cost: a test that logs in fifty times stays quick.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


CONFIGS = {"development": Config, "production": ProductionConfig, "test": TestConfig}


def load_config(name: str | None = None) -> type[Config]:
    """Pick the settings class by name or by CDDH_ENV (development by default)."""
    return CONFIGS[name or _env("ENV", "development")]
