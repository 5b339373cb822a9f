"""Reads of cases: who sees which case, lists by keyset, similar open cases, deadlines due soon."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import weakref
from functools import partial, reduce
from operator import or_
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldError, FullResultSet
from django.db import connection, connections
from django.db.models import BooleanField, CharField, F, Func, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.db.models.sql import Query
from django.db.models.utils import create_namedtuple_class
from django.utils import timezone

from yishi.accounts.models import Role
from yishi.areas.models import LEVEL_ORDER, Area, Level, Unit, subtree_q
from yishi.core import caching, permissions

from .models import (
    PENDING_PART_STATUSES,
    Case,
    CasePart,
    CaseReply,
    CaseStep,
    Category,
    Extension,
    Rating,
    Step,
)
from .search import filter_cases, window_q, window_size
from .workflow import OPEN_STATUSES, Status

AREA_READERS = frozenset(
    {
        Role.COMMUNITY_STAFF,
        Role.PARTY_SECRETARY,
        Role.STREET_STAFF,
        Role.ADMIN,
        Role.AUDITOR,
        Role.GRID_WORKER,
        Role.BUILDING_STEWARD,
        Role.DEPUTY,
    }
)


def case_visible_branches(user, via: str = "") -> list[Q] | None:
    """The cases ``user`` may see, as the branches of one OR (None means every case; [] none at all).

    - staff, grid workers, building stewards, auditors and deputies (who follow their constituency's cases):
      cases located in their area subtree;
    - department staff: cases assigned to or claimed by their unit, whistled to it, or in a claim pool it serves;
    - everyone: the cases they reported (and the cases those were merged into) or recorded.

    ``via`` is the path from the queried model to the case (``"case__"`` for ``CaseStep``). Every branch is a
    condition on the row itself or an IN over a small subquery (parts of a unit, cases merged from one's own),
    never a join that could repeat rows. Each branch alone is served by one index, which lets a list read
    each branch's first page on its own (``keyset_page``). The area branch of a community reads the cases'
    ``community_path``, any other ``area_path`` (``_walkable``); through ``via`` it reads ``area_path``,
    which a case's steps copy at intake (a case's area never changes), so deadline lists use the steps' own
    index.
    """
    branches = _branches(user, via)
    return None if branches is None else [b.q for b in branches]


class _Branch(NamedTuple):
    """One visibility branch: its condition on cases, and what it is, for readers that rewrite it on another
    table (``deadline_branches``): ``kind`` is ``"area"`` (a subtree of ``area``: a condition on
    ``area_path`` alone, which cases and their steps both hold), ``"unit"`` (the cases ``unit_id`` handles),
    ``"parts"`` (the cases whistled to ``unit_id``) or ``""`` (the others)."""

    kind: str
    q: Q
    area: Area | None = None
    unit_id: int | None = None


def _branches(user, via: str = "") -> list[_Branch] | None:
    """``case_visible_branches`` with what each branch is (``_Branch``)."""
    if permissions.is_superadmin(user):
        return None
    if not getattr(user, "is_authenticated", False):
        return []

    def on_case(**lookups) -> Q:
        return Q(**{f"{via}{name}": value for name, value in lookups.items()})

    branches: list[_Branch] = []
    for g in permissions.active_grants(user):
        if g.role in AREA_READERS:
            # A step has no community path: through ``via`` the range on its own copy of the area path.
            q = subtree_q(g.area.path, f"{via}area_path") if via else _walkable(g.area)
            branches.append(_Branch("area", q, area=g.area))
        elif g.role == Role.DEPARTMENT_STAFF and g.unit_id:
            branches.append(_Branch("unit", on_case(handler_unit_id=g.unit_id), unit_id=g.unit_id))
            branches.append(_Branch("parts", _ids_among(via, "whistled", g.unit_id), unit_id=g.unit_id))
            branches.append(
                _Branch("", on_case(status=Status.IN_POOL) & subtree_q(g.unit.area.path, "area_path"))
            )
            branches.append(
                _Branch("", on_case(status=Status.IN_POOL, level_area__in=g.unit.area.ancestor_ids()))
            )
    branches.append(_Branch("", on_case(recorded_by_id=user.pk)))
    if user.person_id:
        branches.append(_Branch("", on_case(reporter_id=user.person_id)))
        branches.append(_Branch("", _ids_among(via, "merged-from", user.person_id)))
    return branches


# The branches over a subquery of ids, kept per worker. A condition over a queryset equals only itself, so
# one built anew on every request was compiled anew on every list (``_branch_where``); kept, it is compiled
# once. A queryset in a condition is only ever compiled into the query around it (a copy of it), never
# evaluated, so a kept one cannot go stale.
_SUBQUERY_BRANCHES = caching.WorkerMemo(1024)


def _ids_among(via: str, kind: str, pk: int) -> Q:
    """The cases among a subquery's ids as a branch: ``"whistled"`` to the unit ``pk`` (its parts), or
    ``"merged-from"`` the cases the person ``pk`` reported (the cases those were merged into)."""

    def build() -> Q:
        if kind == "whistled":
            ids = CasePart.objects.filter(unit_id=pk).values("case_id")
        else:
            ids = Case.objects.filter(reporter_id=pk, merged_into__isnull=False).values("merged_into_id")
        return Q(**{f"{via}pk__in": ids})

    return _kept_condition((via, kind, pk), build)


def _kept_condition(key, build) -> Q:
    """The condition ``build()`` gives, built once per worker for ``key`` (which must hold everything it is
    built from): a condition over a subquery, kept so that the next request's equals it and finds it
    compiled (``_branch_where``), instead of filling that memo with conditions used once."""
    try:
        condition = _SUBQUERY_BRANCHES.get(key)
    except TypeError:  # a value that cannot be a key
        return build()
    if condition is None:
        condition = build()
        _SUBQUERY_BRANCHES.set(key, condition)
    return condition


def case_visible_q(user, via: str = "") -> Q | None:
    """The cases ``user`` may see, as one Q (None means every case): the OR of ``case_visible_branches``."""
    branches = case_visible_branches(user, via)
    if branches is None:
        return None
    return reduce(or_, branches, Q(pk__in=[]))


def after_q(position: tuple[dt.datetime, int], *, reverse: bool = False, inclusive: bool = False) -> Q:
    """The rows after ``position`` = (submitted_at, id) in newest-first order (oldest-first with ``reverse``),
    and the row at ``position`` too with ``inclusive``.

    Written as ``submitted_at <= at AND (submitted_at < at OR id < pk)``: the first term is a plain range
    that both databases seek in the time indexes; the OR alone would make SQLite scan.
    """
    at, pk = position
    if reverse:
        tie = Q(id__gte=pk) if inclusive else Q(id__gt=pk)
        return Q(submitted_at__gte=at) & (Q(submitted_at__gt=at) | tie)
    tie = Q(id__lte=pk) if inclusive else Q(id__lt=pk)
    return Q(submitted_at__lte=at) & (Q(submitted_at__lt=at) | tie)


def keyset_page(
    qs: QuerySet,
    *,
    user,
    before: tuple[dt.datetime, int] | None = None,
    limit: int = 20,
    reverse: bool = False,
    keys: bool = False,
    columns: tuple[str, ...] = (),
    expressions: dict | None = None,
    named: bool = False,
) -> list:
    """Up to ``limit`` cases of ``qs`` that ``user`` may see, in (submitted_at, id) order, newest first (oldest
    first with ``reverse``), after the position ``before`` — or with ``keys`` their (submitted_at, id) keys
    only, no row fetched; with ``columns`` (and ``expressions``), as rows of those fields (``first_rows``).

    The user's scope is applied here, always: ``qs`` holds the filters, and may or may not already be limited
    to the scope (``case_visible``); either way only visible cases come back.

    Why per branch: a list over an OR of visibility branches cannot walk one (area, time) or time index in
    order, so the database would gather every visible case and sort them. Here each branch's page is read on
    its own — one index scan with LIMIT each — and the pages are merged. A superadmin's list is one query.
    """
    ordering = ("submitted_at", "id") if reverse else ("-submitted_at", "-id")
    if before is not None:
        qs = qs.filter(after_q(before, reverse=reverse))
    qs = qs.order_by(*ordering)
    branches = case_visible_branches(user)
    return first_rows(
        qs,
        branches,
        limit=limit,
        key=("submitted_at", "id"),
        keys=keys,
        columns=columns,
        expressions=expressions,
        named=named,
    )


class _Unindexed(Func):
    """``+column``: the same value, but SQLite's planner may not use the column's index (nor a partial index
    on its test) for it. A text column by default; pass ``output_field`` for another."""

    template = "+%(expressions)s"
    output_field = CharField()


def _above_community(area: Area) -> bool:
    return LEVEL_ORDER.get(area.level, 0) < LEVEL_ORDER[Level.COMMUNITY]


def _walkable(area: Area) -> Q:
    """The subtree of ``area`` as a list's branch condition, written for the index that finds its newest
    cases first.

    - A community: its cases' community path (``Case.community_path``), whose index keeps them newest first
      whatever the community's size. Its (area, time) range spans the paths of its grids and buildings, so
      a list read it and sorted it (on SQLite, closed lists through the closed cases by closing month: 28.7
      ms for the busiest community of a 200,000-case city), or walked the whole city's time index past the
      other areas' cases (25.5 ms for the median community there).
    - Above community level, on SQLite: a large share of all cases, yet its planner (no histograms) reads
      the whole (area, time) index range and sorts it: 140 ms for the city's first page at 1 M cases, where
      walking the time index finds the newest rows at once. There the range is written so that SQLite
      cannot use the area index. PostgreSQL knows the share from its statistics and chooses well.
    - Otherwise (a grid, a building; above community level on PostgreSQL): the range.
    """
    if area.level == Level.COMMUNITY:
        return Q(community_path=area.path)
    if connection.vendor != "sqlite" or not _above_community(area):
        return subtree_q(area.path, "area_path")
    column = _Unindexed(F("area_path"))
    return Q(GreaterThanOrEqual(column, area.path)) & Q(LessThan(column, area.path[:-1] + "/"))


def _reaches_above_community(user) -> bool:
    """Whether ``user`` sees every case or a subtree above community level (a branch ``_walkable`` writes
    for SQLite's time index)."""
    if permissions.is_superadmin(user):
        return True
    return any(g.role in AREA_READERS and _above_community(g.area) for g in permissions.active_grants(user))


def open_q(user, value: bool = True) -> Q:
    """``is_open = value`` as a filter of ``user``'s list.

    On SQLite, for a user who sees more than a community, the open test is written so that SQLite cannot
    answer it from a partial index of open cases: with the subtree unindexed there (``_walkable``) it read
    a whole partial index of open cases and sorted it — 84 ms for a street's open list at 1 M cases —
    where walking the time index finds the newest open cases at once (0.07 ms).
    """
    if not value or connection.vendor != "sqlite" or not _reaches_above_community(user):
        return Q(is_open=value)
    return Q(_Unindexed(F("is_open"), output_field=BooleanField()))


def first_rows(
    qs: QuerySet,
    branches: list[Q] | None,
    *,
    limit: int,
    key: tuple[str, str],
    keys: bool = False,
    columns: tuple[str, ...] = (),
    expressions: dict | None = None,
    named: bool = False,
) -> list:
    """The first ``limit`` rows of ``qs`` that satisfy the OR of ``branches`` (None: every row of ``qs``; []:
    none), in ``qs``'s order, which must be by the ``key`` fields (the last one the primary key) — or with
    ``keys`` their key tuples only, no row fetched; with ``columns``, as dicts of those fields (paths across
    relations allowed), or with ``named`` too as named tuples (``values_list(named=True)``: attributes, as
    on a model instance, without building one); ``expressions`` (name: expression, such as a subquery of a
    row's related rows) are read as columns of the same rows, after the branches, so that no branch carries
    them. ``qs`` itself must not be a ``values()`` query: the joins its fields need would be carried into
    every branch's page.

    One query, whatever the number of branches (two for ``columns`` on PostgreSQL: ``reads_per_list``): each
    branch's first page is its own index scan with LIMIT (keys only), the pages are joined by UNION, the
    first ``limit`` ids of it picked in ``qs``'s order, and only those rows are read (``_branch_ids``,
    ``_among``), with ``columns`` by a statement compiled once per worker (``_rows_statement``). Why per
    branch: over the whole OR the database would gather every visible row and sort them. Why not a query
    per branch: a list has four to six branches, and each cost a round trip and a plan — on two cores shared
    with the database, most of a list's time.
    """
    if branches is None:
        rows = qs
    else:
        ids = _branch_ids(qs, branches, limit, key)
        if ids is None:
            return []
        if columns and not keys:
            statement = _rows_statement(qs, columns, expressions, named, limit)
            if statement is not None:
                return statement.read(*ids)
        rows = qs.filter(_among(qs.model, *ids, connections[qs.db]))
    if keys:
        return list(rows.values_list(*key)[:limit])
    if columns:
        if expressions:
            rows = rows.annotate(**expressions)
            columns = (*columns, *expressions)
        rows = rows.values_list(*columns, named=True) if named else rows.values(*columns)
    return list(rows[:limit])


def _branch_ids(qs: QuerySet, branches: list[Q], limit: int, key: tuple[str, str]) -> tuple[str, list] | None:
    """(sql, params) selecting the ids of the first ``limit`` of the union of each branch's first ``limit``
    rows of ``qs`` (``first_rows``), in ``qs``'s order; None when no branch can hold a row.

    The union is of the branches' keys, and its first ``limit`` ids are picked in the database, in ``qs``'s
    order: the rows are then read for those ids alone, not for every branch's page (a unit's deadline list
    read 425 steps with their cases, areas and units to show 200). UNION, not UNION ALL: a row found by two
    branches takes one place.
    """
    connection_ = connections[qs.db]
    quote = connection_.ops.quote_name
    order = [
        f"u.{quote(name.lstrip('-'))} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in qs.query.order_by
    ]
    if [name.lstrip("-") for name in qs.query.order_by] != list(key):
        raise ValueError(f"first_rows: qs must be ordered by {key}, not {qs.query.order_by}")
    pages, params = [], []
    for sql, page_params in _branch_pages(qs, branches, limit, key, connection_):
        pages.append(f"SELECT * FROM ({sql}) AS b{len(pages)}")
        params.extend(page_params)
    if not pages:
        return None
    ids = f"SELECT u.{quote(key[-1])} FROM ({' UNION '.join(pages)}) AS u ORDER BY {', '.join(order)} LIMIT {int(limit)}"
    return ids, params


# Where the ids of a list's rows go in its rows' statement compiled once per worker (``_rows_statement``).
_ROWS_MARK = "yishi_rows(%s)"
_ROW_STATEMENTS = caching.WorkerMemo(64)


class _RowsStatement(NamedTuple):
    """A list's rows query compiled once, its ids' condition left out: ``head`` + condition + ``tail``, with
    the columns' names and Django's converters of their values (``first_rows``); on PostgreSQL also as a
    prepared statement (``name``, ``prepared``: the query with ``$n`` parameters, the ids an array)."""

    head: str
    tail: str
    head_params: list
    tail_params: list
    names: tuple[str, ...]
    compiler: object
    converters: dict
    row_class: type | None
    expressions: dict | None
    name: str = ""
    prepared: str = ""

    def read(self, ids_sql: str, ids_params: list) -> list:
        """The rows whose ids ``ids_sql`` selects, as dicts (or named tuples with ``row_class``).

        On PostgreSQL the ids are read first and the rows by the prepared statement: planning the rows'
        query (three joins, three subqueries) cost twice its execution, and its plan — each row by its key
        — is the same whatever the ids, unlike the branches' pages, whose plan depends on the area (those
        are planned each time). The statement is prepared on a connection the first time it is read there,
        in the same round trip as its first execution (``_prepared_on``)."""
        connection_ = self.compiler.connection
        with connection_.cursor() as cursor:
            if self.prepared:
                cursor.execute(ids_sql, ids_params)
                ids = [row[0] for row in cursor.fetchall()]
                if not ids:
                    return []
                params = [*self.head_params, ids, *self.tail_params]
                arguments = ", ".join(["%s"] * len(params))
                prepared = _prepared_on(connection_)
                if self.name in prepared:
                    cursor.execute(f"EXECUTE {prepared[self.name]}({arguments})", params)
                else:
                    # One round trip: PREPARE has no rows; the EXECUTE's come as the second result. A name
                    # of its own each time: were the EXECUTE to fail, the PREPARE would stay (it is not
                    # undone with a transaction), and preparing that name again would fail for good.
                    name = f"{self.name}_{next(_STATEMENT_NUMBERS)}"
                    cursor.execute(f"PREPARE {name} AS {self.prepared}; EXECUTE {name}({arguments})", params)
                    cursor.nextset()
                    prepared[self.name] = name
            else:
                condition = _among_sql(self.compiler.query.model, ids_sql, connection_)
                cursor.execute(
                    f"{self.head}{condition}{self.tail}", [*self.head_params, *ids_params, *self.tail_params]
                )
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.row_class is not None:
            return [tuple.__new__(self.row_class, row) for row in rows]
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in rows]


# The statements prepared on each open PostgreSQL connection (a new connection has none), by statement.
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_STATEMENT_NUMBERS = itertools.count(1)


def _prepared_on(connection_) -> dict[str, str]:
    """The statements prepared on ``connection_``'s open database connection: a statement's ``name`` → the
    name it was prepared under there."""
    return _PREPARED.setdefault(connection_.connection, {})


def reads_per_list(connection_=None) -> int:
    """The queries a list of ``first_rows`` with ``columns`` takes: two where its rows are read by a prepared
    statement after their ids (PostgreSQL, ``YISHI_PG_PREPARED``), else one (ids and rows together)."""
    connection_ = connection_ or connection
    return 2 if connection_.vendor == "postgresql" and settings.YISHI_PG_PREPARED else 1


def _numbered(sql: str) -> str:
    """``sql`` with Django's ``%s`` placeholders as PostgreSQL's ``$1``, ``$2`` … and ``%%`` as ``%``: the
    text of a PREPARE, which is sent with no parameters."""
    numbers = itertools.count(1)
    return re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


def _rows_statement(qs: QuerySet, columns, expressions, named: bool, limit: int) -> _RowsStatement | None:
    """The statement reading ``first_rows``' rows of ``qs`` by their ids, compiled once per worker for the
    same model, order, columns, expressions (the same dict: a list passes its own, kept for the worker's
    life) and connection; None for a ``qs`` it does not apply to (annotations, extra, distinct), read as a
    queryset instead.

    The statement leaves out ``qs``'s filters: the ids are picked among rows that pass them. Why: building
    and compiling the rows' query — three joins and three subqueries for the case list — cost more than
    half of the list's reading, on every request, for a text that changes only with the ids.
    """
    query = qs.query
    if query.annotations or query.extra or query.distinct or query.combinator:
        return None
    connection_ = connections[qs.db]
    prepare = reads_per_list(connection_) == 2
    key = (
        qs.model,
        connection_,
        prepare,
        tuple(query.order_by),
        tuple(columns),
        id(expressions),
        named,
        limit,
    )
    found = _ROW_STATEMENTS.get(key)
    if found is not None and found.expressions is expressions:
        return found
    sentinel = object()  # found by identity among the statement's parameters, never sent
    rows = qs.model._base_manager.db_manager(qs.db).filter(
        RawSQL(_ROWS_MARK, [sentinel], output_field=BooleanField())
    )
    rows = rows.order_by(*query.order_by)
    names = tuple(columns)
    if expressions:
        rows = rows.annotate(**expressions)
        names = (*names, *expressions)
    rows = rows.values(*names)[:limit]
    compiler = rows.query.get_compiler(connection=connection_)
    sql, params = compiler.as_sql()
    at = [i for i, p in enumerate(params) if p is sentinel]
    selected = (*rows.query.extra_select, *rows.query.values_select, *rows.query.annotation_select)
    if sql.count(_ROWS_MARK) != 1 or len(at) != 1 or selected != names:
        return None
    head, tail = sql.split(_ROWS_MARK)
    statement = _RowsStatement(
        head=head,
        tail=tail,
        head_params=list(params[: at[0]]),
        tail_params=list(params[at[0] + 1 :]),
        names=names,
        compiler=compiler,
        converters=compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]]),
        row_class=create_namedtuple_class(*names) if named else None,
        expressions=expressions,
    )
    if prepare:
        statement = statement._replace(
            name=f"yishi_rows_{next(_STATEMENT_NUMBERS)}",
            prepared=_numbered(f"{head}{_pk_column(qs.model, connection_)} = ANY(%s){tail}"),
        )
    _ROW_STATEMENTS.set(key, statement)
    return statement


