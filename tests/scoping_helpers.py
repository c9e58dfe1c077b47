"""Support for tests/test_scoping_matrix.py: view discovery, the dataset, the expectations
(an oracle written from domain.md, independent of cddh.auth.policy), a light logged-in client,
database snapshots and generic form payloads.

Every row of the dataset carries a unique marker string (``zq<name>zq``) in a text column, so a
leak is found by looking for markers of rows the user must not see in any response body.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
from dataclasses import dataclass, field
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import url_for
from flask_admin.actions import action
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.model.fields import AjaxSelectField, AjaxSelectMultipleField
from flask_login import current_user, login_user
from itsdangerous import URLSafeTimedSerializer
from wtforms import fields as wtf

from cddh import create_app
from cddh.auth import policy
from cddh.models import (
    AuditLog,
    CalendarOverride,
    CalendarOverrideKind,
    DocType,
    Document,
    Notification,
    ProgressUpdate,
    Task,
    TaskState,
    Unit,
    UnitCategory,
    UnitKind,
    User,
    UserSession,
    db,
    utcnow,
)
from cddh.models.enums import OFFICE_ROLES, UNIT_ROLES, Role
from cddh.services.sessions import start_session
from cddh.views.base import ScopedModelView

from .conftest import truncate_all  # noqa: F401 - re-exported for the matrix

ANONYMOUS = "anonymous"
ROLES = [r.value for r in Role] + [ANONYMOUS]

# Screens that only the administrator may open (the foundation issue names them); any screen
# that policy.SCREENS reserves for the admin is added at run time.
ADMIN_SCREENS = {"units", "unit_kinds", "users", "calendar", "audit_log"}

# Flask-Admin's own endpoints of a model view; anything else exposed is a "custom" endpoint.
STANDARD_ENDPOINTS = {"index_view", "create_view", "edit_view", "details_view", "delete_view",
                      "action_view", "export", "ajax_lookup", "ajax_update"}
REDIRECTS = {301, 302, 303, 307, 308}

# Tasks, from unit A's point of view. Drafts belong to the Office until forwarded.
TASKS = {
    # key: (lead unit, cooperating units, state, document key)
    "alead": ("A", (), TaskState.in_progress, "alead"),
    "acoop": ("B", ("A",), TaskState.in_progress, "coop"),
    "bsibling": ("B", (), TaskState.in_progress, "coop"),  # B's task in a document A can see
    "bonly": ("B", (), TaskState.in_progress, "bonly"),  # the "foreign" task
    "adraft": ("A", (), TaskState.draft, "adraft"),
}
DOCUMENTS = {key: tuple(k for k, t in TASKS.items() if t[3] == key)
             for key in ("alead", "coop", "bonly", "adraft")}
A_TASKS = {"alead", "acoop"}  # what a unit user of A may read

# Families of rows and how visibility is decided for them.
TASK_FAMILIES = {"task", "document", "progress", "auto_task", "auto_unit", "personal"}

# Models whose rows belong to one user, who alone sees them (domain.md: each user's own
# notifications). Rows are made for every acting user; the column names the owner.
PERSONAL_MODELS = {Notification: "user_id", UserSession: "user_id"}


def is_admin_screen(screen: str) -> bool:
    return screen in ADMIN_SCREENS or policy.SCREENS.get(screen) == frozenset({Role.admin})


def screen_open(role: Role | None, screen: str) -> bool:
    if role is None:
        return False
    if is_admin_screen(screen):
        return role == Role.admin
    return role in policy.SCREENS.get(screen, frozenset())


def task_readable(role: Role | None, key: str) -> bool:
    if role is None:
        return False
    if role in OFFICE_ROLES:
        return True
    if role in UNIT_ROLES:
        return key in A_TASKS
    return False  # an inspector with no team, or any role the domain does not know


# --- the dataset ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RowRef:
    model: type
    id: int
    marker: str
    family: str  # task, document, progress, unit, kind, user, admin, auto_task, auto_unit, auto_other
    task_keys: tuple[str, ...] = ()
    unit: str = ""  # office, A or B: the unit that owns the row
    key: str = ""
    also: tuple[str, ...] = ()  # other markers that show the row on a page (its task's)

    @property
    def display_markers(self) -> set[str]:
        """Markers that show the row is on a page: its own, or its task's for auto rows."""
        return {self.marker, *self.also}


