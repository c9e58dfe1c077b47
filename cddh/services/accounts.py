"""Accounts: creation, passwords, login throttling, deactivation. Never a hard delete."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import Role, Unit, User, db, utcnow
from . import DomainError

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """A scrypt hash (werkzeug's default KDF): memory-hard, salted."""
    return generate_password_hash(password, method="scrypt")


def check_password_strength(password: str) -> None:
    """Refuse passwords that are too short or of one character class."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            fields={"password": "too_short"},
        )
    if password.isdigit() or password.isalpha():
        raise DomainError(_("The password must mix letters with digits or symbols."),
                          fields={"password": "too_simple"})


def set_password(user: User, password: str) -> None:
    """Set a new password and end every other session of the user."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    user.failed_logins = 0
    user.locked_until = None


def generate_password() -> str:
    """A random temporary password an admin can hand over."""
    return secrets.token_urlsafe(9) + "7a"


def create_user(username: str, *, role: Role | str, unit: Unit, password: str,
                full_name: str = "", email: str = "", position=None, sectors: str = "") -> User:
    """Create an active account; refuses a taken or malformed username or an unknown role."""
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
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise DomainError(_("The username %(u)s is already taken.", u=username),
                          fields={"username": "taken"})
    user = User(username=username, role=role, unit=unit, full_name=full_name.strip(),
                email=email.strip(), active=True)
    set_position(user, position, sectors)
    set_password(user, password)
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


def authenticate(username: str, password: str, *, now: dt.datetime | None = None) -> User:
    """Return the user for a correct login; count failures and lock after too many."""
    now = now or utcnow()
    message = _("Wrong username or password.")
    user = db.session.scalar(sa.select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        # Same work as a real check, so timing does not tell which usernames exist.
        check_password_hash(hash_password("x" * MIN_PASSWORD_LENGTH), password or "")
        raise DomainError(message, code="bad_credentials")
    if user.locked_until and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        raise DomainError(_("Too many failed logins. Try again in %(m)d minutes.", m=minutes),
                          code="locked")
    if not user.active:
        raise DomainError(_("This account is deactivated."), code="inactive")
    if not user.password_hash or not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + dt.timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
        raise DomainError(message, code="bad_credentials")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if not user.session_token:
        user.session_token = secrets.token_hex(16)
    return user


def deactivate_user(user: User, *, by: User) -> None:
    """Deactivate an account and end its sessions; an admin cannot deactivate themself."""
    if user.id == by.id:
        raise DomainError(_("You cannot deactivate your own account."))
    user.active = False
    user.session_token = secrets.token_hex(16)


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