# Where a branch's condition goes in the page query compiled once for every branch (``_branch_pages``).
_BRANCH_MARK = "yishi_branch(%s)"


def _branch_pages(qs: QuerySet, branches: list[Q], limit: int, key: tuple[str, str], connection_) -> list:
    """(sql, params) of each branch's first page of keys: ``qs.filter(branch).values_list(*key)[:limit]``,
    leaving out the branches that can hold nothing.

    The page is compiled once with a mark where the branch goes, and only each branch's condition is
    compiled on its own and put in its place: compiling the whole page per branch (the list's filters, its
    order, a copy of the query) was most of a list's Python time — 7 ms of a unit's deadline page, whose two
    lists have four branches each. A branch that needs a join, or matches every row, is compiled whole.
    """
    compiled = []

    def whole(branch):
        page = qs.filter(branch).values_list(*key)[:limit]
        try:
            compiled.append(page.query.get_compiler(using=qs.db, connection=connection_).as_sql())
        except EmptyResultSet:  # a branch that can hold nothing (an IN over no ids)
            pass

    sentinel = object()  # found by identity among the page's parameters, never sent
    mark = RawSQL(_BRANCH_MARK, [sentinel], output_field=BooleanField())
    try:
        sql, params = (
            qs.filter(mark)
            .values_list(*key)[:limit]
            .query.get_compiler(using=qs.db, connection=connection_)
            .as_sql()
        )
    except EmptyResultSet:  # the filters alone can hold nothing
        return []
    at = [i for i, p in enumerate(params) if p is sentinel]
    if sql.count(_BRANCH_MARK) != 1 or len(at) != 1:
        for branch in branches:
            whole(branch)
        return compiled
    before, after = list(params[: at[0]]), list(params[at[0] + 1 :])
    for branch in branches:
        where = _branch_where(qs.model, branch, connection_)
        if where is None:
            continue
        if where is _WHOLE:
            whole(branch)
            continue
        where_sql, where_params = where
        compiled.append((sql.replace(_BRANCH_MARK, f"({where_sql})"), [*before, *where_params, *after]))
    return compiled


