"""Rates (响应率, 解决率, 满意率, composite) on a world counted by hand, rankings, and the rate settings.

The world (``rates_data``), period January–March 2025, "now" = 2025-03-20, 基本满意 weight 0.9:

| case | place | first contact due → done | closed (reopened) | latest own rating |
|---|---|---|---|---|
| a1 | 裕西 | 01-10 → 01-09 met | 01-20 (0) | 满意 01-20 (a merged reporter's 不满意 ignored) |
| a2 | 裕西 | 01-15 → 01-16 late | 03-05 (1) | 基本满意 03-05 (round 0 不满意 01-25 superseded) |
| a3 | 裕西 | 03-10 → — missed | open | — |
| a4 | 裕西 | 03-31 → — not yet due: left out | open | — |
| m1 | 裕西 | merged: left out | | |
| p1 | 裕西 | 2024-12: before the period | | |
| b1 | 金花 | 01-05 → 01-05 met | 01-30 (0) | — (closed unrated) |
| b2 | 金花 | 03-02 → 03-01 met | 03-15 (0) | 基本满意 03-15 |
| b3 | 金花 | 01-20 → 01-19 met | 03-18 (1) | 不满意 03-10 (round 0 superseded) |
| o1 | 古城 (outside the street) | counted only for the district | | |

金星镇, Jan–Mar: 响应率 4/6 = 66.67 %; 解决率 3/5 = 60 %; 满意率 (1 + 0.9×2)/4 = 70 %;
composite 0.1×66.667 + 0.5×60 + 0.4×70 = 64.667.
January: 3/4 = 75 %, 2/2 = 100 %, 1/1 = 100 % → 97.5. February: empty (—). March: 1/2 = 50 %,
1/3 = 33.33 %, 1.8/3 = 60 % → 5 + 16.667 + 24 = 45.667.
裕西: 1/3, 1/2, 1.9/2 = 95 % → 3.333 + 25 + 38 = 66.333. 金花: 3/3, 2/3, 0.9/2 = 45 % → 10 + 33.333 + 18 = 61.333.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yishi.audit.models import AuditEvent
from yishi.cases import rates
from yishi.cases.models import RateSettings
from yishi.cases.services import rate_settings_update
from yishi.cases.tests.rates_data import NOW, PERIOD, build_world
from yishi.core.tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def D(text: str) -> Decimal:
    return Decimal(text)


def close(value, expected: str, places: int = 3) -> bool:
    return value is not None and abs(value - Decimal(expected)) < Decimal(1).scaleb(-places)


@pytest.fixture
def world(tree):
    return build_world(tree)


@pytest.fixture
def city_settings(db):
    return RateSettings.objects.create(basic_weight=D("0.90"))


def total_of(area, settings, **kwargs):
    rows = rates.monthly(area=area, period=PERIOD, settings=settings, now=NOW, **kwargs)
    return rates.total((r for _m, r in rows), settings)


def test_street_totals_worked_out_by_hand(world, city_settings):
    r = total_of(world.tree.street, city_settings)
    assert (r.due, r.met) == (6, 4)
    assert (r.closed, r.resolved) == (5, 3)
    assert (r.rated, r.satisfied, r.basic, r.unsatisfied) == (4, 1, 2, 1)
    assert close(r.response_rate, "66.6667")
    assert r.resolution_rate == D("60")
    assert r.satisfaction_rate == D("70")
    assert close(r.composite, "64.6667")
    assert (r.response_pct, r.resolution_pct, r.satisfaction_pct, r.composite_display) == (
        "66.7%",
        "60.0%",
        "70.0%",
        "64.7",
    )


def test_months_with_an_empty_february(world, city_settings):
    rows = rates.monthly(area=world.tree.street, period=PERIOD, settings=city_settings, now=NOW)
    assert [m.month for m, _r in rows] == [1, 2, 3]
    jan, feb, mar = (r for _m, r in rows)
    assert (jan.response_rate, jan.resolution_rate, jan.satisfaction_rate) == (D("75"), D("100"), D("100"))
    assert jan.composite == D("97.5")
    assert feb.is_empty
    assert (feb.response_rate, feb.resolution_rate, feb.satisfaction_rate, feb.composite) == (None,) * 4
    assert (feb.response_pct, feb.composite_display) == ("—", "—")
    assert mar.response_rate == D("50")
    assert close(mar.resolution_rate, "33.3333")
    assert mar.satisfaction_rate == D("60")
    assert close(mar.composite, "45.6667")


def test_default_weight_counts_basic_as_satisfied(world):
    r = total_of(world.tree.street, RateSettings.current())
    assert r.satisfaction_rate == D("75")  # (1 + 2) / 4


def test_outside_cases_count_only_in_their_own_subtree(world, city_settings):
    district = total_of(world.tree.district, city_settings)
    assert (district.due, district.met, district.closed, district.resolved, district.rated) == (7, 5, 6, 4, 5)
    outside = total_of(world.outside, city_settings)
    assert (outside.due, outside.met, outside.closed, outside.rated, outside.satisfied) == (1, 1, 1, 1, 1)


def test_a_step_not_yet_due_is_left_out_and_counts_once_its_deadline_passed(world, city_settings):
    later = rates.monthly(
        area=world.tree.community, period=PERIOD, settings=city_settings, now=rates.Period.ending().end
    )
    march = later[2][1]
    assert (march.due, march.met) == (2, 0)  # a3 and a4 both missed
    before = rates.monthly(area=world.tree.community, period=PERIOD, settings=city_settings, now=NOW)[2][1]
    assert (before.due, before.met) == (1, 0)


def test_child_ranking(world, city_settings):
    ranking = rates.child_ranking(area=world.tree.street, period=PERIOD, settings=city_settings, now=NOW)
    assert [row.entity for row in ranking] == [world.tree.community, world.tree.sibling]
    assert [row.position for row in ranking] == [1, 2]
    yuxi, jinhua = (row.rates for row in ranking)
    assert close(yuxi.response_rate, "33.3333") and yuxi.resolution_rate == D("50")
    assert yuxi.satisfaction_rate == D("95") and close(yuxi.composite, "66.3333")
    assert jinhua.response_rate == D("100") and close(jinhua.resolution_rate, "66.6667")
    assert jinhua.satisfaction_rate == D("45") and close(jinhua.composite, "61.3333")


def test_ranking_follows_the_weights(world):
    response_only = RateSettings(
        basic_weight=D("0.9"), response_weight=100, resolution_weight=0, satisfaction_weight=0
    )
    ranking = rates.child_ranking(area=world.tree.street, period=PERIOD, settings=response_only, now=NOW)
    assert [row.entity for row in ranking] == [world.tree.sibling, world.tree.community]
    assert ranking[0].rates.composite == D("100")


def test_ranking_puts_areas_without_data_last_without_a_place(world, city_settings):
    from yishi.core.tests.factories import AreaFactory

    AreaFactory(parent=world.tree.street, name="空社区", level="community")
    ranking = rates.child_ranking(area=world.tree.street, period=PERIOD, settings=city_settings, now=NOW)
    assert [row.entity.name for row in ranking] == ["裕西社区", "金花社区", "空社区"]
    assert ranking[-1].position is None and ranking[-1].rates.composite_display == "—"


def test_equal_scores_share_a_place():
    a = rates.Rates(due=1, met=1)
    b = rates.Rates(due=2, met=2)
    c = rates.Rates(due=2, met=1)
    ranked = rates.rank([("甲", a), ("乙", b), ("丙", c)])
    assert [(row.entity, row.position) for row in ranked] == [("乙", 1), ("甲", 1), ("丙", 3)]


def test_unit_ranking(world, city_settings):
    ranking = rates.unit_ranking(area=world.tree.street, period=PERIOD, settings=city_settings, now=NOW)
    assert [row.entity for row in ranking] == [world.hospital, world.dept]
    assert close(ranking[0].rates.composite, "66.3333")
    assert close(ranking[1].rates.composite, "61.3333")
    assert ranking[1].rates.due == 3  # o1 is handled by the same unit but lies outside the street


def test_by_category_and_category_filter_with_subcategories(world, city_settings):
    rows = dict(rates.by_category(area=world.tree.street, period=PERIOD, settings=city_settings, now=NOW))
    env, noise = rows[world.env], rows[world.noise]
    assert (env.due, env.met, env.closed, env.resolved, env.rated) == (2, 2, 2, 2, 1)
    assert env.composite == D("100")
    assert noise.response_rate == D("50") and close(noise.resolution_rate, "33.3333")
    assert noise.satisfaction_rate == D("60")
    filtered = total_of(world.tree.street, city_settings, category=world.env_root)
    assert (filtered.due, filtered.closed, filtered.rated) == (2, 2, 1)


def test_each_breakdown_is_three_queries(world, city_settings, django_assert_max_num_queries):
    for group in rates.GROUPS:
        with django_assert_max_num_queries(3):  # at most: the rollup answers a street in two
            rates.rate_counts(
                area=world.tree.street, period=PERIOD, group=group, settings=city_settings, now=NOW
            )


def test_empty_period_gives_dashes_not_a_division_by_zero(tree):
    r = total_of(tree.street, RateSettings.current())
    assert r.is_empty and r.composite is None
    assert (r.response_pct, r.resolution_pct, r.satisfaction_pct, r.composite_display) == ("—",) * 4


def test_composite_rescales_weights_when_a_rate_is_missing():
    r = rates.Rates(due=4, met=3, closed=2, resolved=1)  # no ratings: 10 % × 75 + 50 % × 50, over 60 %
    assert close(r.composite, "54.1667")


def test_period_ending_counts_whole_months():
    import datetime as dt

    p = rates.Period.ending(dt.date(2025, 2, 17), 3)
    assert (p.first, p.last) == (dt.date(2024, 12, 1), dt.date(2025, 2, 1))
    assert [m.month for m in p.months()] == [12, 1, 2]
    assert p.end.month == 3 and p.end.day == 1


# ---------------------------------------------------------------- settings


@pytest.fixture
def admin(tree):
    return user_with_role("admin", tree.district, username="rates-admin")


def test_settings_update_by_admin_is_audited(admin):
    row = rate_settings_update(
        actor=admin, basic_weight="0.9", response_weight=20, resolution_weight=40, satisfaction_weight=40
    )
    row.refresh_from_db()
    assert (row.basic_weight, row.response_weight, row.resolution_weight, row.satisfaction_weight) == (
        D("0.90"),
        20,
        40,
        40,
    )
    assert RateSettings.current().pk == row.pk
    assert AuditEvent.objects.filter(verb="cases.rate_settings_update").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        (
            {"response_weight": 10, "resolution_weight": 50, "satisfaction_weight": 39},
            {"response_weight", "resolution_weight", "satisfaction_weight"},
        ),
        ({"basic_weight": "1.1"}, {"basic_weight"}),
        ({"basic_weight": "-0.1"}, {"basic_weight"}),
        ({"basic_weight": "0.905"}, {"basic_weight"}),
        ({"basic_weight": "abc"}, {"basic_weight"}),
        ({"response_weight": 110, "resolution_weight": -10}, {"response_weight", "resolution_weight"}),
        ({"rating_window_days": 0}, {"rating_window_days"}),
    ],
)
def test_settings_validation(admin, kwargs, fields):
    values = {"basic_weight": "1", "response_weight": 10, "resolution_weight": 50, "satisfaction_weight": 40}
    with pytest.raises(ValidationError) as exc:
        rate_settings_update(actor=admin, **{**values, **kwargs})
    assert set(exc.value.message_dict) == fields
    assert not RateSettings.objects.exists()


@pytest.mark.parametrize("role", ["street_staff", "auditor", "community_staff"])
def test_only_admins_change_settings(tree, role):
    user = user_with_role(role, tree.street)
    with pytest.raises(PermissionDenied):
        rate_settings_update(
            actor=user, basic_weight="0.9", response_weight=10, resolution_weight=50, satisfaction_weight=40
        )
