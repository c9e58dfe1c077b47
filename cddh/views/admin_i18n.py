"""The app's corrections of Flask-Admin's stock wording (its own ``admin`` gettext domain).

Flask-Admin translates its screens from its bundled catalogue; an app may add its own
(``Admin(translations_path=...)``), but Flask-Admin merges that one FIRST, so its own stock
string wins whenever both have an entry - exactly the strings the app needs to correct
("Kỷ lục" for a record, "Vui lòng chọn mẫu", "Với lựa chọn"...). Here the app's
``cddh/translations/<lang>/LC_MESSAGES/admin.po`` is merged LAST, so each of its entries
replaces the stock one and every other stock entry stays as it is.
"""

from __future__ import annotations

from flask import current_app
from flask_admin import babel as admin_babel


class CorrectedAdminDomain(type(admin_babel.domain)):
    """Flask-Admin's domain with the app's catalogue directory merged after its own."""

    @property
    def translation_directories(self) -> list[str]:
        app_dir = current_app.config.get("CDDH_ADMIN_TRANSLATIONS")
        stock = [d for d in super().translation_directories if d != app_dir]
        return stock + ([app_dir] if app_dir else [])


def use_corrected_admin_catalog(app, directory: str) -> None:
    """Merge ``<directory>/<lang>/LC_MESSAGES/admin.mo`` over Flask-Admin's own catalogue.

    Flask-Admin's module-level gettext functions are bound to one domain object; its class is
    swapped for the subclass above (idempotent), which reads the directory from the app's
    config, so each app (and each test app) uses its own compiled catalogues.
    """
    app.config["CDDH_ADMIN_TRANSLATIONS"] = str(directory)
    domain = admin_babel.domain
    if not isinstance(domain, CorrectedAdminDomain):
        domain.__class__ = CorrectedAdminDomain
        domain.cache.clear()
