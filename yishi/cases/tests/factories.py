"""Factories for cases. Cases are made through ``case_submit`` so numbers, paths and deadlines are real."""

import factory
from django.utils import timezone

from yishi.cases import rollups
from yishi.cases.models import Case, Category, Channel
from yishi.cases.services import case_submit
from yishi.cases.workflow import OPEN_STATUSES


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.Sequence(lambda n: f"类别{n}")


def make_case(
    area,
    *,
    category=None,
    actor=None,
    channel=Channel.OPINION_BOX,
    title="楼道堆放杂物",
    text="三单元楼道长期堆放杂物，存在消防隐患。",
    **kwargs,
) -> Case:
    return case_submit(
        actor=actor,
        area=area,
        category=category or CategoryFactory(),
        title=title,
        text=text,
        channel=channel,
        **kwargs,
    )


def force_status(case: Case, status: str, **fields) -> Case:
    """Put a case straight into ``status`` (tests only: services are the only way in the product)."""
    with rollups.tracking([case.pk]):  # update() sends no signal
        Case.objects.filter(pk=case.pk).update(
            status=status, is_open=status in OPEN_STATUSES, updated_at=timezone.now(), **fields
        )
    case.refresh_from_db()
    return case
