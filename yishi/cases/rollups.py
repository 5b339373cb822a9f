"""诉求月度汇总: keeping ``CaseMonthStat`` (the rollup behind ``cases.rates``) equal to the base tables.

A cell is (community path, local month, category, handling unit or 0). The community path is the path of the
area's ancestor at community level; a case filed at a community or above (or below, where no ancestor is a
community) keeps its own area's path. Each count is attributed to the case's current area, category and
handling unit, by the rules of ``cases.rates`` (``counted_steps``, ``counted_cases``, ``counted_ratings``):

- ``steps``/``met``: first-contact steps of cases not merged, in the month of ``due_at`` (keyed by the step's
  own ``area_path``), whatever their state; ``met`` when ``done_at <= due_at``.
- ``closed``/``resolved``: closed cases in the month of ``closed_at``.
- ``rated``/``satisfied``/``basic``/``unsatisfied``: the latest own rating of each case, by ``rated_at``.

Rules of upkeep:

- Every write that changes a counted field recomputes the cells the case touched before and after the write,
  inside the writing transaction (``recompute``): the signals in ``cases.signals`` for ``save``/``delete``,
  explicit calls where a queryset ``update()`` bypasses them (``case_steps_changed``, ``tracking``). A write
  that changes no counted field (intake, most transitions) costs nothing.
- A cell is recomputed from the base tables, never adjusted by a delta. Its row is created if missing and
  locked first; the aggregate runs after the lock, so under READ COMMITTED it sees every transaction that
  updated the cell before us: two writers of one cell cannot lose an update.
- Emptied cells are zeroed, not deleted (a deleted row could not be locked by a writer waiting for it); the
  rates skip them and ``rebuild`` drops them.
- ``rebuild`` recomputes everything set-based (one INSERT … SELECT); ``check`` compares the table with that
  recomputation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Count, DateField, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Length, Substr, TruncMonth
from django.utils import timezone

from yishi.areas.models import LEVEL_ORDER, PATH_DIGITS, Area, Level, subtree_q

from .models import Case, CaseMonthStat, CaseMonthSum, CaseStep, Rating, Step
from .rates import (
    _local_midnight,
    add_months,
    case_counts,
    counted_cases,
    counted_ratings,
    counted_steps,
    met_count,
    rating_counts,
)
from .workflow import Status

COUNTS = ("steps", "met", "closed", "resolved", "rated", "satisfied", "basic", "unsatisfied")
ZERO = (0,) * len(COUNTS)
SEGMENT = PATH_DIGITS + 1


@dataclass(frozen=True, order=True)
class Cell:
    area_path: str
    month: dt.date
    category_id: int
    unit_id: int  # 0: no handling unit


def month_of(value: dt.datetime) -> dt.date:
    """The first day of the local month of ``value`` (the month a count falls in)."""
    return timezone.localtime(value).date().replace(day=1)


# ---------------------------------------------------------------- the community cut


def community_cuts(paths: Iterable[str]) -> dict[str, str]:
    """{area path: its cell path}: the path of its ancestor (or itself) at community level, else the path
    itself. One query.
    """
    return level_cuts(paths, Level.COMMUNITY)


def level_cuts(paths: Iterable[str], level: str) -> dict[str, str]:
    """{area path: the path of its ancestor (or itself) at ``level``, else the path itself}. One query."""
    paths = set(paths)
    ids = {int(seg) for path in paths for seg in path.split(".") if seg}
    at_level = set(Area.objects.filter(pk__in=ids, level=level).values_list("pk", flat=True))
    out = {}
    for path in paths:
        segments = [seg for seg in path.split(".") if seg]
        out[path] = next(
            (path[: (i + 1) * SEGMENT] for i, seg in enumerate(segments) if int(seg) in at_level), path
        )
    return out


def _cut_expression(field: str):
    """SQL for the cell path of ``field`` (an area path): the prefix that is a community's path, else the
    path itself. Communities may sit at several depths (trees rooted at a city or at a district).
    """
    lengths = sorted(
        set(Area.objects.filter(level=Level.COMMUNITY).annotate(n=Length("path")).values_list("n", flat=True))
    )
    prefixes = [
        Subquery(
            Area.objects.filter(level=Level.COMMUNITY, path=Substr(OuterRef(field), 1, n)).values("path")[:1]
        )
        for n in lengths
    ]
    return Coalesce(*prefixes, F(field)) if prefixes else F(field)


# ---------------------------------------------------------------- which cells a case touches

# The fields each table contributes to a cell: (area path, date, category, unit).
TABLES = {
    "steps": ("area_path", "due_at", "case__category_id", "case__handler_unit_id"),
    "cases": ("area_path", "closed_at", "category_id", "handler_unit_id"),
    "ratings": ("case__area_path", "rated_at", "case__category_id", "case__handler_unit_id"),
}


@dataclass(frozen=True)
class CaseKey:
    """What a case's cells are keyed by, and whether and where it counts as closed."""

    area_path: str
    category_id: int
    unit_id: int
    merged: bool
    closed: tuple | None  # (closed_at, resolved) when closed

    @classmethod
    def of(cls, values: dict) -> CaseKey:
        closed = None
        if values["status"] == Status.CLOSED and values["closed_at"] is not None:
            resolved = values["resolved_at"] is not None and values["reopen_count"] == 0
            closed = (values["closed_at"], resolved)
        return cls(
            area_path=values["area_path"],
            category_id=values["category_id"],
            unit_id=values["handler_unit_id"] or 0,
            merged=values["status"] == Status.MERGED,
            closed=closed,
        )


