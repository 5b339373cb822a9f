"""考核指标: the rates of the case process (P1), defined here and nowhere else (see also ``docs/rates.md``).

Over a period (whole months, local time) and an area subtree, optionally one category and its sub-categories:

- 响应率 response rate = first-contact steps done by their deadline ÷ first-contact steps due in the period.
  A ``CaseStep`` with ``step=first_contact`` counts in the month its ``due_at`` falls in. Done by the deadline
  (``done_at <= due_at``) is met; done late is not met; not done yet is not met once its deadline has passed,
  and is left out (neither met nor missed) while its deadline is still ahead. Steps of merged cases are left
  out: the surviving case carries the contact.
- 解决率 resolution rate = cases resolved and not reopened ÷ cases closed in the period. A case counts in the
  month of its ``closed_at`` when its status is ``closed``; it is resolved and not reopened when it has a
  ``resolved_at`` and ``reopen_count == 0``.
- 满意率 satisfaction rate = (满意 + weight × 基本满意) ÷ rated cases in the period. Each case counts once, with
  the latest rating (highest round) given by its own reporter (``source_case == case``), in the month of that
  rating's ``rated_at``. Ratings by reporters of merged cases are not counted. ``weight`` is
  ``RateSettings.basic_weight`` (1 by default; some cities use 0.9).
- 综合得分 composite score = Σ weightᵢ × rateᵢ (rates in %, weights in % summing to 100, default 10/50/40), a
  score out of 100. When a rate has no denominator (an empty period) it is left out and the weights of the
  others are scaled up to 100; with no rate at all the score is empty. An empty rate or score is shown as "—".

By area, unit (the case's ``handler_unit``), category and month. Each breakdown reads the community × month
rollup (``CaseMonthStat``, kept by ``cases.rollups``: two queries) when the area is at community level or
above, else three aggregate queries on the base tables (steps, cases, ratings), whatever the number of cases;
breakdowns answered by the same sums are read together (``rate_counts_by``). Sums over months are exact because
every count is additive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from yishi.areas.models import LEVEL_ORDER, PATH_DIGITS, Area, Level, Unit, subtree_q

from .models import Case, CaseStep, Category, RateSettings, Rating, RatingValue, Step
from .workflow import Status

EMPTY = "—"
HUNDRED = Decimal(100)
GROUPS = ("total", "month", "child", "unit", "category")


# ---------------------------------------------------------------- periods


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after ``month`` (negative ``n`` goes back)."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months ``first`` … ``last`` (first days of months), in local time."""

    first: dt.date
    last: dt.date

    @classmethod
    def ending(cls, until: dt.date | None = None, months: int = 12) -> Period:
        """The ``months`` months ending with the month of ``until`` (default: this month)."""
        until = until or timezone.localdate()
        last = until.replace(day=1)
        return cls(first=add_months(last, -(max(months, 1) - 1)), last=last)

    @property
    def start(self) -> dt.datetime:
        return _local_midnight(self.first)

    @property
    def end(self) -> dt.datetime:
        """Exclusive: midnight of the first day after the period."""
        return _local_midnight(add_months(self.last, 1))

    def months(self) -> list[dt.date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = add_months(month, 1)
        return out


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day))


# ---------------------------------------------------------------- the counts and the rates


