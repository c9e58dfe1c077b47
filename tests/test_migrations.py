"""The migrations build exactly the schema the models declare: the guard against drift.

The other tests build their tables with ``create_all``; a production database is built by
``flask db upgrade``. If a model changes without a revision, these tests fail and print
what the revision must add (README.md, "Changing the schema").
"""

from __future__ import annotations

import pprint
import warnings

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cddh import create_app
from cddh.models import db
from cddh.models.base import include_object_on
from cddh.models.task import TASK_UNIT_LEAD_STATISTICS, TASK_UNIT_STATISTICS

from .databases import new_database


@pytest.fixture(autouse=True)
def _clean_tables():
    """Overrides conftest's: these tests bring their own database and leave the shared one,
    which another run may be using, alone."""
    yield


@pytest.fixture
def empty_database_url(tmp_path):
    """A new empty database of the kind under test, never the one the other tests use."""
    with new_database(tmp_path, "drift") as url:
        yield url


@pytest.fixture
def app_on_empty_database(empty_database_url):
    """An app on the empty database, in an app context; its engine is closed afterwards."""
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_drift() -> list:
    """What autogenerate would put in a new revision: empty when models and database agree."""
    with db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite's reflection skips an index on an expression (and include_object_on leaves
        # it out there): ``expression_indexes`` looks for it instead.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based",
                                sa.exc.SAWarning)
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True,
                        "include_object": include_object_on(conn.dialect.name)}
        )
        return compare_metadata(context, db.metadata)


