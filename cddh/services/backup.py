"""Backups that restore: the database and the uploaded files, with a manifest.

A backup is a directory::

    database.dump        PostgreSQL: pg_dump's custom format (restored by pg_restore)
    database.sqlite3     SQLite: a copy made with SQLite's online backup API
    uploads/…            the upload folder, file by file
    manifest.json        written last: time, database kind, schema revision, sha256 of each file

Both copies are consistent while the app runs: pg_dump reads one snapshot, the SQLite backup
API copies a consistent database. The database is copied before the files, and an
attachment's file is written before its row is committed, so every attachment in the copy
has its file (a file uploaded meanwhile is merely extra).

``restore`` checks every checksum first, and restores only into an empty database (no
tables) and an empty upload folder: it never overwrites an installation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

from ..models import utcnow
from .health import database_revisions

MANIFEST = "manifest.json"
FORMAT = 1
DUMP_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """The backup or restore cannot be done as asked; nothing was changed. (For the
    operator at the command line: English, like the other command-line messages.)"""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def _is_empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _dialect(engine: sa.Engine) -> str:
    name = engine.dialect.name
    if name not in DUMP_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {name}.")
    return name


def _libpq(engine: sa.Engine) -> tuple[str, dict]:
    """The database as a libpq URI for pg_dump/pg_restore, and the environment carrying its
    password (kept off the command line, where every user could read it)."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(), env


def _sqlite_path(engine: sa.Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def backup(engine: sa.Engine, upload_folder: Path, target: Path) -> dict:
    """Copy the database and the upload folder into ``target`` (new or empty); return the
    manifest."""
    target, upload_folder = Path(target), Path(upload_folder)
    if not _is_empty_dir(target):
        raise BackupError(f"{target} is not empty; give a new directory for each backup.")
    dialect = _dialect(engine)
    target.mkdir(parents=True, exist_ok=True)
    created_at = utcnow()
    revisions = sorted(database_revisions())
    dump = target / DUMP_FILES[dialect]
    if dialect == "postgresql":
        uri, env = _libpq(engine)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={dump}", uri], env)
    else:
        source = sqlite3.connect(_sqlite_path(engine))
        copy = sqlite3.connect(dump)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    for path in _files_under(upload_folder):
        destination = target / "uploads" / path.relative_to(upload_folder)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    files = {path.relative_to(target).as_posix(): sha256_of(path)
             for path in _files_under(target)}
    manifest = {"format": FORMAT, "created_at": created_at.isoformat(),
                "database": dialect, "database_file": dump.name,
                "schema_revision": revisions, "files": files}
    partial = target / f"{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    partial.replace(target / MANIFEST)
    return manifest


def read_manifest(source: Path) -> dict:
    """The backup's manifest, after checking every file against its checksum."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} has no {MANIFEST}: not a backup, or an unfinished one.") from None
    except json.JSONDecodeError as exc:
        raise BackupError(f"{source / MANIFEST} is damaged: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    problems = []
    for name, checksum in sorted(manifest["files"].items()):
        path = source / name
        if not path.is_file():
            problems.append(f"missing: {name}")
        elif sha256_of(path) != checksum:
            problems.append(f"checksum differs: {name}")
    listed = set(manifest["files"]) | {MANIFEST}
    problems += [f"not in the manifest: {p.relative_to(source).as_posix()}"
                 for p in _files_under(source) if p.relative_to(source).as_posix() not in listed]
    if problems:
        raise BackupError("The backup does not match its manifest; nothing restored:\n  "
                          + "\n  ".join(problems))
    return manifest


def restore(engine: sa.Engine, upload_folder: Path, source: Path) -> dict:
    """Restore the backup in ``source`` into this (empty) database and (empty) upload folder;
    return its manifest. Refuses, changing nothing, if either is not empty or a checksum
    differs."""
    source, upload_folder = Path(source), Path(upload_folder)
    manifest = read_manifest(source)
    dialect = _dialect(engine)
    if manifest["database"] != dialect:
        raise BackupError(f"This backup is of a {manifest['database']} database; "
                          f"the target is {dialect}.")
    tables = sa.inspect(engine).get_table_names()
    if tables:
        raise BackupError(f"The target database is not empty ({len(tables)} tables); "
                          "restore only into a new, empty database.")
    if not _is_empty_dir(upload_folder):
        raise BackupError(f"The upload folder {upload_folder} is not empty.")
    dump = source / manifest["database_file"]
    engine.dispose()
    if dialect == "postgresql":
        uri, env = _libpq(engine)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", f"--dbname={uri}", str(dump)], env)
    else:
        copy = sqlite3.connect(dump)
        target = sqlite3.connect(_sqlite_path(engine))
        try:
            copy.backup(target)
        finally:
            target.close()
            copy.close()
    uploads = source / "uploads"
    for path in _files_under(uploads):
        destination = upload_folder / path.relative_to(uploads)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    return manifest


def describe(manifest: dict) -> str:
    """One line about a backup, for the command line."""
    created = dt.datetime.fromisoformat(manifest["created_at"])
    return (f"{manifest['database']} database, schema {', '.join(manifest['schema_revision']) or '-'}, "
            f"{sum(1 for name in manifest['files'] if name.startswith('uploads/'))} uploaded files, "
            f"made {created:%Y-%m-%d %H:%M:%S %Z}")
