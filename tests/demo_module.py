"""A demo database built once for a whole test module (the crawlers and the browser tests
that walk every role's pages): import the three fixtures into the module.

    from .demo_module import _clean_after_module, _clean_tables, demo_app  # noqa: F401
"""

from __future__ import annotations

import datetime as dt

import pytest

from cddh.demo import load_demo
from cddh.models import db

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo_app(app):
    with app.app_context():
        load_demo(task_count=40, today=TODAY)
        db.session.commit()
    yield app


@pytest.fixture(autouse=True)
def _clean_tables():
    """The demo is built once for the module (the clean-up of conftest runs at its end)."""
    yield


@pytest.fixture(scope="module", autouse=True)
def _clean_after_module(app):
    yield
    from .conftest import truncate_all

    with app.app_context():
        truncate_all()
