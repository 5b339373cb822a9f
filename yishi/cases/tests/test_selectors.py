"""Similar open cases: the same problem raised twice should be found, an unrelated one should not."""

import pytest

from yishi.cases import selectors
from yishi.cases.models import Case
from yishi.cases.selectors import similar_open_cases
from yishi.cases.tests.factories import CategoryFactory, make_case

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