@dataclass
class UserRef:
    id: int
    login_id: str
    marker: str
    unit: str


@dataclass
class Dataset:
    users: dict[str, UserRef] = field(default_factory=dict)
    rows: list[RowRef] = field(default_factory=list)
    task_markers: dict[str, str] = field(default_factory=dict)

    def add(self, row: RowRef) -> RowRef:
        self.rows.append(row)
        return row

    def of(self, model) -> list[RowRef]:
        return [r for r in self.rows if r.model is model]

    def get(self, model, key: str) -> RowRef:
        return next(r for r in self.rows if r.model is model and r.key == key)

    def markers(self) -> set[str]:
        return {r.marker for r in self.rows}


def readable(role: Role | None, row: RowRef) -> bool | None:
    """May ``role`` (a user of unit A, or of the Office) read ``row``? None: not decided here."""
    if role is None:
        return False
    if row.family in ("task", "progress"):
        return task_readable(role, row.task_keys[0])
    if row.family == "document":
        return any(task_readable(role, k) for k in row.task_keys)
    if row.family == "auto_task":
        if role in OFFICE_ROLES:
            return True
        return None if task_readable(role, row.task_keys[0]) else False
    if row.family == "personal":
        return row.key == role.value
    if row.family == "auto_unit":
        if role in OFFICE_ROLES:
            return None
        return False if row.unit == "B" else None
    return True if role == Role.admin else None


def readable_on(role: Role | None, screen: str, row: RowRef) -> bool | None:
    if not screen_open(role, screen):
        return False
    if is_admin_screen(screen):
        return role == Role.admin
    return readable(role, row)


def referenceable(role: Role | None, row: RowRef) -> bool | None:
    """May ``role`` point a foreign key at ``row``?"""
    if role is None:
        return False
    if row.family in ("unit", "kind"):
        return True  # any active unit may be named (policy and domain agree)
    if row.family == "user":
        return True if role in OFFICE_ROLES else row.unit == "A"
    if row.family == "admin":
        return role == Role.admin
    return readable(role, row)


def forbidden_markers(role: Role | None, screen: str, model, ds: Dataset,
                      me: UserRef | None) -> set[str]:
    """Markers that must appear in no response to this role on this screen."""
    out = {r.marker for r in ds.rows
           if r.family in TASK_FAMILIES and readable(role, r) is False}
    out |= {r.marker for r in ds.rows if r.model is model
            and readable_on(role, screen, r) is False}
    if not screen_open(role, screen):
        out |= {r.marker for r in ds.rows if r.family in TASK_FAMILIES}
    if me is not None:  # a page may greet the user by name and show their unit
        out.discard(me.marker)
        out -= {r.marker for r in ds.rows if r.family == "unit" and r.unit == me.unit}
    return out


def mk(name: str) -> str:
    return f"zq{name.replace('_', '')}zq"


