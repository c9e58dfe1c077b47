"""Saved filters: a user names the task list's current filter and finds it again in the menu
(issue 12 §3). A saved filter is its owner's alone (policy.row_scope)."""

from __future__ import annotations

import re
from collections import namedtuple
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth import policy
from ..models import SavedFilter, db
from . import DomainError, NotFound
from .lengths import check_lengths
from .parsing import storable_text, unstorable_message

MAX_QUERY = 2000
MAX_PER_USER = 50
# What a task list's address may carry: its filters, search, sort and the home and report
# click-throughs; never the page (a saved filter opens on its first page).
_KEPT = re.compile(r"^(flt\d{1,3}_\d{1,3}|search|sort|desc|timeliness|group|directed|unit_id|"
                   r"period|measure)$")


def clean_query(query: str | None) -> str:
    """The list's query string, only what a filter is made of, in a stable order."""
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False)
             if _KEPT.match(k) and storable_text(k + v)]
    return urlencode(pairs)


def owned(user):
    return db.session.query(SavedFilter).filter(policy.row_scope(user, SavedFilter))


# The menu's columns and order (list_for; the login's statement reads them too).
MENU_COLUMNS = (SavedFilter.id, SavedFilter.name, SavedFilter.query)
MENU_ORDER = (SavedFilter.name, SavedFilter.id)
MenuEntry = namedtuple("MenuEntry", "id name query")


def list_for(user) -> list[sa.Row]:
    """The user's saved filters, by name: their id, name and query (read on every page
    for the navigation bar's menu: three columns, not objects)."""
    return db.session.execute(
        sa.select(*MENU_COLUMNS).where(policy.row_scope(user, SavedFilter))
        .order_by(*MENU_ORDER)).all()


def save(user, name: str | None, query: str | None) -> SavedFilter:
    """Save the list's filter under ``name``; a name already used is given the new filter."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the filter a name."), fields={"name": "required"})
    check_lengths(SavedFilter, name=name)
    if not storable_text(name):
        raise DomainError(unstorable_message(), fields={"name": "invalid"})
    query = clean_query(query)
    if not query:
        raise DomainError(_("Choose a filter or search the list before saving it."))
    if len(query) > MAX_QUERY:
        raise DomainError(_("This filter is too long to be saved."))
    found = owned(user).filter(SavedFilter.name == name).one_or_none()
    if found is not None:
        found.query = query
        return found
    count = db.session.scalar(sa.select(sa.func.count()).select_from(SavedFilter)
                              .where(SavedFilter.user_id == user.id))
    if count >= MAX_PER_USER:
        raise DomainError(_("You have %(n)d saved filters, the most allowed: delete one first.",
                            n=MAX_PER_USER))
    item = SavedFilter(user_id=user.id, name=name, query=query)
    db.session.add(item)
    return item


def delete(user, filter_id) -> None:
    """Delete one of the user's own saved filters; another user's is not found."""
    item = owned(user).filter(SavedFilter.id == filter_id).one_or_none() if filter_id else None
    if item is None:
        raise NotFound(_("The saved filter was not found."))
    db.session.delete(item)
