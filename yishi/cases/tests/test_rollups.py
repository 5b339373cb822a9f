"""The rollup behind the rates (``CaseMonthStat``, ``cases.rollups``): after a random sequence of case
transitions through the real services it equals a recomputation from the base tables, and ``rate_counts``
read from it equals the base-table version for every breakdown; ``rebuild`` and ``check``; a query-count pin.
"""

import datetime as dt
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from yishi.areas.models import Level
from yishi.cases import rates, rollups, services
from yishi.cases.models import Case, CaseMonthStat, CaseMonthSum, ReplyChannel, Step
from yishi.cases.tests.factories import CategoryFactory, make_case
from yishi.cases.tests.rates_data import NOW, PERIOD, build_world
from yishi.cases.workflow import Status
from yishi.core.tests.factories import AreaFactory, UnitFactory, user_with_role
from yishi.demo.cases_data import frozen_clock

pytestmark = pytest.mark.django_db

START = timezone.make_aware(dt.datetime(2025, 1, 6, 9))
SEQUENCE_PERIOD = rates.Period(first=dt.date(2024, 12, 1), last=dt.date(2025, 6, 1))


NEXT = {
    Status.SUBMITTED: ["accept", "accept", "accept", "merge", "reject", "recategorize"],
    Status.ACCEPTED: ["handle_self", "assign", "contact", "escalate", "recategorize", "extension"],
    Status.HANDLING: ["contact", "resolve", "resolve", "extension", "escalate"],
    Status.ASSIGNED: ["contact", "resolve", "resolve", "extension"],
    Status.RESOLVED: ["reply"],
    Status.REPLIED: ["rate", "rate", "rate", "close"],
    Status.SUPERVISED: ["close"],
}
ANY = sorted({"submit", *(a for actions in NEXT.values() for a in actions)})


def _try(function, kwargs) -> bool:
    """Run one service call in a savepoint; refused transitions roll back and are part of the game."""
    try:
        with transaction.atomic():
            function(**kwargs)
        return True
    except (ValidationError, PermissionDenied, Http404):
        return False


def _rate(*, case, source_case, value):
    return services.case_rate(case=case, source_case=source_case, value=value, comment="还没解决")


def _close(*, actor, case, by_system):
    """Closing as the system (the rating window ran out) or as a supervisor."""
    return services.case_close(actor=None if by_system else actor, case=case, conclusion="督办完毕")


def _extend(*, actor, case, days, approve):
    """Ask for more time on the first contact and decide at once: the deadline moves by a step ``save()``."""
    extension = services.extension_request(
        actor=actor, case=case, step=Step.FIRST_CONTACT, days=days, reason="需协调"
    )
    services.extension_decide(actor=actor, extension=extension, approve=approve, note="不同意")


def _random_sequence(tree, seed: int, steps: int = 200):
    rng = random.Random(seed)
    admin = user_with_role("admin", tree.district, username="rollup-admin")
    extra = AreaFactory(parent=tree.street, name="利民社区", level=Level.COMMUNITY)
    places = [tree.community, tree.grid, tree.building, tree.sibling, tree.sibling_grid, extra]
    parent = CategoryFactory(key="roll-env", name="环境")
    categories = [
        CategoryFactory(key="roll-env-a", name="卫生", parent=parent),
        CategoryFactory(key="roll-env-b", name="绿化", parent=parent),
        CategoryFactory(key="roll-noise", name="噪声"),
    ]
    units = [tree.hospital, UnitFactory(area=tree.street, name="城管所", kind="department")]
    clock = START
    for _ in range(steps):
        clock += dt.timedelta(hours=rng.choice([1, 5, 20, 50, 120]))
        cases = list(Case.objects.order_by("pk"))
        open_cases = [c for c in cases if c.is_open]
        case = rng.choice(open_cases) if open_cases and rng.random() < 0.85 else None
        # Mostly an action that fits the case's state, sometimes any (refused ones are part of the game).
        fitting = NEXT.get(case.status, ["submit"]) if case else ["submit"]
        action = rng.choice(fitting if rng.random() < 0.8 else ANY)
        if case is None or action == "submit":
            area, category = rng.choice(places), rng.choice(categories)
            call = (make_case, {"area": area, "category": category, "actor": admin, "channel": "phone"})
        elif action == "accept":
            call = (services.case_accept, {"case": case, "category": rng.choice([None, *categories])})
        elif action == "assign":
            call = (services.case_assign, {"case": case, "unit": rng.choice(units)})
        elif action == "handle_self":
            call = (services.case_handle_self, {"case": case})
        elif action == "contact":
            call = (services.case_contact, {"case": case, "note": "电话联系"})
        elif action == "resolve":
            call = (services.case_resolve, {"case": case, "result": "已处理"})
        elif action == "reply":
            call = (services.case_reply, {"case": case, "channel": ReplyChannel.PHONE, "text": "已答复"})
        elif action == "rate":
            merged = [c for c in cases if c.merged_into_id == case.pk]
            value = rng.choice(["satisfied", "basic", "unsatisfied"])
            source = rng.choice([case, case, case, *merged])
            call = (_rate, {"case": case, "source_case": source, "value": value})
        elif action == "merge":
            call = (services.case_merge, {"case": case, "into": rng.choice(open_cases)})
        elif action == "escalate":
            call = (services.case_escalate, {"case": case, "reason": "本级解决不了"})
        elif action == "recategorize":
            call = (services.case_recategorize, {"case": case, "category": rng.choice(categories)})
        elif action == "reject":
            call = (services.case_reject, {"case": case, "reason": "正在诉讼中"})
        elif action == "close":
            call = (_close, {"case": case, "by_system": rng.random() < 0.5})
        else:
            call = (_extend, {"case": case, "days": rng.randint(1, 20), "approve": rng.random() < 0.7})
        function, kwargs = call
        if function is not _rate:  # the reporter rates; staff do the rest
            kwargs.setdefault("actor", admin)
        with frozen_clock(clock):
            done = _try(function, kwargs)
        # After every write, not only at the end: a later recompute of the same cell would hide a miss.
        if done:
            assert rollups.check() == [], (function.__name__, kwargs)
    return clock, extra, categories, parent


