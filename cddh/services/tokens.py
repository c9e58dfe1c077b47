"""API tokens (api.md): random bearer tokens that act as one user. The plaintext is shown
once, when issued; only its SHA-256 hash is stored, so a leaked table grants nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from ..models import ApiToken, User, db, utcnow
from . import DomainError
from .lengths import check_lengths, max_length

TOKEN_BYTES = 32
# Longer than any token we issue: such a header is refused without hashing it.
MAX_TOKEN_LENGTH = 200
# Recording every use would write a row per request; once a minute is precise enough.
TOUCH_INTERVAL = dt.timedelta(minutes=1)
NAME_LENGTH = max_length(ApiToken.name)


def hash_token(plaintext: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for an active account: the row, and the plaintext to show once."""
    if user is None or not user.active:
        raise DomainError(_("An API token can only be issued to an active account."),
                          fields={"user": "inactive"})
    name = (name or "").strip()
    check_lengths(ApiToken, name=name)
    plaintext = secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(user=user, name=name, token_hash=hash_token(plaintext), created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    return token, plaintext


def revoke_token(token: ApiToken) -> None:
    """Revoke a token for good; revoking it again keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def user_for_token(plaintext: str | None, *, now: dt.datetime | None = None) -> User | None:
    """The account a live token acts for, or None (unknown, revoked, or account deactivated).

    Records the use on the token, at most once per ``TOUCH_INTERVAL``; the caller commits.
    """
    if not plaintext or len(plaintext) > MAX_TOKEN_LENGTH:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))
    if token is None or token.revoked_at is not None:
        return None
    user = token.user
    if user is None or not user.active:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        token.last_used_at = now
    return user