CASE_VALUES = (
    "status",
    "closed_at",
    "resolved_at",
    "reopen_count",
    "area_path",
    "category_id",
    "handler_unit_id",
)


def _case_keys(case_ids: Iterable[int]) -> dict[int, CaseKey]:
    return {
        v.pop("pk"): CaseKey.of(v)
        for v in Case.objects.filter(pk__in=list(case_ids)).values("pk", *CASE_VALUES)
    }


def cells_for(
    key: CaseKey, *, steps: Iterable[tuple[str, dt.datetime]] = (), ratings: Iterable[dt.datetime] = ()
) -> set[tuple]:
    """Cells (with an uncut path) that ``key`` touches with its closing, ``steps`` (path, due_at) and
    ``ratings`` (rated_at)."""
    out = {(path, month_of(due), key.category_id, key.unit_id) for path, due in steps}
    out |= {(key.area_path, month_of(when), key.category_id, key.unit_id) for when in ratings}
    if key.closed:
        out.add((key.area_path, month_of(key.closed[0]), key.category_id, key.unit_id))
    return out


def _steps_of(case_ids) -> dict[int, list]:
    out: dict[int, list] = {}
    rows = CaseStep.objects.filter(case_id__in=list(case_ids), step=Step.FIRST_CONTACT)
    for case_id, path, due in rows.values_list("case_id", "area_path", "due_at"):
        out.setdefault(case_id, []).append((path, due))
    return out


def _ratings_of(case_ids) -> dict[int, list]:
    out: dict[int, list] = {}
    rows = Rating.objects.filter(case_id__in=list(case_ids), source_case_id=F("case_id"))
    for case_id, when in rows.values_list("case_id", "rated_at"):
        out.setdefault(case_id, []).append(when)
    return out


def cells_of(case_ids: Iterable[int]) -> set[tuple]:
    """Every cell (uncut path) the cases touch now: their closing, first-contact steps and own ratings."""
    case_ids = list(case_ids)
    keys, steps, ratings = _case_keys(case_ids), _steps_of(case_ids), _ratings_of(case_ids)
    out: set[tuple] = set()
    for pk, key in keys.items():
        out |= cells_for(key, steps=steps.get(pk, ()), ratings=ratings.get(pk, ()))
    return out


# ---------------------------------------------------------------- upkeep on writes


def case_changed(case_id: int, old: dict | None, new: dict) -> None:
    """A case was saved (``old`` None when created). Recompute its cells when a counted value changed: its
    area, category or unit (every cell moves), merged or not (its steps), its closing (closed cell).
    """
    before, after = (CaseKey.of(old) if old else None), CaseKey.of(new)
    if before == after:
        return
    if before is None:
        # A new case has no steps or ratings yet; it counts only if created closed (bulk paths, tests).
        recompute(cells_for(after))
        return
    moved = (before.area_path, before.category_id, before.unit_id, before.merged) != (
        after.area_path,
        after.category_id,
        after.unit_id,
        after.merged,
    )
    steps = _steps_of([case_id]).get(case_id, []) if moved else []
    ratings = _ratings_of([case_id]).get(case_id, []) if moved else []
    recompute(
        cells_for(before, steps=steps, ratings=ratings) | cells_for(after, steps=steps, ratings=ratings)
    )