def _assert_rates_match(areas, category_choices, nows, period):
    for area in areas:
        for category in category_choices:
            for now in nows:
                # Every breakdown at once (groups of one kind of sums read together) as one by one.
                groups = tuple(reversed(rates.GROUPS))
                together = rates.rate_counts_by(
                    area=area, period=period, groups=groups, category=category, now=now
                )
                assert together == {
                    group: rates.rate_counts(
                        area=area, period=period, group=group, category=category, now=now
                    )
                    for group in rates.GROUPS
                }, (area.name, category, now)
                for group in rates.GROUPS:
                    kwargs = {
                        "area": area,
                        "period": period,
                        "group": group,
                        "category": category,
                        "now": now,
                    }
                    assert rates.rate_counts(**kwargs) == rates.rate_counts_from_base(**kwargs), (
                        area.name,
                        category,
                        now,
                        group,
                    )


@pytest.mark.parametrize("seed", [1, 2])
def test_rollup_equals_a_recomputation_after_random_transitions(tree, seed):
    end, extra, categories, parent = _random_sequence(tree, seed)
    assert Case.objects.filter(status=Status.CLOSED).exists()  # the game reached the counted states
    assert CaseMonthStat.objects.filter(steps__gt=0).exists()
    assert rollups.check() == []
    nows = [START + dt.timedelta(days=20), end - dt.timedelta(days=3), end + dt.timedelta(days=400)]
    _assert_rates_match(
        [tree.district, tree.street, tree.community, tree.grid, extra],
        [None, parent, categories[2]],
        nows,
        SEQUENCE_PERIOD,
    )


def test_rollup_paths_are_taken_only_where_they_can_answer(tree):
    assert rates.rollup_answers(tree.street, "child")
    assert rates.rollup_answers(tree.community, "unit")
    assert not rates.rollup_answers(tree.community, "child")  # a community's children are grids
    assert not rates.rollup_answers(tree.grid, "total")
    # The sums answer without a category filter: area sums where the cells could, unit and category sums
    # for a district or above.
    assert rates.sum_kind(tree.district, "unit", None) == "unit"
    assert rates.sum_kind(tree.district, "category", None) == "category"
    assert rates.sum_kind(tree.street, "unit", None) == ""
    assert rates.sum_kind(tree.street, "child", None) == "area"
    assert rates.sum_kind(tree.community, "month", None) == "area"
    assert rates.sum_kind(tree.district, "month", [1]) == ""
    assert rates.sum_kind(tree.grid, "total", None) == ""


def test_a_count_that_leaves_a_cell_zeroes_it_and_changes_no_rate(tree):
    category, other = CategoryFactory(key="z-a"), CategoryFactory(key="z-b")
    admin = user_with_role("admin", tree.district, username="zero-admin")
    with frozen_clock(START):
        case = make_case(tree.building, category=category, actor=admin, channel="phone")
        services.case_accept(actor=admin, case=case)
        cell = CaseMonthStat.objects.get(category=category)
        assert (cell.area_path, cell.steps) == (tree.community.path, 1)  # cut to the community
        services.case_recategorize(actor=admin, case=case, category=other)
    cell.refresh_from_db()
    assert cell.steps == 0
    assert CaseMonthStat.objects.get(category=other).steps == 1
    kwargs = {"area": tree.street, "period": SEQUENCE_PERIOD, "group": "category", "now": START}
    assert rates.rate_counts(**kwargs) == rates.rate_counts_from_base(**kwargs)
    assert list(rates.rate_counts(**kwargs)) == [other.pk]


