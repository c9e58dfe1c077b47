"""Compiling the message catalogues (.po, in git) into the .mo files Flask-Babel reads.

One function for the three places that need it: the package build (``setup.py`` loads this
file by path, with only babel installed), the app's start (a checkout or editable install
whose .po changed since the last compile), and the test session. Only the standard library
and babel may be imported here.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_catalogs(directory: Path, output: Path | None = None) -> list[Path]:
    """Build each ``<lang>/LC_MESSAGES/*.mo`` under ``output`` (default: next to the .po files
    in ``directory``) that is missing or older than its .po; return those built.

    Fuzzy entries are kept, as ``pybabel compile -f`` does. Each file is written whole and
    then renamed, so parallel processes (gunicorn workers, test sessions) never read half a file.
    """
    directory = Path(directory)
    output = Path(output) if output is not None else directory
    built = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = output / po_path.relative_to(directory).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=po_path.parent.parent.name)
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        partial = mo_path.with_name(f"{mo_path.name}.{id(catalog)}.partial")
        with partial.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=True)
        partial.replace(mo_path)
        built.append(mo_path)
    return built