_WHOLE = object()


# Each branch condition compiled, per worker: a user's branches are built anew on every request, but equal
# conditions (the same subtree, the same recorder) compile to the same SQL (``_branch_where``).
_BRANCH_WHERES = caching.WorkerMemo(512)


def _branch_where(model, branch: Q, connection_):
    """(sql, params) of ``branch`` as a condition on ``model``'s rows; None when it can hold no row;
    ``_WHOLE`` when it needs a join or matches every row (compiled with the page instead).

    Kept per worker by the condition's value (a Q is equal to another with the same lookups and values), so
    each user's branches are compiled once, not on every list. A condition over a subquery equals only
    itself: the visibility branches keep theirs per worker (``_ids_among``) for that reason."""
    try:
        key = (branch, model._meta.label, connection_.alias)
        kept = _BRANCH_WHERES.get(key, _MISSING)
    except TypeError:  # a value that cannot be a key
        key, kept = None, _MISSING
    if kept is not _MISSING:
        return kept
    query = Query(model)
    try:
        where = query.get_compiler(connection=connection_).compile(query.build_where(branch))
    except EmptyResultSet:
        where = None
    except (FullResultSet, FieldError):
        where = _WHOLE
    if key is not None:
        _BRANCH_WHERES.set(key, where)
    return where


