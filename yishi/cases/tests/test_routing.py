"""The cold-start category suggestion: keywords in the text, best first, only selectable categories."""

import pytest

from yishi.cases.routing import selectable_categories, suggest_category
from yishi.cases.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories():
    env = CategoryFactory(key="env", name="环境卫生", keywords="垃圾 卫生")
    noise = CategoryFactory(key="noise", name="噪声扰民", parent=env, keywords="噪音 噪声 喇叭 广场舞 吵")
    litter = CategoryFactory(key="litter", name="垃圾清运", parent=env, keywords="垃圾 清运 堆放")
    parking = CategoryFactory(key="parking", name="停车管理", keywords="停车 车位 占道")
    CategoryFactory(key="old", name="停用类别", keywords="喇叭 噪音 广场舞", is_active=False)
    return {"env": env, "noise": noise, "litter": litter, "parking": parking}


def test_suggests_the_category_whose_keywords_the_text_holds(categories):
    result = suggest_category("楼下商铺的喇叭整天放音乐，噪音很大")
    assert result[0][0] == categories["noise"]
    assert result[0][1] == 1.0


def test_longer_matches_outweigh_shorter_ones_and_scores_are_relative(categories):
    result = suggest_category("晚上广场舞太吵，还有人乱停车")
    assert [c for c, _s in result] == [categories["noise"], categories["parking"]]
    assert 0 < result[1][1] < 1


def test_no_text_or_no_keyword_suggests_nothing(categories):
    assert suggest_category("") == []
    assert suggest_category("   ") == []
    assert suggest_category("想咨询一下社保政策") == []


def test_inactive_categories_and_headings_are_never_suggested(categories):
    # "垃圾" is also a keyword of the heading 环境卫生, which has children: only the leaf is offered.
    result = suggest_category("垃圾没人清运")
    assert [c for c, _s in result] == [categories["litter"]]
    assert all(c.is_active for c, _s in suggest_category("喇叭 噪音 广场舞"))
    assert categories["env"] not in selectable_categories()


def test_limit_and_explicit_pool(categories):
    assert len(suggest_category("噪音 垃圾 停车", limit=2)) == 2
    assert suggest_category("噪音", categories=[categories["parking"]]) == []


def test_a_category_added_or_stopped_is_offered_or_withdrawn_at_once(categories):
    """Selectable categories come from the cache (every intake reads them); a save drops the entry."""
    from yishi.cases.tests.factories import CategoryFactory

    before = selectable_categories()
    assert categories["parking"] in before
    categories["parking"].is_active = False
    categories["parking"].save()
    added = CategoryFactory(key="pets", name="宠物扰民")
    after = selectable_categories()
    assert categories["parking"] not in after and added in after