def build_dataset(extra_models) -> Dataset:
    """Build the rows (inside an app context) and return plain references to them."""
    ds = Dataset()
    kinds = {}
    for cat in (UnitCategory.office, UnitCategory.department):
        kinds[cat] = UnitKind(code=cat.value, name=mk(f"kind{cat.value}"), category=cat)
        db.session.add(kinds[cat])
    units = {
        "office": Unit(code="OFFICE", name=mk("unitoffice"), kind=kinds[UnitCategory.office]),
        "A": Unit(code="UA", name=mk("unita"), kind=kinds[UnitCategory.department]),
        "B": Unit(code="UB", name=mk("unitb"), kind=kinds[UnitCategory.department]),
    }
    db.session.add_all(units.values())
    users = {}
    for name, role, unit in [*((r.value, r, "office" if r in OFFICE_ROLES else "A") for r in Role),
                             ("b_staff", Role.unit_staff, "B"), ("b_leader", Role.unit_leader, "B")]:
        users[name] = (User(username=f"m{name}", role=role, unit=units[unit],
                            full_name=mk(f"user{name}"), password_hash="!"), unit)
        db.session.add(users[name][0])
    docs = {key: Document(doc_type=DocType.cong_van, number=f"{mk('doc' + key)}/UBND",
                          summary=f"{mk('doc' + key)} Về việc triển khai",
                          issued_on=dt.date(2026, 3, 2), issue_year=2026)
            for key in DOCUMENTS}
    db.session.add_all(docs.values())
    tasks = {}
    for key, (lead, coop, state, doc) in TASKS.items():
        tasks[key] = Task(document=docs[doc], content=f"{mk('task' + key)} Báo cáo kết quả",
                          lead_unit=units[lead], cooperating_units=[units[u] for u in coop],
                          state=state, deadline=dt.date(2026, 6, 30),
                          original_deadline=dt.date(2026, 6, 30))
    db.session.add_all(tasks.values())
    updates = {}
    for key, task in tasks.items():
        lead = TASKS[key][0]
        author = users["unit_staff" if lead == "A" else "b_staff"][0]
        updates[key] = ProgressUpdate(task=task, unit=units[lead], author=author,
                                      content=f"{mk('pu' + key)} tiến độ", percent=10,
                                      created_at=utcnow())
    db.session.add_all(updates.values())
    calendar = [CalendarOverride(day=dt.date(2026, 9, 1 + i), kind=list(CalendarOverrideKind)[0],
                                 name=mk(f"cal{i}"), legal_basis="") for i in range(2)]
    db.session.add_all(calendar)
    db.session.flush()
    audit = [AuditLog(actor_id=users["admin"][0].id, action=mk(f"audit{i}"), entity="task",
                      entity_id=str(tasks["bonly"].id), before=None, after=None)
             for i in range(2)]
    db.session.add_all(audit)
    db.session.flush()

    for key, unit in units.items():
        ds.add(RowRef(Unit, unit.id, unit.name, "unit", unit=key, key=key))
    for cat, kind in kinds.items():
        ds.add(RowRef(UnitKind, kind.id, kind.name, "kind", key=cat.value))
    for name, (user, unit) in users.items():
        ref = UserRef(user.id, start_session(user).key, user.full_name, unit)
        ds.users[name] = ref
        ds.add(RowRef(User, user.id, user.full_name, "user", unit=unit, key=name))
    for key, doc in docs.items():
        lead = TASKS[DOCUMENTS[key][0]][0]
        ds.add(RowRef(Document, doc.id, mk("doc" + key), "document", DOCUMENTS[key], lead, key))
    for key, task in tasks.items():
        ds.task_markers[key] = mk("task" + key)
        ds.add(RowRef(Task, task.id, mk("task" + key), "task", (key,), TASKS[key][0], key))
    for key, pu in updates.items():
        ds.add(RowRef(ProgressUpdate, pu.id, mk("pu" + key), "progress", (key,), TASKS[key][0], key))
    for i, row in enumerate(calendar):
        ds.add(RowRef(CalendarOverride, row.id, row.name, "admin", key=str(i)))
    for i, row in enumerate(audit):
        ds.add(RowRef(AuditLog, row.id, row.action, "admin", key=str(i)))

    ctx_objects = {"units": units, "users": {k: u for k, (u, _) in users.items()},
                   "tasks": tasks, "docs": docs, "updates": updates}
    factory = AutoFactory(ctx_objects)
    for model in extra_models:
        if model in HAND_BUILT:
            continue
        rows = (factory.personal_rows(model) if model in PERSONAL_MODELS
                else factory.rows_for(model))
        for row in rows:
            ds.add(row)
    db.session.commit()
    return ds


HAND_BUILT = {Unit, UnitKind, User, Document, Task, ProgressUpdate, CalendarOverride, AuditLog}