_MISSING = object()


def _among(model, ids_sql: str, params: list, connection_) -> RawSQL:
    """``model``'s primary key is among the ids ``ids_sql`` selects, as a condition the database answers by
    reading those ids first and then each row by its key (``_among_sql``)."""
    return RawSQL(_among_sql(model, ids_sql, connection_), params, output_field=BooleanField())


def _among_sql(model, ids_sql: str, connection_) -> str:
    """``_among``'s SQL. PostgreSQL gets ``= ANY(ARRAY(...))``, computed once before the scan: with a plain
    ``IN`` its planner may walk the time index newest first and probe the ids for each row, which for a list
    of old cases reads most of the table."""
    column = _pk_column(model, connection_)
    if connection_.vendor == "postgresql":
        return f"{column} = ANY(ARRAY({ids_sql}))"
    return f"{column} IN ({ids_sql})"


def _pk_column(model, connection_) -> str:
    """``model``'s primary key column, quoted with its table."""
    quote = connection_.ops.quote_name
    return f"{quote(model._meta.db_table)}.{quote(model._meta.pk.column)}"


def case_visible(user) -> QuerySet:
    condition = case_visible_q(user)
    qs = Case.objects.all()
    if condition is None:
        return qs
    return qs.filter(condition)


def parse_keyset(value: str) -> tuple[dt.datetime, int] | None:
    """The ``before`` of a keyset page, ``<iso datetime>_<id>`` as the lists write it, or None when it is not
    one (a malformed, impossible or out-of-range value is treated as no cursor, never as an error)."""
    at, sep, pk = (value or "").rpartition("_")
    if not sep or not pk.isdigit() or not 0 < int(pk) <= 2**63 - 1:
        return None
    try:
        moment = dt.datetime.fromisoformat(at)
        return (moment if timezone.is_aware(moment) else timezone.make_aware(moment)), int(pk)
    except (ValueError, OverflowError):
        return None


