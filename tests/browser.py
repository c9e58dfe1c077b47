"""Real Chromium (Debian's package) driven by Playwright against a live server of the app."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    return os.environ.get("CDDH_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


def require_chromium():
    path = chromium_path()
    if path is None:
        pytest.skip("Browser test skipped: Debian's chromium is not installed "
                    "(apt-get install chromium); .ci/run installs it.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Browser test skipped: the playwright package is not installed.")
    return path


class LiveServer:
    """The test app served on a free loopback port in a thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


class Screens:
    """Numbered screenshots of a scenario, kept under test-artifacts/<scenario>/."""

    def __init__(self, scenario: str):
        self.folder = ARTIFACTS / scenario
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def shot(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


@pytest.fixture
def chromium():
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server