class AutoFactory:
    """Rows for models the lead adds views for later: each required column gets a value, text
    columns get a marker, and foreign keys point at the task/unit/user of the row's owner."""

    def __init__(self, objs):
        self.objs = objs
        self.distinct = itertools.count(2001)

    @staticmethod
    def in_unique_key(col) -> bool:
        """Part of a multi-column unique constraint (e.g. a report's kind, year, number)."""
        return any(isinstance(c, sa.UniqueConstraint) and col.name in c.columns
                   for c in col.table.constraints)

    @staticmethod
    def fk_tables(model) -> set[str]:
        return {next(iter(c.foreign_keys)).column.table.name
                for c in sa.inspect(model).columns if c.foreign_keys}

    def rows_for(self, model) -> list[RowRef]:
        tables = self.fk_tables(model)
        out = []
        if "task" in tables:
            for key, (lead, *_rest) in TASKS.items():
                ctx = self.task_ctx(key)
                obj = self.make(model, ctx, mk(f"{model.__name__.lower()}{key}"))
                out.append(RowRef(model, self.pk(obj), mk(f"{model.__name__.lower()}{key}"),
                                  "auto_task", (key,), lead, key, (mk("task" + key),)))
        elif tables & {"unit", "user_account"}:
            for unit in ("A", "B"):
                ctx = self.unit_ctx(unit)
                marker = mk(f"{model.__name__.lower()}{unit.lower()}")
                obj = self.make(model, ctx, marker)
                out.append(RowRef(model, self.pk(obj), marker, "auto_unit", unit=unit, key=unit))
        else:
            marker = mk(f"{model.__name__.lower()}x")
            obj = self.make(model, {}, marker)
            out.append(RowRef(model, self.pk(obj), marker, "auto_other", key="x"))
        return out

    def personal_rows(self, model) -> list[RowRef]:
        """One row for each acting user, about a task that user may read (or none)."""
        out = []
        for name, user in self.objs["users"].items():
            if name in ("b_staff", "b_leader"):
                task_key, unit = "bonly", "B"
            elif user.role == Role.inspector:
                task_key, unit = None, "A"
            else:
                task_key, unit = "alead", "office" if user.role in OFFICE_ROLES else "A"
            ctx = self.task_ctx(task_key) if task_key else {"task": None}
            ctx = {**ctx, "user_account": user.id}
            marker = mk(f"{model.__name__.lower()}{name}")
            obj = self.make(model, ctx, marker)
            out.append(RowRef(model, self.pk(obj), marker, "personal", (), unit, name))
        return out

    @staticmethod
    def pk(obj):
        return sa.inspect(obj).identity[0]

    def task_ctx(self, key):
        lead = TASKS[key][0]
        task = self.objs["tasks"][key]
        return {"task": task.id, "document": task.document_id,
                "progress_update": self.objs["updates"][key].id,
                "unit": self.objs["units"][lead].id,
                "user_account": self.objs["users"]["unit_staff" if lead == "A" else "b_staff"].id}

    def unit_ctx(self, unit):
        return {"unit": self.objs["units"][unit].id,
                "user_account": self.objs["users"]["unit_staff" if unit == "A" else "b_staff"].id}

    def make(self, model, ctx, marker, depth=0):
        mapper = sa.inspect(model)
        obj = model()
        for col in mapper.columns:
            key = mapper.get_property_by_column(col).key
            if col.foreign_keys:
                table = next(iter(col.foreign_keys)).column.table
                value = ctx.get(table.name)
                if table.name in ctx and value is None:  # explicitly none
                    setattr(obj, key, None)
                    continue
                if value is None and not col.nullable and depth < 3:
                    target = model_for_table(table)
                    value = self.pk(self.make(target, ctx, marker + "dep", depth + 1))
                setattr(obj, key, value)
                continue
            if col.primary_key and isinstance(col.type, sa.Integer):
                continue
            is_text = isinstance(col.type, sa.String | sa.Text) and not isinstance(col.type, sa.Enum)
            if is_text:
                length = getattr(col.type, "length", None)
                setattr(obj, key, marker[:length] if length else f"{marker} nội dung")
                continue
            if col.nullable or col.default is not None or col.server_default is not None:
                continue
            setattr(obj, key, self.value_for(col))
            if isinstance(col.type, sa.Integer) and self.in_unique_key(col):
                setattr(obj, key, next(self.distinct))  # rows must not collide on the key
        db.session.add(obj)
        db.session.flush()
        return obj

    @staticmethod
    def value_for(col):
        t = col.type
        if isinstance(t, sa.Enum):
            return list(t.enum_class)[0] if t.enum_class else t.enums[0]
        if isinstance(t, sa.Boolean):
            return False
        if isinstance(t, sa.Integer | sa.Numeric):
            return 1
        if isinstance(t, sa.DateTime) or isinstance(getattr(t, "impl", None), sa.DateTime):
            return utcnow()
        if isinstance(t, sa.Date):
            return dt.date(2026, 5, 4)
        if isinstance(t, sa.JSON):
            return {}
        raise TypeError(f"no test value for column {col} of type {t!r}: extend AutoFactory")


