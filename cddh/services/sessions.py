"""Server-side login sessions: started at login, found again on every request, ended by a
logout, by the user from another browser, by a password change or reset and by
deactivation. A session lasts ``SESSION_HOURS`` from login; activity does not extend it."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app

from ..auth import policy
from ..models import SavedFilter, User, UserSession, db, utcnow

# Ended sessions are kept this long: the user sees where they logged in from lately, and
# login throttling recognises an address the account has used.
KEEP_ENDED = dt.timedelta(days=30)


def start_session(user: User, *, user_agent: str = "", address: str = "",
                  now: dt.datetime | None = None) -> UserSession:
    """A new session for ``user``, attached to it as ``current_session`` (for login_user)."""
    now = now or utcnow()
    if user.id is not None:
        purge_old_sessions(user, now)
    session = UserSession(key=secrets.token_urlsafe(32), user=user, created_at=now,
                          expires_at=now + dt.timedelta(hours=current_app.config["SESSION_HOURS"]),
                          user_agent=(user_agent or "")[:255], address=(address or "")[:64])
    db.session.add(session)
    user.current_session = session
    return session


def load_session_user(key: str, *, now: dt.datetime | None = None,
                      with_menu: bool = False) -> User | None:
    """The active user of a live session with this key, or None (ended, expired, unknown).

    ``with_menu``: the same statement also reads what every page's navigation bar shows of
    the user (their unread notices' count, their saved filters), attached to the user as
    ``menu`` = (count, [MenuEntry, …]); one statement a page instead of three."""
    if not key:
        return None
    now = now or utcnow()
    statement = (
        sa.select(UserSession, User).join(User, User.id == UserSession.user_id)
        .where(UserSession.key == key, UserSession.revoked_at.is_(None),
               UserSession.expires_at > now, User.active.is_(True)))
    if not with_menu:
        row = db.session.execute(statement).first()
        if row is None:
            return None
        session, user = row
    else:
        from .notifications import unread_count_of
        from .saved_filters import MENU_COLUMNS, MENU_ORDER, MenuEntry

        rows = db.session.execute(
            statement.add_columns(unread_count_of(User.id).label("unread"), *MENU_COLUMNS)
            .outerjoin(SavedFilter, policy.saved_filters_of(User.id)).order_by(*MENU_ORDER)).all()
        if not rows:
            return None
        session, user = rows[0][0], rows[0][1]
        user.menu = (rows[0].unread, [MenuEntry(*r[3:]) for r in rows if r[3] is not None])
    user.current_session = session
    return user


def live_sessions(user_id: int, now: dt.datetime | None = None) -> sa.ColumnElement[bool]:
    """The SQL condition for the live sessions of one user."""
    now = now or utcnow()
    return sa.and_(UserSession.user_id == user_id, UserSession.revoked_at.is_(None),
                   UserSession.expires_at > now)


def end_session(session: UserSession, *, now: dt.datetime | None = None) -> None:
    """End one session (a logout, or the user closing one of their other logins)."""
    if session.revoked_at is None:
        session.revoked_at = now or utcnow()


def end_all_sessions(user: User, *, keep: UserSession | None = None,
                     now: dt.datetime | None = None) -> int:
    """End every live session of ``user`` except ``keep``; returns how many were ended."""
    now = now or utcnow()
    condition = live_sessions(user.id, now)
    if keep is not None and keep.id is not None:
        condition = sa.and_(condition, UserSession.id != keep.id)
    result = db.session.execute(sa.update(UserSession).where(condition)
                                .values(revoked_at=now).execution_options(synchronize_session=False))
    return result.rowcount or 0


def purge_old_sessions(user: User, now: dt.datetime) -> None:
    """Forget the user's sessions that ended more than ``KEEP_ENDED`` ago (run at each login,
    so the table stays as small as the number of recent logins)."""
    before = now - KEEP_ENDED
    db.session.execute(sa.delete(UserSession).where(
        UserSession.user_id == user.id,
        sa.or_(UserSession.expires_at < before, UserSession.revoked_at < before)))


def known_address(username: str, address: str, now: dt.datetime | None = None) -> bool:
    """Did this account log in from this address lately? (Login throttling trusts it more.)"""
    if not address:
        return False
    now = now or utcnow()
    return bool(db.session.scalar(
        sa.select(sa.literal(True)).select_from(UserSession)
        .join(User, User.id == UserSession.user_id)
        .where(User.username == username, UserSession.address == address,
               UserSession.created_at > now - KEEP_ENDED).limit(1)))
