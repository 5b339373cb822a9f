"""Fixtures of the routing tests: a few categories of the generated data set and accepted case history."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from yishi.cases.models import Case
from yishi.cases.tests.factories import CategoryFactory, make_case
from yishi.cases.workflow import Status
from yishi.routing import datasets

KEYS = {
    "noise": ("噪声扰民", "噪音 噪声 喇叭 广场舞 施工 扰民 吵"),
    "garbage": ("垃圾清理", "垃圾 垃圾桶 清运 异味"),
    "parking": ("停车", "停车 车位 乱停 占道"),
    "neighbour-disputes": ("邻里纠纷", "邻居 邻里 漏水 纠纷 吵架"),
    "heating": ("供暖", "暖气 供暖 不热 供热"),
}


@pytest.fixture
def categories(db):
    return {key: CategoryFactory(key=key, name=name, keywords=kw) for key, (name, kw) in KEYS.items()}


def rows(n: int, *, seed: int = 7) -> list[tuple[str, str]]:
    return datasets.generate(n, seed=seed, mislabel=0, categories=list(KEYS))


def seed_history(area, categories, *, per_category: int = 14, seed: int = 3, start=None) -> list[Case]:
    """Accepted cases, oldest first, ``per_category`` of each category, with generated texts."""
    rng = random.Random(seed)
    start = start or timezone.now() - dt.timedelta(days=200)
    made = []
    plan = [key for key in categories for _i in range(per_category)]
    rng.shuffle(plan)
    for i, key in enumerate(plan):
        text = datasets.message(rng, key)
        case = make_case(
            area,
            category=categories[key],
            title=text[:20],
            text=text,
            submitted_at=start + dt.timedelta(hours=i),
        )
        Case.objects.filter(pk=case.pk).update(status=Status.ACCEPTED, accepted_at=case.submitted_at)
        made.append(case)
    return made