@dataclass
class Rates:
    """The counts behind the three rates of one group, and the rates computed from them (``Decimal`` in %,
    or None when the denominator is zero). ``weights`` are (basic weight, response %, resolution %,
    satisfaction %) from ``RateSettings``.
    """

    due: int = 0
    met: int = 0
    closed: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    weights: tuple = field(default=(Decimal(1), 10, 50, 40), compare=False)

    COUNTS = ("due", "met", "closed", "resolved", "rated", "satisfied", "basic", "unsatisfied")

    def __add__(self, other: Rates) -> Rates:
        return Rates(
            **{name: getattr(self, name) + getattr(other, name) for name in self.COUNTS}, weights=self.weights
        )

    def add_counts(self, counts: dict) -> None:
        """Add ``counts`` ({count name: value}) to this group's counts, in place."""
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + value)

    @property
    def response_rate(self) -> Decimal | None:
        return _ratio(self.met, self.due)

    @property
    def resolution_rate(self) -> Decimal | None:
        return _ratio(self.resolved, self.closed)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        basic_weight = Decimal(self.weights[0])
        return _ratio(Decimal(self.satisfied) + basic_weight * self.basic, self.rated)

    @property
    def composite(self) -> Decimal | None:
        pairs = [
            (Decimal(w), r)
            for w, r in zip(
                self.weights[1:],
                (self.response_rate, self.resolution_rate, self.satisfaction_rate),
                strict=True,
            )
            if r is not None
        ]
        total_weight = sum((w for w, _r in pairs), Decimal(0))
        if not pairs or total_weight == 0:
            return None
        return sum((w * r for w, r in pairs), Decimal(0)) / total_weight

    @property
    def is_empty(self) -> bool:
        return not (self.due or self.closed or self.rated)

    # Display helpers for templates and exports: one decimal, "—" when empty.
    @property
    def response_pct(self) -> str:
        return pct(self.response_rate)

    @property
    def resolution_pct(self) -> str:
        return pct(self.resolution_rate)

    @property
    def satisfaction_pct(self) -> str:
        return pct(self.satisfaction_rate)

    @property
    def composite_display(self) -> str:
        return fmt(self.composite)


def _ratio(numerator, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return Decimal(numerator) * HUNDRED / Decimal(denominator)


def rounded(value: Decimal | None, places: int = 1) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None) -> str:
    return EMPTY if value is None else str(rounded(value))


def pct(value: Decimal | None) -> str:
    return EMPTY if value is None else f"{rounded(value)}%"


def weights_of(settings: RateSettings) -> tuple:
    return (
        Decimal(settings.basic_weight),
        settings.response_weight,
        settings.resolution_weight,
        settings.satisfaction_weight,
    )


# ---------------------------------------------------------------- the queries


def category_ids(category: Category | list[int] | None) -> list[int] | None:
    """``category`` and every category below it (the category table is small: one query). A list of ids
    (computed once for several breakdowns) is passed through.
    """
    if category is None or isinstance(category, list):
        return category
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    out, todo = [], [category.pk]
    while todo:
        pk = todo.pop()
        out.append(pk)
        todo.extend(children.get(pk, []))
    return out


def _key(group: str, area: Area, *, path: str, date: str, unit: str, category: str):
    if group == "total":
        return Value(0, output_field=IntegerField())
    if group == "month":
        return TruncMonth(date, tzinfo=timezone.get_current_timezone())
    if group == "child":
        # Paths are fixed-width segments, so a child's subtree is the first len(path) + one segment characters.
        return Substr(path, 1, len(area.path) + PATH_DIGITS + 1)
    if group == "unit":
        return F(unit)
    if group == "category":
        return F(category)
    raise ValueError(group)


def _step_key(group: str, area: Area):
    """``_key`` of a first-contact step: the month of its deadline, its case's unit and category."""
    return _key(
        group,
        area,
        path="area_path",
        date="due_at",
        unit="case__handler_unit_id",
        category="case__category_id",
    )


