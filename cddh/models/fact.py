"""Stored period facts (issue 13 §1): each closed period's statistics row per unit, and the
figures public pages read without loading a report's overdue list."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import IdMixin, db, str_enum
from .enums import PeriodKind


class PeriodFact(IdMixin, db.Model):
    """One unit's statistics row (``cddh.services.statistics.COLUMNS``), the report's "of
    which assigned in this period" and the ranking's inputs for one closed period, counted
    as of the period's end. ``unit_id`` NULL is the period's total row, which also marks the
    period as stored. Written by ``cddh.services.facts`` only; a period is looked up by its
    window (``start_on``, ``end_on``), so facts of a window a changed cut-off day no longer
    produces are simply never read."""

    __tablename__ = "period_fact"
    __table_args__ = (sa.Index("ix_period_fact_window", "start_on", "end_on", "unit_id"),)

    kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind))
    year: Mapped[int]
    number: Mapped[int]
    start_on: Mapped[dt.date]
    end_on: Mapped[dt.date]
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    total: Mapped[int] = mapped_column(default=0)
    done_on_time: Mapped[int] = mapped_column(default=0)
    done_late: Mapped[int] = mapped_column(default=0)
    open_on_time: Mapped[int] = mapped_column(default=0)
    open_overdue: Mapped[int] = mapped_column(default=0)
    no_deadline: Mapped[int] = mapped_column(default=0)
    returned: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    no_deadline_done: Mapped[int] = mapped_column(default=0)
    assigned_in_period: Mapped[int] = mapped_column(default=0)
    late_updates: Mapped[int] = mapped_column(default=0)
    returns: Mapped[int] = mapped_column(default=0)
    findings: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[dt.datetime]
    # On the total row: the greatest id of a task forwarded by the period's end. A task gets
    # its id when written and its forwarding time when forwarded, never earlier, so every task
    # the period counts has an id up to this one: a closed period's list, newest first,
    # starts at its own tasks instead of passing every task forwarded since (at 1M tasks,
    # 525,546 of them for a month a year and a half back). NULL: not known (stored before).
    last_task_id: Mapped[int | None]
    # The greatest id of a task behind each statistics column of the row ({column: id}, 0
    # for none): the list of one figure starts at its own newest task (a closed figure's
    # tasks never change). NULL: not known (stored before; ``last_task_id`` bounds them).
    last_ids: Mapped[dict | None] = mapped_column(sa.JSON)


class PeriodReportFigures(db.Model):
    """A frozen report's aggregate figures, apart from its overdue list (issue 13 §5): the
    public pages read ``total`` (the index) or ``figures`` (one report: rows, total, window)
    and never load ``PeriodReport.data``, whose overdue list may hold 200,000 tasks.
    ``overdue_count`` is the length of that list, ``overdue_head`` its first rows (what a report
    screen shows, ``reports.OVERDUE_SHOWN``)."""

    __tablename__ = "period_report_figures"

    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("period_report.id", ondelete="CASCADE"), primary_key=True)
    total: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    figures: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    overdue_count: Mapped[int] = mapped_column(default=0)
    overdue_head: Mapped[list] = mapped_column(sa.JSON, default=list)


# The live figures' running tally (cddh.services.tally): how many counted tasks (forwarded,
# not sub-tasks) share each combination of the columns the statistics' rules read as of
# today: lead unit, state, effective deadline, completion date and local cancellation date,
# folded so that tasks no figure tells apart share a row (``tally.fold``).
# The dashboard, the homes' headline figures and a running period's statistics sum these
# rows instead of visiting every task; the session keeps them with each flush.
task_tally = sa.Table(
    "task_tally",
    db.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("lead_unit_id", sa.Integer, nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("effective_deadline", sa.Date),
    sa.Column("completed_on", sa.Date),
    sa.Column("cancelled_on", sa.Date),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("ix_task_tally_key", "lead_unit_id", "state", "effective_deadline",
             "completed_on", "cancelled_on"),
)


# The last day the running tally's keys were folded on (cddh.services.tally.fold: an open
# task's passed deadline is tallied as passed, which holds from that day on). Figures asked
# as of an earlier day (a clock set back) are counted over the tasks. One row, id 1.
task_tally_day = sa.Table(
    "task_tally_day",
    db.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("day", sa.Date, nullable=False),
)