# What a case is read with wherever it is shown whole. Not the case it was merged into: that self-join cost
# 2 ms of planning in a 3.3 ms query at 5 M cases, for the few merged cases, whose survivor ``merged_into``
# reads when asked (no query when there is none).
CASE_RELATIONS = ("category", "area", "level_area", "handler_unit", "reporter")


def case_get(*, user, number: str, page: bool = False) -> Case:
    """One case by its number, or ``Case.DoesNotExist`` when missing or out of the user's scope.

    For its ``page``, the case also says which of the relations the page shows it has (``PRESENCE``:
    ``case.has_parts`` …), asked in the same query, so that the page reads only those present; and where
    the cache is shared, its areas, category and unit come from there (``_small_relations``): the joins to
    them cost more to plan and build than the case's own row (5 ms of a 7 ms query at 5 M cases).
    """
    qs = case_visible(user)
    if not page:
        return qs.select_related(*CASE_RELATIONS).get(number=number)
    qs = qs.annotate(**_presence())
    if not settings.CACHE_IS_SHARED:
        return qs.select_related(*CASE_RELATIONS).get(number=number)
    case = qs.select_related("reporter").get(number=number)
    area, level_area, category, unit = _small_relations(
        case.area_id, case.level_area_id, case.category_id, case.handler_unit_id
    )
    case.area, case.level_area, case.category, case.handler_unit = area, level_area, category, unit
    return case


def _small_relations(area_id: int, level_area_id: int, category_id: int, unit_id: int | None) -> tuple:
    """(area, level area with its parent, category, handling unit or None) of a case, from the shared cache:
    exact, since the level area decides who may act on the case (and its parent whether it may go up), and
    read anew after any change to an area, category or unit."""

    def compute():
        areas = Area.objects.select_related("parent").in_bulk([area_id, level_area_id])
        unit = Unit.objects.get(pk=unit_id) if unit_id is not None else None
        return areas[area_id], areas[level_area_id], Category.objects.get(pk=category_id), unit

    return caching.remembered(
        "case-relations",
        [area_id, level_area_id, category_id, unit_id],
        [Area, Category, Unit],
        compute,
        exact=True,
    )


# The relations of a case that its page shows and most cases lack (a whistled part, an extension, a joint
# meeting, a reply, a rating, a merged duplicate, an attachment): one EXISTS each in the case's own query cost
# less than the query each of them cost when empty. Written as SQL: built through the ORM, the subqueries cost
# 3 ms a page, more than the queries they save.
PRESENCE = (
    "has_parts",
    "has_extensions",
    "has_meetings",
    "has_replies",
    "has_ratings",
    "has_merged",
    "has_attachments",
)


