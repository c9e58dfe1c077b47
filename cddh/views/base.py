"""The one scoped base view. Every model screen derives from it; it closes every path by
which Flask-Admin can read or change a row outside the user's scope (stack.md):

* list, count and export: ``get_query``/``get_count_query`` filtered by the policy;
* details, edit, delete and inline update: ``get_one`` through the scoped query;
* actions: row ids are re-filtered through the scoped query before any handler runs;
* ajax look-ups and submitted ajax values: loaders filtered by ``reference_scope``;
* select fields: ``query_factory`` replaced by the scoped reference query;
* on save: every changed foreign key is checked against ``reference_scope``.
"""

from __future__ import annotations

import datetime as dt
import enum
from functools import partial
from itertools import chain
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    g,
    has_app_context,
    has_request_context,
    redirect,
    request,
    url_for,
)
from flask_admin import AdminIndexView
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.contrib.sqla.filters import IntEqualFilter
from flask_admin.form.widgets import DatePickerWidget, DateTimePickerWidget
from flask_admin.model import BaseModelView, typefmt
from flask_admin.model.ajax import DEFAULT_PAGE_SIZE
from flask_admin.model.filters import BaseFilter
from flask_admin.model.template import (
    EditPopupRowAction,
    EditRowAction,
    ViewPopupRowAction,
    ViewRowAction,
)
from flask_admin.theme import Bootstrap4Theme
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import inspect
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, ValidationError

from ..auth import policy
from ..models import Task, db
from ..services import DomainError
from ..services.cells import csv_text
from ..services.clock import local_now
from ..services.overview import MoreThan
from ..services.parsing import (
    MAX_ID,
    date_in_range,
    storable_text,
    to_date,
    to_id,
    to_ids,
    to_int,
)
from ..services.search import estimated_by_number_pieces
from .formatting import link_html, local_date, local_datetime, number
from .memo import by_id, id_template, per_language, per_request
from .memo import user as memo_user


def theme() -> Bootstrap4Theme:
    return Bootstrap4Theme(base_template="admin/cddh_base.html", fluid=True)


def run_service(operation, done: str) -> bool:
    """Call a service and commit; a refusal is flashed and nothing is kept."""
    try:
        operation()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False
    flash(done, "success")
    return True


