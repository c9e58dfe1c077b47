"""Timestamps come back aware and the same instant on both databases (UTCDateTime: SQLite
drops the offset and gets UTC put back; PostgreSQL's timestamptz arrives aware)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cddh.models import Role, UnitCategory, UserSession, db

from .conftest import make_unit, make_user


def test_a_timestamp_read_back_is_aware_and_the_same_instant(ctx):
    user = make_user(Role.office_specialist, make_unit("VP", UnitCategory.office))
    at = dt.datetime(2026, 3, 14, 23, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    db.session.add(UserSession(key="k" * 40, user=user, created_at=at,
                               expires_at=at + dt.timedelta(hours=8)))
    db.session.commit()
    db.session.expire_all()
    created, expires = db.session.execute(
        sa.select(UserSession.created_at, UserSession.expires_at)).one()
    assert created.tzinfo is not None and created.utcoffset() is not None
    assert created == at and expires - created == dt.timedelta(hours=8)
    loaded = db.session.scalar(sa.select(UserSession))
    assert loaded.created_at.tzinfo is not None and loaded.created_at == at