def _presence() -> dict[str, RawSQL]:
    from django.contrib.contenttypes.models import ContentType

    from yishi.attachments.models import Attachment
    from yishi.meetings.models import Meeting, MeetingKind

    quote = connection.ops.quote_name
    case_id = f"{quote(Case._meta.db_table)}.{quote(Case._meta.pk.column)}"

    def exists(model, where: str, params=()) -> RawSQL:
        sql = f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} AS {quote('related')} WHERE {where})"
        return RawSQL(sql, params, output_field=BooleanField())

    def column(model, field: str) -> str:
        return f"{quote('related')}.{quote(model._meta.get_field(field).column)}"

    # A generic link: the record's type, and its key as text (CAST on both databases).
    case_key = f"CAST({case_id} AS VARCHAR(64))"
    case_type = ContentType.objects.get_for_model(Case).pk
    meetings = (
        f"{column(Meeting, 'body_type')} = %s AND {column(Meeting, 'body_id')} = {case_key}"
        f" AND {column(Meeting, 'kind')} = %s"
    )
    attachments = (
        f"{column(Attachment, 'content_type')} = %s AND {column(Attachment, 'object_id')} = {case_key}"
    )
    return {
        "has_parts": exists(CasePart, f"{column(CasePart, 'case')} = {case_id}"),
        "has_extensions": exists(Extension, f"{column(Extension, 'case')} = {case_id}"),
        "has_meetings": exists(Meeting, meetings, (case_type, MeetingKind.JOINT_HANDLING.value)),
        "has_replies": exists(CaseReply, f"{column(CaseReply, 'case')} = {case_id}"),
        "has_ratings": exists(Rating, f"{column(Rating, 'case')} = {case_id}"),
        "has_merged": exists(Case, f"{column(Case, 'merged_into')} = {case_id}"),
        # Any attachment, whoever may view it: the panel reads those the user may see when there is one.
        "has_attachments": exists(Attachment, attachments, (case_type,)),
    }


def has(case: Case, relation: str) -> bool:
    """Whether ``case`` may have rows of ``relation`` (a ``PRESENCE`` name): False only when its query said
    it has none; a case read without ``page`` may have any."""
    return getattr(case, relation, True)


def reporter_holds(case: Case, *, user=None, token: str = "") -> bool:
    """Whether the visitor is ``case``'s reporter: signed in as its reporting person, or holding its secret
    tracking token (compared in constant time)."""
    import hmac

    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    if person_id and case.reporter_id == person_id:
        return True
    return bool(token) and hmac.compare_digest(str(token).encode(), case.tracking_token.encode())


def case_for_reporter(*, number: str, user=None, token: str = "") -> Case:
    """A reporter's own case (see ``reporter_holds``) with the case it was merged into, or
    ``Case.DoesNotExist`` — for a wrong token exactly as for a missing number."""
    case = Case.objects.select_related(
        "category",
        "area",
        "handler_unit",
        "merged_into",
        "merged_into__category",
        "merged_into__handler_unit",
    ).get(number=number)
    if not reporter_holds(case, user=user, token=token):
        raise Case.DoesNotExist
    return case


def reported_cases(*, user, before: tuple[dt.datetime, int] | None = None, limit: int = 30) -> list[Case]:
    """我的诉求: the cases ``user`` reported, newest first, by keyset on (submitted_at, id)."""
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    if not person_id:
        return []
    qs = Case.objects.filter(reporter_id=person_id).select_related("category", "area", "merged_into")
    if before is not None:
        qs = qs.filter(after_q(before))
    return list(qs.order_by("-submitted_at", "-id")[:limit])


def case_list(
    *,
    user,
    status: str = "",
    open_only: bool = False,
    area=None,
    category=None,
    q: str = "",
    before: tuple[dt.datetime, int] | None = None,
    limit: int = 20,
    columns: tuple[str, ...] = (),
    expressions: dict | None = None,
) -> list:
    """A page of cases newest first, by keyset: pass the last row's (submitted_at, id) as ``before``.
    ``q`` keeps the cases holding every word of it (``cases.search.filter_cases``).

    With ``columns``, the rows are dicts of only those fields (paths such as ``category__name`` allowed;
    ``id`` and ``submitted_at`` always there) instead of cases: a list of twenty that shows seven fields
    builds its rows several times faster without sixty model instances (a case and its related rows);
    ``expressions`` add computed columns to those rows (``first_rows``)."""
    # Not limited to the scope here: keyset_page applies it per branch, and a page read through the whole OR
    # of the branches (on top of each branch) only made every query longer to build and to plan.
    columns = ("id", "submitted_at", *columns) if columns else ()
    qs = Case.objects.all() if columns else Case.objects.select_related("category", "area", "handler_unit")
    qs = _filtered(
        qs.defer("text", "search_tokens"),
        user,
        status=status,
        open_only=open_only,
        area=area,
        category=category,
    )
    if q:
        size = window_size(qs.db, q, limit=limit)
        newest = keyset_page(qs, user=user, before=before, limit=size, keys=True) if size else []
        if len(newest) == size:
            # A common word on SQLite: first only among the newest cases of this list (search.window_size).
            # A full page found there is the page; a short one may miss older matches: the whole set decides.
            rows = keyset_page(
                qs.filter(window_q(q, newest)),
                user=user,
                before=before,
                limit=limit,
                columns=columns,
                expressions=expressions,
            )
            if len(rows) == limit:
                return rows
        qs = filter_cases(qs, q)
    return keyset_page(qs, user=user, before=before, limit=limit, columns=columns, expressions=expressions)


