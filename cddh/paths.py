"""Where the application's files are: the checkout, or the installed package.

In a checkout (and an editable install) ``config.py``, ``templates/``, ``static/`` and
``migrations/`` are at the top of the repository, beside ``cddh/``. A built package (wheel,
``pip install .``) carries copies of them in ``cddh/_bundled/`` (setup.py puts them there),
so the installed app runs from any directory.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = PACKAGE_DIR / "_bundled"
RESOURCE_DIR = _BUNDLED if (_BUNDLED / "config.py").is_file() else PACKAGE_DIR.parent
TEMPLATES_DIR = RESOURCE_DIR / "templates"
STATIC_DIR = RESOURCE_DIR / "static"
MIGRATIONS_DIR = RESOURCE_DIR / "migrations"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"


def settings_module():
    """The settings module (``config.py``), imported once as ``cddh.config``.

    Loaded by its path rather than as a top-level ``config`` module, which would be whatever
    ``config.py`` happens to be in the current directory of an installed app.
    """
    module = sys.modules.get("cddh.config")
    if module is None:
        spec = importlib.util.spec_from_file_location("cddh.config", RESOURCE_DIR / "config.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["cddh.config"] = module
        spec.loader.exec_module(module)
    return module
