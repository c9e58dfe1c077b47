"""Backups that restore: a demo installation with attachments is backed up with
``flask cddh backup``, restored elsewhere with ``flask cddh restore``, and every table's rows
and every file come back the same. Restore refuses a target that is not empty and a backup
whose files do not match their checksums, changing nothing."""

from __future__ import annotations

import io
import json
import shutil
import warnings
import zipfile
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from cddh import create_app
from cddh.demo import load_demo
from cddh.models import Role, Task, Unit, User, db
from cddh.services import attachments
from cddh.services.audit import acting_as
from cddh.services.health import schema_heads
from cddh.services.reference import seed_unit_kinds

from .databases import new_database

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _clean_tables():
    """Overrides conftest's: these tests bring their own databases."""
    yield


def _app(url: str, uploads: Path):
    return create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(uploads)})


@pytest.fixture
def source(tmp_path):
    """A demo installation built by the migrations, with attachments on some tasks."""
    with new_database(tmp_path, "backup_src") as url:
        app = _app(url, tmp_path / "uploads-src")
        with app.app_context():
            flask_migrate.upgrade()
            with acting_as(None):
                seed_unit_kinds()
                load_demo(task_count=25)
                db.session.commit()
                uploader = db.session.scalar(sa.select(User).where(User.role == Role.admin))
                tasks = db.session.scalars(sa.select(Task).order_by(Task.id).limit(3)).all()
                for n, task in enumerate(tasks):
                    attachments.store(f"bao-cao-{n}.pdf", PDF + bytes([n]) * n, uploader=uploader,
                                      task_id=task.id)
                attachments.store("so-lieu.xlsx", _xlsx(), uploader=uploader, task_id=tasks[0].id)
                db.session.commit()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def target(tmp_path):
    """An empty database and upload folder of the same kind, elsewhere."""
    with new_database(tmp_path, "backup_dst") as url:
        app = _app(url, tmp_path / "uploads-dst")
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["cddh", *args])


def _rows(app) -> dict[str, list]:
    """Every row of every table (the migrations' own included), in primary-key order."""
    with app.app_context():
        metadata = sa.MetaData()
        with warnings.catch_warnings():  # SQLite's reflection skips an index on an expression
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression",
                                    sa.exc.SAWarning)
            metadata.reflect(db.engine)
        with db.engine.connect() as conn:
            return {name: [tuple(row) for row in conn.execute(
                        sa.select(table).order_by(*(table.primary_key.columns or table.columns)))]
                    for name, table in metadata.tables.items()}


def _files(app) -> dict[str, bytes]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_backup_then_restore_elsewhere_gives_the_same_tables_and_files(source, target, tmp_path):
    backup_dir = tmp_path / "backup"
    made = _cli(source, "backup", str(backup_dir))
    assert made.exit_code == 0, made.output
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["schema_revision"] == sorted(schema_heads())
    uploaded = {name for name in manifest["files"] if name.startswith("uploads/")}
    assert len(uploaded) == 4 and {f"uploads/{n}" for n in _files(source)} == uploaded

    restored = _cli(target, "restore", str(backup_dir))
    assert restored.exit_code == 0, restored.output

    source_rows, target_rows = _rows(source), _rows(target)
    assert set(source_rows) == set(target_rows)
    assert source_rows["task"] and source_rows["attachment"] and source_rows["alembic_version"]
    for table, rows in source_rows.items():
        assert target_rows[table] == rows, table
    assert _files(target) == _files(source)

    with target.app_context():  # the restored database goes on working (sequences included)
        kind = db.session.scalars(sa.select(Unit)).first().kind
        db.session.add(Unit(code="MOI", name="Đơn vị mới", kind=kind))
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == len(
            source_rows["unit"]) + 1

    again = _cli(target, "restore", str(backup_dir))
    assert again.exit_code != 0 and "not empty" in again.output


def test_restore_refuses_a_backup_that_does_not_match_its_checksums(source, target, tmp_path):
    backup_dir = tmp_path / "backup"
    assert _cli(source, "backup", str(backup_dir)).exit_code == 0
    damaged = tmp_path / "damaged"
    shutil.copytree(backup_dir, damaged)
    some_file = next(p for p in (damaged / "uploads").rglob("*") if p.is_file())
    some_file.write_bytes(some_file.read_bytes() + b"!")

    refused = _cli(target, "restore", str(damaged))
    assert refused.exit_code != 0 and "checksum differs" in refused.output
    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
    assert _files(target) == {}

    unfinished = tmp_path / "unfinished"
    shutil.copytree(backup_dir, unfinished)
    (unfinished / "manifest.json").unlink()
    refused = _cli(target, "restore", str(unfinished))
    assert refused.exit_code != 0 and "manifest.json" in refused.output


def test_backup_refuses_a_directory_that_is_not_empty(source, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "old.txt").write_text("x")
    refused = _cli(source, "backup", str(busy))
    assert refused.exit_code != 0 and "not empty" in refused.output
    assert [p.name for p in busy.iterdir()] == ["old.txt"]