def model_for_table(table):
    for mapper in db.Model.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    raise LookupError(table.name)


def delete_all() -> None:
    """Empty every table row by row: for a few dozen rows far quicker than TRUNCATE on
    PostgreSQL (which costs about half a second), at the price of not resetting sequences."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def snapshot() -> dict[str, dict[tuple, tuple]]:
    """Every row of every table, keyed by primary key."""
    snap = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            pk = list(table.primary_key.columns) or list(table.columns)
            idx = [list(table.columns).index(c) for c in pk]
            snap[table.name] = {tuple(r[i] for i in idx): tuple(r)
                                for r in conn.execute(sa.select(table))}
    return snap


def fingerprint():
    """Something equal for equal database contents: on PostgreSQL one digest in one round
    trip (a full snapshot there costs a query per table); elsewhere the snapshot itself."""
    if db.engine.dialect.name != "postgresql":
        return snapshot()
    parts = " UNION ALL ".join(f"SELECT '{t.name}:' || r::text AS x FROM \"{t.name}\" r"
                               for t in db.metadata.sorted_tables)
    sql = f"SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) FROM ({parts}) s"
    with db.engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def snapshot_diff(before, after, append_only=("audit_log",)) -> list[str]:
    """What changed between two snapshots; new audit-log entries are allowed."""
    problems = []
    for name, old in before.items():
        new = after.get(name, {})
        if old == new:
            continue
        changed = [(k, old[k], new.get(k)) for k in old if old[k] != new.get(k)]
        added = [new[k] for k in new if k not in old]
        if name in append_only and not changed:
            continue
        problems.append(f"{name}: changed/removed {changed[:3]} added {added[:3]}")
    return problems


def foreign_diff(before, after, foreign: list[RowRef]) -> list[str]:
    """Changes to rows the user may not read, and new rows that point at one of them."""
    problems = []
    by_table = {}
    for r in foreign:
        table = r.model.__table__.name
        by_table.setdefault(table, set()).add(r.id)
        if before[table].get((r.id,)) != after[table].get((r.id,)):
            problems.append(f"{table} {r.key}: {before[table].get((r.id,))} -> "
                            f"{after[table].get((r.id,))}")
    for table in db.metadata.sorted_tables:
        new = [row for k, row in after[table.name].items() if k not in before[table.name]]
        for i, col in enumerate(table.columns):
            for fk in col.foreign_keys:
                bad = by_table.get(fk.column.table.name, set())
                problems += [f"new {table.name} row points {col.name} at a foreign row: {row}"
                             for row in new if row[i] in bad]
    return problems


# --- views ---------------------------------------------------------------------------------

def scoped_views(app) -> list[ScopedModelView]:
    return [view for admin in app.extensions.get("admin", []) for view in admin._views
            if isinstance(view, ScopedModelView)]


RELATION_FIELDS = (QuerySelectField, QuerySelectMultipleField, AjaxSelectField,
                   AjaxSelectMultipleField)


def relation_field_names(app, view, which="create") -> list[str]:
    with app.test_request_context():
        form = (view._create_form_class if which == "create" else view._edit_form_class)()
        return [f.name for f in form if isinstance(f, RELATION_FIELDS)]


def custom_endpoints(view) -> list[tuple[str, tuple[str, ...]]]:
    out = {}
    for _url, name, methods in view._urls:
        if name not in STANDARD_ENDPOINTS:
            out.setdefault(name, set()).update(methods or ("GET",))
    return [(name, tuple(sorted(m))) for name, m in sorted(out.items())]


def endpoint_kinds(app, view) -> list[str]:
    kinds = ["list", "details", "edit_get", "edit_post"]
    kinds += [f"create.{n}" for n in relation_field_names(app, view)] or ["create"]
    kinds.append("delete")
    kinds += [f"action.{name}" for name, _text in view._actions]
    kinds.append("export")
    kinds += [f"ajax_lookup.{n}" for n in view._form_ajax_refs] or ["ajax_lookup"]
    kinds.append("ajax_update")
    kinds += [f"custom.{name}" for name, _methods in custom_endpoints(view)]
    return kinds


def target_model(view, field_name):
    loader = view._form_ajax_refs.get(field_name)
    if loader is not None:
        return loader.model
    return getattr(view.model, field_name).property.mapper.class_


# --- probe views: every door open, scoping left to ScopedModelView alone --------------------

class OpenDoors:
    """Grants every logged-in role every permission, so only the base class's scoping stands
    between a unit user and another unit's rows on these screens."""

    can_delete = True
    action_roles = {"touch": frozenset(Role)}

    @property
    def can_create(self):
        return current_user.is_authenticated

    @property
    def can_edit(self):
        return current_user.is_authenticated

    @property
    def can_export(self):
        return current_user.is_authenticated

    @action("touch", "Touch")
    def action_touch(self, rows):
        for row in rows:
            for col in sa.inspect(self.model).columns:
                if isinstance(col.type, sa.Text):
                    setattr(row, col.key, mk("touched"))
                    break
        db.session.commit()


