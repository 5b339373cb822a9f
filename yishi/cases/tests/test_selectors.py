"""Similar open cases: the same problem raised twice should be found, an unrelated one should not."""

import pytest

from yishi.cases import selectors
from yishi.cases.models import Case
from yishi.cases.selectors import similar_open_cases
from yishi.cases.tests.factories import CategoryFactory, force_status, make_case

pytestmark = pytest.mark.django_db


def test_same_community_far_away_is_still_similar_and_unrelated_text_is_not(tree, staff):
    noise = CategoryFactory(key="noise", name="噪声扰民")
    same = make_case(
        tree.building,
        category=noise,
        title="商铺音响扰民",
        text="楼下商铺音响声音太大，每天早上七点开始",
        latitude="38.0100",
        longitude="106.2100",
    )
    unrelated = make_case(tree.building, category=noise, title="广场舞", text="晚上广场舞跳到十点")
    found = similar_open_cases(
        user=staff,
        area=tree.building,
        category=noise,
        text="商铺音响声音太大",
        latitude="38.0000",
        longitude="106.2000",
    )
    assert same in found  # same community, although about 1.4 km from the new report
    assert unrelated not in found


def test_nearby_case_in_another_community_is_similar(tree):
    """As the public opinion box searches (``user=None``): a case 110 m away across the boundary is found."""
    noise = CategoryFactory(key="noise", name="噪声扰民")
    near = make_case(
        tree.sibling_grid,
        category=noise,
        title="商铺音响扰民",
        text="商铺音响声音太大",
        latitude="38.0010",
        longitude="106.2000",
    )
    far = make_case(
        tree.sibling_grid,
        category=noise,
        title="商铺音响扰民",
        text="商铺音响声音太大",
        latitude="38.0100",
        longitude="106.2000",
    )
    found = similar_open_cases(
        user=None,
        area=tree.building,
        category=noise,
        text="商铺音响声音太大",
        latitude="38.0000",
        longitude="106.2000",
    )
    assert near in found and far not in found


def test_garbage_coordinates_are_ignored(tree, staff):
    noise = CategoryFactory(key="noise", name="噪声扰民")
    assert (
        similar_open_cases(user=staff, area=tree.building, category=noise, latitude="abc", longitude="1")
        == []
    )


def test_open_filters_give_the_same_cases_however_the_open_test_is_written(tree, staff):
    """``open_q`` writes the open test for SQLite's planner (unindexed above community level) and an open
    status adds it there; either way a list holds exactly the open cases, or the cases of the status."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yishi.cases.workflow import Status
    from yishi.core.tests.factories import user_with_role

    category = CategoryFactory(key="open-test", name="环境卫生")
    cases = [make_case(area, category=category) for area in (tree.building, tree.grid, tree.sibling_grid) * 3]
    for case, status in zip(
        cases, [Status.CLOSED, Status.ASSIGNED, Status.MERGED, Status.ASSIGNED], strict=False
    ):
        case.status = status
        case.save(update_fields=["status"])
    street = user_with_role("street_staff", tree.street, username="open-street")
    for user, area in ((staff, tree.community), (street, tree.street)):
        in_scope = [
            c for c in Case.objects.order_by("-submitted_at", "-id") if c.area_path.startswith(area.path)
        ]
        with CaptureQueriesContext(connection) as queries:
            open_rows = selectors.case_list(user=user, open_only=True, limit=50)
        assert [c.pk for c in open_rows] == [c.pk for c in in_scope if c.is_open]
        assigned = selectors.case_list(user=user, status=Status.ASSIGNED, limit=50)
        assert [c.pk for c in assigned] == [c.pk for c in in_scope if c.status == Status.ASSIGNED]
        api = selectors.case_queryset(user=user, open_only=True).order_by("-submitted_at", "-id")
        assert [c.pk for c in api] == [c.pk for c in open_rows]
        unindexed = '+"cases_case"."is_open"' in queries.captured_queries[-1]["sql"]
        assert unindexed == (connection.vendor == "sqlite" and user is street)


def test_a_community_is_listed_by_its_community_path(tree, staff):
    """A case keeps the path of its area's community (``Case.community_path``), and a community's lists
    select that one value, whose indexes keep its cases newest first: every filter lists the same cases as
    the community's subtree, and on SQLite the page is walked from those indexes, not read from an (area,
    time) range and sorted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yishi.cases.workflow import Status
    from yishi.core.tests.factories import user_with_role

    category = CategoryFactory(key="community-test", name="环境卫生")
    areas = (tree.building, tree.grid, tree.community, tree.sibling_grid) * 3
    cases = [make_case(area, category=category) for area in areas]
    for case in cases[::3]:
        force_status(case, Status.CLOSED, closed_at=case.submitted_at)
    paths = dict(Case.objects.values_list("area_path", "community_path").distinct())
    assert paths == {
        tree.building.path: tree.community.path,
        tree.grid.path: tree.community.path,
        tree.community.path: tree.community.path,
        tree.sibling_grid.path: tree.sibling.path,
    }
    street = user_with_role("street_staff", tree.street, username="community-street")
    for user, area, scope in ((staff, None, tree.community), (street, tree.community, tree.community)):
        in_scope = [
            c for c in Case.objects.order_by("-submitted_at", "-id") if c.area_path.startswith(scope.path)
        ]
        for filters, wanted in (
            ({}, in_scope),
            ({"status": Status.CLOSED}, [c for c in in_scope if c.status == Status.CLOSED]),
            ({"open_only": True}, [c for c in in_scope if c.is_open]),
            ({"category": category}, in_scope),
            ({"open_only": True, "category": category}, [c for c in in_scope if c.is_open]),
        ):
            with CaptureQueriesContext(connection) as queries:
                rows = selectors.case_list(user=user, area=area, limit=50, **filters)
            assert [c.pk for c in rows] == [c.pk for c in wanted], filters
            api = selectors.case_queryset(user=user, area=area, **filters)
            assert [c.pk for c in api.order_by("-submitted_at", "-id")] == [c.pk for c in wanted], filters
            sql = queries.captured_queries[-1]["sql"]
            assert '"cases_case"."community_path" = ' in sql, filters
            if connection.vendor == "sqlite" and user is staff and filters.keys() != {"category"}:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql)
                    plan = " ".join(str(row[-1]) for row in cursor.fetchall())
                wanted_index = "case_open_community_category" if len(filters) == 2 else "community_time"
                assert wanted_index in plan, (filters, plan)
                if len(filters) == 2:  # the branch of the cases the worker recorded, likewise
                    assert "case_open_recorder_category" in plan, plan


def test_the_migration_fills_the_community_paths_as_intake_does(tree):
    """``cases.0017`` fills ``community_path`` for the cases filed before it: the same values intake sets."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("yishi.cases.migrations.0017_case_community_path")
    category = CategoryFactory(key="migration-test", name="环境卫生")
    for area in (tree.building, tree.grid, tree.community, tree.sibling_grid):
        make_case(area, category=category)
    intake = dict(Case.objects.values_list("pk", "community_path"))
    Case.objects.update(community_path="")
    migration.fill_community_paths(apps, None)
    assert dict(Case.objects.values_list("pk", "community_path")) == intake
