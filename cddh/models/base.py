"""The declarative base, the shared ``db`` object and column types used by every model."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite drops the offset; this type puts it back so comparisons never mix naive and
    aware datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value

    def result_processor(self, dialect, coltype):
        # PostgreSQL's timestamptz arrives aware (psycopg): nothing to put back, and no
        # call per value (a list page reads some 650 of them).
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)


def utcnow() -> dt.datetime:
    """Now, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


db = SQLAlchemy(model_class=Base)


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def str_enum(enum_cls, length: int = 32) -> sa.Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the values."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        name=enum_cls.__name__.lower(),
    )

# PostgreSQL: the trigram operator classes of the search indexes (cddh.services.search).
sa.event.listen(db.metadata, "before_create",
                sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


def include_object_on(dialect_name: str):
    """Alembic's ``include_object`` for a database of this dialect: an index the models
    declare for PostgreSQL only (``.ddl_if(dialect="postgresql")``) is not expected elsewhere.
    An index on an expression is not compared: SQLite's reflection skips it (SQLAlchemy warns
    so), and PostgreSQL gives back its expression in other words than the model's, which
    autogenerate would take for a change (tests/test_migrations looks for it by name)."""
    def include_object(obj, name, type_, reflected, compare_to):
        if type_ != "index":
            return True
        if any(not all(isinstance(e, sa.Column) for e in index.expressions)
               for index in (obj, compare_to) if index is not None):
            return False
        if not reflected:
            only = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
            if only and only != dialect_name:
                return False
        return True
    return include_object