class ProbeTaskView(OpenDoors, ScopedModelView):
    screen = "tasks"
    column_list = ("content", "document", "lead_unit")
    form_columns = ("document", "content", "lead_unit", "cooperating_units", "specialist")
    form_ajax_refs = {"document": {"fields": ("number",)}}
    column_searchable_list = ("content",)


class ProbeProgressView(OpenDoors, ScopedModelView):
    screen = "progress_updates"
    column_list = ("content", "task", "unit")
    form_columns = ("task", "unit", "author", "content")
    form_ajax_refs = {"task": {"fields": ("content",)}}


class ProbeDocumentView(OpenDoors, ScopedModelView):
    screen = "documents"
    column_list = ("number", "summary")
    form_columns = ("doc_type", "number", "summary", "issued_on", "issue_year",
                    "submitting_unit", "specialist")


PROBES = [(ProbeTaskView, Task, "probe_tasks"), (ProbeProgressView, ProgressUpdate, "probe_progress"),
          (ProbeDocumentView, Document, "probe_documents")]


def add_probe_views(app) -> None:
    admin = app.extensions["admin"][0]
    for cls, model, endpoint in PROBES:
        admin.add_view(cls(model, name=endpoint, endpoint=endpoint, category="Probe"))


def make_probe_app(database_uri: str, upload_folder: str):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_uri,
                              "UPLOAD_FOLDER": upload_folder})
    add_probe_views(app)
    return app


# --- requests ------------------------------------------------------------------------------

class Client:
    """A test client logged in as one user (or anonymous) with a valid CSRF token, made
    without any request so that building one costs nothing."""

    def __init__(self, app, user: UserRef | None):
        self.app = app
        self.client = app.test_client()
        # Flask-WTF's own token: a random value kept in the session, signed for the form.
        raw = hashlib.sha1(os.urandom(64)).hexdigest()
        self.csrf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
        with self.client.session_transaction() as sess:
            sess["csrf_token"] = raw
            if user is not None:
                sess["_user_id"] = user.login_id
                sess["_fresh"] = True

    def get(self, url):
        # buffered: a streamed body (CSV export) is read, and closed, within the request
        return self.client.get(url, buffered=True)

    def post(self, url, data):
        data = dict(data)
        data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data)


class Urls:
    """URLs of a view's endpoints, built once per app."""

    def __init__(self, app):
        self.app = app
        self.cache = {}

    def exposed(self, view, name) -> bool:
        return f"{view.endpoint}.{name}" in self.app.view_functions

    def path(self, view, suffix: str) -> str:
        """A URL under the view's root, whether or not an endpoint serves it."""
        return view.url.rstrip("/") + suffix

    def __call__(self, view, name, /, **params) -> str:
        key = (view.endpoint, name, tuple(sorted((k, v) for k, v in params.items()
                                                  if k == "export_type")))
        if key not in self.cache:
            with self.app.test_request_context():
                rule = next(self.app.url_map.iter_rules(f"{view.endpoint}.{name}"))
                args = {a: (params.get(a, 1)) for a in rule.arguments}
                self.cache[key] = url_for(f"{view.endpoint}.{name}", **args)
        base = self.cache[key]
        query = {k: v for k, v in params.items() if k != "export_type"}
        return f"{base}?{urlencode(query, doseq=True)}" if query else base


# --- permissions as the view itself states them --------------------------------------------

