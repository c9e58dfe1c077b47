"""Search as Vietnamese users type: lowercase, without diacritics (đ → d), by document
number as typed (``9901/UBND-TH``), by words of the summary or the task's content.

Each task and document keeps a normalised ``search_text`` (a session listener fills it on
every flush that changes its sources); PostgreSQL indexes it with a pg_trgm GIN index, so a
``LIKE '%word%'`` per word is a bitmap index scan; SQLite keeps the same column. One function
(``match``) serves the list screens' search box and the API's ``q``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session

from ..models import Document, Task

MAX_WORDS = 8


# A word shorter than this matches whole words only ("ba" finds "Ba Tri", not "báo cáo");
# longer words match anywhere, as typed ("9901" finds "9901/UBND-TH").
WHOLE_WORD_BELOW = 4
_PUNCTUATION = re.compile(r"[,;:()\[\]{}\"'!?«»“”‘’…]")
# A word holding a letter or a digit: the trigram index knows only those. A word of signs
# alone ("-", "%", "/") is checked on the rows the other words find; a query of such words
# alone finds nothing (read from every task, "%" took 0.4-0.7 s at 1M to find nothing).
_INDEXABLE = re.compile(r"[^\W_]")


def normalise(text: str | None) -> str:
    """Lowercase, no diacritics, đ → d, punctuation around words as spaces, one space
    between words (``/``, ``-`` and ``.`` stay: they belong to document numbers)."""
    text = (text or "").replace("đ", "d").replace("Đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")
    text = _PUNCTUATION.sub(" ", unicodedata.normalize("NFC", text).lower())
    return re.sub(r"\s+", " ", text).strip()


# The same mapping for SQL's translate() (bulk loads and the migration's backfill): every
# precomposed Vietnamese letter, both cases, to its plain lowercase letter.
_VIETNAMESE = ("aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợ"
               "uùúủũụưừứửữựyỳýỷỹỵđ")
SQL_FROM = "".join(dict.fromkeys(_VIETNAMESE + _VIETNAMESE.upper()))
SQL_TO = "".join(normalise(c) for c in SQL_FROM)
assert len(SQL_FROM) == len(SQL_TO)


def normalise_sql(expression):
    """``stored`` in SQL (translate() is PostgreSQL's): for bulk loads only; punctuation and
    runs of spaces are left as they are."""
    return " " + sa.func.lower(sa.func.translate(expression, SQL_FROM, SQL_TO)) + " "


def stored(text: str) -> str:
    """The stored form: normalised, with a space at both ends (whole-word matches)."""
    return f" {normalise(text)} "


def number_text(search_text, number):
    """A document's number as the document-number filter reads it: the first
    ``len(number)`` characters of its stored text after the leading space (the number,
    normalised). Of SQL expressions (the document's columns) or of Python strings alike."""
    if isinstance(search_text, str) or search_text is None:
        return (search_text or "")[1:1 + len(number or "")]
    return sa.func.substr(search_text, 2, sa.func.length(number))


class number_holds(sa.sql.functions.FunctionElement):
    """A document's number (``number_text``) holds a normalised text of at most
    ``NUMBER_GRAM`` characters: on PostgreSQL, found among the number's pieces of one and
    two characters (``ix_document_number_grams``: no trigram covers so short a text);
    elsewhere, ``LIKE``. Made by ``number_holding``."""

    type = sa.Boolean()
    name = "number_holds"
    inherit_cache = True


def number_holding(search_text, number, typed: str) -> number_holds:
    """``number_holds`` of a document's columns and a normalised ``typed`` (bound as values,
    so that the statement's cached form serves every text)."""
    return number_holds(search_text, number, sa.literal(f"%{_escaped(typed)}%", sa.Text),
                        sa.literal(typed, sa.Text))


@compiles(number_holds)
def _number_holds(element, compiler, **kw):
    search_text, number, pattern, _typed = element.clauses
    return compiler.process(number_text(search_text, number).like(pattern, escape="\\"), **kw)


@compiles(number_holds, "postgresql")
def _number_holds_postgresql(element, compiler, **kw):
    search_text, number, _pattern, typed = element.clauses
    grams = sa.func.cddh_number_grams(search_text, number, type_=ARRAY(sa.Text))
    return compiler.process(grams.contains(postgresql.array([sa.cast(typed, sa.Text)])), **kw)


def estimated_by_number_pieces(statement) -> bool:
    """Whether ``statement`` finds documents among their numbers' pieces (``number_holds``),
    whose number of rows the planner estimates from the index's statistics of those
    pieces, on PostgreSQL (tasks of "12" at 1M: 70,646 expected, 70,983 found)."""
    return any(isinstance(element, number_holds)
               for element in sa.sql.visitors.iterate(statement))


def document_text(number: str | None, summary: str | None) -> str:
    return stored(f"{number or ''} {summary or ''}")


def task_text(document: Document | None, content: str | None) -> str:
    prefix = f"{document.number or ''} {document.summary or ''}" if document is not None else ""
    return stored(f"{prefix} {content or ''}")


def words(query: str | None) -> list[str]:
    """The normalised words of a query (at most MAX_WORDS), as typed otherwise."""
    return normalise(query).split(" ")[:MAX_WORDS] if normalise(query) else []


def signs_only(query: str | None) -> bool:
    """The query has words, none of them holding a letter or a digit: it finds nothing."""
    found = words(query)
    return bool(found) and not any(_INDEXABLE.search(w) for w in found)


def _escaped(word: str) -> str:
    """``word`` with LIKE's wildcards (and its escape) escaped."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(column, word: str):
    return column.like(f"%{_escaped(word)}%", escape="\\")


class Match(NamedTuple):
    """A query's rows (``condition``) and, of several words, how they rank: ``phrase`` (the
    words together, as typed) first, then the others; ``rank`` says it as one value, 0 for
    the phrase, 1 otherwise (lower first). Of one word every row found is the phrase:
    ``rank`` and ``phrase`` are None, and the rows keep the list's own order, which an index
    may give (ranked, a word most tasks hold was every task read and sorted: 4.2 s at 1M)."""

    condition: sa.ColumnElement[bool]
    rank: sa.ColumnElement | None
    phrase: sa.ColumnElement[bool] | None


def match(column, query: str | None) -> Match | None:
    """The ``Match`` of rows whose normalised ``column`` holds every word of ``query``;
    None when the query has no words."""
    found = words(query)
    if not found:
        return None
    if signs_only(query):
        return Match(sa.false(), None, None)
    # The phrase is checked on the rows the words find, never read from the trigram index:
    # its trigrams are those of all its words, common ones among them (" th", "so "), and
    # the index's lists of them are long ("thu tai so 1000": 417 ms to read them).
    phrase = _checked(_like(column, " ".join(found))) if len(found) > 1 else None
    rank = sa.case((phrase, 0), else_=1) if phrase is not None else None
    # A short word is common ("va", "so", "thu"): its trigrams are in most rows, and reading
    # them from the trigram index costs more than the whole search. With a longer word to
    # find the rows, a short one is checked on those rows only; the rows are the same.
    indexed = any(len(w) >= WHOLE_WORD_BELOW for w in found)

    def condition(w):
        like = _like(column, f" {w} ") if len(w) < WHOLE_WORD_BELOW else _like(column, w)
        if not _INDEXABLE.search(w) or (indexed and len(w) < WHOLE_WORD_BELOW):
            return _checked(like)
        return like

    return Match(sa.and_(*(condition(w) for w in found)), rank, phrase)


def _checked(condition):
    """``condition`` (a LIKE on the column) checked on the rows something else finds: said
    ``IS TRUE``, which the trigram index does not serve, while PostgreSQL still estimates
    it from the column's statistics, as the LIKE itself. (Said over ``coalesce(column,
    '')``, it was estimated at a default fraction of the rows: a phrase most tasks hold, as
    one task, its rows all read and sorted for a page, 0.9 s at 1M.)"""
    return condition.is_(sa.true())


def task_match(query: str | None):
    return match(Task.search_text, query)


def task_condition(query: str | None):
    """The tasks ``task_match`` finds, as one condition; None when the query has no words
    (a picker's look-up: the rows found, unranked)."""
    found = task_match(query)
    return None if found is None else found.condition


def document_match(query: str | None):
    return match(Document.search_text, query)


@event.listens_for(Session, "before_flush")
def _fill_search_text(session: Session, flush_context, instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Document):
            state = inspect(obj)
            if obj in session.new or any(state.attrs[n].history.has_changes()
                                         for n in ("number", "summary")):
                obj.search_text = document_text(obj.number, obj.summary)
                if obj not in session.new:
                    for task in obj.tasks:
                        task.search_text = task_text(obj, task.content)
        elif isinstance(obj, Task):
            state = inspect(obj)
            if obj in session.new or any(state.attrs[n].history.has_changes()
                                         for n in ("content", "document", "document_id")):
                document = obj.document
                if document is None and obj.document_id is not None:
                    document = session.get(Document, obj.document_id)
                obj.search_text = task_text(document, obj.content)
