"""Where a user-supplied redirect target (``next``, a referrer, Flask-Admin's ``url``) may
lead: only to a path on this site, judged the way a browser will parse it.

A browser's URL parser (WHATWG) removes tabs and newlines anywhere in a URL, strips leading
control characters and spaces, and reads a backslash as a slash. So ``/\\t/evil.example``
passes a naive "starts with one slash" test and is followed as ``//evil.example``, another
host. A target is therefore refused outright when it holds any control character, any
whitespace or a backslash, before it is parsed; what remains must have no scheme and no host
(or this request's own scheme and host) and a path starting with exactly one slash.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import request

MAX_TARGET_LENGTH = 2048


def _refused_character(ch: str) -> bool:
    return ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch.isspace() or ch == "\\"


def local_target(target: object) -> str | None:
    """The same-site path (with query and fragment) ``target`` leads to, or None."""
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET_LENGTH:
        return None
    if any(_refused_character(ch) for ch in target) or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    if parts.scheme or parts.netloc:
        # An absolute URL (a Referer header) is accepted only for this very site.
        if parts.scheme != request.scheme or parts.netloc != request.host:
            return None
    path = parts.path
    if not path.startswith("/") or path.startswith("//"):
        return None
    return urlunsplit(("", "", path, parts.query, parts.fragment))


def safe_next(target: object, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``; for every redirect that
    takes its destination from the request."""
    return local_target(target) or default