@dataclass
class Perms:
    can_create: bool = False
    can_edit: bool = False
    can_delete: bool = False
    can_export: bool = False
    can_view_details: bool = False
    actions: dict[str, bool] = field(default_factory=dict)


def view_perms(app, view, user: UserRef | None) -> Perms:
    if user is None:
        return Perms(actions={name: False for name, _ in view._actions})
    with app.test_request_context():
        login_user(db.session.get(User, user.id))
        perms = Perms(bool(view.can_create), bool(view.can_edit), bool(view.can_delete),
                      bool(view.can_export), bool(view.can_view_details),
                      {name: bool(view.is_action_allowed(name)) for name, _ in view._actions})
        db.session.remove()
    return perms


# --- generic form payloads -----------------------------------------------------------------

@dataclass
class FieldPlan:
    name: str
    kind: str  # ref, refs, text, int, date, datetime, bool, select, json, email, password
    target: type | None = None
    choice: str = ""
    maxlen: int | None = None


def form_plan(app, view, user: UserRef | None, which: str) -> list[FieldPlan]:
    """The fields of the create or edit form as the view builds it for this user."""
    plans = []
    with app.test_request_context():
        if user is not None:
            login_user(db.session.get(User, user.id))
        form = view.create_form() if which == "create" else view.edit_form()
        for f in form:
            plans.append(_plan(view, f))
        db.session.remove()
    return [p for p in plans if p is not None]


def _plan(view, f) -> FieldPlan | None:
    from flask_admin.form.fields import JSONField

    if isinstance(f, wtf.HiddenField | wtf.FileField) or f.name == "csrf_token":
        return None
    if isinstance(f, QuerySelectMultipleField | AjaxSelectMultipleField):
        return FieldPlan(f.name, "refs", target_model(view, f.name))
    if isinstance(f, QuerySelectField | AjaxSelectField):
        return FieldPlan(f.name, "ref", target_model(view, f.name))
    if isinstance(f, wtf.BooleanField):
        return FieldPlan(f.name, "bool")
    if isinstance(f, wtf.DateField):  # a subclass of DateTimeField
        return FieldPlan(f.name, "date")
    if isinstance(f, wtf.DateTimeField):
        return FieldPlan(f.name, "datetime")
    if isinstance(f, wtf.IntegerField | wtf.DecimalField | wtf.FloatField):
        return FieldPlan(f.name, "int")
    if isinstance(f, wtf.SelectField):
        values = [c[0] for c in f.iter_choices() if c[0] not in ("", "__None", None)]
        return FieldPlan(f.name, "select", choice=str(values[0]) if values else "")
    if isinstance(f, JSONField):
        return FieldPlan(f.name, "json")
    if isinstance(f, wtf.PasswordField):
        return FieldPlan(f.name, "password")
    maxlen = None
    for v in f.validators:
        if getattr(v, "max", -1) not in (-1, None):
            maxlen = v.max
    kind = "email" if "email" in f.name else "text"
    return FieldPlan(f.name, kind, maxlen=maxlen)


_counter = itertools.count(1)


def payload(plans: list[FieldPlan], refs: dict[str, list[int]], text: str | None = None) -> dict:
    """Form data for ``plans``: ``refs`` gives the ids of each relation field."""
    text = text or mk(f"new{next(_counter)}")
    data = {}
    for p in plans:
        if p.kind in ("ref", "refs"):
            ids = refs.get(p.name, [])
            if ids:
                data[p.name] = [str(i) for i in ids] if p.kind == "refs" else str(ids[0])
        elif p.kind == "bool":
            data[p.name] = "y"
        elif p.kind == "date":
            data[p.name] = "2026-06-30"
        elif p.kind == "datetime":
            data[p.name] = "2026-06-30 08:00:00"
        elif p.kind == "int":
            data[p.name] = "50"
        elif p.kind == "select":
            data[p.name] = p.choice
        elif p.kind == "json":
            data[p.name] = "{}"
        elif p.kind == "password":
            data[p.name] = "Mat-khau-Matrix-2026"
        elif p.kind == "email":
            data[p.name] = f"{text}@example.org"
        else:
            data[p.name] = text[:p.maxlen] if p.maxlen else f"{text} nội dung"
    return data


def json_ids(body: str) -> set[str]:
    return {str(item[0]) for item in json.loads(body)}