def similar_open_cases(
    *, user, area, category, text: str = "", latitude=None, longitude=None, exclude_pk=None, limit: int = 5
) -> list[Case]:
    """Open cases that may be the same problem: same category, and the same community or within 250 m when
    both have coordinates, ranked by shared character pairs of the text (Chinese has no spaces to split on).
    With a text, cases sharing less than ``MIN_SIMILARITY`` of their pairs are left out.
    """
    from .services import ancestor_at

    community = ancestor_at(area, "community") or area
    # user=None: the public opinion box, which shows only masked titles of what it finds.
    base = Case.objects.all() if user is None else case_visible(user)
    qs = base.filter(is_open=True, category=category).exclude(status=Status.MERGED)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    near = subtree_q(community.path, "area_path")
    try:
        lat, lon = float(latitude), float(longitude)
        located = -90 <= lat <= 90 and -180 <= lon <= 180
    except (TypeError, ValueError):
        located = False
    if located:
        # 250 m is about 0.00225° of latitude; longitude degrees shrink with cos(latitude) (~0.0028° here).
        near |= Q(
            latitude__range=(lat - 0.00225, lat + 0.00225), longitude__range=(lon - 0.0029, lon + 0.0029)
        )
    candidates = list(qs.filter(near).order_by("-submitted_at")[:50])
    if located:
        # The box above is a square; keep the same community's cases, and others only within the circle.
        candidates = [
            c
            for c in candidates
            if c.area_path.startswith(community.path)
            or (c.latitude is not None and _metres(c, lat, lon) <= 250)
        ]
    words = _bigrams(text)

    def score(case: Case) -> float:
        other = _bigrams(case.title + case.text)
        return len(words & other) / (len(words | other) or 1)

    scored = [(score(c), c) for c in candidates]
    if words:
        scored = [(s, c) for s, c in scored if s >= MIN_SIMILARITY]
    return [c for _s, c in sorted(scored, key=lambda sc: sc[0], reverse=True)[:limit]]


# Share of character pairs two texts must have in common to be shown as possibly the same problem.
MIN_SIMILARITY = 0.05


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text or "" if not c.isspace()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def _metres(case: Case, lat: float, lon: float) -> float:
    import math

    dlat = math.radians(float(case.latitude) - lat)
    dlon = math.radians(float(case.longitude) - lon)
    a = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(lat)) * math.cos(math.radians(float(case.latitude))) * math.sin(dlon / 2) ** 2
    )
    return 6371000 * 2 * math.asin(math.sqrt(a))


def deadline_branches(user) -> list[Q] | None:
    """The visibility branches of ``user`` as conditions on ``CaseStep`` rows, for ``steps_due``.

    - an area branch stays as it is: steps copy their case's ``area_path`` (index on pending (area, due));
    - a unit's cases become the steps carrying that unit: a pending step carries its case's handling unit
      (``services._move``), index on pending (unit, due);
    - the cases whistled to a unit become those where its part is not done yet: a unit that finished its
      part has no deadline left on that case (it still sees the case), and its few pending parts are one
      range on the (unit, status, case) index where all its parts over the years were thousands of probes;
    - every other branch (one's own) becomes the steps of its open cases: a deadline is pending only while
      its case is open (rejecting, merging and closing complete the steps).

    The last two kinds are read here, in one query, as the ids of their cases, and become one branch of
    steps among those ids (``_among_cases``); with more than ``DEADLINE_CASE_IDS`` ids, each stays a
    condition over its subquery. Joining every pending step to its case instead made the database walk all
    pending steps by due time and probe each one's case: seconds for a unit's few hundred among millions.
    """
    branches = _branches(user)
    if branches is None:
        return None
    out, among = [], []
    for b in branches:
        if b.kind == "area":
            # Indexed on pending (area, due), whatever its size.
            out.append(subtree_q(b.area.path, "area_path"))
        elif b.kind == "unit":
            out.append(Q(unit_id=b.unit_id))
        elif b.kind == "parts":
            among.append((("pending-parts", b.unit_id), partial(_pending_part_case_ids, b.unit_id)))
        else:
            among.append((("open-steps", b.q), partial(_open_case_ids, b.q)))
    if among:
        out.extend(_among_cases(among))
    return out


# At most this many case ids read ahead as one deadline branch (``deadline_branches``); beyond, subqueries.
DEADLINE_CASE_IDS = 1000


def _among_cases(among: list[tuple]) -> list[Q]:
    """The deadline branches over subqueries of case ids (``among``: (key, build) pairs, ``build()`` giving
    the ids' queryset) as one branch: the steps among those cases' ids, read now in one query.

    Why: each such branch joined to ``cases_case`` costs the planner 0.3-0.5 ms, its 32 indexes weighed, and
    a deadline page plans its two lists' unions anew (a unit's five such branches: 2.5-4 ms of planning a
    list at 5 M cases, against 0.1-0.2 ms of running them). The ids, read once for both lists, plan in
    0.8-1.0 ms; a branch of steps among them (``= ANY(array)`` on PostgreSQL) in 0.3. A union of a busy
    unit's overdue list: 3.9 ms planned + 3.0 run -> 0.3 + 1.1. Many ids (a community worker who recorded
    thousands of open cases) are left to the subqueries: they would be sent and probed one by one."""
    first, *rest = (build() for _key, build in among)
    ids = list((first.union(*rest, all=True) if rest else first)[: DEADLINE_CASE_IDS + 1])
    if len(ids) > DEADLINE_CASE_IDS:
        return [_kept_condition(key, partial(_steps_among, build)) for key, build in among]
    if not ids:
        return []
    if connection.vendor == "postgresql":
        return [Q(_AnyOf(F("case_id"), sorted(set(ids))))]
    return [Q(case_id__in=sorted(set(ids)))]


def _steps_among(build) -> Q:
    """The steps of the cases whose ids ``build()`` selects, as a condition over that subquery."""
    return Q(case_id__in=build())