def step_changed(case_id: int, old: dict | None, new: dict | None) -> None:
    """A step was saved or deleted. Recompute the cells of the first-contact step before and after."""
    rows = [(v["area_path"], v["due_at"]) for v in (old, new) if v and v["step"] == Step.FIRST_CONTACT]
    if not rows or old == new:
        return
    key = _case_keys([case_id]).get(case_id)
    if key is not None:
        recompute(cells_for(key, steps=rows))


def rating_changed(case_id: int, old: dict | None, new: dict | None) -> None:
    """A rating was saved or deleted. Which round is the latest may change, so every month the case was
    rated in by its own reporter is recomputed (a few rows).
    """
    own = [v for v in (old, new) if v and v["source_case_id"] == v["case_id"]]
    if not own or old == new:
        return
    key = _case_keys([case_id]).get(case_id)
    if key is not None:
        when = [v["rated_at"] for v in own] + _ratings_of([case_id]).get(case_id, [])
        recompute(cells_for(key, ratings=when))


def case_steps_changed(case_id: int) -> None:
    """The case's steps were changed by a queryset ``update()`` (no signal): recompute its step cells."""
    key = _case_keys([case_id]).get(case_id)
    if key is not None:
        recompute(cells_for(key, steps=_steps_of([case_id]).get(case_id, [])))


@contextmanager
def tracking(case_ids: Iterable[int]) -> Iterator[None]:
    """For writes that bypass the signals (queryset ``update()``, bulk loads of a few cases): recompute every
    cell the cases touch before and after the block.
    """
    case_ids = list(case_ids)
    before = cells_of(case_ids)
    yield
    recompute(before | cells_of(case_ids))


# ---------------------------------------------------------------- recomputation


def _cell_q(cell: Cell, table: str, community: bool) -> Q:
    path, date, category, unit = TABLES[table]
    area = subtree_q(cell.area_path, path) if community else Q(**{path: cell.area_path})
    start, end = _local_midnight(cell.month), _local_midnight(add_months(cell.month, 1))
    unit_q = Q(**{f"{unit}__isnull": True}) if cell.unit_id == 0 else Q(**{unit: cell.unit_id})
    return area & Q(**{f"{date}__gte": start, f"{date}__lt": end, category: cell.category_id}) & unit_q


def _cells_sql(filters: dict[str, Q]) -> tuple[str, list]:
    """SELECT area_path, month, category_id, unit_id, <COUNTS> of every cell with rows matching ``filters``
    (one Q per table), grouped by cell: one UNION ALL of the three tables' aggregates.
    """
    zero = Value(0, output_field=IntegerField())
    aggregates = {
        "steps": {"steps": Count("pk"), "met": met_count()},
        "cases": case_counts(),
        "ratings": rating_counts(),
    }
    bases = {"steps": counted_steps(), "cases": counted_cases(), "ratings": counted_ratings()}
    parts, params = [], []
    for table, (path, date, category, unit) in TABLES.items():
        qs = (
            bases[table]
            .filter(filters[table])
            .annotate(
                a=_cut_expression(path),
                m=TruncMonth(date, tzinfo=timezone.get_current_timezone(), output_field=DateField()),
                c=F(category),
                u=Coalesce(F(unit), zero),
            )
            .values("a", "m", "c", "u")
            .annotate(**aggregates[table])
            .annotate(**{n: zero for n in COUNTS if n not in aggregates[table]})
            .values_list("a", "m", "c", "u", *COUNTS)
            .order_by()
        )
        sql, p = qs.query.get_compiler(connection=connection).as_sql()
        parts.append(f"SELECT * FROM ({sql}) AS t_{table}")
        params.extend(p)
    q = connection.ops.quote_name
    sums = ", ".join(f"SUM({q(n)})" for n in COUNTS)
    keys = ", ".join(q(n) for n in ("a", "m", "c", "u"))
    union = " UNION ALL ".join(parts)
    return f"SELECT {keys}, {sums} FROM ({union}) AS cells GROUP BY {keys}", params


