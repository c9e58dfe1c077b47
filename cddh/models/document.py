"""Directive documents (văn bản chỉ đạo, điều hành) that assign tasks (Đ3.2, Đ4)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import IdMixin, TimestampMixin, db, str_enum
from .enums import DocType
from .unit import Unit
from .user import User

# The rows that can be late entries: tracked, not forwarded or forwarded after the deadline.
LATE_ENTRY_ROWS = sa.text("tracked IS true AND (forwarded_on IS NULL OR forwarded_on > entry_due_on)")


class Document(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "document"
    __table_args__ = (
        # Number/symbol is unique per issuer and year (Đ6.1).
        sa.UniqueConstraint("issuer", "issue_year", "number"),
        sa.Index("ix_document_specialist_id_entry_due_on", "specialist_id", "entry_due_on"),
        # The late entries of Đ7.1a (cddh.services.overview.late_entry_clause implies the
        # condition): the Office home counts each specialist's along it.
        sa.Index("ix_document_late_entry", "specialist_id", "entry_due_on",
                 postgresql_where=LATE_ENTRY_ROWS, sqlite_where=LATE_ENTRY_ROWS),
        # The list's orders (DocumentView.column_sortable_list), the id breaking ties: an
        # ordered page, and a deep page after its cursor, is one index range.
        sa.Index("ix_document_issued_on_id", "issued_on", "id"),
        sa.Index("ix_document_number_id", "number", "id"),
        sa.Index("ix_document_doc_type_id", "doc_type", "id"),
        sa.Index("ix_document_entry_due_on_id", "entry_due_on", "id"),
        # The "tracked" filter: whichever side is the few (the untracked ones among 333,357
        # at 1M tasks: each count and page read the whole table, 62 ms; 10 ms so).
        sa.Index("ix_document_tracked_id", "tracked", "id"),
        sa.Index("ix_document_search_text_trgm", "search_text", postgresql_using="gin",
                 postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    doc_type: Mapped[DocType] = mapped_column(str_enum(DocType))
    number: Mapped[str] = mapped_column(sa.String(64))
    issuer: Mapped[str] = mapped_column(sa.String(120), default="UBND tỉnh")
    summary: Mapped[str] = mapped_column(sa.Text)
    issued_on: Mapped[dt.date]
    issue_year: Mapped[int]
    signer: Mapped[str] = mapped_column(sa.String(120), default="")
    submitting_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    specialist_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The leader who signed it or chaired the meeting (Đ3.2); its tasks inherit them.
    directing_leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Đ4: only tracked documents carry tasks.
    tracked: Mapped[bool] = mapped_column(default=True)
    # Đ7.1a: 1 working day after issue; stored when entered so late entries are a plain query.
    entry_due_on: Mapped[dt.date | None]
    # When the last of its tasks was forwarded (Đ7.2e: the file is done only then).
    forwarded_at: Mapped[dt.datetime | None]
    # The same moment as a local date, so "late entry" is a plain date comparison.
    forwarded_on: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Number and summary, normalised (cddh.services.search).
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default=sa.text("''"), deferred=True)

    submitting_unit: Mapped[Unit | None] = relationship()
    specialist: Mapped[User | None] = relationship(foreign_keys=[specialist_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    directing_leader: Mapped[User | None] = relationship(foreign_keys=[directing_leader_id])
    tasks: Mapped[list[Task]] = relationship(back_populates="document", order_by="Task.id")  # noqa: F821

    def __str__(self) -> str:
        return f"{self.number} – {self.summary[:60]}"


# A document's number as the document-number filter reads it (cddh.services.search.
# number_text), cut into its pieces of one and two characters (PostgreSQL): a filter by so
# short a text has no trigram, so its documents were found by reading every number (at 1M
# tasks, "ab", which none holds, 97 ms; the planner expected 12,124 tasks of "12" where
# there are 70,983). With this index they are found in its lists, and the planner's
# statistics of those pieces estimate well (71,279 expected). The pieces: every character,
# then the pairs from the first character, then those from the second (a pass of
# regexp_replace each, 3-6 microseconds a number; a set-returning form took 40).
# PL/pgSQL, with its cost said: as SQL the function was inlined, and the planner costed
# its expression as a few operators a row. A list's first thousand tasks of "12" (7 % of
# the documents at 1M, unevenly spread) were then read by scanning the documents until
# enough held it, from wherever the last scan of the table had stopped (synchronized
# scans): 4 ms in a dense stretch, 60-85 ms in a sparse one, so the same screen's first
# requests took 80-160 ms and the next 30. Its pieces' index takes 4-6 ms wherever they
# are. At COST 1000 a digit's documents (40 % of all) were read from the index whole
# (20 ms, where the table read until enough hold it takes 10); at 300 the planner reads
# the table for those and the index for "12". A call costs 1-2 microseconds more than the
# inlined expression.
NUMBER_GRAMS_FUNCTION = r"""CREATE OR REPLACE FUNCTION cddh_number_grams(search_text text, number text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 300 AS $$
BEGIN
  RETURN string_to_array(substr(coalesce(search_text, ''), 2, length(coalesce(number, ''))), NULL)
      || string_to_array(regexp_replace(substr(coalesce(search_text, ''), 2,
                                               length(coalesce(number, ''))), '(..)', '\1,', 'g'), ',')
      || string_to_array(regexp_replace(substr(coalesce(search_text, ''), 3,
                                               length(coalesce(number, '')) - 1), '(..)', '\1,', 'g'), ',');
END
$$"""
# The longest text the index finds (longer ones have trigrams: ix_document_search_text_trgm).
NUMBER_GRAM = 2
sa.event.listen(Document.__table__, "before_create",
                sa.DDL(NUMBER_GRAMS_FUNCTION).execute_if(dialect="postgresql"))
sa.Index("ix_document_number_grams",
         sa.func.cddh_number_grams(Document.__table__.c.search_text, Document.__table__.c.number),
         postgresql_using="gin").ddl_if(dialect="postgresql")
