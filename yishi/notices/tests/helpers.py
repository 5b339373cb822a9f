"""Shared data for the notice tests: the seed's sensitive values and a publishing shortcut."""

import datetime

from django.utils import timezone

from yishi.core.tests.factories import PersonFactory
from yishi.notices.services import notice_publish

PHONE, PHONE_MASKED = "13812341234", "138****1234"
ID_NUMBER, ID_MASKED = "640302199001011234", "640302********1234"
NAME, NAME_MASKED = "戈兆忠", "戈*忠"
RAW_VALUES = [PHONE, ID_NUMBER, NAME]
MASKED_VALUES = [PHONE_MASKED, ID_MASKED, NAME_MASKED]
SENSITIVE_BODY = f"居民{NAME}（电话{PHONE}，身份证{ID_NUMBER}）提议拆除楼道煤房子，社区已走访核实。"


def ge_zhaozhong(area):
    """The seed's resident who proposed pulling down the coal sheds."""
    return PersonFactory(name=NAME, phone="13900000001", home_area=area)


def publish(actor, area, *, title="公示", body="正文", **kwargs):
    return notice_publish(actor=actor, area=area, title=title, body=body, **kwargs)


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


def assert_masked(content: str) -> None:
    for raw in RAW_VALUES:
        assert raw not in content, raw
    for masked in MASKED_VALUES:
        assert masked in content, masked