def _expected(filters: dict[str, Q]) -> dict[Cell, tuple]:
    sql, params = _cells_sql(filters)
    field = CaseMonthStat._meta.get_field("month")
    out = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for path, month, category, unit, *counts in cursor.fetchall():
            month = field.to_python(month)  # SQLite gives text
            out[Cell(path, month, category, unit)] = tuple(int(n) for n in counts)
    return out


def recompute(cells: Iterable[tuple]) -> None:
    """Recompute ``cells`` (area paths not yet cut to community) from the base tables: create the missing
    rows, lock them in key order, aggregate, write. Runs inside the caller's transaction.
    """
    raw = set(cells)
    if not raw:
        return
    cuts = community_cuts(path for path, *_rest in raw)
    wanted = sorted({Cell(cuts[path], month, category, unit) for path, month, category, unit in raw})
    communities = set(
        Area.objects.filter(path__in={c.area_path for c in wanted}, level=Level.COMMUNITY).values_list(
            "path", flat=True
        )
    )
    with transaction.atomic(savepoint=False):
        CaseMonthStat.objects.bulk_create(
            [
                CaseMonthStat(
                    area_path=c.area_path, month=c.month, category_id=c.category_id, unit_id=c.unit_id
                )
                for c in wanted
            ],
            ignore_conflicts=True,
        )
        key_q = reduce(
            or_,
            (
                Q(area_path=c.area_path, month=c.month, category_id=c.category_id, unit_id=c.unit_id)
                for c in wanted
            ),
        )
        rows = list(
            CaseMonthStat.objects.select_for_update()
            .filter(key_q)
            .order_by("area_path", "month", "category_id", "unit_id")
        )
        # Only after the lock: the aggregate must see every write committed before we got it.
        filters = {
            table: reduce(or_, (_cell_q(c, table, c.area_path in communities) for c in wanted))
            for table in TABLES
        }
        expected = _expected(filters)
        _store(
            CaseMonthStat,
            rows,
            lambda r: expected.get(Cell(r.area_path, r.month, r.category_id, r.unit_id), ZERO),
        )
        # Always, not only when a cell changed: a cell another writer changed and committed since our
        # sums were last written is summed again here, and summing is cheap.
        _recompute_sums(wanted)


# ---------------------------------------------------------------- the sums (CaseMonthSum)


# Plain strings, not the enum members: a TextChoices member hashes by its name, so as part of a dict key it
# would not find the same key read back from the database.
AREA, UNIT, CATEGORY = (
    CaseMonthSum.Kind.AREA.value,
    CaseMonthSum.Kind.UNIT.value,
    CaseMonthSum.Kind.CATEGORY.value,
)


@dataclass(frozen=True, order=True)
class SumCell:
    kind: str
    area_path: str
    month: dt.date
    key: int


def _sum_cells(cell: Cell, district: str) -> tuple[SumCell, ...]:
    """The sums that ``cell`` feeds; ``district`` is its path cut at district level."""
    return (
        SumCell(AREA, cell.area_path, cell.month, 0),
        SumCell(CATEGORY, district, cell.month, cell.category_id),
        SumCell(UNIT, district, cell.month, cell.unit_id),
    )


def _district_paths(paths: Iterable[str]) -> set[str]:
    return set(Area.objects.filter(path__in=set(paths), level=Level.DISTRICT).values_list("path", flat=True))


def _sums(rows: Iterable[tuple], districts: dict[str, str]) -> dict[SumCell, list[int]]:
    """Every sum of the cell ``rows`` (area_path, month, category_id, unit_id, *COUNTS); ``districts`` maps
    each row's path to its district cut."""
    out: dict[SumCell, list[int]] = {}
    for path, month, category, unit, *counts in rows:
        for key in _sum_cells(Cell(path, month, category, unit), districts[path]):
            total = out.setdefault(key, [0] * len(COUNTS))
            for i, n in enumerate(counts):
                total[i] += n
    return out


def _feeding_q(cell: SumCell, districts: set[str]) -> Q:
    """The rollup cells a sum adds up: a community's cells of the month, or a district's (its subtree when
    ``area_path`` is a district, else that path only) of the month with the unit or category."""
    if cell.kind == AREA:
        return Q(area_path=cell.area_path, month=cell.month)
    area = (
        subtree_q(cell.area_path, "area_path") if cell.area_path in districts else Q(area_path=cell.area_path)
    )
    dimension = "unit_id" if cell.kind == UNIT else "category_id"
    return area & Q(month=cell.month, **{dimension: cell.key})