def expression_indexes() -> tuple[set, set]:
    """The indexes on an expression: (declared by the models, present in the database on an
    expression), as (table, name) pairs; SQLite's catalogue is read directly (its reflection
    skips them)."""
    with db.engine.connect() as conn:
        declared = {
            (table.name, index.name)
            for table in db.metadata.tables.values()
            for index in table.indexes
            if not all(isinstance(e, sa.Column) for e in index.expressions)
            # One declared for PostgreSQL only (.ddl_if) is not expected elsewhere.
            and getattr(getattr(index, "_ddl_if", None), "dialect", None)
            in (None, conn.dialect.name)
        }
        if conn.dialect.name == "sqlite":
            present = set(conn.exec_driver_sql(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'").all())
        else:
            inspector = sa.inspect(conn)
            present = {(table, index["name"]) for table in inspector.get_table_names()
                       for index in inspector.get_indexes(table)
                       if None in index["column_names"]}  # an expression's place
    return declared, present & declared


def check_constraint_names() -> tuple[set, set]:
    """(declared by the models, present in the database), as (table, name) pairs.

    Autogenerate does not compare CHECK constraints, so the enums' are compared here.
    """
    declared = {
        (table.name, str(constraint.name))
        for table in db.metadata.tables.values()
        for constraint in table.constraints
        if isinstance(constraint, sa.CheckConstraint)
    }
    inspector = sa.inspect(db.engine)
    present = {
        (table, check["name"])
        for table in inspector.get_table_names()
        for check in inspector.get_check_constraints(table)
    }
    return declared, present


def assert_schema_matches_models():
    drift = schema_drift()
    if drift:
        pytest.fail(
            "The models and the migrations disagree; add a revision "
            "(README.md, 'Changing the schema'). Differences:\n" + pprint.pformat(drift)
        )
    declared, present = check_constraint_names()
    assert declared == present
    declared, present = expression_indexes()
    assert declared and declared == present
    assert planner_statistics() == ({TASK_UNIT_STATISTICS, TASK_UNIT_LEAD_STATISTICS}
                                    if db.engine.dialect.name == "postgresql" else set())
    declared, present = included_columns()
    assert declared == present
    declared, present = functions()
    assert declared == present


def functions() -> tuple[dict, dict]:
    """The SQL functions the models create (``cddh_number_grams``, which autogenerate does
    not compare): {name: (language, cost, volatility, body)}, (declared by the models'
    DDL, present in the database); both empty elsewhere."""
    if db.engine.dialect.name != "postgresql":
        return {}, {}
    import re

    from cddh.models.document import NUMBER_GRAMS_FUNCTION

    header, body = NUMBER_GRAMS_FUNCTION.split("$$")[:2]
    language = re.search(r"LANGUAGE (\w+)", header).group(1)
    cost = re.search(r"COST (\d+)", header)
    declared = {"cddh_number_grams": (language, float(cost.group(1)) if cost else 100.0,
                                      "i" if "IMMUTABLE" in header else "v", body)}
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT proname, lanname, procost, provolatile, prosrc FROM pg_proc "
            "JOIN pg_language ON pg_language.oid = prolang "
            "WHERE proname LIKE 'cddh%%'").all()
    present = {name: (language, float(cost), volatility, source)
               for name, language, cost, volatility, source in rows}
    return declared, present


def included_columns() -> tuple[dict, dict]:
    """The columns riding along in each index (PostgreSQL's INCLUDE, which autogenerate does
    not compare), as {name: columns}: (declared by the models, present in the database); both
    empty elsewhere."""
    if db.engine.dialect.name != "postgresql":
        return {}, {}
    declared = {index.name: list(index.dialect_options["postgresql"]["include"])
                for table in db.metadata.tables.values() for index in table.indexes
                if index.dialect_options["postgresql"]["include"]}
    inspector = sa.inspect(db.engine)
    present = {}
    for table in inspector.get_table_names():
        for index in inspector.get_indexes(table):
            include = index.get("dialect_options", {}).get("postgresql_include")
            if include:
                present[index["name"]] = list(include)
    return declared, present


def planner_statistics() -> set:
    """The extended statistics objects in the database (PostgreSQL's CREATE STATISTICS, which
    autogenerate does not compare); none elsewhere."""
    if db.engine.dialect.name != "postgresql":
        return set()
    with db.engine.connect() as conn:
        return set(conn.exec_driver_sql("SELECT stxname FROM pg_statistic_ext").scalars())


def test_upgrade_builds_the_schema_of_the_models(app_on_empty_database):
    flask_migrate.upgrade()

    assert_schema_matches_models()


def test_downgrade_to_base_then_upgrade_again(app_on_empty_database):
    flask_migrate.upgrade()

    flask_migrate.downgrade(revision="base")
    assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]

    flask_migrate.upgrade()
    assert_schema_matches_models()


def test_late_update_flags_move_to_marks_and_back(app_on_empty_database):
    """Revision d7a4c1e9b2f6 moves the "late update" flag from task.late_update to a
    notice_mark row: going down puts each flag back on its task (and only there), going up
    again makes the marks of exactly the flagged tasks."""
    from cddh.models.system import NoticeMark
    from cddh.models.task import LATE_UPDATE, Task

    from .conftest import make_task, make_unit

    flask_migrate.upgrade()
    unit = make_unit()
    flagged, other = make_task(unit), make_task(unit)
    flagged.late_update = True
    db.session.commit()
    flagged_id, other_id = flagged.id, other.id
    db.session.remove()

    flask_migrate.downgrade(revision="c5e8a2f4b7d9")
    with db.engine.connect() as conn:
        columns = dict(conn.execute(sa.text("SELECT id, late_update FROM task")).all())
        marks = conn.execute(sa.text("SELECT count(*) FROM notice_mark WHERE mark = :m"),
                             {"m": LATE_UPDATE}).scalar_one()
    assert columns == {flagged_id: True, other_id: False}
    assert marks == 0

    flask_migrate.upgrade()
    marked = db.session.scalars(sa.select(NoticeMark.subject_id)
                                .where(NoticeMark.mark == LATE_UPDATE)).all()
    assert marked == [flagged_id]
    assert db.session.get(Task, flagged_id).late_update
    assert not db.session.get(Task, other_id).late_update
    assert_schema_matches_models()
