"""The door-facing part of the directive reader: checks the input, reads an uploaded .docx or
.pdf, builds the catalog of this installation's units and runs the parser. Nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import gettext as _

from ...models import Unit, db
from .. import DomainError
from ..attachments import check_file
from ..calendar import calendar
from . import MAX_TEXT, ProposedTask, UnitCatalog, UnitRecord, extract

log = logging.getLogger(__name__)
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def installation_catalog() -> UnitCatalog:
    """The lexicon plus this installation's active units, their short names and aliases
    (one query; a province has a few hundred units)."""
    rows = db.session.execute(sa.select(Unit.id, Unit.name, Unit.short_name, Unit.aliases)
                              .where(Unit.active.is_(True)).order_by(Unit.id)).all()
    return _catalog(tuple((r.id, r.name, r.short_name or "", r.aliases or "") for r in rows))


@lru_cache(maxsize=4)
def _catalog(rows: tuple) -> UnitCatalog:
    """Compiling the names costs far more than reading them: one catalog per set of units
    (an edited name or alias is a new set, so it is picked up on the next call)."""
    return UnitCatalog([UnitRecord(uid, name, [name, short, *aliases.splitlines()])
                        for uid, name, short, aliases in rows])


def read_directive(text: str | None, issued_on: dt.date | None) -> list[ProposedTask]:
    """Proposed tasks for a directive's text issued on ``issued_on``; a DomainError (422)
    for an empty or oversized text or a missing date."""
    if issued_on is None:
        raise DomainError(_("Give the issue date of the document: deadlines such as “trước "
                            "15/12” are read from it."), fields={"issued_on": "required"})
    if text is None or not text.strip():
        raise DomainError(_("Paste the text of the directive or upload its .docx or .pdf file."),
                          fields={"text": "required"})
    if len(text) > MAX_TEXT:
        raise DomainError(_("The text is too long to read (more than %(n)d characters); paste "
                            "the part that assigns the tasks.", n=MAX_TEXT),
                          fields={"text": "too_long"})
    return extract(text, issued_on, installation_catalog(), calendar())


def text_of_file(filename: str, content: bytes) -> str:
    """The text of an uploaded .docx or .pdf (its type read from the content)."""
    mime = check_file(filename or "upload", content)
    try:
        if mime == DOCX:
            return _docx_text(content)
        if mime == PDF:
            return _pdf_text(content)
    except DomainError:
        raise
    except Exception:  # a damaged file: the libraries raise many kinds of errors
        log.info("unreadable upload %r", filename, exc_info=True)
        raise DomainError(_("The file could not be read; save it again as .docx or .pdf and "
                            "retry, or paste its text."), fields={"file": "unreadable"}) from None
    raise DomainError(_("Only a .docx or .pdf file can be read; paste the text of other files."),
                      fields={"file": "type"})


def _docx_text(content: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(content))
    lines = []
    for paragraph in document.paragraphs:
        words = paragraph.text.strip()
        if not words:
            continue
        # Word's automatic numbering is not in the text: mark such items with a dash.
        numbered = paragraph._p.find(f"{_W}pPr/{_W}numPr") is not None
        lines.append(f"- {words}" if numbered else words)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.text.strip():
                    lines.append(cell.text.strip())
    return "\n".join(lines)


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted:
        raise DomainError(_("The PDF is protected by a password; paste its text instead."),
                          fields={"file": "encrypted"})
    text = "\n".join((page.extract_text() or "") for page in reader.pages[:100])
    if not text.strip():
        raise DomainError(_("The PDF holds no text (a scanned image?); paste its text instead."),
                          fields={"file": "no_text"})
    return text