def test_rebuild_and_check(tree, capsys):
    world = build_world(tree)  # bulk-ish paths: queryset updates, steps and ratings created directly
    assert rollups.check() == []
    cell = CaseMonthStat.objects.filter(closed__gt=0).order_by("pk").first()
    CaseMonthStat.objects.filter(pk=cell.pk).update(closed=cell.closed + 5)
    CaseMonthStat.objects.create(
        area_path=world.outside.path, month=dt.date(2020, 1, 1), category=world.env, rated=1
    )
    total = CaseMonthSum.objects.filter(kind="area", steps__gt=0).order_by("pk").first()
    CaseMonthSum.objects.filter(pk=total.pk).update(steps=total.steps + 1)
    differences = rollups.check()
    cells = [d for d in differences if isinstance(d.cell, rollups.Cell)]
    assert [d.cell.area_path for d in cells] == sorted([cell.area_path, world.outside.path])
    # The sums are checked against the stored cells: the corrupted cells' sums and the corrupted sum differ.
    sums = {(d.cell.kind, d.cell.area_path, d.cell.month) for d in differences if d not in cells}
    assert ("area", total.area_path, total.month) in sums
    assert ("area", world.outside.path, dt.date(2020, 1, 1)) in sums
    assert {kind for kind, *_rest in sums} == {"area", "unit", "category"}
    with pytest.raises(SystemExit) as exit_:
        call_command("rollups", "check")
    assert exit_.value.code == 1
    assert "2020-01" in capsys.readouterr().err

    before = {
        (c.area_path, c.month, c.category_id, c.unit_id) for c in CaseMonthStat.objects.filter(steps__gt=0)
    }
    rollups.rebuild(tree.grid)  # below community: rebuilds its community
    assert rollups.check(tree.community) == []
    call_command("rollups", "rebuild")
    call_command("rollups", "check")
    assert "matches" in capsys.readouterr().out
    assert rollups.check() == []
    after = {
        (c.area_path, c.month, c.category_id, c.unit_id) for c in CaseMonthStat.objects.filter(steps__gt=0)
    }
    assert after == before
    assert not CaseMonthStat.objects.filter(month=dt.date(2020, 1, 1)).exists()
    assert not CaseMonthSum.objects.filter(month=dt.date(2020, 1, 1)).exists()
    rebuilt = CaseMonthSum.objects.get(kind="area", area_path=total.area_path, month=total.month, key=0)
    assert rebuilt.steps == total.steps


def test_rates_from_the_rollup_equal_the_base_tables_on_the_hand_counted_world(tree):
    world = build_world(tree)
    category = rates.category_ids(world.env_root)
    _assert_rates_match(
        [tree.district, tree.street, tree.sibling, tree.grid], [None, category], [NOW], PERIOD
    )


def test_rollup_breakdown_query_count_is_pinned(tree, django_assert_num_queries):
    build_world(tree)
    settings = rates.RateSettings.current()
    for group in rates.GROUPS:
        with django_assert_num_queries(2):  # the cells, and the pending steps not due yet
            rates.rate_counts(area=tree.district, period=PERIOD, group=group, settings=settings, now=NOW)
        with django_assert_num_queries(1):  # a closed period: every step is due
            rates.rate_counts(
                area=tree.district,
                period=PERIOD,
                group=group,
                settings=settings,
                now=NOW + dt.timedelta(days=30),
            )


def test_breakdowns_of_one_kind_of_sums_are_read_together(tree, django_assert_num_queries):
    build_world(tree)
    settings = rates.RateSettings.current()
    closed = NOW + dt.timedelta(days=30)  # every step due: no pending steps to read
    # A district: total, months and child areas from the area sums in one query; units, categories from
    # their own sums. A street: the area sums, and the cells for units and categories (read together).
    for area, queries in ((tree.district, 3), (tree.street, 2)):
        with django_assert_num_queries(queries):
            rates.rate_counts_by(area=area, period=PERIOD, groups=rates.GROUPS, settings=settings, now=closed)
        with django_assert_num_queries(2 * queries):  # and the pending steps of each
            rates.rate_counts_by(area=area, period=PERIOD, groups=rates.GROUPS, settings=settings, now=NOW)


@override_settings(YISHI_DEMO_GENERATED_CASES=20)
def test_demo_data_ends_with_a_correct_rollup():
    from yishi.demo.services import load_demo

    load_demo()
    assert CaseMonthStat.objects.filter(steps__gt=0).exists()
    assert rollups.check() == []


def test_the_migration_that_created_the_sums_fills_them_from_the_cells(tree):
    """A database upgraded to 0010 already holds cells; the dashboards read the sums from then on."""
    import importlib

    from django.apps import apps

    def nonzero():  # rows emptied by later writes stay as zeros; a fill writes only the others
        rows = CaseMonthSum.objects.values_list("kind", "area_path", "month", "key", *rollups.COUNTS)
        return {row for row in rows if any(row[4:])}

    build_world(tree)
    expected = nonzero()
    assert expected
    CaseMonthSum.objects.all().delete()
    importlib.import_module("yishi.cases.migrations.0010_case_month_sum").fill_sums(apps, None)
    assert nonzero() == expected
    assert rollups.check() == []
