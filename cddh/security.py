"""Protections that hold for every response and every route, set once for the app.

* ``<int:…>`` in a route accepts only ids the database can hold (1 … 2³¹−1): a larger
  number is a 404 like any unknown id, instead of an overflow in the database driver.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from .services.parsing import MAX_ID


class IdConverter(IntegerConverter):
    """Werkzeug's int converter bounded to the ids a row may have."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def configure_security(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
