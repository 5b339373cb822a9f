"""Council pages and API: scope (404 outside), field errors with 400, the actions allowed now."""

import pytest
from django.urls import reverse

from yishi.councils.models import Topic
from yishi.councils.workflow import TopicStatus

from . import helpers as h

pytestmark = pytest.mark.django_db


def test_council_page_shows_members_scope_and_topics(client, council, secretary):
    h.propose(council, secretary)
    client.force_login(secretary)
    response = client.get(reverse("councils:detail", args=[council.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "老旧小区改造" in html and "第1居民小组" in html and "拆除私搭乱建煤房子" in html


def test_pages_are_404_outside_scope(client, council, secretary, outsider):
    topic = h.propose(council, secretary)
    m = h.meeting(council, secretary)
    client.force_login(outsider)
    for url in (
        reverse("councils:detail", args=[council.pk]),
        reverse("councils:topic", args=[topic.pk]),
        reverse("councils:meeting", args=[m.pk]),
        reverse("councils:propose", args=[council.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("councils:topic", args=[999999])).status_code == 404


def test_resident_proposes_through_the_public_form(client, council, resident):
    client.force_login(resident)
    url = reverse("councils:propose", args=[council.pk])
    response = client.post(url, {"title": "", "description": "楼道太暗"})
    assert response.status_code == 400
    response = client.post(url, {"title": "楼道加装照明", "description": "楼道太暗"})
    topic = Topic.objects.get(title="楼道加装照明")
    assert response.status_code == 302 and topic.proposer == resident.person
    # a resident sees the topic but no actions
    page = client.get(reverse("councils:topic", args=[topic.pk])).content.decode()
    assert 'data-testid="actions"' not in page
    assert client.post(reverse("councils:topic_act", args=[topic.pk, "publish"]), {}).status_code == 404


def test_scope_check_form_error_is_400_and_nothing_saved(client, council, secretary):
    topic = h.propose(council, secretary)
    client.force_login(secretary)
    url = reverse("councils:topic_act", args=[topic.pk, "scope_check"])
    response = client.post(url, {"in_scope": "0", "reason": ""})
    assert response.status_code == 400
    assert "超出议事范围须写明理由" in response.content.decode()
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.PROPOSED
    response = client.post(reverse("councils:topic_act", args=[topic.pk, "publish"]), {"opinion_days": "7"})
    assert response.status_code == 400  # not allowed now
    item = council.charter.scope_items.get(name="老旧小区改造")
    response = client.post(url, {"in_scope": "1", "scope_item": item.pk})
    assert response.status_code == 302
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.ACCEPTED


def test_meeting_page_sign_in_by_code(client, council, secretary):
    m = h.meeting(council, secretary)
    member = m.participants.filter(is_member=True).exclude(person=secretary.person).first()
    from yishi.accounts.models import User

    user = User.objects.get(person=member.person)
    client.force_login(user)
    url = reverse("councils:meeting_act", args=[m.pk, "sign_in_code"])
    assert client.post(url, {"code": "000000" if m.sign_in_code != "000000" else "111111"}).status_code == 400
    assert client.post(url, {"code": m.sign_in_code}).status_code == 302
    member.refresh_from_db()
    assert member.signed_in_at is not None
    # a member cannot sign others in
    other = m.participants.exclude(pk=member.pk).first()
    assert (
        client.post(
            reverse("councils:meeting_act", args=[m.pk, "sign_in"]), {"participant": other.pk}
        ).status_code
        == 404
    )


def test_api_walks_a_topic_and_reports_field_errors(client, council, secretary, outsider):
    client.force_login(secretary)
    response = client.post(
        "/api/v1/topics/",
        {"council": council.pk, "title": "", "description": "d", "source": "member"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "title" in response.json()
    response = client.post(
        "/api/v1/topics/",
        {"council": council.pk, "title": "停车难", "description": "d", "source": "member"},
        content_type="application/json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    response = client.post(
        f"/api/v1/topics/{pk}/scope_check/", {"in_scope": True}, content_type="application/json"
    )
    assert response.status_code == 400 and "scope_item" in response.json()
    item = council.charter.scope_items.get(name="停车管理")
    response = client.post(
        f"/api/v1/topics/{pk}/scope_check/",
        {"in_scope": True, "scope_item": item.pk},
        content_type="application/json",
    )
    assert response.json()["status"] == "accepted"
    response = client.post(
        f"/api/v1/topics/{pk}/publish/", {"opinion_days": 7}, content_type="application/json"
    )
    assert response.json()["status"] == "published"
    assert client.get("/api/v1/councils/").json()["results"][0]["id"] == council.pk
    client.force_login(outsider)
    assert client.get(f"/api/v1/topics/{pk}/").status_code == 404
    assert (
        client.post(f"/api/v1/topics/{pk}/close_opinions/", {}, content_type="application/json").status_code
        == 404
    )