def _month_key(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def counted_steps():
    """First-contact steps that count for 响应率: those of cases not merged (the surviving case carries the
    contact)."""
    return CaseStep.objects.filter(step=Step.FIRST_CONTACT).exclude(case__status=Status.MERGED)


def counted_cases():
    """Cases that count for 解决率: closed ones (in the month of ``closed_at``)."""
    return Case.objects.filter(status=Status.CLOSED)


def counted_ratings():
    """Ratings that count for 满意率: each case's latest round rated by its own reporter."""
    later = Rating.objects.filter(
        case=OuterRef("case"), source_case=OuterRef("case"), round__gt=OuterRef("round")
    )
    return Rating.objects.filter(source_case=F("case")).exclude(Exists(later))


def met_count() -> Count:
    return Count("pk", filter=Q(done_at__lte=F("due_at")))


def case_counts() -> dict:
    return {
        "closed": Count("pk"),
        "resolved": Count("pk", filter=Q(reopen_count=0, resolved_at__isnull=False)),
    }


def rating_counts() -> dict:
    return {
        "rated": Count("pk"),
        "satisfied": Count("pk", filter=Q(value=RatingValue.SATISFIED)),
        "basic": Count("pk", filter=Q(value=RatingValue.BASIC)),
        "unsatisfied": Count("pk", filter=Q(value=RatingValue.UNSATISFIED)),
    }


def rollup_answers(area: Area, group: str) -> bool:
    """Whether the community × month rollup (``CaseMonthStat``) can answer ``group`` for ``area``: its cells
    are communities (or the case's own area when filed above community level), so the area must be at
    community level or above, and for ``child`` strictly above it (a community's children are grids).
    """
    order, community = LEVEL_ORDER.get(area.level, len(LEVEL_ORDER)), LEVEL_ORDER[Level.COMMUNITY]
    return order < community if group == "child" else order <= community


def sum_kind(area: Area, group: str, cats: list[int] | None) -> str:
    """The kind of ``CaseMonthSum`` that answers ``group`` for ``area`` without a category filter ("" when
    none does and the cells are read): ``area`` sums for the total, months and child areas (where the cells
    could answer them too), ``unit``/``category`` sums for those breakdowns of a district or above."""
    if cats is not None or not rollup_answers(area, group):
        return ""
    if group in ("unit", "category"):
        return group if LEVEL_ORDER.get(area.level, len(LEVEL_ORDER)) <= LEVEL_ORDER[Level.DISTRICT] else ""
    return "area"


def rate_counts(
    *,
    area: Area,
    period: Period,
    group: str = "total",
    category: Category | None = None,
    settings: RateSettings | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """The ``Rates`` of ``area``'s subtree over ``period``, grouped by ``group`` (see ``GROUPS``).

    Keys: ``0`` (total), the first day of the month (month), the child area's path (child), the unit id
    (unit; None for cases without a handling unit) or the category id (category). Read from the rollup
    (``CaseMonthStat``, two queries) when it can answer (``rollup_answers``), else from the base tables
    (``rate_counts_from_base``, three queries); both give the same result.
    """
    return rate_counts_by(
        area=area, period=period, groups=(group,), category=category, settings=settings, now=now
    )[group]


def rate_counts_by(
    *,
    area: Area,
    period: Period,
    groups: tuple[str, ...],
    category: Category | list[int] | None = None,
    settings: RateSettings | None = None,
    now: dt.datetime | None = None,
) -> dict[str, dict]:
    """``rate_counts`` for each of ``groups`` ({group: its ``rate_counts``}), with fewer queries: groups the
    rollup answers from the same table (``sum_kind``) are read by one query grouped by all their keys at
    once — the month and child breakdowns of a district are one query of its 12 × 10 (month, street) pairs
    instead of two of 1,200 cells each — and each group's counts are the sums over the others' keys (every
    count is additive). The other groups are read one by one.
    """
    for group in groups:
        if group not in GROUPS:
            raise ValueError(group)
    settings = settings or RateSettings.current()
    now = now or timezone.now()
    cats = category_ids(category)
    together: dict[str, list[str]] = {}
    out: dict[str, dict] = {}
    for group in groups:
        if rollup_answers(area, group):
            together.setdefault(sum_kind(area, group, cats), []).append(group)
        else:
            out[group] = rate_counts_from_base(
                area=area, period=period, group=group, category=cats, settings=settings, now=now
            )
    for kind, kind_groups in together.items():
        out.update(
            _rate_counts_from_rollup(
                area=area, period=period, groups=kind_groups, kind=kind, cats=cats, settings=settings, now=now
            )
        )
    return out


_SKIPPED = object()


def _group_key(group: str, key, area: Area):
    """A rollup or pending-steps row's key as ``rate_counts`` gives it, or ``_SKIPPED`` for a child
    breakdown's row located at the area itself (in no child's subtree; it still counts in the others)."""
    if group == "unit":
        return key or None  # the rollup keeps "no unit" as 0
    if group == "month":
        return _month_key(key)
    if group == "child" and len(key) <= len(area.path):
        return _SKIPPED
    return key


def _rate_counts_from_rollup(
    *, area: Area, period: Period, groups: list[str], kind: str, cats, settings, now
) -> dict[str, dict]:
    """``rate_counts_by`` from the rollup, for groups answered by the same ``kind`` of sums ("": the cells):
    the sums of the cells of the subtree and period, less the first-contact steps still pending whose
    deadline is at or after ``now`` (not due yet: left out of 响应率), counted on the partial index of
    pending steps. One query of each, grouped by every group's key.
    """
    from .models import CaseMonthStat, CaseMonthSum
    from .rollups import COUNTS

    weights = weights_of(settings)
    table = CaseMonthSum.objects.filter(kind=kind) if kind else CaseMonthStat.objects.all()
    cells = table.filter(subtree_q(area.path, "area_path"), month__gte=period.first, month__lte=period.last)
    if cats is not None:
        cells = cells.filter(category_id__in=cats)
    keys = {
        "total": Value(0, output_field=IntegerField()),
        "month": F("month"),
        "child": Substr("area_path", 1, len(area.path) + PATH_DIGITS + 1),
        "unit": F("key" if kind else "unit_id"),
        "category": F("key" if kind else "category_id"),
    }
    names = [f"k{i}" for i in range(len(groups))]
    rows = (
        cells.annotate(**{name: keys[group] for name, group in zip(names, groups, strict=True)})
        .values(*names)
        .annotate(**{n: Sum(n) for n in COUNTS})
        .order_by()
    )
    # A total is one aggregate over everything: like the base tables' version, it has a row even when empty.
    out: dict[str, dict] = {
        group: {0: Rates(weights=weights)} if group == "total" else {} for group in groups
    }
    for row in rows:
        row_keys = [row.pop(name) for name in names]
        if not (row["steps"] or row["closed"] or row["rated"]):  # also the NULL sums of an empty total
            continue  # cells emptied by later writes are kept as zeros
        row["due"] = row.pop("steps")
        for group, key in zip(groups, row_keys, strict=True):
            key = _group_key(group, key, area)
            if key is _SKIPPED:
                continue
            bucket = out[group]
            if key in bucket:
                bucket[key].add_counts(row)
            else:
                bucket[key] = Rates(**row, weights=weights)
    start, end = period.start, period.end
    if now >= end:
        return out  # every step of the period is due: nothing to take off
    pending = counted_steps().filter(
        subtree_q(area.path, "area_path"), done_at__isnull=True, due_at__gte=max(now, start), due_at__lt=end
    )
    if cats is not None:
        pending = pending.filter(case__category_id__in=cats)
    step_keys = {name: _step_key(group, area) for name, group in zip(names, groups, strict=True)}
    for row in pending.annotate(**step_keys).values(*names).annotate(n=Count("pk")).order_by():
        for group, name in zip(groups, names, strict=True):
            key = _group_key(group, row[name], area)
            if key is _SKIPPED:
                continue
            rates = out[group].setdefault(key, Rates(weights=weights))
            rates.due -= row["n"]
    return out


def rate_counts_from_base(
    *,
    area: Area,
    period: Period,
    group: str = "total",
    category: Category | None = None,
    settings: RateSettings | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """``rate_counts`` from the base tables (steps, cases, ratings): three aggregate queries. The fallback
    where the rollup cannot answer, and the recomputation the rollup is tested against.
    """
    settings = settings or RateSettings.current()
    weights = weights_of(settings)
    now = now or timezone.now()
    cats = category_ids(category)
    start, end = period.start, period.end

    steps = counted_steps().filter(subtree_q(area.path, "area_path"), due_at__gte=start, due_at__lt=end)
    cases = counted_cases().filter(subtree_q(area.path, "area_path"), closed_at__gte=start, closed_at__lt=end)
    ratings = counted_ratings().filter(
        subtree_q(area.path, "case__area_path"), rated_at__gte=start, rated_at__lt=end
    )
    if cats is not None:
        steps = steps.filter(case__category_id__in=cats)
        cases = cases.filter(category_id__in=cats)
        ratings = ratings.filter(case__category_id__in=cats)

    step_rows = (
        steps.annotate(k=_step_key(group, area))
        .values("k")
        .annotate(due=Count("pk", filter=Q(done_at__isnull=False) | Q(due_at__lt=now)), met=met_count())
        .order_by()
    )
    case_rows = (
        cases.annotate(
            k=_key(
                group,
                area,
                path="area_path",
                date="closed_at",
                unit="handler_unit_id",
                category="category_id",
            )
        )
        .values("k")
        .annotate(**case_counts())
        .order_by()
    )
    rating_rows = (
        ratings.annotate(
            k=_key(
                group,
                area,
                path="case__area_path",
                date="rated_at",
                unit="case__handler_unit_id",
                category="case__category_id",
            )
        )
        .values("k")
        .annotate(**rating_counts())
        .order_by()
    )
    out: dict = {}
    for rows in (step_rows, case_rows, rating_rows):
        for row in rows:
            key = row.pop("k")
            if group == "month":
                key = _month_key(key)
            elif group == "child" and len(key) <= len(area.path):
                continue  # located at the area itself, not in a child's subtree
            rates = out.setdefault(key, Rates(weights=weights))
            for name, value in row.items():
                setattr(rates, name, value)
    return out


def _breakdown(group: str, counts: dict | None, **kwargs) -> dict:
    """``counts`` when the caller read the breakdown already (``rate_counts_by``), else ``rate_counts``."""
    return counts if counts is not None else rate_counts(group=group, **kwargs)


def monthly(
    *, area: Area, period: Period, category=None, settings=None, now=None, counts: dict | None = None
) -> list[tuple[dt.date, Rates]]:
    """One ``Rates`` per month of the period, in order; empty months included (their rates are None).
    ``counts``: the month breakdown when already read (``rate_counts_by``)."""
    settings = settings or RateSettings.current()
    counts = _breakdown(
        "month", counts, area=area, period=period, category=category, settings=settings, now=now
    )
    empty = Rates(weights=weights_of(settings))
    return [(month, counts.get(month, empty)) for month in period.months()]


def total(rows: Iterable[Rates], settings: RateSettings | None = None) -> Rates:
    """The sum of groups (months, …) as one ``Rates``: every count is additive."""
    result = Rates(weights=weights_of(settings or RateSettings.current()))
    for rates in rows:
        result = result + rates
    return result


@dataclass
class RankRow:
    """One ranked entity (an area or a unit): its rates and its place (None when it has no score)."""

    entity: object
    rates: Rates
    position: int | None = None


def rank(rows: Iterable[tuple[object, Rates]]) -> list[RankRow]:
    """Highest composite score first; equal scores share a place; entities without a score come last."""
    # Each score computed once (Decimal arithmetic over the counts): a district ranks a hundred entities.
    scored = sorted(
        ((r.composite, RankRow(entity=e, rates=r)) for e, r in rows),
        key=lambda pair: (pair[0] is None, -(pair[0] or 0), str(pair[1].entity)),
    )
    ranked = [row for _score, row in scored]
    previous, place = None, 0
    for index, (score, row) in enumerate(scored, start=1):
        if score is None:
            break
        score = rounded(score, 2)
        if score != previous:
            place, previous = index, score
        row.position = place
    return ranked


def child_ranking(
    *, area: Area, period: Period, category=None, settings=None, now=None, counts: dict | None = None
) -> list[RankRow]:
    """The child areas of ``area`` (e.g. the communities of a street) ranked by composite score."""
    settings = settings or RateSettings.current()
    by_child = _breakdown(
        "child", counts, area=area, period=period, category=category, settings=settings, now=now
    )
    empty = Rates(weights=weights_of(settings))
    # Only what a ranking shows and links to.
    children = Area.objects.filter(parent=area, is_active=True).only("pk", "name", "path").order_by("name")
    return rank((child, by_child.get(child.path, empty)) for child in children)


def unit_ranking(
    *, area: Area, period: Period, category=None, settings=None, now=None, counts: dict | None = None
) -> list[RankRow]:
    """The units that handled cases of ``area``'s subtree in the period, ranked by composite score."""
    settings = settings or RateSettings.current()
    by_unit = _breakdown(
        "unit", counts, area=area, period=period, category=category, settings=settings, now=now
    )
    units = Unit.objects.filter(pk__in=[pk for pk in by_unit if pk is not None]).only("pk", "name")
    return rank((unit, by_unit[unit.pk]) for unit in units)


def by_category(
    *, area: Area, period: Period, category=None, settings=None, now=None, counts: dict | None = None
) -> list[tuple]:
    """(category, ``Rates``) for every category with cases in the period, in category order."""
    by_cat = _breakdown(
        "category", counts, area=area, period=period, category=category, settings=settings, now=now
    )
    categories = Category.objects.filter(pk__in=list(by_cat)).only("pk", "name")
    return [(cat, by_cat[cat.pk]) for cat in categories]
