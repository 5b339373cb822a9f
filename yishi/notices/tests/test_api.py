import pytest
from rest_framework.test import APIClient

from yishi.core.tests.factories import user_with_role
from yishi.notices.models import Notice, NoticeStatus
from yishi.notices.services import notice_withdraw

from .helpers import NAME, SENSITIVE_BODY, assert_masked, ge_zhaozhong, publish, yesterday

pytestmark = pytest.mark.django_db
URL = "/api/v1/notices/"


@pytest.fixture
def api():
    return APIClient()


def test_anonymous_reads_published_notices_masked(api, tree, staff):
    ge_zhaozhong(tree.building)
    notice = publish(staff, tree.community, title=f"{NAME}的提议", body=SENSITIVE_BODY)
    listing = api.get(URL)
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [notice.pk]
    assert_masked(listing.content.decode())
    detail = api.get(f"{URL}{notice.pk}/")
    assert detail.status_code == 200 and detail.json()["area_name"] == "裕西社区"
    assert_masked(detail.content.decode())


def test_withdrawn_and_expired_are_not_in_the_api(api, tree, staff):
    live = publish(staff, tree.community)
    withdrawn = publish(staff, tree.community)
    notice_withdraw(actor=staff, notice=withdrawn, reason="撤回")
    expired = publish(staff, tree.community)
    Notice.objects.filter(pk=expired.pk).update(expires_on=yesterday())
    assert [row["id"] for row in api.get(URL).json()["results"]] == [live.pk]
    assert api.get(f"{URL}{withdrawn.pk}/").status_code == 404
    assert api.get(f"{URL}{expired.pk}/").status_code == 404


def test_list_by_board_covers_the_subtree(api, tree, staff):
    on_grid = publish(staff, tree.grid)
    publish(user_with_role("community_staff", tree.sibling), tree.sibling)
    assert [r["id"] for r in api.get(URL, {"area": tree.community.pk}).json()["results"]] == [on_grid.pk]
    assert api.get(URL, {"area": "abc"}).json()["results"] == []


def test_api_list_query_count_is_pinned(api, tree, staff, django_assert_max_num_queries):
    for i in range(30):
        publish(staff, tree.grid, title=f"公示{i}")
    with django_assert_max_num_queries(2):
        assert len(api.get(URL).json()["results"]) == 30


def test_publishing_needs_a_login(api, tree):
    response = api.post(URL, {"area": tree.community.pk, "title": "t", "body": "b"}, format="json")
    assert response.status_code in (401, 403)
    assert not Notice.objects.exists()


def test_staff_publishes_through_the_api_masked(api, tree, staff):
    ge_zhaozhong(tree.building)
    api.force_authenticate(staff)
    response = api.post(
        URL,
        {"area": tree.community.pk, "kind": "topic", "title": "议题", "body": SENSITIVE_BODY},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert_masked(response.content.decode())
    assert Notice.objects.get().kind == "topic"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"area": "sibling"}, "area"),
        ({"kind": "gossip"}, "kind"),
    ],
)
def test_api_publish_errors_are_field_errors(api, tree, staff, data, field):
    api.force_authenticate(staff)
    payload = {"area": tree.community.pk, "title": "标题", "body": "正文", **data}
    if payload["area"] == "sibling":
        payload["area"] = tree.sibling.pk
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Notice.objects.exists()


def test_api_withdraw(api, tree, staff):
    mine = publish(staff, tree.community)
    theirs = publish(user_with_role("community_staff", tree.sibling), tree.sibling)
    api.force_authenticate(staff)
    assert api.post(f"{URL}{theirs.pk}/withdraw/", {"reason": "x"}, format="json").status_code == 404
    response = api.post(f"{URL}{mine.pk}/withdraw/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(f"{URL}{mine.pk}/withdraw/", {"reason": "信息更新"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == NoticeStatus.WITHDRAWN
    assert api.post(f"{URL}{mine.pk}/withdraw/", {"reason": "again"}, format="json").status_code == 400
    theirs.refresh_from_db()
    assert theirs.status == NoticeStatus.PUBLISHED


def test_anonymous_cannot_withdraw(api, tree, staff):
    notice = publish(staff, tree.community)
    assert api.post(f"{URL}{notice.pk}/withdraw/", {"reason": "x"}, format="json").status_code in (401, 403)
