"""The council demo: loads through the services, tells the seed story, and is idempotent."""

import pytest

from yishi.councils.models import Council, Topic
from yishi.councils.workflow import TopicStatus
from yishi.demo.services import load_demo
from yishi.followups.models import FollowUp
from yishi.notices.models import Notice

pytestmark = pytest.mark.django_db


def test_demo_council_story_and_idempotent(settings):
    settings.YISHI_DEMO_GENERATED_CASES = 0
    load_demo()
    council = Council.objects.get(area__name="裕西社区")
    assert council.chair.name == "黎梦琦"
    assert council.active_members().count() == 112
    names = set(council.active_members().values_list("person__name", flat=True))
    assert {"戈兆忠", "党海凤", "白玫"} <= names
    topic = Topic.objects.get(title__startswith="结合老旧小区改造")
    assert topic.status == TopicStatus.IN_FOLLOWUP
    assert FollowUp.objects.filter(title="铺设柏油马路", target_value=7128, actual_value=7128).exists()
    assert Notice.objects.filter(title__contains="落实进展公示", body__contains="7128").exists()
    assert Topic.objects.filter(status=TopicStatus.PUBLISHED).exists()
    assert Topic.objects.filter(status=TopicStatus.REFUSED).exists()
    counts = (Topic.objects.count(), FollowUp.objects.count(), Notice.objects.count())
    assert load_demo().total == 0
    assert (Topic.objects.count(), FollowUp.objects.count(), Notice.objects.count()) == counts
