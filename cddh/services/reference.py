"""Reference data every installation starts with: the default unit kinds and the official
calendar swaps the holidays package does not know. Idempotent: safe to run again."""

from __future__ import annotations

import sqlalchemy as sa

from ..models import Unit, UnitCategory, UnitKind, db
from .calendar import seed_overrides

# (code, Vietnamese name, English name, category). A two-tier province adds "commune"/"ward"
# kinds with the district category: no code change.
DEFAULT_UNIT_KINDS = (
    ("office", "Văn phòng UBND tỉnh", "Provincial People's Committee Office", UnitCategory.office),
    ("office_division", "Phòng thuộc Văn phòng", "Division of the Office", UnitCategory.office_division),
    ("department", "Sở, ban, ngành tỉnh", "Provincial department or agency", UnitCategory.department),
    ("district", "UBND huyện, thành phố", "District-level People's Committee", UnitCategory.district),
    ("other", "Cơ quan, tổ chức khác", "Other agency or organisation", UnitCategory.other),
    # Sub-units (Đ9.2a, Đ10.2c) and the communes of a two-tier province.
    ("commune", "UBND xã, phường", "Commune or ward People's Committee", UnitCategory.district),
    ("division", "Phòng, ban, chi cục trực thuộc", "Division of a department or district",
     UnitCategory.other),
)
# Đ9.2c: the head's sign-off is on by default for these kinds (admins change it per kind).
SIGNOFF_KINDS = frozenset({"department", "district"})
OFFICE_UNIT = ("VP", "Văn phòng UBND tỉnh", "VP UBND tỉnh")


def seed_unit_kinds() -> dict[str, UnitKind]:
    """Create the default kinds that are missing; return all kinds by code."""
    kinds = {k.code: k for k in db.session.scalars(sa.select(UnitKind))}
    for code, name, name_en, category in DEFAULT_UNIT_KINDS:
        if code not in kinds:
            kinds[code] = UnitKind(code=code, name=name, name_en=name_en, category=category,
                                   signoff_required=code in SIGNOFF_KINDS)
            db.session.add(kinds[code])
    return kinds


def seed_reference_data() -> None:
    """Unit kinds, the Office unit when there is no unit at all, and calendar overrides."""
    kinds = seed_unit_kinds()
    if db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0:
        code, name, short = OFFICE_UNIT
        db.session.add(Unit(code=code, name=name, short_name=short, kind=kinds["office"]))
    seed_overrides()
    db.session.flush()
