"""Similar open cases: the same problem raised twice should be found, an unrelated one should not."""

import pytest

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
