"""Accounts: creation, passwords, login throttling, deactivation. Never a hard delete."""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from importlib.resources import files

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import LoginFailure, Role, Unit, User, db, utcnow
from . import DomainError, sessions
from .lengths import check_lengths

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 10
MIN_DISTINCT_CHARACTERS = 5


def hash_password(password: str) -> str:
    """A scrypt hash (werkzeug's default KDF): memory-hard, salted."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower-case, one a line; ``#`` comments)."""
    text = (files("cddh") / "data" / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def _letters_and_digits(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _core(password: str) -> str:
    """The password without case, separators, and the digits and symbols people add at either
    end of a word ("Password12!" → "password")."""
    return _letters_and_digits(password).strip("0123456789")


def check_password_strength(password: str, username: str = "") -> None:
    """Refuse a password that is short, made of one character class or few distinct
    characters, the username or a variant of it, or a common password (possibly with digits
    or symbols added). Spaces count as characters but not towards the length: a password is
    judged as typed, with its leading and trailing spaces removed."""
    password = password or ""
    judged = password.strip()
    if len(judged) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            fields={"password": "too_short"})
    if judged.isdigit() or judged.isalpha() or len(set(judged.lower())) < MIN_DISTINCT_CHARACTERS:
        raise DomainError(_("The password must mix letters with digits or symbols."),
                          fields={"password": "too_simple"})
    name = _letters_and_digits(username or "")
    flat = _letters_and_digits(judged)
    if name and (name in flat or flat in name or name[::-1] in flat):
        raise DomainError(_("The password must not contain the username."),
                          fields={"password": "username"})
    core = _core(judged)
    common = _common_passwords()
    if flat in common or core in common or len(core) < 4 or len(set(core)) < 3:
        raise DomainError(_("This password is too common or too easy to guess; choose another."),
                          fields={"password": "common"})


def set_password(user: User, password: str, *, temporary: bool = False,
                 keep_session=None) -> None:
    """Set a new password and end the user's sessions (all but ``keep_session``: the one the
    user changed it from). A ``temporary`` password (issued by an admin) must be changed at
    the next login."""
    check_password_strength(password, user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    if user.id is not None:
        sessions.end_all_sessions(user, keep=keep_session)


def change_own_password(user: User, current: str, new: str) -> None:
    """The user replaces their password; the session they do it from stays logged in."""
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise DomainError(_("The current password is wrong."), fields={"current": "wrong"})
    if check_password_hash(user.password_hash, new or ""):
        raise DomainError(_("The new password must differ from the current one."),
                          fields={"password": "same"})
    set_password(user, new, keep_session=user.current_session)


def generate_password(username: str = "") -> str:
    """A random temporary password an admin can hand over (changed at first login); drawn
    again in the rare case it happens to contain the username."""
    while True:
        password = secrets.token_urlsafe(12) + "7a"
        try:
            check_password_strength(password, username)
        except DomainError:
            continue
        return password


def create_user(username: str, *, role: Role | str, unit: Unit, password: str,
                full_name: str = "", email: str = "", position=None, sectors: str = "",
                temporary: bool = False) -> User:
    """Create an active account; refuses a taken or malformed username or an unknown role.
    A ``temporary`` password (an admin chose it for someone else) is changed at first login."""
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise DomainError(_("A username has 3–64 characters: lower-case letters, digits, "
                            "dot, dash or underscore."), fields={"username": "invalid"})
    try:
        role = Role(role)
    except ValueError:
        raise DomainError(_("Unknown role: %(role)s", role=role), fields={"role": "invalid"}) from None
    if unit is None or not unit.active:
        raise DomainError(_("Choose an active unit."), fields={"unit": "required"})
    full_name, email = (full_name or "").strip(), (email or "").strip()
    check_lengths(User, full_name=full_name, email=email)
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise DomainError(_("The username %(u)s is already taken.", u=username),
                          fields={"username": "taken"})
    user = User(username=username, role=role, unit=unit, full_name=full_name, email=email,
                active=True)
    set_position(user, position, sectors)
    set_password(user, password, temporary=temporary)
    db.session.add(user)
    return user


def set_position(user: User, position, sectors: str = "") -> None:
    """A leader's post (Đ3.2) and, for a vice-chairman, the sectors directed; only leaders
    hold one."""
    from ..models import LeaderPosition

    if position in (None, ""):
        user.position = None
    else:
        try:
            position = LeaderPosition(position)
        except ValueError:
            raise DomainError(_("Unknown position: %(p)s", p=position),
                              fields={"position": "invalid"}) from None
        if user.role != Role.leader:
            raise DomainError(_("Only a leader's account holds a position."),
                              fields={"position": "invalid"})
        user.position = position
    user.sectors = (sectors or "").strip() or None if user.position == "vice_chairman" else None


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches, checked when there is no real one: the same work."""
    return hash_password(secrets.token_hex(32))


def login_failed_message() -> str:
    """The one answer to every failed login, whatever the cause."""
    return _("Login failed: wrong username or password, or too many attempts. Check them, "
             "wait a moment and try again.")


def _backoff(failures: int, free: int, last: dt.datetime | None, now: dt.datetime,
             window: dt.timedelta) -> bool:
    """After ``free`` failures, each further one doubles the wait since the last failure
    (``LOGIN_BACKOFF_SECONDS``, twice that, four times… at most the window). True while that
    wait is not over."""
    if failures < free or last is None:
        return False
    first = current_app.config["LOGIN_BACKOFF_SECONDS"]
    wait = min(first * 2 ** min(failures - free, 30), window.total_seconds())
    return (now - last).total_seconds() < wait


def login_throttled(username: str, address: str, now: dt.datetime) -> bool:
    """Must this attempt wait? Failures within ``LOGIN_WINDOW_MINUTES`` count, by address
    (every account tried from it), by account from this address, and by account from
    everywhere unless the account logged in from this address lately: an attacker elsewhere
    slows the account down for new places only, never locks its owner out."""
    cfg = current_app.config
    window = dt.timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"])
    f = LoginFailure
    by_address = f.address == address
    by_pair = sa.and_(f.username == username, f.address == address)
    by_account = f.username == username
    row = db.session.execute(
        sa.select(sa.func.count(sa.case((by_address, 1))), sa.func.max(sa.case((by_address, f.at))),
                  sa.func.count(sa.case((by_pair, 1))), sa.func.max(sa.case((by_pair, f.at))),
                  sa.func.count(sa.case((by_account, 1))), sa.func.max(sa.case((by_account, f.at))))
        .where(f.at > now - window, sa.or_(by_address, by_account))
    ).one()
    if _backoff(row[0], cfg["LOGIN_ADDRESS_FREE"], row[1], now, window):
        return True
    if _backoff(row[2], cfg["LOGIN_ACCOUNT_FREE"], row[3], now, window):
        return True
    return (_backoff(row[4], cfg["LOGIN_ACCOUNT_WIDE_FREE"], row[5], now, window)
            and not sessions.known_address(username, address, now))


def _record_failure(username: str, address: str, now: dt.datetime) -> None:
    window = dt.timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < now - window))
    db.session.add(LoginFailure(at=now, username=username, address=address[:64]))


def authenticate(username: str, password: str, *, address: str = "",
                 now: dt.datetime | None = None) -> User:
    """Return the user for a correct login. Every failure (unknown user, wrong password,
    deactivated account, throttled attempt) does the same work, one password hash check,
    and raises the same message; the caller commits so the failure is counted."""
    now = now or utcnow()
    name = (username or "").strip().lower()[:64]
    user = db.session.scalar(sa.select(User).where(User.username == name))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    correct = check_password_hash(stored, password or "")
    throttled = login_throttled(name, address, now)
    if throttled or not correct or user is None or not user.password_hash or not user.active:
        if not throttled:  # only real guesses count; waiting attempts do not extend the wait
            _record_failure(name, address, now)
        raise DomainError(login_failed_message(), code="login_failed")
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.username == name,
                                                     LoginFailure.address == address))
    user.last_login_at = now
    return user


def deactivate_user(user: User, *, by: User) -> None:
    """Deactivate an account and end its sessions; an admin cannot deactivate themself."""
    if user.id == by.id:
        raise DomainError(_("You cannot deactivate your own account."))
    user.active = False
    sessions.end_all_sessions(user)


def reactivate_user(user: User) -> None:
    user.active = True


def deactivate_unit(unit: Unit) -> None:
    """Deactivate a unit; refused while active users still belong to it."""
    active_users = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.unit_id == unit.id, User.active)
    )
    if active_users:
        raise DomainError(_("The unit %(unit)s still has %(n)d active accounts; deactivate "
                            "or move them first.", unit=unit.name, n=active_users))
    unit.active = False


def reactivate_unit(unit: Unit) -> None:
    unit.active = True
