"""What a page computes once per request instead of once per row or cell (issue 13: a list of
50 rows spent most of its time building the same URLs and translating the same words).

Everything is kept on the request object itself, never on ``g`` or in the process: a test
that holds an application context shares ``g`` between its requests, and a language switch
or a logged-in user must never see another request's values."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from urllib.parse import quote_plus

from flask import url_for
from flask.globals import _cv_app, _cv_request
from flask_babel import get_locale
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

# Two ids no row is expected to have (any row may: ``by_id`` then checks its template).
PROBE_A, PROBE_B = 918273645, 281736459


def _memo() -> dict | None:
    """The request's memo (None outside a request). Read from Flask's context variable, as
    ``flask.request`` does, without the proxy: a list page asks for it a few hundred times."""
    ctx = _cv_request.get(None)
    if ctx is None:
        return None
    attrs = ctx.request.__dict__
    memo = attrs.get("_cddh_memo")
    if memo is None:
        memo = attrs["_cddh_memo"] = {}
    return memo


def per_request(key: Hashable, build: Callable[[], object]):
    """``build()`` once per request under ``key`` (every call outside a request builds)."""
    memo = _memo()
    if memo is None:
        return build()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = build()
        return value
    except TypeError:  # an unhashable key: nothing kept
        return build()


# The characters werkzeug leaves as they are in a URL's query (``werkzeug.urls._urlencode``),
# and a text made of them alone (with the ones ``quote_plus`` always leaves): kept as it is.
URL_QUERY_SAFE = "!$'()*,/:;?@"
_PLAIN = re.compile(r"[A-Za-z0-9_.~!$'()*,/:;?@-]*\Z")


def _query_part(value) -> str:
    text = value if type(value) is str else str(value)
    return text if _PLAIN.match(text) else quote_plus(text, safe=URL_QUERY_SAFE)


def endpoint_url(endpoint: str, **args) -> str:
    """``url_for(endpoint, **args)`` for an endpoint without path arguments: its address
    built once a request, the arguments (None left out, a list or tuple one pair per item,
    as werkzeug does) encoded as its query in their order as werkzeug encodes it, a plain
    word or number without ``quote_plus``: the same string, for a page that links it
    hundreds of times (the dashboard's figures)."""
    base = per_request(("url", endpoint), lambda: url_for(endpoint))
    pairs = []
    for key, value in args.items():
        for item in value if isinstance(value, list | tuple | set) else (value,):
            if item is not None:
                pairs.append(f"{_query_part(key)}={_query_part(item)}")
    return f"{base}?{'&'.join(pairs)}" if pairs else base


# What the login's own statement reads for the navigation bar (views.auth.load_user).
UNREAD, SAVED_FILTERS = "unread", "saved_filters"


def remember(key: Hashable, value) -> None:
    """Keep ``value`` under ``key`` for the rest of the request (what ``per_request`` then
    returns), when it was read by a statement that had to run anyway."""
    memo = _memo()
    if memo is not None:
        memo[key] = value


_LANGUAGE = object()  # the memo's key of (the locale object, its name)


def _language(memo: dict) -> str:
    """``str(get_locale())``, as flask_babel reads it (``g._flask_babel.babel_locale``, set by
    the locale selector or by ``force_locale``) without its proxies; its name is kept in the
    memo for as long as the locale object is the same one."""
    app_ctx = _cv_app.get(None)
    babel = app_ctx.g.__dict__.get("_flask_babel") if app_ctx is not None else None
    locale = getattr(babel, "babel_locale", None)
    if locale is None:  # not selected yet (or no context): flask_babel's own way
        locale = get_locale()
    kept = memo.get(_LANGUAGE)
    if kept is not None and kept[0] is locale:
        return kept[1]
    name = str(locale)
    memo[_LANGUAGE] = (locale, name)
    return name


def per_language(key: Hashable, build: Callable[[], object]):
    """``per_request`` for a translated text: kept per language, so that a text built under
    ``force_locale`` (a notice in the default language) is never shown in another."""
    memo = _memo()
    if memo is None:
        return build()
    return per_request((_language(memo), key), build)


# Texts kept across requests (``per_language_kept``), by (language, key); emptied when full.
_KEPT: dict = {}
KEPT_MAX = 4096


def per_language_kept(key: Hashable, build: Callable[[], object]):
    """``per_language``, kept in the process across requests: ONLY for a text that is a
    function of its key and the language alone (never of the user, the request, a token or
    the data beyond what the key holds): a task's status badge by (day, class, state, days
    left or overdue), say. Outside a request it builds."""
    memo = _memo()
    if memo is None:
        return build()
    full = (_language(memo), key)
    try:
        return _KEPT[full]
    except KeyError:
        pass
    value = build()
    if len(_KEPT) >= KEPT_MAX:
        _KEPT.clear()
    _KEPT[full] = value
    return value


# Fragments of the pages' frame kept per application (``kept_html``); emptied when full.
KEPT_HTML_MAX = 1024


@pass_context
def kept_html(context, name: str, caller) -> Markup:
    """A fragment of the page's frame rendered once per (its ``name``, the user's role, the
    screen, the language) and kept in the application: the main menu (which screens a role
    may open, the current one marked) and the scripts' and styles' addresses. Used as
    ``{% call kept_html('menu') %}…{% endcall %}`` around a fragment that is a function of
    these alone, never of the user's own data, the request's arguments or a token."""
    ctx = _cv_request.get(None)
    app_ctx = _cv_app.get(None)
    if ctx is None or app_ctx is None:
        return caller()
    who = user()
    role = who.role if who.is_authenticated else None
    view = context.get("admin_view")
    key = (name, role, getattr(view, "endpoint", None), ctx.request.script_root,
           _language(_memo()))
    kept = app_ctx.app.extensions.setdefault("cddh_kept_html", {})
    try:
        return kept[key]
    except KeyError:
        pass
    value = Markup(caller())
    if len(kept) >= KEPT_HTML_MAX:
        kept.clear()
    kept[key] = value
    return value


def user():
    """``current_user._get_current_object()`` in a request, read where Flask-Login keeps it
    (``g._login_user``) without its proxy once it is loaded (a row's cells ask for it)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None and _cv_request.get(None) is not None:
        found = app_ctx.g.__dict__.get("_login_user")
        if found is not None:
            return found
    return current_user._get_current_object()


def id_template(build: Callable[[int], str]) -> Callable[[int], str]:
    """A text that depends on a row's id only (a URL, a row's link or form) as a function of
    the id (an int, or its digits as Flask-Admin's ``get_pk_value`` gives them) that
    substitutes it into the text built once, instead of building it per row.

    ``build`` is called with two probe ids; the text for PROBE_A cut at each occurrence of
    the id must give the text for PROBE_B when joined with it again, else (the probe's
    digits also appear elsewhere, in a return URL the user typed, say) ``build`` itself is
    returned. An id is written as ``str(id)`` by werkzeug's URL builder and by Markup's
    escaping alike (digits need no quoting or escaping), so the substituted text is the one
    ``build`` would have made."""
    first, second = build(PROBE_A), build(PROBE_B)
    parts = str(first).split(str(PROBE_A))
    if len(parts) < 2 or str(PROBE_B).join(parts) != str(second):
        return build
    markup = isinstance(first, Markup)

    def text(row_id) -> str:
        if type(row_id) is int:
            digits = str(row_id)
        elif type(row_id) is str and row_id.isascii() and row_id.isdigit():
            digits = row_id  # Flask-Admin's get_pk_value gives the id as text
        else:  # any other key: built as it is
            return build(row_id)
        joined = digits.join(parts)
        return Markup(joined) if markup else joined

    return text


def by_id(key: Hashable, build: Callable[[int], str]) -> Callable[[int], str]:
    """``id_template(build)`` once per request under ``key``."""
    return per_request(("by_id", key), lambda: id_template(build))
