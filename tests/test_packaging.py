"""The package a province installs: build the wheel, install it into a fresh virtualenv
outside the checkout, and run it the way docs/deploy.md does (db upgrade, create-admin,
gunicorn, the scheduler). The login page must be Vietnamese and /healthz green.

Offline and quick: the wheel is built with the build requirements of this virtualenv (no
build isolation, no download), and the fresh virtualenv sees this one's dependencies through
a .pth file instead of installing them again. ``cddh`` itself comes only from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import cddh
from cddh import create_app

from .databases import new_database

ROOT = Path(__file__).resolve().parent.parent
# Never copied into the build: environments, build output, local data.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "venv", "instance", "build", "dist",
                                    "test-artifacts", "__pycache__", "*.egg-info", "*.mo",
                                    "_bundled", ".pytest_cache", ".ruff_cache", "bench")
ADMIN_PASSWORD = "Quan-tri-2026"


@pytest.fixture(autouse=True)
def _clean_tables():
    """Overrides conftest's: this test brings its own database and leaves the suite's alone."""
    yield


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the checkout (so no build output lands in it)."""
    work = tmp_path_factory.mktemp("build")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
                    "--no-index", "-q", "-w", str(work / "dist"), str(source)],
                   check=True, capture_output=True, text=True)
    [built] = (work / "dist").glob("cddh-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel installed; its python."""
    home = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True)
    python = home / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; "
                                   "print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    # The dependencies: this virtualenv's site-packages, after the new one's own.
    (purelib / "_cddh_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, capture_output=True, text=True)
    return python


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.3)


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stderr.read() if process.stderr else ""


@pytest.mark.packaging
def test_the_installed_wheel_serves_vietnamese_and_reports_health(venv, tmp_path):
    run_dir = tmp_path / "srv"  # anywhere but the checkout
    run_dir.mkdir()
    with new_database(tmp_path, "wheel") as database_url:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("CDDH_") and key not in ("PYTHONPATH", "FLASK_APP")}
        env.update(CDDH_ENV="production", CDDH_DATABASE_URL=database_url,
                   CDDH_SECRET_KEY="wheel-test-" + "0" * 40,
                   CDDH_UPLOAD_FOLDER=str(tmp_path / "uploads"))

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([str(venv), *args], cwd=run_dir, env=env, capture_output=True,
                                  text=True, timeout=180)

        where = run("-c", "import cddh, cddh.paths; print(cddh.__file__); "
                          "print(cddh.paths.TEMPLATES_DIR)")
        package_file, templates = where.stdout.split()
        assert Path(package_file).is_relative_to(venv.parent.parent), where
        assert Path(templates).is_relative_to(Path(package_file).parent / "_bundled")

        upgrade = run("-m", "flask", "--app", "cddh", "db", "upgrade")
        assert upgrade.returncode == 0, upgrade.stderr
        admin = run("-m", "flask", "--app", "cddh", "cddh", "create-admin", "admin",
                    "--password", ADMIN_PASSWORD)
        assert admin.returncode == 0 and "Created admin" in admin.stdout, admin.stderr

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        web = subprocess.Popen([str(venv), "-m", "gunicorn", "--workers", "2",
                                "--bind", f"127.0.0.1:{port}", "cddh:create_app()"],
                               cwd=run_dir, env=env, stderr=subprocess.PIPE, text=True)
        scheduler = None
        try:
            status, page = _wait_for(lambda: _get(f"{base}/login"), 60, "gunicorn")
            assert status == 200
            assert '<html lang="vi"' in page or "lang=\"vi\"" in page, page[:300]
            assert "Đăng nhập" in page and "Theo dõi nhiệm vụ" in page
            chart_status, _body = _get(f"{base}/static/vendor/chartjs/chart.umd.min.js")
            assert chart_status == 200  # static files travel in the wheel too

            status, body = _get(f"{base}/healthz")
            checks = json.loads(body)["checks"]
            assert status == 503 and checks["database"]["ok"] and checks["schema"]["ok"]
            assert not checks["scheduler"]["ok"]  # no scheduler yet

            scheduler = subprocess.Popen([str(venv), "-m", "flask", "--app", "cddh", "cddh",
                                          "scheduler"], cwd=run_dir, env=env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         text=True)
            _wait_for(lambda: _get(f"{base}/healthz")[0] == 200, 60, "a green /healthz")
            assert scheduler.poll() is None
        finally:
            scheduler_log = _stop(scheduler) if scheduler else ""
            web_log = _stop(web)
        assert "cddh.requests: method=GET path=/login status=200" in web_log, web_log[-2000:]
        assert "job=" not in scheduler_log or "event=end" in scheduler_log
        assert "Traceback" not in scheduler_log, scheduler_log[-2000:]
    # Nothing was written into the installed package (instance folder, compiled catalogues).
    site = Path(package_file).parent
    assert not (site / "instance").exists() and not (site.parent / "instance").exists()


@pytest.mark.packaging
def test_the_development_defaults_live_in_the_current_directory(venv, tmp_path):
    """Without settings, the database and the instance folder are ./instance of the
    directory the app is started from, never inside the installed package."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CDDH_")}
    code = ("from cddh import create_app; app = create_app(); "
            "print(app.instance_path); print(app.config['SQLALCHEMY_DATABASE_URI']); "
            "print(app.config['UPLOAD_FOLDER'])")
    out = subprocess.run([str(venv), "-c", code], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    instance = tmp_path.resolve() / "instance"
    assert out == [str(instance), f"sqlite:///{instance / 'cddh.db'}", str(instance / "uploads")]
    assert (instance / "secret_key").is_file()
    env["CDDH_INSTANCE_PATH"] = str(tmp_path / "elsewhere")
    out = subprocess.run([str(venv), "-c", code], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out[0] == str((tmp_path / "elsewhere").resolve())


def test_a_missing_catalogue_is_compiled_when_the_app_starts(tmp_path, monkeypatch):
    """A checkout or editable install whose .mo files are missing (or older than the .po)
    still starts in Vietnamese: the app compiles them before Flask-Babel reads them."""
    translations = tmp_path / "translations"
    shutil.copytree(ROOT / "cddh" / "translations", translations,
                    ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(cddh, "TRANSLATIONS_DIR", translations)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"] == str(translations)
    assert (translations / "vi" / "LC_MESSAGES" / "messages.mo").is_file()
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Đăng nhập" in page