class LoginRequiredMixin:
    """Anonymous users go to the login page; logged-in users without the role get 403."""

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Autocomplete and submitted ajax values see only what the user may reference.

    ``match`` (an option of ``form_ajax_refs``): a function of the typed text giving the
    condition of the rows it finds (None for a text with nothing to find: every row, as
    Flask-Admin's look-up of an empty text), newest first, in place of Flask-Admin's
    ``ILIKE '%text%'`` on each field, which no index serves (a task's content at 1M tasks:
    0.7-0.9 s a look-up)."""

    def __init__(self, name, session, model, match=None, **options):
        super().__init__(name, session, model, **options)
        self.match = match

    def get_list(self, term, offset=0, limit=DEFAULT_PAGE_SIZE):
        # ``offset`` and ``limit`` come from the address: at most the picker's page of rows
        # (a negative one was a server error, ``limit=100000`` 8.7 MB of documents in 3 s),
        # from a row within the ids' range.
        page = self.options.get("page_size", DEFAULT_PAGE_SIZE)
        limit = page if not isinstance(limit, int) or not 0 < limit <= page else limit
        offset = offset if isinstance(offset, int) and 0 <= offset <= MAX_ID else 0
        if self.match is None:
            return super().get_list(term, offset, limit)
        query, condition = self.get_query(), self.match(term)
        if condition is not None:
            query = query.filter(condition)
        return query.order_by(self.model.id.desc()).offset(offset).limit(limit).all()

    def get_query(self):
        return super().get_query().filter(policy.reference_scope(current_user, self.model))

    def get_one(self, pk):
        pk = to_id(pk)
        if pk is None:
            return None
        with db.session.no_autoflush:
            return self.get_query().filter(getattr(self.model, self.pk) == pk).one_or_none()


class LookupFilter(IntEqualFilter):
    """An equality filter on a foreign key whose choices are read from the database.

    Flask-Admin computes filter options once at start-up, when no database may be queried;
    ``ScopedModelView`` fills these in when it renders the list: per request, or, when the
    filter names the ``tables`` its choices are read from (and the language they are written
    in), kept in the process while those tables are unchanged (``tables_marker``).
    """

    def __init__(self, column, name, lookup, tables: tuple[str, ...] = ()):
        super().__init__(column, name)
        self.lookup = lookup
        self.tables = tuple(tables)


def tables_marker(tables: tuple[str, ...]) -> tuple:
    """What changes whenever a row of these (small) tables is inserted, updated or deleted,
    read in one statement, once a request: on PostgreSQL each table's row count and the sum
    of its rows' ``xmin`` (every new row version carries its writer's transaction id, so an
    update changes the sum whichever row and column it touches, even when ``updated_at`` is not
    set or is older than another's); elsewhere (SQLite: tests, development, one process) the
    row count and the latest ``updated_at``. ``tables`` are names from the code, never from a
    request."""
    def read():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            parts = [f"(SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) "
                     f"FROM {name})" for name in tables]
        else:
            parts = [f"(SELECT count(*) || ':' || coalesce(max(updated_at), '') FROM {name})"
                     for name in tables]
        return tuple(connection.exec_driver_sql("SELECT " + ", ".join(parts)).one())
    return per_request(("tables_marker", tables), read)


def posted_version() -> int | None:
    """The task version a page's form was shown with (its hidden ``version`` field), for the
    services' stale-version check; None when the form carries none."""
    version = request.form.get("version")
    return to_int(version, 0, MAX_ID) if version else None


MAX_FILTER_TEXT = 200


class LocalDateFilterMixin:
    """A list's date filter that takes the date as a user writes it, dd/mm/yyyy, as well as
    the date picker's yyyy-mm-dd (services.parsing); put it before Flask-Admin's filter."""

    def validate(self, value) -> bool:
        return to_date(value) is not None

    def clean(self, value):
        return to_date(value)


class LocalDateBetweenMixin:
    """A "between" date filter taking each end as ``LocalDateFilterMixin`` does, written
    "a to b" (the date picker) or "a - b"; the first must not be after the second."""

    SEPARATORS = (" to ", " - ", " – ")

    def clean(self, value):
        for separator in self.SEPARATORS:
            if separator in str(value):
                first, _sep, second = str(value).partition(separator)
                days = [to_date(first), to_date(second)]
                if None not in days and days[0] <= days[1]:
                    return days
        return None

    def validate(self, value) -> bool:
        return self.clean(value) is not None
MAX_PAGE = 1_000_000
INT32 = 2**31 - 1


def list_notice(message: str, category: str) -> None:
    """A word on a list's arguments (a value dropped, a search of signs): flashed for the page
    that shows the list. An export of the same arguments streams a file and shows no page, so
    the word would wait for the next page, which did not ask for it; the list that carried the
    export's link has said it already."""
    if (request.endpoint or "").endswith(".export"):
        return
    flash(message, category)


def filter_value_ok(flt, value: str) -> bool:
    """May ``value`` reach the database through the list filter ``flt``? Flask-Admin checks
    only what ``clean`` rejects: a filter offering a fixed list takes any text, an integer
    filter any size and a date filter any year, and the database then fails."""
    if not isinstance(value, str) or len(value) > MAX_FILTER_TEXT or not storable_text(value):
        return False
    try:
        if not flt.validate(value):
            return False
        cleaned = flt.clean(value)
    except Exception:  # noqa: BLE001 - any failure of a filter's parser is a bad value
        return False
    options = flt.get_options(None) if not isinstance(flt, LookupFilter) else None
    if options:
        return value in {str(k) for k, _label in options}
    column = getattr(flt, "column", None)
    python_type = None
    try:
        python_type = column.type.python_type if column is not None else None
    except NotImplementedError:
        python_type = None
    values = cleaned if isinstance(cleaned, list | tuple) else [cleaned]
    if python_type is int or isinstance(flt, LookupFilter):
        return all(to_int(str(v), -INT32, INT32) is not None for v in values)
    if python_type in (dt.date, dt.datetime):
        for v in values:
            day = v.date() if isinstance(v, dt.datetime) else v
            if not isinstance(day, dt.date) or not date_in_range(day):
                return False
    return True


class ApproximateCount(int):
    """A row count from the planner's estimate: shown as "khoảng 1,2 triệu"."""

    def __str__(self) -> str:
        from babel.numbers import format_compact_decimal
        from flask_babel import get_locale

        return _("about %(num)s", num=format_compact_decimal(
            int(self), format_type="long", locale=str(get_locale() or "vi"),
            fraction_digits=1))


class ExactCount(int):
    """A list's row count, shown with the language's digit grouping: "190.916"."""

    def __str__(self) -> str:
        return number(int(self))


class CountAbove(ExactCount):
    """A count stopped at its cap: more than this many ("hơn 100.000")."""

    def __str__(self) -> str:
        return number(MoreThan(int(self)))


def _keeps_nothing(statement) -> bool:
    """Whether ``statement``'s conditions, said together, are ``false`` (SQLAlchemy folds
    the others into it)."""
    clause = statement.whereclause
    if isinstance(clause, sa.sql.elements.AsBoolean) and clause.operator is operators.is_true:
        clause = clause.element
    return isinstance(clause, sa.sql.elements.False_)


class EstimatingCount:
    """A list's count query (Flask-Admin chains ``filter`` on it, then calls ``scalar``):
    on PostgreSQL, when the planner expects more than COUNT_ESTIMATE_ABOVE rows, the
    estimate is returned (an ``ApproximateCount``) instead of counting them all; below it,
    the exact count up to COUNT_EXACT_UP_TO (a search's: SEARCH_COUNT_EXACT_UP_TO), and
    past that the estimate or "more than".
    ``whole`` (``policy.scope_count``) counts the user's whole scope from its index: used
    while nothing (a filter, a search, a join) has narrowed the query."""

    def __init__(self, query, whole: sa.Select | None = None, said: dict | None = None,
                 rows: tuple = ()):
        self.query = query
        self.whole = whole
        # The conditions on a unit's task_unit rows that ``whole`` counts (``on_rows``).
        self.rows = rows
        # What has narrowed the query, said in the running tally's terms ({"measure": …,
        # "unit_id": …, "state": …}; see TaskView._tally): {} while nothing narrows a query
        # of the whole table (the Office's tasks), None once anything the tally cannot say
        # has, or where the query is not of the whole table.
        self.said = said

    def __getattr__(self, name):
        attr = getattr(self.query, name)
        if not callable(attr):
            return attr

        def chained(*args, **kwargs):
            result = attr(*args, **kwargs)
            if not hasattr(result, "statement"):
                return result
            # Any call with an argument (filter, join, …) narrows: the whole count is gone.
            if args or kwargs:
                return EstimatingCount(result, None)
            return EstimatingCount(result, self.whole, self.said, self.rows)
        return chained

    def narrowed(self, conditions, said: dict | None, count: sa.Select | None) -> EstimatingCount:
        """Narrowed by ``conditions``, which ``said`` tells in the tally's terms (with what
        narrowed it before), counted by ``count`` where there is one (a count of the rows
        they leave, from the running tally)."""
        return EstimatingCount(self.query.filter(*conditions), count, said)

    def on_rows(self, *conditions, state: str | None = None,
                unless: list | None = None) -> EstimatingCount:
        """Narrowed by conditions on the unit's task_unit rows alone: the whole scope's count
        stays, counted from the index with them (and those that narrowed it before).
        ``state``: the conditions say that the row is in this state, and nothing else: while
        nothing else narrows, counted from the unit's counts by state. ``unless``: the
        conditions say "none of these rows" (a few): counted as the count so far less
        theirs."""
        if self.whole is None:
            return EstimatingCount(self.query.filter(*conditions), None)
        rows = (*self.rows, *conditions)
        if state is not None and not self.rows:
            whole = policy.scope_count(current_user, Task, state=state)
        elif unless is not None:
            few = policy.scope_count(current_user, Task, (*self.rows, *unless))
            whole = sa.select(self.whole.scalar_subquery() - few.scalar_subquery())
        else:
            whole = policy.scope_count(current_user, Task, rows)
        return EstimatingCount(self.query.filter(*conditions), whole, rows=rows)

    @staticmethod
    def _found(count: int) -> None:
        """The rows of a narrowed list, counted: few, its page is read by its conditions and
        sorted (``ScopedModelView._apply_pagination``). Not the whole scope's count: an
        index gives its order (by number, by deadline, a unit's urgency)."""
        if has_request_context():
            g.list_found = count

    def estimate(self) -> int | None:
        connection = db.session.connection()
        if connection.dialect.name != "postgresql":
            return None
        rows = self.query.statement.with_only_columns(sa.literal(1))  # what count(*) counts
        compiled = rows.compile(dialect=connection.dialect,
                                compile_kwargs={"render_postcompile": True})
        plan = connection.exec_driver_sql(
            "EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
        return int(plan[0]["Plan"].get("Plan Rows", 0))

    def scalar(self):
        if self.whole is not None:
            count = db.session.scalar(self.whole) or 0
            if self.said or self.rows:  # narrowed by filters, counted from the tally or rows
                self._found(count)
            if has_request_context():
                g.list_said = self.said  # what the count says of the rows (TaskView)
            return ExactCount(count)
        if _keeps_nothing(self.query.statement):
            # A condition that keeps nothing (a search of signs alone) took every other
            # with it, the scope's tie of a unit's row to its task too: nothing to count
            # (asked, the database was sent the rows' tables side by side).
            self._found(0)
            return ExactCount(0)
        above = current_app.config["COUNT_ESTIMATE_ABOVE"]
        estimate = self.estimate()
        if estimate is not None and estimate > above:
            return ApproximateCount(estimate)
        # Counted, but never past COUNT_EXACT_UP_TO: the planner may expect few rows where
        # there are many (a common word of a document number: 1M tasks, 470 ms to count them
        # all), and counting a filtered 100,000 reads them all. Past it, the estimate when it
        # says more (it is never shown for a list known to be shorter), else "more than".
        cap = min(current_app.config["COUNT_EXACT_UP_TO"], above)
        if estimate is not None and estimated_by_number_pieces(self.query.statement):
            # Rows the planner estimates well (a document number of one or two characters):
            # counted as a search's, past that the estimate. Counting 10,001 tasks of
            # "12" at 1M probed 3,334 documents' tasks (15-37 ms), to say "more than
            # 10,000" of 70,983.
            cap = min(cap, current_app.config["SEARCH_COUNT_EXACT_UP_TO"])
        if has_request_context() and getattr(g, "count_with_page", False) \
                and getattr(g, "list_sort_found", False) \
                and not getattr(g, "list_searched", False) and estimate is not None:
            # A list whose rows a filter finds by an index of their own, read and sorted
            # whole whatever their number (a document number's): counted with its page's
            # ids, in one statement (``ScopedModelView._counted_page``), not found twice.
            g.list_count_pending = (self, cap, estimate)
            return ExactCount(0)  # replaced by the count (``ScopedModelView.get_list``)
        return self.count_up_to(cap, estimate)

    def count_up_to(self, cap: int, estimate: int | None):
        """The rows counted up to ``cap`` (then the estimate, or "more than")."""
        statement = self.query.statement
        rows = statement.with_only_columns(sa.literal(1))
        if has_request_context() and getattr(g, "list_searched", False):
            cap = min(cap, current_app.config["SEARCH_COUNT_EXACT_UP_TO"])
            if estimate is not None and estimate > cap \
                    and db.session.connection().dialect.name == "postgresql" \
                    and getattr(g, "task_list", False):
                # A unit's tasks holding common words, more than the cap expected
                # (PostgreSQL): looked up from the unit's rows until the cap, not the whole
                # table read against them (a unit leader's "nhiem vu" overdue, 1,001 of
                # them: 122 -> 14 ms). Not a rare word's: its few tasks come from the words'
                # index, where looking up each of the unit's tasks would read them all.
                along = policy.along_unit_rows(current_user, statement,
                                               getattr(g, "row_states", None),
                                               getattr(g, "row_filter_conditions", ()))
                rows = rows if along is None else along
        rows = rows.limit(cap + 1)
        counted = db.session.scalar(sa.select(sa.func.count()).select_from(rows.subquery()))
        return self.counted(counted, cap, estimate)

    def counted(self, counted: int, cap: int, estimate: int | None):
        """``counted`` rows (counted up to ``cap`` and one more) as the list's count."""
        # Past the cap their number is not known: never read whole and sorted.
        self._found(counted if counted <= cap else None)
        if counted <= cap:
            return ExactCount(counted)
        return ApproximateCount(estimate) if estimate is not None and estimate > cap \
            else CountAbove(cap)


# A date typed and shown as dd/mm/yyyy (an ISO date is still accepted), in every form.
DATE_FORMATS = {DatePickerWidget: (["%d/%m/%Y", "%Y-%m-%d"], "DD/MM/YYYY"),
                DateTimePickerWidget: (["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"],
                                       "DD/MM/YYYY HH:mm")}


def local_date_formats(form_class):
    """Flask-Admin's date fields in the Vietnamese order, dd/mm/yyyy, for the text the user
    reads and types and for the picker (its data-date-format). Set on the form class: a
    form reads its posted data when it is built."""
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        formats = DATE_FORMATS.get(type(unbound.kwargs.get("widget")))
        if formats is None:
            continue
        unbound.kwargs["format"] = list(formats[0])
        unbound.kwargs["render_kw"] = {**(unbound.kwargs.get("render_kw") or {}),
                                       "data-date-format": formats[1]}
    return form_class


# WTForms formats it with the column's length and the text's (cddh.services.lengths says the
# same for the doors without a form).
TOO_LONG = _l("Too long: at most %(max)d characters (%(length)d entered).")


def bounded_text_messages(form_class):
    """The length check Flask-Admin puts on each text column's field (``maxlength`` and a
    ``Length`` validator of the column's size) answers in the user's language: WTForms has
    no Vietnamese catalogue."""
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        for validator in unbound.kwargs.get("validators") or ():
            if isinstance(validator, Length) and validator.message is None:
                validator.message = TOO_LONG
    return form_class


# Flask-Admin's row actions whose HTML depends on the row's id alone (their macros in
# admin/model/row_actions.html read only the id, the action and the page's return URL).
ID_ONLY_ROW_ACTIONS = (ViewRowAction, EditRowAction, ViewPopupRowAction, EditPopupRowAction)

# Pages numbered by Flask-Admin's pager (OFFSET); deeper pages are keyset pages.
KEYSET_FROM_PAGE = 10
# Rows skipped by an OFFSET (a deeper page's number typed in the address) from which a page
# reads its ids first and then its rows by those ids (``_apply_pagination``).
DEFER_ROWS_FROM = 1_000


def _is_nullable(column) -> bool:
    return bool(column.property.columns[0].nullable)


def order_terms(model, column, descending: bool) -> list:
    """ORDER BY for (column, descending), the id breaking ties in the same direction. NULLs
    come last going up and first going down on every database (PostgreSQL's own default,
    so an index on (column, id) serves both directions)."""
    terms = []
    if column is not model.id:
        term = column.desc() if descending else column.asc()
        if _is_nullable(column):
            term = term.nulls_first() if descending else term.nulls_last()
        terms.append(term)
    terms.append(model.id.desc() if descending else model.id.asc())
    return terms


def unindexed_order(query) -> list | None:
    """``query``'s order with its first term made one no index gives (the same values:
    ``coalesce(c, c)``), or None where it has none (no order, or an expression first, such
    as a search's rank, which no index gives anyway)."""
    terms = list(query._order_by_clauses)

    def unindexed(term):
        if isinstance(term, UnaryExpression) and term.modifier is not None:  # desc, nulls_last
            inner = unindexed(term.element)
            return None if inner is None else UnaryExpression(inner, modifier=term.modifier)
        if isinstance(term, sa.Column):
            return sa.func.coalesce(term, term)
        return None

    first = unindexed(terms[0]) if terms else None
    return None if first is None else [first, *terms[1:]]


def keyset_conditions(model, column, descending: bool, value, last_id: int) -> list:
    """The rows after (value, last_id) in ``order_terms`` order, as conditions to read in
    turn, each a range of an index on (column, id): the value's other rows, then the values
    after it (NULLs form their own segment: a comparison never matches them). Not one row
    comparison: the planner estimates that by the column alone, so that the rest of a common
    value looked empty (a unit's documents by type, from the cursor "cong_van,970" at 1M
    tasks: one row expected, 332,399 joined, 1.1 s)."""
    if column is model.id:
        return [model.id < last_id if descending else model.id > last_id]
    nullable = _is_nullable(column)
    if descending:  # NULLs first, then the values going down
        if value is None:
            return [sa.and_(column.is_(None), model.id < last_id), column.is_not(None)]
        return [sa.and_(column == value, model.id < last_id), column < value]
    if value is None:  # going up, the NULLs come last
        return [sa.and_(column.is_(None), model.id > last_id)]
    after = [sa.and_(column == value, model.id > last_id), column > value]
    return [*after, column.is_(None)] if nullable else after


class KeysetOrder:
    """A list order that is not one column of the model (a view's own, such as a unit's
    urgency order over ``task_unit``), with what keyset pages need: ``parse`` reads an
    ``after=`` text (None when it does not fit), ``after`` gives the conditions of the rows
    that follow a cursor, as segments read in turn (each an index range), ``text`` writes the
    cursor of a row."""

    def parse(self, raw: str):
        raise NotImplementedError

    def after(self, cursor) -> list:
        raise NotImplementedError

    def text(self, row) -> str:
        raise NotImplementedError


def cursor_text(row, column, descending: bool) -> str:
    """``after=`` for the page following ``row``: its sort value and its id."""
    value = getattr(row, column.key)
    if value is None:
        text = ""
    elif isinstance(value, dt.date | dt.datetime):
        text = value.isoformat()
    else:
        text = str(getattr(value, "value", value))
    return f"{text},{row.id}"


def parse_cursor(raw: str, column):
    """(value, id) from an ``after=`` text, or None when it does not fit the column."""
    if len(raw) > MAX_FILTER_TEXT or not storable_text(raw) or "," not in raw:
        return None
    text, _sep, last = raw.rpartition(",")
    last_id = to_int(last, 0, INT32)
    if last_id is None:
        return None
    if text == "" and _is_nullable(column):
        return None, last_id
    column_type = column.type
    if isinstance(column_type, sa.TypeDecorator):  # UTCDateTime and friends: their impl's
        column_type = column_type.impl
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        python_type = str
    try:
        if python_type is dt.datetime:
            value = dt.datetime.fromisoformat(text)
            if value.tzinfo is None:
                return None
        elif python_type is dt.date:
            value = dt.date.fromisoformat(text)
            if not date_in_range(value):
                return None
        elif python_type is int:
            value = to_int(text, -INT32, INT32)
        elif python_type is bool:
            value = {"True": True, "False": False}.get(text)
        elif isinstance(python_type, type) and issubclass(python_type, enum.Enum):
            value = python_type(text)
        else:
            value = text
    except ValueError:
        return None
    return None if value is None else (value, last_id)


class NoCount:
    """A count query that is not run (any chained call returns it, ``scalar`` None)."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None if name == "scalar" else self


class CountsNothing(NoCount):
    """The count of a list no row can be on (its conditions contradict each other): 0,
    without a query."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: ExactCount(0) if name == "scalar" else self


class ScopedModelView(LoginRequiredMixin, ModelView):
    """Base of every model screen. Subclasses set ``screen`` (a key of policy.SCREENS)."""

    list_template = "admin/scoped_list.html"

    screen: str = ""
    allow_create = False
    allow_edit = False
    allow_export = False
    can_delete = False  # never a hard delete; rows are deactivated or cancelled
    can_view_details = True
    # The page size is a setting (CDDH_PAGE_SIZE); Flask-Admin's own chooser is mistranslated.
    can_set_page_size = False
    column_editable_list = ()  # inline editing ignores can_edit on the server (#2129)
    export_types = ["csv"]
    column_display_pk = False
    column_type_formatters = {
        **typefmt.BASE_FORMATTERS,
        dt.datetime: lambda view, value, name=None: local_datetime(value),
        dt.date: lambda view, value, name=None: local_date(value),
    }
    column_type_formatters_detail = column_type_formatters
    column_type_formatters_export = {
        **typefmt.EXPORT_FORMATTERS,
        dt.datetime: lambda view, value, name=None: local_datetime(value),
        dt.date: lambda view, value, name=None: local_date(value),
    }
    details_modal = False
    edit_modal = False
    create_modal = False

    def __init__(self, model, **kwargs):
        super().__init__(model, db, **kwargs)
        if self.column_editable_list:
            raise TypeError("inline editing is not allowed on scoped views")
        if not self.screen:
            raise TypeError(f"{type(self).__name__} has no screen name")

    # --- who may do what on this screen -------------------------------------------------
    def is_accessible(self) -> bool:
        return policy.can_open_screen(memo_user(), self.screen)

    @property
    def can_create(self) -> bool:
        return self.allow_create and policy.can_edit_screen(memo_user(), self.screen)

    @property
    def can_edit(self) -> bool:
        return self.allow_edit and policy.can_edit_screen(memo_user(), self.screen)

    @property
    def can_export(self) -> bool:
        return self.allow_export and policy.can_export(memo_user())

    @property
    def page_size(self) -> int:
        # Read per request; Flask-Admin also looks at it once while the app is built.
        return current_app.config["PAGE_SIZE"] if has_app_context() else 50

    @property
    def export_max_rows(self) -> int:
        return current_app.config["EXPORT_MAX_ROWS"]

    # --- search: one normalised column (cddh.services.search) ------------------------------
    # A screen that names its normalised column in ``search_column`` gets the search box: every word, without
    # diacritics, ranked (the whole phrase first), inside the scope like the rest of the list.
    search_column = None
    search_hint = None

    def get_sortable_columns(self):
        """Flask-Admin's sortable columns (those named, or else the model's own), less any
        that a database cannot order: JSON (PostgreSQL has no ordering operator for it; the
        job runs sorted by their counts were an error page)."""
        columns = super().get_sortable_columns()
        return {name: column for name, column in columns.items()
                if not isinstance(getattr(getattr(column, "expression", column), "type", None),
                                  sa.JSON)}

    def init_search(self) -> bool:
        if self.search_column is None:
            return super().init_search()
        return True

    def search_placeholder(self):
        if self.search_column is None:
            return super().search_placeholder()
        return str(self.search_hint or _l("Search"))

    def _search_match(self):
        from ..services import search as text_search

        if self.search_column is None or not has_request_context():
            return None
        return text_search.match(getattr(self.model, self.search_column),
                                 request.args.get("search"))

    def _apply_search(self, query, count_query, joins, count_joins, search):
        if self.search_column is None:
            return super()._apply_search(query, count_query, joins, count_joins, search)
        found = self._search_match()
        if found is not None:
            g.list_searched = True  # counted to SEARCH_COUNT_EXACT_UP_TO (EstimatingCount)
            query = query.filter(found[0])
            if count_query is not None:
                count_query = count_query.filter(found[0])
        return query, count_query, joins, count_joins

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        found = self._search_match() if sort_column is None else None
        g.search_ranked = found if found is not None and found.rank is not None else None
        if g.search_ranked is not None:
            # Ranked: the phrase as typed first, then the newest (``_apply_pagination``
            # reads a page of each in turn).
            return query.order_by(found.rank, self.model.id.desc()), joins
        order = self.list_order(sort_column, sort_desc)
        if order is not None:
            return query.order_by(*order_terms(self.model, *order)), joins
        return super()._apply_sorting(query, joins, sort_column, sort_desc)

    # --- keyset pages: deep pages seek, they never skip rows with OFFSET -------------------
    # The first KEYSET_FROM_PAGE pages keep Flask-Admin's numbered pager (OFFSET of at most
    # a few hundred rows); from there on "Next page" carries ``after=<sort value>,<id>`` of
    # the page's last row and the next page starts right after it: an index range scan on
    # (sort column, id), as cheap at page 20,000 as at page 2.
    def list_order(self, sort_column, sort_desc):
        """(column, descending) when the list is ordered by one column of the model (then
        the id breaks ties, and keyset pages are possible); None otherwise (search ranking,
        a related column, a model without an ``id``)."""
        if not isinstance(getattr(self.model, "id", None), InstrumentedAttribute):
            return None
        if sort_column is None:
            found = self._search_match()
            if found is not None and found.rank is not None:
                return None
            default = self.column_default_sort
            if isinstance(default, str):
                default = (default, False)
            if not isinstance(default, tuple) or not isinstance(default[0], str):
                return None
            column, descending = getattr(self.model, default[0], None), bool(default[1])
        else:
            if self._sortable_joins.get(sort_column):
                return None
            column, descending = self._sortable_columns.get(sort_column), bool(sort_desc)
            if isinstance(column, sa.Column):
                # Flask-Admin lists a model's own columns as table columns when the view names
                # no sortable columns: the mapped attribute's, so that the id breaks ties
                # (pages neither repeat nor skip rows of equal value) and deep pages seek.
                prop = sa.inspect(self.model).get_property_by_column(column)
                column = getattr(self.model, prop.key)
        if getattr(column, "class_", None) is not self.model or not hasattr(
                getattr(column, "property", None), "columns"):
            return None
        return column, descending

    def keyset_cursor(self, order) -> tuple | None:
        """The request's ``after`` cursor as (value, id), checked against the order's column
        type; a bad one is dropped with a message (the first page is shown)."""
        raw = request.args.get("after") if has_request_context() else None
        if not raw or order is None:
            return None
        if isinstance(order, KeysetOrder):
            value = order.parse(raw) if len(raw) <= MAX_FILTER_TEXT else None
        else:
            value = parse_cursor(raw, order[0])
        if value is None:
            list_notice(_("This page link is not valid any more; the first page is shown."),
                        "error")
        return value

    def sortable(self, sort_column):
        """``sort_column``, or None (the list's own order) where it does not sort: a typed
        ``sort=`` naming such a column had Flask-Admin order by nothing, pages in no order,
        repeating or skipping rows."""
        return sort_column if sort_column in self._sortable_columns else None

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        sort_column = self.sortable(sort_column)
        order = self.list_order(sort_column, sort_desc) if execute else None
        cursor = self.keyset_cursor(order)
        if has_request_context():
            g.list_found = None  # counted (``EstimatingCount.scalar``) with the first part
            g.search_ranked = None  # a search ranked by its phrase (``_apply_sorting``)
            g.list_searched = False  # a search narrows it (``_apply_search``)
            g.list_said = None  # the rows in the tally's terms (``EstimatingCount.scalar``)
        if cursor is None:
            size = self.page_size if page_size is None else page_size
            if has_request_context():
                # A count that may wait for the page (``EstimatingCount.scalar``).
                g.count_with_page, g.list_count_pending = bool(execute and size), None
            try:
                count, rows = super().get_list(page, sort_column, sort_desc, search, filters,
                                               execute, page_size)
                pending = getattr(g, "list_count_pending", None) \
                    if has_request_context() else None
                if pending is not None:  # never paged: counted now
                    count = pending[0].count_up_to(*pending[1:])
                elif has_request_context() and getattr(g, "list_count", None) is not None:
                    count = g.list_count
            finally:
                if has_request_context():
                    g.count_with_page, g.list_count_pending, g.list_count = False, None, None
            if execute:
                self._remember_last(order, rows)
            return count, rows
        size = self.page_size if page_size is None else page_size
        count, rows = None, []
        for position, where in enumerate(self.keyset_segments(order, cursor)):
            g.keyset_where, g.keyset_skip_count = where, position > 0
            try:
                counted, part = super().get_list(0, sort_column, sort_desc, search, filters,
                                                 True, size - len(rows))
            finally:
                g.keyset_where, g.keyset_skip_count = None, False
            count = counted if position == 0 else count
            rows.extend(part)
            if len(rows) >= size:
                break
        self._remember_last(order, rows)
        return count, rows

    def _apply_pagination(self, query, page, page_size):
        """A page of a list counted to at most SORT_FOUND_UP_TO rows (``EstimatingCount``):
        its rows' ids are read by the list's conditions, by their best index, and sorted (a
        few thousand rows at most), then the page's rows are read by those ids with what
        they show (the document, the unit).

        Never a walk of an index in the list's order: where the planner misjudges how many
        rows there are, or takes them for spread evenly when they are not, such a walk may
        pass a whole table of others for one page (the Office's tasks assigned and overdue,
        none at 1M tasks: the id index walked, 1.1 s). Nor the conditions' rows joined to
        the documents before the sort: for the thousands it may expect, the planner reads
        every document (160 ms)."""
        size = self.page_size if page_size is None else page_size
        counted = self._counted_page(query, page, size)
        if counted is not None:
            return counted
        ranked = getattr(g, "search_ranked", None) if has_request_context() else None
        if ranked is not None and size:
            return self._ranked_page(query, ranked, page, size)
        found = getattr(g, "list_found", None) if has_request_context() else None
        # Not where the view knows its walk passes none but the list's rows (a class an
        # index holds in order: TaskView._walk_bounded). Whatever their number (counted
        # exactly) where a filter finds them by an index of their own, along no order
        # (TaskView: a document number's digits, found by the documents' trigrams).
        short = found is not None and (found <= current_app.config["SORT_FOUND_UP_TO"]
                                       or getattr(g, "list_sort_found", False))
        order = unindexed_order(query) if short and size and \
            not getattr(g, "list_walk_bounded", False) else None
        if order is None and size and (page or 0) * size >= DEFER_ROWS_FROM:
            # A deep page by number (OFFSET, without a keyset cursor: typed in the address):
            # the rows it skips are read as ids alone, in the list's order, then the page's
            # rows by their ids with what they show. Joined whole, each skipped row was read
            # with its document, its unit and the unit's part (a unit's ?page=199 at 1M:
            # 10,000 rows, 210 ms).
            ids = self._page_ids(query.with_entities(self.model.id), page, size)
            return query.filter(self.model.id.in_(ids)).limit(size)
        if order is None and size and self.page_ids_first():
            # The page's ids first, from an index that carries what the list's conditions
            # ask of each row it passes (TaskView.page_ids_first), then the page's rows.
            ids = self._page_ids(query.with_entities(self.model.id), page, size)
            return query.filter(self.model.id.in_(ids)).limit(size)
        if order is None:
            return super()._apply_pagination(query, page, page_size)
        ids = self._page_ids(query.with_entities(self.model.id).order_by(None).order_by(*order),
                             page, size)
        return query.filter(self.model.id.in_(ids)).order_by(None).order_by(*order).limit(size)

    def page_ids_first(self) -> bool:
        """Read the page's ids alone first, then its rows (a view says where it pays)."""
        return False

    def _counted_page(self, query, page, size):
        """The list's count where it waits for the page (``EstimatingCount.scalar``: a
        list a filter finds by an index of its own, a document number's), with the page's
        ids, in one statement: the rows found once (up to the cap and one more, with the
        columns of the list's order), counted, and the page's ids sorted from them; then
        the page's rows by those ids. Counted and paged apart, each found the rows again
        (the Office's tasks of the documents numbered "…123…" done on time at 1M: 2,073
        documents, their 6,000 tasks probed twice, 15 + 11 ms). Past the cap, or for an
        order on another table, only the count (the page is then read as before). None
        where nothing waits (also once counted: ``g.list_count``)."""
        pending = getattr(g, "list_count_pending", None) if has_request_context() else None
        if pending is None:
            return None
        g.list_count_pending = None
        counter, cap, estimate = pending
        table = self.model.__table__
        order = list(query._order_by_clauses)
        columns = {element.key: element for term in order
                   for element in sa.sql.visitors.iterate(term)
                   if isinstance(element, sa.Column)}
        if not size or not order or any(column.table is not table
                                        for column in columns.values()):
            g.list_count = counter.count_up_to(cap, estimate)
            return None
        columns.pop(self.model.id.key, None)
        found = (query.with_entities(self.model.id, *columns.values()).order_by(None)
                 .limit(cap + 1).cte("found"))
        from sqlalchemy.sql.util import ClauseAdapter

        adapt = ClauseAdapter(found)
        page_ids = (sa.select(found.c.id).order_by(*(adapt.traverse(term) for term in order))
                    .offset((page or 0) * size).limit(size).subquery())
        number, ids = db.session.execute(sa.select(
            sa.select(sa.func.count()).select_from(found).scalar_subquery(),
            sa.select(sa.func.array_agg(page_ids.c.id)).scalar_subquery())).one()
        g.list_count = counter.counted(number, cap, estimate)
        if number > cap:
            # Their number is not known: the page read as before, walking its order's index,
            # each row checked where a condition says how (task_filters.JoinedOrWalked).
            from ..services.task_filters import walk_each_row

            walk_each_row(query.statement)
            return None
        # The page's rows by their ids within the user's scope (``get_query``), in the
        # list's order, not by the filters again: beside them the planner found the rows
        # again by the filter's own index (2,073 documents, 10 ms), whatever the ids.
        scoped = self.scoped_query_of_ids()
        reread = query if scoped is None else scoped.order_by(*order)
        return reread.filter(self.model.id.in_(ids or [])).limit(size)

    def scoped_query_of_ids(self):
        """The list's query with the scope but no filter, for rows whose ids the filters
        gave (``_counted_page``); None where the scope needs what the list's query joins."""
        return self.get_query()

    def _page_ids(self, ids, page, size) -> sa.Select:
        """The ids of a page of ``ids`` (a query of the list's ids, in its order), as a
        sub-select. A unit user's tasks: from the unit's ``task_unit`` rows alone where the
        list's conditions and order are all said on them (``policy.ids_on_unit_rows``; the
        page's rows are then read with every condition): each row's task was looked up only
        for the scope's "no draft", which the row's copy of its state says (562 tasks for a
        page of a partner's tasks at 1M: 1.2 of its 2 ms)."""
        if self.model is Task:
            on_rows = policy.ids_on_unit_rows(current_user, ids.statement)
            if on_rows is not None:
                return on_rows.offset((page or 0) * size).limit(size).subquery().select()
        return super()._apply_pagination(ids, page, size).subquery().select()

    def _ranked_page(self, query, ranked, page, size):
        """A page of a search ranked by its phrase (the words together as typed, then the
        others; each newest first): the page's ids read from the phrase's rows, then, where
        they run short, from the others, each newest first, which the table's own order
        gives (the planner walks it where most tasks hold the words, and reads the few
        from the words' index where they are few); then the page's rows by those ids.
        Ranked in one order, a phrase most tasks hold had every one read and sorted: 4.6 s
        a page at 1M."""
        model_id = self.model.id
        want = (page or 0) * size + size
        # Few found (counted): read by the words' index and sorted, never a walk of the
        # table's order, which the planner may take where it expects more of the phrase
        # than there are (7 of a class's tasks at 1M: 223,322 passed, 200 ms).
        found = getattr(g, "list_found", None)
        newest = (sa.func.coalesce(model_id, model_id) if found is not None
                  and found <= current_app.config["SORT_FOUND_UP_TO"] else model_id).desc()
        ids = query.with_entities(model_id).order_by(None).order_by(newest)
        many = found is None  # more than the search's count reaches
        read = self._ranked_ids(ids, ranked.phrase, want, many)
        if len(read) < want:
            read += self._ranked_ids(ids, sa.not_(ranked.phrase), want - len(read), many)
        return query.filter(model_id.in_(read[want - size:])).limit(size)

    def _ranked_ids(self, ids, condition, limit: int, many: bool) -> list:
        """Up to ``limit`` ids of ``ids`` (newest first) that meet ``condition``. A unit
        user's search that found more than its count reaches (PostgreSQL): read along the
        unit's ``task_unit`` rows, newest first, each row's task looked up
        (``policy.along_unit_rows``). The table's order walked, each task looked up among
        the unit's rows, passed the other units' tasks too: a unit's "nhiem vu" overdue at
        1M, 6,569 tasks for a page of 50, 7-14 ms -> 2 ms. Not where few were found (a rare
        word's few come from the words' index, where each of the unit's rows looked up
        would read them all)."""
        narrowed = ids.filter(condition)
        if many and self.model is Task \
                and db.session.connection().dialect.name == "postgresql":
            along = policy.along_unit_rows(current_user, narrowed.statement,
                                           getattr(g, "row_states", None),
                                           getattr(g, "row_filter_conditions", ()),
                                           newest_first=True)
            if along is not None:
                return list(db.session.scalars(along.limit(limit)))
        return [i for (i,) in narrowed.limit(limit)]

    def keyset_segments(self, order, cursor) -> list:
        """The conditions of the rows after ``cursor`` in ``order``, read in turn."""
        if isinstance(order, KeysetOrder):
            return order.after(cursor)
        return keyset_conditions(self.model, *order, *cursor)

    def _remember_last(self, order, rows) -> None:
        if has_request_context():
            last = None
            if order is not None and rows and len(rows) >= self.page_size:
                last = (order.text(rows[-1]) if isinstance(order, KeysetOrder)
                        else cursor_text(rows[-1], *order))
            g.keyset_next = last

    def keyset_pager(self, page: int, num_pages, pager_url):
        """What the list's pager shows: Flask-Admin's numbered pager while the pages are few
        or near the start, else first / "page N" / next (a keyset link)."""
        after = has_request_context() and request.args.get("after")
        next_cursor = getattr(g, "keyset_next", None)
        deep = bool(after) or num_pages is None or num_pages > KEYSET_FROM_PAGE
        if not deep:
            return None
        next_url = None
        if next_cursor is not None:
            url = pager_url(page + 1)
            next_url = url + ("&" if "?" in url else "?") + urlencode({"after": next_cursor})
        numbered = None if after else min(num_pages or page + 1, KEYSET_FROM_PAGE)
        first_url = pager_url(0)
        urls = [first_url]
        if numbered and numbered > 1:  # pages 2…: one URL built, each number substituted
            later = id_template(pager_url)
            urls.extend(later(p) for p in range(1, numbered))
        return {"numbered": numbered, "first_url": first_url, "next_url": next_url,
                "page": page + 1, "urls": urls}

    # --- reading: everything goes through the scoped query --------------------------------
    def scope(self):
        return policy.row_scope(current_user, self.model)

    def scoped(self, query):
        """``query`` within the user's scope: filtered by ``scope``. A view may say the same
        rows by a join the policy gives (DocumentView: a unit's document entries)."""
        return query.filter(self.scope())

    def get_query(self):
        query = self.scoped(super().get_query())
        where = getattr(g, "keyset_where", None) if has_request_context() else None
        return query if where is None else query.filter(where)

    def get_count_query(self):
        if has_request_context() and getattr(g, "keyset_skip_count", False):
            return NoCount()  # the second part of a keyset page: counted with the first
        return EstimatingCount(super().get_count_query().filter(self.scope()),
                               policy.scope_count(current_user, self.model),
                               {} if self.model is Task and policy.reads_every_task(current_user)
                               else None)

    def get_one(self, id):
        pk = to_id(id)
        if pk is None:
            return None
        return self.get_query().filter(self.model.id == pk).one_or_none()

    def short_details(self, id: int):
        """The details page at a short address (``/tasks/301``): the same scoped row as
        the details view; a row that does not exist or that the user may not read is a 404
        (its existence is not told)."""
        model = self.get_one(id) if 0 < id <= INT32 else None
        if model is None:
            abort(404)
        return self.render(self.details_template, model=model,
                           details_columns=self._details_columns,
                           get_value=self.get_detail_value,
                           return_url=self.get_url(".index_view"))

    def scoped_rows(self, ids) -> list:
        """The rows among ``ids`` the user may read (bad ids are dropped)."""
        clean = to_ids(ids)
        if not clean:
            return []
        return self.get_query().filter(self.model.id.in_(clean)).all()

    # --- actions: handlers receive only ids that passed the scope --------------------------
    action_roles: dict[str, frozenset] = {}

    def init_actions(self):
        super().init_actions()
        for name, (handler, text, desc) in list(self._actions_data.items()):
            self._actions_data[name] = (partial(self._run_scoped_action, handler), text, desc)

    def _run_scoped_action(self, handler, ids):
        rows = self.scoped_rows(ids)
        if not rows:
            flash(_("No record you may change was selected."), "warning")
            return None
        return handler(rows)

    def is_action_allowed(self, name: str) -> bool:
        roles = self.action_roles.get(name)
        if roles is None or not current_user.is_authenticated or current_user.role not in roles:
            return False
        return super().is_action_allowed(name)

    def apply_to_rows(self, rows, operation, done_message: str) -> None:
        """Run a service operation on each row in one transaction; all or nothing."""

        def every_row():
            for row in rows:
                operation(row)

        run_service(every_row, done_message % {"n": len(rows)})

    # --- forms: choices and submitted references are scoped -------------------------------
    def _create_ajax_loader(self, name, options):
        attr = getattr(self.model, name)
        return ScopedAjaxLoader(name, db, attr.property.mapper.class_, **options)

    def _reference_query(self, model):
        return db.session.query(model).filter(policy.reference_scope(current_user, model))

    def _scope_form(self, form):
        for field in form:
            if isinstance(field, QuerySelectField) and field.allow_blank and not field.blank_text:
                # An empty blank option shows its value, "__None", to the user.
                field.blank_text = _("(none)")
            if isinstance(field, QuerySelectField | QuerySelectMultipleField):
                attr = getattr(self.model, field.name, None)
                prop = getattr(attr, "property", None)
                if prop is None or not hasattr(prop, "mapper"):
                    continue
                field.query = None
                field.query_factory = partial(self._reference_query, prop.mapper.class_)
        return form

    def scaffold_form(self):
        return bounded_text_messages(local_date_formats(super().scaffold_form()))

    def create_form(self, obj=None):
        return self._scope_form(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._scope_form(super().edit_form(obj))

    def _may_reference(self, model, pk) -> bool:
        with db.session.no_autoflush:
            return db.session.scalar(
                sa.select(model.id).where(model.id == pk,
                                          policy.reference_scope(current_user, model))
            ) is not None

    def check_references(self, obj, is_created: bool) -> None:
        """Refuse a saved row that points at anything the user may not reference."""
        state = inspect(obj)
        for rel in state.mapper.relationships:
            if rel.direction.name != "MANYTOONE" and rel.secondary is None:
                continue
            if not is_created and not state.attrs[rel.key].history.has_changes():
                continue
            value = getattr(obj, rel.key)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item is not None and not self._may_reference(rel.mapper.class_, item.id):
                    raise ValidationError(_("You may not choose this value: %(v)s", v=item))
        for column in state.mapper.columns:
            if not column.foreign_keys:
                continue
            value = getattr(obj, column.key, None)
            if value is None or not (is_created or state.attrs[column.key].history.has_changes()):
                continue
            target = self._model_for_table(next(iter(column.foreign_keys)).column.table)
            if target is not None and not self._may_reference(target, value):
                raise ValidationError(_("You may not choose this value: %(v)s", v=value))

    @staticmethod
    def _model_for_table(table):
        for mapper in db.Model.registry.mappers:
            if mapper.local_table is table:
                return mapper.class_
        return None

    def on_model_change(self, form, model, is_created):
        self.check_references(model, is_created)

    def handle_view_exception(self, exc):
        if isinstance(exc, DomainError | ValidationError):
            flash(getattr(exc, "message", None) or str(exc), "error")
            return True
        return super().handle_view_exception(exc)

    # --- exports: no cell of a CSV export is run as a formula by a spreadsheet ------------
    def get_export_value(self, model, name):
        value = super().get_export_value(model, name)
        if value is None or isinstance(value, bool | int | float):
            return value
        return csv_text(value)

    def get_export_name(self, export_type: str = "csv") -> str:
        """``<screen>-<local date and time>.csv``: ASCII, in the province's time (Flask-Admin
        uses the server's clock and a name its secure_filename strips of every diacritic)."""
        return f"{self.endpoint.replace('_', '-')}-{local_now():%Y%m%d-%H%M}.{export_type}"

    def _export_csv(self, return_url):
        """Flask-Admin's CSV with a UTF-8 byte-order mark first, so that Excel reads the
        Vietnamese text as UTF-8 (without it, it guesses the legacy code page)."""
        response = super()._export_csv(return_url)
        response.response = chain(["\ufeff"], response.response)
        response.mimetype = "text/csv"
        response.charset = "utf-8"
        return response

    # --- list arguments: bad values are dropped with a message, never sent to the database ---
    def _get_list_filter_args(self):
        if not self._filters:
            return None
        filters = []
        for arg in request.args:
            if not arg.startswith("flt") or "_" not in arg:
                continue
            pos, key = arg[3:].split("_", 1)
            if key not in self._filter_args or to_int(pos, 0, 1000) is None:
                continue
            idx, flt = self._filter_args[key]
            value = request.args[arg]
            if filter_value_ok(flt, value):
                filters.append((int(pos), (idx, str(flt.name), value)))
            else:
                list_notice(_("This filter value is not accepted and was ignored: %(v)s",
                              v=value[:40]), "error")
        return [item for _pos, item in sorted(filters, key=lambda n: n[0])]

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        if args.page is None or not 0 <= args.page <= MAX_PAGE:
            args.page = 0
        args.page_size = 0  # the page size is a setting, never the query's
        # A keyset cursor belongs to one page: links built from here (sort, pages, filters)
        # start over, "Next page" adds its own (keyset_pager).
        if isinstance(args.extra_args, dict):
            args.extra_args.pop("after", None)
        if args.sort is not None and not 0 <= args.sort < len(self._list_columns):
            args.sort = None
        if args.search is not None and (len(args.search) > MAX_FILTER_TEXT
                                        or not storable_text(args.search)):
            list_notice(_("This search text is not accepted and was ignored."), "error")
            args.search = None
        elif args.search is not None and self.search_column is not None:
            from ..services import search as text_search

            if text_search.signs_only(args.search):
                list_notice(_("Type letters or digits to search: signs alone find nothing."),
                            "warning")
        return args

    def _build_filter_groups(self):
        groups = super()._get_filter_groups()
        for items in (groups or {}).values():
            for item in items:
                flt = self._filters[item["index"]]
                if isinstance(flt, LookupFilter):
                    item["options"] = [(str(k), str(v)) for k, v in flt.lookup()]
        return groups

    def _groups_marker_tables(self) -> tuple[str, ...] | None:
        """The tables the filter groups are read from (() when they are fixed, beside their
        language), or None when they cannot be kept across requests: a filter whose options
        are computed in a way not declared here (a callable, an overridden ``get_options``,
        a LookupFilter without its tables)."""
        tables: set[str] = set()
        for flt in self._filters or ():
            if isinstance(flt, LookupFilter):
                if not flt.tables:
                    return None
                tables.update(flt.tables)
            elif callable(flt.options) or type(flt).get_options is not BaseFilter.get_options:
                return None
        return tuple(sorted(tables))

    def _get_filter_groups(self):
        """The list's filter groups (names, operations, options: their JSON is on every list
        page), built once per language and kept in the process while the tables their options
        come from are unchanged (``tables_marker``, one small statement a request); a new
        or renamed unit is in the next request's options. Read-only: every request and user
        shares them (no option depends on the user: the list's scope does)."""
        if not has_request_context():
            return self._build_filter_groups()
        tables = self._groups_marker_tables()
        if tables is None:
            return self._build_filter_groups()
        # The marker is read before the groups: a change committed in between is kept under
        # the older marker, and the next request, seeing the newer one, builds them again.
        marker = tables_marker(tables) if tables else ()
        language = str(get_locale())
        cache = self.__dict__.setdefault("_filter_groups_kept", {})
        kept = cache.get(language)
        if kept is None or kept[0] != marker:
            kept = cache[language] = (marker, self._build_filter_groups())
        return kept[1]

    # --- no inline editing, ever ---------------------------------------------------------
    def ajax_update(self):
        abort(404)

    # --- display helpers -----------------------------------------------------------------
    @pass_context
    def list_rows_html(self, context, data, list_columns, list_row_actions, with_checkbox):
        """The list's rows, as Flask-Admin's list.html writes them (its ``list_row`` block
        per row: the action checkbox, the view/edit links, one cell per column with the
        column's value escaped; its empty-list message when there is no row), in one call
        instead of a template block and several calls per row and cell. No scoped view
        edits inline (``__init__`` refuses it), so no cell is a form. What is the same on
        every row (the cells' openings, the checkbox's title, how a value is read) is
        prepared once a request (``_row_writer``)."""
        if not data:
            return Markup('<tr>\n<td colspan="999"><div class="text-center">%s</div></td>\n'
                          '</tr>') % self.get_empty_list_message()
        write = per_language(("list_row", id(self), id(list_columns)), lambda: self._row_writer(
            context, list_columns, list_row_actions, with_checkbox))
        return Markup("\n".join([f"<tr>{write(context, row)}</tr>" for row in data]))

    def _row_writer(self, context, list_columns, list_row_actions, with_checkbox):
        """``list_rows_html``'s row for a request's list (its columns and row actions, the ones
        Flask-Admin's ``index_view`` gives its template): a function of (the row's template
        context, the row)."""
        get_pk = self.get_pk_value
        get_value = self._list_value_reader()
        title = escape(context.resolve("_gettext")("Select record")) if with_checkbox else None
        actions = list(list_row_actions) if self.column_display_actions else None
        columns = [(column, f'<td class="col-{escape(column)}">')
                   for column, _name in list_columns]
        links_of = []  # per action: row id -> its link (built at the first row)

        def write(context, row):
            pk = get_pk(row)
            cells = []
            if title is not None:
                cells.append(f'<td><input type="checkbox" name="rowid" class="action-checkbox" '
                             f'value="{escape(pk)}" title="{title}" /></td>')
            if actions is not None:
                if not links_of:
                    links_of.extend(self._row_action_writer(context, action, row)
                                    for action in actions)
                links = "".join(str(link(context, pk, row)) for link in links_of)
                cells.append(f'<td class="list-buttons-column">{links}</td>')
            for column, opening in columns:
                value = get_value(context, row, column)
                # Markup is already safe (escape would only copy it); anything else escaped.
                cells.append(f"{opening}{value if type(value) is Markup else escape(value)}</td>")
            return Markup("".join(cells))

        return write

    def _row_action_writer(self, context, action, row):
        """A list row's action (Flask-Admin's row action) for a page, as a function of (the
        row's template context, row id, row): a view or edit link rendered once a request,
        then each row's id substituted (memo.id_template), instead of a macro call and a URL
        built per row; any other action rendered per row, in its row's context, as
        Flask-Admin does."""
        if type(action) not in ID_ONLY_ROW_ACTIONS:
            return action.render_ctx
        by_row_id = by_id(("row_action", action),
                          lambda i: action.render_ctx(context, i, row))
        return lambda _context, row_id, _row: by_row_id(row_id)

    def _list_value_reader(self):
        """``get_list_value`` for a page's cells (called once a request): Flask-Admin's
        ``_get_list_value`` (the column's formatter or its value, its choices, then the first
        type formatter the value is an instance of), the type formatter found once per type
        of value instead of one ``isinstance`` per type formatter and cell, a ``RowFormatter``
        prepared once. A view that overrides how a value is read keeps its own."""
        own = type(self)
        if (own.get_list_value is not BaseModelView.get_list_value
                or own._get_list_value is not BaseModelView._get_list_value
                or own._get_field_value is not BaseModelView._get_field_value):
            return self.get_list_value
        formatters = self.column_formatters or {}
        choices = self._column_choices_map
        type_formatters = self.column_type_formatters
        by_type: dict = {}
        field_value = self._get_field_value
        prepared: dict = {}  # column -> its RowFormatter's function of a row

        def value_of(context, model, name):
            formatter = formatters.get(name)
            if formatter is None:
                value = field_value(model, name)
            elif type(formatter) is RowFormatter:
                cell = prepared.get(name)
                if cell is None:
                    cell = prepared[name] = formatter.prepare(self)
                value = cell(model)
            else:
                value = formatter(self, context, model, name)
            choices_map = choices.get(name)
            if choices_map:
                return choices_map.get(value) or value
            kind = type(value)
            try:
                type_fmt = by_type[kind]
            except KeyError:
                type_fmt = by_type[kind] = next(
                    (fmt for typeobj, fmt in type_formatters.items()
                     if isinstance(value, typeobj)), None)
            if type_fmt is None:
                return value
            try:
                return type_fmt(self, value, name)
            except TypeError:  # an older two-argument formatter: Flask-Admin's own way
                return self.get_list_value(context, model, name)

        return value_of

    @staticmethod
    def enum_formatter(mapping):
        from ..labels import label

        def fmt(view, context, model, name):
            value = getattr(model, name)
            return per_language(("label", id(mapping), value), lambda: label(mapping, value))

        return fmt


class RowFormatter:
    """A list column's formatter in two steps: ``prepare(view)``, once a page, reads what
    every row shares (the user, the day, a URL with the id to substitute, translated words)
    and returns the function of a row that writes its cell. The list's value reader
    (``ScopedModelView._list_value_reader``) prepares it once a request and language; called
    as a Flask-Admin formatter (a details page, another view's list) it prepares and applies
    it for that one row: the same value either way."""

    __slots__ = ("prepare",)

    def __init__(self, prepare):
        self.prepare = prepare

    def __call__(self, view, context, model, name):
        return self.prepare(view)(model)


def link_formatter(endpoint: str, attr: str) -> RowFormatter:
    """A column formatter linking to another screen's details; text is escaped."""

    def prepare(view):
        url_of = by_id(("url_for", endpoint), lambda i: url_for(endpoint, id=i))

        def cell(model):
            target = getattr(model, attr)
            if target is None:
                return ""
            return link_html(url_of(target.id), str(target))

        return cell

    return RowFormatter(prepare)


class HomeBase(LoginRequiredMixin, AdminIndexView):
    """The landing page after login; cddh.views.home fills it."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.active