def _recompute_sums(cells: Iterable[Cell]) -> None:
    """Recompute the sums the (cut) ``cells`` feed, from the cells: create the missing rows, lock them in key
    order (after the cells, as every writer does), add up, write. The same locking argument as ``recompute``:
    the adding runs after the lock, so it sees every cell committed by a writer that held it before us.
    """
    cells = list(cells)
    districts = level_cuts({c.area_path for c in cells}, Level.DISTRICT)
    wanted = sorted({s for c in cells for s in _sum_cells(c, districts[c.area_path])})
    if not wanted:
        return
    CaseMonthSum.objects.bulk_create(
        [CaseMonthSum(kind=c.kind, area_path=c.area_path, month=c.month, key=c.key) for c in wanted],
        ignore_conflicts=True,
    )
    key_q = reduce(or_, (Q(kind=c.kind, area_path=c.area_path, month=c.month, key=c.key) for c in wanted))
    rows = list(
        CaseMonthSum.objects.select_for_update().filter(key_q).order_by("kind", "area_path", "month", "key")
    )
    district_paths = _district_paths(c.area_path for c in wanted if c.kind != AREA)
    feeding = CaseMonthStat.objects.filter(reduce(or_, (_feeding_q(c, district_paths) for c in wanted)))
    fed = list(feeding.values_list("area_path", "month", "category_id", "unit_id", *COUNTS))
    expected = _sums(fed, level_cuts({r[0] for r in fed}, Level.DISTRICT))
    _store(
        CaseMonthSum, rows, lambda r: tuple(expected.get(SumCell(r.kind, r.area_path, r.month, r.key), ZERO))
    )


def _store(model, rows, counts_of) -> None:
    """Write ``counts_of(row)`` (a tuple in ``COUNTS`` order) into the locked ``rows`` of ``model`` that
    differ from it, in one bulk update."""
    changed = []
    for row in rows:
        counts = counts_of(row)
        if tuple(getattr(row, n) for n in COUNTS) != counts:
            for name, value in zip(COUNTS, counts, strict=True):
                setattr(row, name, value)
            changed.append(row)
    if changed:
        model.objects.bulk_update(changed, COUNTS)


# ---------------------------------------------------------------- rebuild and check


def _scope(area: Area | None) -> Area | None:
    """The area whose subtree holds whole cells: below community level, its community."""
    if area is None or LEVEL_ORDER.get(area.level, 0) <= LEVEL_ORDER[Level.COMMUNITY]:
        return area
    community = next((a for a in area.ancestors() if a.level == Level.COMMUNITY), None)
    return community or area


def _scope_filters(area: Area | None) -> dict[str, Q]:
    return {table: subtree_q(area.path, path) if area else Q() for table, (path, *_r) in TABLES.items()}


@transaction.atomic
def rebuild(area: Area | None = None) -> int:
    """Recompute the rollup of ``area``'s subtree (everything when None) from the base tables in one set-based
    INSERT … SELECT, after deleting its cells. For bulk loads that bypass the signals, and for repairs.
    Returns the number of cells written.
    """
    area = _scope(area)
    cells = CaseMonthStat.objects.all()
    if area is not None:
        cells = cells.filter(subtree_q(area.path, "area_path"))
    cells.delete()
    sql, params = _cells_sql(_scope_filters(area))
    q = connection.ops.quote_name
    columns = ", ".join(q(n) for n in ("area_path", "month", "category_id", "unit_id", *COUNTS))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {q(CaseMonthStat._meta.db_table)} ({columns}) {sql}", params)
        written = cursor.rowcount
    rebuild_sums(area)
    return written


def rebuild_sums(area: Area | None = None) -> None:
    """Recompute the sums (``CaseMonthSum``) that ``area``'s cells feed from the stored cells: its area sums,
    its district's unit and category sums (everything when None). Part of ``rebuild``; also run alone by the
    migration that created the sums."""
    area = _scope(area)
    for kind, scope, expected in _sums_by_kind(area):
        _sums_in(kind, scope).delete()
        CaseMonthSum.objects.bulk_create(
            (
                CaseMonthSum(
                    kind=key.kind,
                    area_path=key.area_path,
                    month=key.month,
                    key=key.key,
                    **dict(zip(COUNTS, counts, strict=True)),
                )
                for key, counts in expected.items()
            ),
            batch_size=2000,
        )