class _AnyOf(Func):
    """``column = ANY(%s)`` with the ids as one array parameter (PostgreSQL): planned in a third of the time
    of the same ids as ``IN (...)``, whose every element the planner weighs."""

    output_field = BooleanField()

    def __init__(self, expression, ids: list[int]):
        super().__init__(expression)
        self.ids = ids

    def as_sql(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        return f"{column_sql} = ANY(%s)", (*column_params, self.ids)


def _pending_part_case_ids(unit_id: int) -> QuerySet:
    """The ids of the cases where ``unit_id``'s part is not done yet (``deadline_branches``)."""
    pending = CasePart.objects.filter(unit_id=unit_id, status__in=PENDING_PART_STATUSES)
    return pending.values_list("case_id", flat=True)


def _open_case_ids(branch: Q) -> QuerySet:
    """The ids of the open cases of ``branch`` (``deadline_branches``)."""
    return Case.objects.filter(branch, is_open=True).order_by().values_list("pk", flat=True)


# The fields of a step and its case that a deadline list shows: the keys of ``steps_due``'s rows.
DEADLINE_COLUMNS = (
    "id",
    "case_id",
    "step",
    "due_at",
    "supervised_at",
    "unit__name",
    "case__number",
    "case__title",
    "case__area__name",
    "case__handler_unit__name",
)


def steps_due(
    *,
    user,
    within_hours: int = 24,
    overdue: bool = False,
    unit=None,
    now=None,
    limit: int = 200,
    branches: list[Q] | None | bool = False,
) -> list[dict]:
    """Open deadlines in ``user``'s scope (rating windows left out: they are the reporter's), earliest first:
    overdue ones, or those falling due within ``within_hours``; at most ``limit``; as dicts of
    ``DEADLINE_COLUMNS`` (up to 400 rows a page: as model instances, a step with its case, area and units,
    they cost more than the queries).

    Read per visibility branch (``deadline_branches``) and merged, like ``keyset_page``: over the whole OR
    the database would join every pending step to its case before sorting. A caller listing more than once
    passes the ``branches`` it read; by default they are read here.
    """
    now = now or timezone.now()
    qs = CaseStep.objects.filter(done_at__isnull=True).exclude(step=Step.RATE)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if overdue:
        qs = qs.filter(due_at__lt=now)
    else:
        qs = qs.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=within_hours))
    qs = qs.order_by("due_at", "id")
    if branches is False:
        branches = deadline_branches(user)
    return first_rows(qs, branches, limit=limit, key=("due_at", "id"), columns=DEADLINE_COLUMNS)


def case_queryset(
    *, user, status: str = "", open_only: bool = False, is_open: bool | None = None, area=None, category=None
) -> QuerySet:
    """The cases ``user`` may see, filtered, unordered and unsliced: for callers that page themselves (API
    lists: rows without the text and its search words, which a list row does not show). ``is_open`` (True,
    False, None: either) filters as ``open_only`` does, both ways."""
    qs = (
        case_visible(user)
        .select_related("category", "area", "handler_unit", "reporter")
        .defer("text", "search_tokens")
    )
    return _open(
        _filtered(qs, user, status=status, open_only=open_only, area=area, category=category), user, is_open
    )


def case_filters(
    *, user, status: str = "", is_open: bool | None = None, area=None, category=None
) -> QuerySet:
    """``case_queryset``'s filters over every case, the user's scope NOT applied: only for ``keyset_page``
    (and ``first_rows``), which apply it per visibility branch whatever the queryset holds — as ``case_list``
    does. The scope written into such a query as well is compiled and planned again for every branch."""
    qs = _filtered(Case.objects.all(), user, status=status, open_only=False, area=area, category=category)
    return _open(qs, user, is_open)


def _open(qs: QuerySet, user, is_open: bool | None) -> QuerySet:
    return qs if is_open is None else qs.filter(open_q(user, is_open))


def _filtered(qs: QuerySet, user, *, status: str, open_only: bool, area, category) -> QuerySet:
    """A case list's filters. On SQLite an open status also gets the open test (the same cases): a busy
    community's "assigned" list is then a range of the partial index of open cases, not its whole history
    sorted (81 → 15 ms at 1 M cases). Not on PostgreSQL, whose statistics already pick well and which then
    ANDed two bitmaps instead (16 → 138 ms at 5 M)."""
    if status:
        qs = qs.filter(status=status)
    if open_only or (status in OPEN_STATUSES and connection.vendor == "sqlite"):
        qs = qs.filter(open_q(user))
    if area is not None:
        qs = qs.filter(_walkable(area))
    if category is not None:
        qs = qs.filter(category=category)
    return qs


def route_for(case: Case) -> tuple[str, Unit | None]:
    """分办建议: the default handling (level, unit) of the case's category in its area.

    The route of the deepest area on the case's path wins; a category without its own route takes its
    parent category's; with none at all, the community handles it. A suggestion only: nobody is dispatched.
    From the cache per category and area (the intake's answer and the case page show it).
    """
    from .models import CategoryRoute

    return caching.remembered(
        "route",
        (case.category_id, case.area_path),
        [CategoryRoute, Category, Area, Unit],
        lambda: _route(case),
    )


def _route(case: Case) -> tuple[str, Unit | None]:
    from .models import CategoryRoute, HandlingLevel

    category_ids = []
    category = case.category
    while category is not None and len(category_ids) < 10:
        category_ids.append(category.pk)
        category = category.parent
    routes = list(
        CategoryRoute.objects.filter(
            category_id__in=category_ids, area_id__in=[int(s) for s in case.area_path.split(".") if s]
        ).select_related("area", "unit")
    )
    for category_id in category_ids:
        mine = [r for r in routes if r.category_id == category_id]
        if mine:
            best = max(mine, key=lambda r: r.area.depth)
            return best.level, best.unit
    return HandlingLevel.COMMUNITY, None


def joint_meetings(case: Case) -> QuerySet:
    """The joint-handling meetings (五方协商联合办) held or planned about ``case``, newest first."""
    from django.contrib.contenttypes.models import ContentType

    from yishi.meetings.models import Meeting, MeetingKind

    return Meeting.objects.filter(
        kind=MeetingKind.JOINT_HANDLING,
        body_type=ContentType.objects.get_for_model(Case),
        body_id=str(case.pk),
    )
