"""A small, hand-countable world for the rates tests: cases of two communities of 金星镇 (and one outside the
street, one before the period) with known first-contact steps, closings, reopenings and ratings, over
January–March 2025 with an empty February. The expected rates are worked out in ``test_rates.py``.
"""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from yishi.cases.models import CaseStep, Rating, RatingValue, Step
from yishi.cases.rates import Period
from yishi.cases.tests.factories import CategoryFactory, force_status, make_case
from yishi.cases.workflow import Status
from yishi.core.tests.factories import AreaFactory, UnitFactory

SAT, BASIC, UNSAT = RatingValue.SATISFIED, RatingValue.BASIC, RatingValue.UNSATISFIED
PERIOD = Period(first=dt.date(2025, 1, 1), last=dt.date(2025, 3, 1))


def at(month: int, day: int, hour: int = 12, year: int = 2025) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


NOW = at(3, 20)


def build_case(area, category, *, due=None, done=None, closed=None, reopen=0, unit=None, ratings=(), **extra):
    case = make_case(area, category=category, submitted_at=at(12, 20, year=2024), **extra)
    CaseStep.objects.filter(case=case).update(done_at=at(12, 21, year=2024))
    if due is not None:
        CaseStep.objects.create(
            case=case, step=Step.FIRST_CONTACT, round=0, area_path=case.area_path, due_at=due, done_at=done
        )
    force_status(
        case,
        Status.CLOSED if closed else Status.HANDLING,
        closed_at=closed,
        resolved_at=closed,
        reopen_count=reopen,
        handler_unit=unit,
    )
    for round_, value, when in ratings:
        Rating.objects.create(case=case, source_case=case, value=value, round=round_, rated_at=when)
    return case


def build_world(tree) -> SimpleNamespace:
    w = SimpleNamespace(tree=tree)
    w.outside_street = AreaFactory(parent=tree.district, name="古城街道", level="street")
    w.outside = AreaFactory(parent=w.outside_street, name="古城社区", level="community")
    w.hospital = tree.hospital
    w.dept = UnitFactory(area=tree.street, name="城市管理局", kind="department")
    w.env_root = CategoryFactory(key="env-root", name="环境")
    w.env = CategoryFactory(key="env", name="环境卫生", parent=w.env_root)
    w.noise = CategoryFactory(key="noise", name="噪声扰民")

    # 裕西社区
    w.a1 = build_case(
        tree.building,
        w.env,
        due=at(1, 10),
        done=at(1, 9),
        closed=at(1, 20),
        unit=w.hospital,
        ratings=[(0, SAT, at(1, 20))],
        reporter_name="戈兆忠",
        reporter_phone="13812341234",
    )
    w.a2 = build_case(
        tree.community,
        w.noise,
        due=at(1, 15),
        done=at(1, 16),
        closed=at(3, 5),
        reopen=1,
        unit=w.hospital,
        ratings=[(0, UNSAT, at(1, 25)), (1, BASIC, at(3, 5))],
    )
    w.a3 = build_case(tree.building, w.noise, due=at(3, 10), unit=w.hospital)
    w.a4 = build_case(tree.building, w.noise, due=at(3, 31), unit=w.hospital)
    # A duplicate merged into a1: its open step and its reporter's rating of a1 do not count.
    w.m1 = build_case(tree.building, w.env, due=at(1, 12))
    force_status(w.m1, Status.MERGED, merged_into=w.a1)
    Rating.objects.create(case=w.a1, source_case=w.m1, value=UNSAT, round=0, rated_at=at(1, 21))
    # Before the period.
    w.p1 = build_case(
        tree.building,
        w.env,
        due=at(12, 10, year=2024),
        done=at(12, 9, year=2024),
        closed=at(12, 20, year=2024),
        ratings=[(0, SAT, at(12, 20, year=2024))],
    )

    # 金花社区
    w.b1 = build_case(tree.sibling_grid, w.env, due=at(1, 5), done=at(1, 5), closed=at(1, 30), unit=w.dept)
    w.b2 = build_case(
        tree.sibling,
        w.noise,
        due=at(3, 2),
        done=at(3, 1),
        closed=at(3, 15),
        unit=w.dept,
        ratings=[(0, BASIC, at(3, 15))],
    )
    w.b3 = build_case(
        tree.sibling_grid,
        w.noise,
        due=at(1, 20),
        done=at(1, 19),
        closed=at(3, 18),
        reopen=1,
        unit=w.dept,
        ratings=[(0, UNSAT, at(1, 28)), (1, UNSAT, at(3, 10))],
    )

    # Outside 金星镇.
    w.o1 = build_case(
        w.outside,
        w.env,
        due=at(1, 10),
        done=at(1, 9),
        closed=at(1, 20),
        unit=w.dept,
        ratings=[(0, SAT, at(1, 20))],
    )
    return w
