"""Build steps pyproject.toml cannot declare (the metadata is all in pyproject.toml).

A built package (``pip install .``, a wheel) must run from any directory, in Vietnamese:

* the message catalogues are compiled into .mo files (git-ignored build output);
* the top-level ``config.py``, ``templates/``, ``static/`` and ``migrations/`` travel inside
  the package as ``cddh/_bundled/``, where ``cddh.paths`` finds them. The repository keeps one
  copy of each, at the top, where the design card puts them.

An editable install (``pip install -e .``, ``make``) reads those from the checkout, so only
the catalogues are compiled, in place.
"""

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED_FILES = ("config.py",)
BUNDLED_DIRS = ("templates", "static", "migrations")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def compile_catalogs(directory: Path) -> None:
    # cddh/catalogs.py needs only babel (a build requirement); importing cddh needs Flask.
    spec = importlib.util.spec_from_file_location("_cddh_catalogs", ROOT / "cddh" / "catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.compile_catalogs(directory)


class BuildWithCatalogs(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            compile_catalogs(ROOT / "cddh" / "translations")
            return
        package = Path(self.build_lib) / "cddh"
        compile_catalogs(package / "translations")
        bundled = package / "_bundled"
        shutil.rmtree(bundled, ignore_errors=True)
        bundled.mkdir(parents=True)
        for name in BUNDLED_FILES:
            shutil.copy2(ROOT / name, bundled / name)
        for name in BUNDLED_DIRS:
            shutil.copytree(ROOT / name, bundled / name, ignore=IGNORE)


setup(cmdclass={"build_py": BuildWithCatalogs})