def _sum_scopes(area: Area | None) -> list[tuple[str, Area | None]]:
    """(kind, area whose subtree holds whole sums of that kind) for a rebuild or check of ``area`` (already
    widened to whole cells by ``_scope``): the area itself for ``area`` sums, its district for the others."""
    district = area
    if area is not None and LEVEL_ORDER.get(area.level, 0) > LEVEL_ORDER[Level.DISTRICT]:
        district = next((a for a in area.ancestors() if a.level == Level.DISTRICT), area)
    return [
        (AREA, area),
        (UNIT, district),
        (CATEGORY, district),
    ]


def _sums_in(kind: str, scope: Area | None):
    """The stored sums of ``kind`` in ``scope``'s subtree (everything when None)."""
    sums = CaseMonthSum.objects.filter(kind=kind)
    return sums if scope is None else sums.filter(subtree_q(scope.path, "area_path"))


def _expected_sums(scope: Area | None) -> dict[SumCell, tuple]:
    """Every sum of the cells in ``scope``'s subtree (everything when None), non-zero ones only, added up
    from the rollup cells as they are streamed (a city holds millions of cells)."""
    cells = CaseMonthStat.objects.all()
    if scope is not None:
        cells = cells.filter(subtree_q(scope.path, "area_path"))
    districts = level_cuts(cells.values_list("area_path", flat=True).distinct().order_by(), Level.DISTRICT)
    rows = cells.values_list("area_path", "month", "category_id", "unit_id", *COUNTS).order_by()
    sums = _sums(rows.iterator(chunk_size=5000), districts)
    return {key: tuple(counts) for key, counts in sums.items() if any(counts)}


def _sums_by_kind(area: Area | None) -> Iterator[tuple[str, Area | None, dict[SumCell, tuple]]]:
    """(kind, scope, expected sums of that kind in the scope) for a rebuild or check of ``area``; the cells
    are read once per distinct scope."""
    computed: dict[str, dict] = {}
    for kind, scope in _sum_scopes(area):
        path = scope.path if scope is not None else ""
        if path not in computed:
            computed[path] = _expected_sums(scope)
        yield kind, scope, {k: v for k, v in computed[path].items() if k.kind == kind}


@dataclass
class Difference:
    cell: Cell | SumCell
    stored: tuple
    expected: tuple

    def describe(self) -> str:
        c = self.cell
        where = f"{c.area_path} {c.month:%Y-%m}"
        if isinstance(c, SumCell):
            where = f"sum {c.kind} {where} key={c.key}"
        else:
            where = f"{where} category={c.category_id} unit={c.unit_id}"
        return f"{where}: stored {self.stored} expected {self.expected}"


def check(area: Area | None = None) -> list[Difference]:
    """Compare the rollup of ``area``'s subtree (everything when None) with a recomputation from the base
    tables, then its sums (``CaseMonthSum``) with the sums of its cells; zeroed rows count as missing ones.
    Returns the differing cells, in key order, the sums after the cells.
    """
    area = _scope(area)
    cells = CaseMonthStat.objects.all()
    if area is not None:
        cells = cells.filter(subtree_q(area.path, "area_path"))
    stored = {
        Cell(path, month, category, unit): tuple(counts)
        for path, month, category, unit, *counts in cells.values_list(
            "area_path", "month", "category_id", "unit_id", *COUNTS
        )
        if any(counts)
    }
    out = _differences(stored, _expected(_scope_filters(area)))
    for kind, scope, expected_sums in _sums_by_kind(area):
        stored_sums = {
            SumCell(kind, path, month, key): tuple(counts)
            for path, month, key, *counts in _sums_in(kind, scope).values_list(
                "area_path", "month", "key", *COUNTS
            )
            if any(counts)
        }
        out += _differences(stored_sums, expected_sums)
    return out


def _differences(stored: dict, expected: dict) -> list[Difference]:
    """The keys whose stored counts differ from the expected ones (a missing key counts as zeros), in order."""
    return [
        Difference(key, stored.get(key, ZERO), expected.get(key, ZERO))
        for key in sorted(stored.keys() | expected.keys())
        if stored.get(key, ZERO) != expected.get(key, ZERO)
    ]
