"""Test set-up: one app per session on SQLite, or on PostgreSQL when
CDDH_TEST_DATABASE_URL is set; every test starts from empty tables."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import re

import pytest
import sqlalchemy as sa

from cddh import create_app
from cddh.models import (
    DocType,
    Document,
    Role,
    Task,
    TaskState,
    Unit,
    UnitCategory,
    UnitKind,
    User,
    db,
)
from cddh.services.accounts import hash_password
from cddh.services.sessions import start_session

from .test_i18n import compile_catalogs

TEST_PASSWORD = "Mat-khau-2026"


def demo_on(app, monkeypatch, today: dt.date, task_count: int = 120) -> None:
    """The demo database built for ``today`` (committed), the app's local clock standing at
    10:00 that day for the rest of the test."""
    from cddh.demo import load_demo
    from cddh.services import clock

    moment = dt.datetime.combine(today, dt.time(10, 0), tzinfo=clock.local_tz())
    monkeypatch.setattr(clock, "local_now", lambda: moment)
    with app.app_context():
        load_demo(task_count=task_count, today=today)
        db.session.commit()
_HASH = None
_seq = itertools.count(1)


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("CDDH_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    compile_catalogs()  # Flask-Babel caches catalogues per app: build the .mo files first
    uploads = tmp_path_factory.mktemp("uploads")
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
                              "UPLOAD_FOLDER": str(uploads)})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def truncate_all() -> None:
    """Empty every table and reset sequences (inside an application context)."""
    db.session.remove()
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                 + " RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_tables(app):
    yield
    with app.app_context():
        truncate_all()


@pytest.fixture
def ctx(app):
    """An application context with a clean session, for tests that use services directly."""
    with app.app_context(), app.test_request_context():
        yield
        db.session.rollback()


# --- factories -----------------------------------------------------------------------------

@contextlib.contextmanager
def recorded_statements(app):
    """The SQL statements sent while the block runs, each on one line, in order."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def make_kind(category: UnitCategory) -> UnitKind:
    kind = db.session.scalar(sa.select(UnitKind).where(UnitKind.code == category.value))
    if kind is None:
        kind = UnitKind(code=category.value, name=category.value, category=category)
        db.session.add(kind)
    return kind


def make_unit(code: str | None = None, category: UnitCategory = UnitCategory.department,
              name: str | None = None) -> Unit:
    code = code or f"U{next(_seq)}"
    unit = Unit(code=code, name=name or f"Đơn vị {code}", kind=make_kind(category))
    db.session.add(unit)
    db.session.flush()
    return unit


def make_user(role: Role, unit: Unit, username: str | None = None) -> User:
    global _HASH
    _HASH = _HASH or hash_password(TEST_PASSWORD)
    user = User(username=username or f"{role.value}{next(_seq)}", role=role, unit=unit,
                full_name=f"Người dùng {role.value}", password_hash=_HASH)
    db.session.add(user)
    db.session.flush()
    return user


def make_document(**kw) -> Document:
    issued = kw.pop("issued_on", dt.date(2026, 3, 2))
    doc = Document(doc_type=kw.pop("doc_type", DocType.cong_van),
                   number=kw.pop("number", f"{next(_seq)}/UBND-TH"),
                   summary=kw.pop("summary", "Về việc triển khai nhiệm vụ"),
                   issued_on=issued, issue_year=issued.year, **kw)
    db.session.add(doc)
    db.session.flush()
    return doc


def overdue_entries() -> list[int]:
    """The task of each "became overdue" entry on every task's timeline, the one the task
    page and the API show (stored, or the open spell's, cddh.services.workflow.timeline)."""
    from cddh.services.workflow import timeline

    return sorted(entry.task_id for task in db.session.scalars(sa.select(Task))
                  for entry in timeline(task) if entry.action == "overdue")


def make_task(lead_unit: Unit | None, *, state: TaskState = TaskState.assigned,
              cooperating=(), document: Document | None = None, **kw) -> Task:
    if state != TaskState.draft and "assigned_at" not in kw:
        # A task past the draft was forwarded: it counts from then (docs/figures.md).
        kw["assigned_at"] = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    task = Task(document=document or make_document(), content=kw.pop("content", "Báo cáo kết quả"),
                lead_unit=lead_unit, state=state, cooperating_units=list(cooperating),
                deadline=kw.pop("deadline", dt.date(2026, 6, 30)), **kw)
    task.original_deadline = task.deadline
    db.session.add(task)
    db.session.flush()
    return task


# --- a logged-in browser -------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def login_key(app, user_id: int) -> str:
    """A new server-side session for the user (as a login makes), for a test's cookie."""
    with app.app_context():
        user = db.session.get(User, user_id)
        key = start_session(user, user_agent="pytest").key
        db.session.commit()
        return key


class Browser:
    """A test client logged in as one user, carrying its CSRF token for POSTs."""

    def __init__(self, app, user: User | None):
        self.client = app.test_client()
        self.user = user
        self.csrf = None
        if user is not None:
            with self.client.session_transaction() as sess:
                sess["_user_id"] = login_key(app, sa.inspect(user).identity[0])
                sess["_fresh"] = True
        page = self.client.get("/login")
        match = CSRF_RE.search(page.get_data(as_text=True))
        self.csrf = match.group(1) if match else None
        if user is not None:
            home = self.client.get("/")
            match = CSRF_RE.search(home.get_data(as_text=True))
            self.csrf = match.group(1) if match else self.csrf

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def browser(app):
    def _browser(user: User | None) -> Browser:
        return Browser(app, user)

    return _browser
