"""What each design choice buys: the query a choice replaced against the query yishi runs, on the same database
in the same run (``docs/performance.md``, "What the design choices bought").

Each pair is timed in-process (the ORM call as the page makes it, or the raw SQL where the choice is about
the SQL itself), ``REPEAT`` times after a warm-up; the figure is the median in milliseconds. The "before"
side is kept here only as a measurement, never used by the application.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

REPEAT = 15


@dataclass
class Pair:
    name: str
    before_label: str
    after_label: str
    before_ms: float
    after_ms: float

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "before": self.before_label,
            "after": self.after_label,
            "before_ms": round(self.before_ms, 3),
            "after_ms": round(self.after_ms, 3),
            "speedup": round(self.before_ms / self.after_ms, 1) if self.after_ms else None,
        }


def median_ms(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    fn()  # warm-up: plans, caches
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _raw(sql: str, params=()) -> Callable[[], object]:
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def compare(manifest: dict) -> list[dict]:
    """The before/after pairs on the bench city of ``manifest`` (its accounts and sample ids)."""
    from django.db.models import Q

    from yishi.accounts.models import User
    from yishi.areas.models import Area
    from yishi.cases import rates, selectors
    from yishi.cases.models import Case, Category
    from yishi.cases.search import filter_cases

    accounts = manifest["accounts"]
    sample = manifest["sample"]
    community_user = User.objects.get(username=accounts["community"]["username"])
    district = Area.objects.get(pk=sample["district_id"])
    street = Area.objects.get(pk=sample["street_id"])
    newest = Case.objects.order_by("-submitted_at").values_list("submitted_at", flat=True).first()
    pairs: list[Pair] = []

    # Keyset pagination against OFFSET: the 500th page of the city list, 20 per page.
    city = Case.objects.order_by("-submitted_at", "-id").only("id", "submitted_at")
    position = city.values_list("submitted_at", "id")[9_980:9_981]
    if position:
        at, pk = position[0]
        pairs.append(
            Pair(
                "page 500 of the city list",
                "OFFSET 9,980",
                "keyset (submitted_at, id)",
                median_ms(lambda: list(city.values_list("id", flat=True)[9_980:10_000])),
                median_ms(
                    lambda: list(city.filter(selectors.after_q((at, pk))).values_list("id", flat=True)[:20])
                ),
            )
        )

    # Visibility: the former "pk IN (visible cases)" semi-join against the branches read one by one.
    condition = selectors.case_visible_q(community_user)
    visible_in = Case.objects.filter(pk__in=Case.objects.filter(condition).values("pk"))
    pairs.append(
        Pair(
            "a community worker's case list, first page",
            "pk IN (every visible case), then sort",
            "one page per visibility branch, merged",
            median_ms(lambda: list(visible_in.order_by("-submitted_at", "-id")[:20])),
            median_ms(lambda: selectors.case_list(user=community_user, limit=20)),
        )
    )

    # Rates of a district over 12 months: base tables against the community × month rollup.
    until = (newest or dt.datetime.now(dt.UTC)).date()
    period = rates.Period.ending(until, 12)
    for group in ("total", "child", "unit", "category"):
        pairs.append(
            Pair(
                f"district rates, 12 months, by {group}",
                "aggregates over cases, steps, ratings",
                "rollup sums (CaseMonthSum)",
                median_ms(
                    lambda g=group: rates.rate_counts_from_base(area=district, period=period, group=g), 5
                ),
                median_ms(lambda g=group: rates.rate_counts(area=district, period=period, group=g)),
            )
        )
    # The same, from the community × month × category × unit cells against their sums: a filter naming
    # every category makes the rates read the cells (the sums answer only without a category filter).
    every_category = list(Category.objects.values_list("pk", flat=True))
    for group in ("total", "unit", "category"):
        pairs.append(
            Pair(
                f"district rates, 12 months, by {group} (cells)",
                "rollup cells (community × month × category × unit)",
                "rollup sums (CaseMonthSum)",
                median_ms(
                    lambda g=group: rates.rate_counts(
                        area=district, period=period, group=g, category=every_category
                    )
                ),
                median_ms(lambda g=group: rates.rate_counts(area=district, period=period, group=g)),
            )
        )

    # Chinese keyword search: substring scan against the jieba token index.
    words = sample.get("search_words") or []
    for word in words[:2]:
        substring = Case.objects.filter(Q(title__contains=word) | Q(text__contains=word))
        pairs.append(
            Pair(
                f"newest 20 cases containing {word}",
                "LIKE '%word%' on title and text",
                "jieba tokens, full-text index",
                median_ms(
                    lambda s=substring: list(s.order_by("-submitted_at", "-id").values_list("id")[:20]), 5
                ),
                median_ms(
                    lambda w=word: list(
                        filter_cases(Case.objects.all(), w)
                        .order_by("-submitted_at", "-id")
                        .values_list("id")[:20]
                    )
                ),
            )
        )

    # A subtree as a LIKE prefix against a range on the materialised path (SQLite cannot use an index for
    # the former).
    pairs.append(
        Pair(
            "cases of a street (count)",
            "area_path LIKE 'path%'",
            "area_path range",
            median_ms(
                _raw("SELECT count(*) FROM cases_case WHERE area_path LIKE %s", [street.path + "%"]), 5
            ),
            median_ms(
                _raw(
                    "SELECT count(*) FROM cases_case WHERE area_path >= %s AND area_path < %s",
                    [street.path, street.path[:-1] + "/"],
                )
            ),
        )
    )
    return [p.as_dict() for p in pairs]


def table(pairs: list[dict]) -> str:
    lines = [f"{'what':44} {'before':>10} {'after':>10} {'×':>7}  before → after"]
    lines.append("-" * len(lines[0]))
    for p in pairs:
        speed = f"{p['speedup']:.1f}" if p["speedup"] else "—"
        lines.append(
            f"{p['name'][:44]:44} {p['before_ms']:10.2f} {p['after_ms']:10.2f} {speed:>7}  "
            f"{p['before']} → {p['after']}"
        )
    return "\n".join(lines)
