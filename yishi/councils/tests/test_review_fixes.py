"""Review fixes of P2: council setup through pages and API, topics never stuck on a dead agenda, the opinion
period enforced, the quorum base kept right when members change, and bad input answered with 400s."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import PersonFactory, UserFactory, user_with_role
from yishi.councils import services
from yishi.councils.models import Council, CouncilMember, Topic
from yishi.councils.workflow import TopicStatus
from yishi.followups.models import FollowUp
from yishi.meetings import services as meeting_services
from yishi.meetings.models import MeetingStatus
from yishi.notices.models import Notice

from . import helpers as h

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _post(client, council, action, data):
    return client.post(reverse("councils:council_act", args=[council.pk, action]), data)


# ---------------------------------------------------------------- 1. council setup: pages


def test_charter_page_updates_rejects_and_hides(client, council, secretary, resident, outsider):
    client.force_login(secretary)
    data = {
        "quorum_rule": "two_thirds",
        "threshold_rule": "majority_members",
        "meeting_frequency": "monthly",
        "min_opinion_days": 10,
        "text": "一事一议",
    }
    assert _post(client, council, "charter", data).status_code == 302
    council.charter.refresh_from_db()
    assert (council.charter.quorum_rule, council.charter.min_opinion_days) == ("two_thirds", 10)
    response = _post(client, council, "charter", {**data, "min_opinion_days": 0})
    assert response.status_code == 400
    assert response.context["setup"]["charter"].errors["min_opinion_days"]
    for user in (resident, outsider):
        client.force_login(user)
        assert _post(client, council, "charter", data).status_code == 404


def test_scope_item_page(client, council, secretary, outsider):
    client.force_login(secretary)
    assert _post(client, council, "scope_add", {"name": "邻里纠纷"}).status_code == 302
    assert council.charter.scope_items.filter(name="邻里纠纷").exists()
    response = _post(client, council, "scope_add", {"name": "邻里纠纷"})
    assert response.status_code == 400 and response.context["setup"]["scope_add"].errors["name"]
    client.force_login(outsider)
    assert _post(client, council, "scope_add", {"name": "停车"}).status_code == 404


def test_member_pages_add_remove_and_bulk_party_members(client, council, secretary, tree, outsider):
    person = PersonFactory(home_area=tree.building)
    client.force_login(secretary)
    detail = client.get(reverse("councils:detail", args=[council.pk]))
    assert 'data-testid="form-member_add"' in detail.content.decode()
    data = {"person": person.pk, "capacity": "居民代表", "group": "第1居民小组"}
    assert _post(client, council, "member_add", data).status_code == 302
    member = council.members.get(person=person, left_on__isnull=True)
    response = _post(client, council, "member_add", data)
    assert response.status_code == 400 and response.context["setup"]["member_add"].errors["person"]
    stranger = PersonFactory(home_area=tree.sibling)  # not a person of the community: not a choice
    response = _post(client, council, "member_add", {**data, "person": stranger.pk})
    assert response.status_code == 400
    # leaving; the chair cannot leave
    assert _post(client, council, "member_remove", {"member": member.pk}).status_code == 302
    member.refresh_from_db()
    assert member.left_on == timezone.localdate()
    chair = council.members.get(person=council.chair)
    response = _post(client, council, "member_remove", {"member": chair.pk})
    assert response.status_code == 400 and response.context["setup"]["member_remove"].errors["member"]
    assert _post(client, council, "member_remove", {"member": 10**25}).status_code == 400
    assert _post(client, council, "member_remove", {"member": 999999}).status_code == 404
    # all party members of the community (marked 党员, or holding the 党员 role), once
    marked = PersonFactory(home_area=tree.building, is_party_member=True)
    by_role = user_with_role("party_member", tree.grid).person
    PersonFactory(home_area=tree.building, is_party_member=False)
    PersonFactory(home_area=tree.sibling, is_party_member=True)
    before = council.active_members().count()
    assert _post(client, council, "members_party", {"group": ""}).status_code == 302
    assert council.active_members().count() == before + 2
    assert set(council.active_members().values_list("person_id", flat=True)) >= {marked.pk, by_role.pk}
    response = _post(client, council, "members_party", {"group": ""})
    assert response.status_code == 400 and response.context["setup"]["members_party"].non_field_errors()
    client.force_login(outsider)
    assert _post(client, council, "members_party", {}).status_code == 404


def test_invite_from_the_meeting_page(client, council, secretary, tree, resident):
    m = h.meeting(council, secretary)
    guest = PersonFactory(home_area=tree.building)
    client.force_login(secretary)
    url = reverse("councils:meeting_act", args=[m.pk, "invite"])
    assert client.post(url, {"person": guest.pk, "capacity": "列席"}).status_code == 302
    assert m.participants.filter(person=guest, is_member=False).exists()
    assert client.post(url, {"person": guest.pk, "capacity": "列席"}).status_code == 400
    assert client.post(url, {"person": "", "capacity": "列席"}).status_code == 400
    client.force_login(resident)
    assert client.post(url, {"person": guest.pk, "capacity": "列席"}).status_code == 404


def test_publish_progress_from_the_topic_page(client, council, secretary, tree):
    topic, _m = h.passed(council, secretary)
    services.topic_start_followup(
        actor=secretary,
        topic=topic,
        tasks=[{"title": "铺设柏油马路", "owner_unit": tree.hospital, "working_days": 10, "measure": "㎡"}],
    )
    client.force_login(secretary)
    page = client.get(reverse("councils:topic", args=[topic.pk]))
    assert 'data-testid="form-publish_progress"' in page.content.decode()
    url = reverse("councils:topic_act", args=[topic.pk, "publish_progress"])
    assert client.post(url, {}).status_code == 302
    assert Notice.objects.filter(title__contains="落实进展公示").count() == 1
    done = h.propose(council, secretary, title="另一议题")
    url = reverse("councils:topic_act", args=[done.pk, "publish_progress"])
    assert client.post(url, {}).status_code == 400


def test_admin_is_read_only(client, council, tree):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    for model in ("council", "charter", "scopeitem", "topic"):
        assert client.get(reverse(f"admin:councils_{model}_changelist")).status_code == 200, model
    assert client.get(reverse("admin:councils_topic_add")).status_code == 403
    assert client.get(reverse("admin:councils_council_change", args=[council.pk])).status_code == 200


# ---------------------------------------------------------------- 1. council setup: API


def test_council_setup_through_the_api(api, council, secretary, tree, resident, outsider):
    base = f"/api/v1/councils/{council.pk}"
    api.force_authenticate(secretary)
    charter = {
        "quorum_rule": "majority",
        "threshold_rule": "two_thirds_present",
        "meeting_frequency": "half_yearly",
        "min_opinion_days": 8,
    }
    response = api.post(f"{base}/charter/", charter, format="json")
    assert response.status_code == 200 and response.json()["threshold_rule"] == "two_thirds_present"
    response = api.post(f"{base}/charter/", {**charter, "min_opinion_days": 0}, format="json")
    assert response.status_code == 400 and "min_opinion_days" in response.json()
    response = api.post(f"{base}/scope_items/", {"name": "邻里纠纷"}, format="json")
    assert response.status_code == 201
    response = api.post(f"{base}/scope_items/", {"name": "邻里纠纷"}, format="json")
    assert response.status_code == 400 and "name" in response.json()

    person = PersonFactory(home_area=tree.building)
    response = api.post(f"{base}/members/", {"person": person.pk, "group": "第2居民小组"}, format="json")
    assert response.status_code == 201, response.json()
    member_id = response.json()["id"]
    response = api.post(f"{base}/members/", {"person": person.pk}, format="json")
    assert response.status_code == 400 and "person" in response.json()
    assert any(m["id"] == member_id for m in api.get(f"{base}/members/").json())
    response = api.post(f"{base}/remove_member/", {"member": member_id}, format="json")
    assert response.status_code == 200 and response.json()["left_on"]
    response = api.post(f"{base}/remove_member/", {"member": member_id}, format="json")
    assert response.status_code == 400 and "member" in response.json()
    assert api.post(f"{base}/remove_member/", {"member": 999999}, format="json").status_code == 404
    PersonFactory(home_area=tree.building, is_party_member=True)
    response = api.post(f"{base}/add_party_members/", {}, format="json")
    assert response.status_code == 201 and response.json()["added"] == 1
    assert api.post(f"{base}/add_party_members/", {}, format="json").status_code == 400

    response = api.post(f"{base}/schedule_regular/", {"start": "2027-01-01"}, format="json")
    assert response.status_code == 201 and len(response.json()) == 2  # half-yearly
    response = api.post(f"{base}/schedule_regular/", {"start": "9999-06-01"}, format="json")
    assert response.status_code == 400 and "start" in response.json()
    at = (timezone.now() + dt.timedelta(days=3)).isoformat()
    response = api.post(f"{base}/schedule_adhoc/", {"title": "临时会议", "scheduled_at": at}, format="json")
    assert response.status_code == 201
    meeting_id = response.json()["id"]
    response = api.post(
        f"{base}/schedule_adhoc/", {"title": "临时会议", "scheduled_at": "0001-01-01T00:00:00"}, format="json"
    )
    assert response.status_code == 400 and "scheduled_at" in response.json()
    guest = PersonFactory(home_area=tree.building)
    response = api.post(f"{base}/invite/", {"meeting": meeting_id, "person": guest.pk}, format="json")
    assert response.status_code == 201 and response.json()["capacity"] == "列席"
    response = api.post(f"{base}/invite/", {"meeting": meeting_id, "person": guest.pk}, format="json")
    assert response.status_code == 400 and "person" in response.json()
    assert (
        api.post(f"{base}/invite/", {"meeting": 999999, "person": guest.pk}, format="json").status_code == 404
    )

    api.force_authenticate(resident)  # sees the council, may not run it
    assert api.post(f"{base}/scope_items/", {"name": "绿化"}, format="json").status_code == 403
    api.force_authenticate(outsider)
    assert api.post(f"{base}/scope_items/", {"name": "绿化"}, format="json").status_code == 404
    assert api.post(f"{base}/charter/", charter, format="json").status_code == 404


def test_publish_progress_and_task_owner_person_through_the_api(api, council, secretary, tree, outsider):
    topic, _m = h.passed(council, secretary)
    api.force_authenticate(secretary)
    assert api.post(f"/api/v1/topics/{topic.pk}/publish_progress/", {}, format="json").status_code == 400
    owner = PersonFactory(home_area=tree.building)
    response = api.post(
        f"/api/v1/topics/{topic.pk}/start_followup/",
        {"tasks": [{"title": "清理煤房子", "owner_person": owner.pk, "working_days": 5}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert FollowUp.objects.filter(title="清理煤房子", owner_person=owner).exists()
    response = api.post(f"/api/v1/topics/{topic.pk}/publish_progress/", {}, format="json")
    assert response.status_code == 201 and "落实进展公示" in response.json()["title"]
    api.force_authenticate(outsider)
    assert api.post(f"/api/v1/topics/{topic.pk}/publish_progress/", {}, format="json").status_code == 404


# ---------------------------------------------------------------- 2. a topic never stuck on a dead agenda


def _on_planned_agenda(council, secretary):
    topic = h.ready(council, secretary)
    first = h.meeting(council, secretary)
    return services.topic_put_on_agenda(actor=secretary, topic=topic, meeting=first), first


def test_topic_moves_only_off_a_dead_agenda(council, secretary):
    topic, first = _on_planned_agenda(council, secretary)
    second = h.meeting(council, secretary)
    with pytest.raises(ValidationError) as exc:  # its meeting is still planned
        services.topic_put_on_agenda(actor=secretary, topic=topic, meeting=second)
    assert "meeting" in exc.value.message_dict
    meeting_services.meeting_cancel(actor=secretary, meeting=first, reason="天气原因")
    topic = services.topic_put_on_agenda(actor=secretary, topic=topic, meeting=second)
    assert topic.status == TopicStatus.ON_AGENDA and topic.agenda_item.meeting == second


def test_topic_moves_off_a_meeting_held_without_its_vote(council, secretary):
    topic, first = _on_planned_agenda(council, secretary)
    meeting_services.meeting_start(actor=secretary, meeting=first)
    meeting_services.meeting_record(actor=secretary, meeting=first, minutes="时间不够", outcome="下次再议")
    third = h.meeting(council, secretary)
    topic = services.topic_put_on_agenda(actor=secretary, topic=topic, meeting=third)
    assert topic.agenda_item.meeting == third


def test_topic_with_a_closed_vote_stays_on_its_agenda(council, secretary):
    topic, m, members = h.on_agenda(council, secretary)
    v = services.topic_open_vote(actor=secretary, topic=topic)
    for p in members:
        meeting_services.vote_record(actor=secretary, vote=v, participant=p, choice="for")
    meeting_services.vote_close(actor=secretary, vote=v)
    meeting_services.meeting_record(actor=secretary, meeting=m, minutes="纪要", outcome="通过")
    with pytest.raises(ValidationError) as exc:
        services.topic_put_on_agenda(actor=secretary, topic=topic, meeting=h.meeting(council, secretary))
    assert "meeting" in exc.value.message_dict
    assert services.topic_record_vote(actor=secretary, topic=topic).status == TopicStatus.PASSED


def test_topic_page_offers_rescheduling_only_after_cancellation(client, council, secretary):
    topic, first = _on_planned_agenda(council, secretary)
    client.force_login(secretary)
    url = reverse("councils:topic", args=[topic.pk])
    assert 'data-testid="form-schedule"' not in client.get(url).content.decode()
    meeting_services.meeting_cancel(actor=secretary, meeting=first, reason="取消")
    assert 'data-testid="form-schedule"' in client.get(url).content.decode()


# ---------------------------------------------------------------- 3. the opinion period


def test_opinions_cannot_close_during_the_period_without_an_early_reason(council, secretary):
    topic = h.published(council, secretary)
    with pytest.raises(ValidationError) as exc:
        services.topic_close_opinions(actor=secretary, topic=topic)
    assert topic.opinion_deadline.isoformat() in exc.value.message_dict["opinion_deadline"][0]
    with pytest.raises(ValidationError) as exc:
        services.topic_close_opinions(actor=secretary, topic=topic, early=True, reason="  ")
    assert "reason" in exc.value.message_dict
    topic = services.topic_close_opinions(actor=secretary, topic=topic, early=True, reason="居民意见已充分")
    assert topic.status == TopicStatus.READY
    event = AuditEvent.objects.filter(verb="topic.close_opinions").get()
    assert "居民意见已充分" in event.note


def test_opinions_close_after_the_deadline(council, secretary):
    topic = h.published(council, secretary)
    with h.after_deadline(topic):
        assert services.topic_close_opinions(actor=secretary, topic=topic).status == TopicStatus.READY


def test_close_opinions_page_and_api_answer_400_during_the_period(client, api, council, secretary):
    topic = h.published(council, secretary)
    client.force_login(secretary)
    url = reverse("councils:topic_act", args=[topic.pk, "close_opinions"])
    response = client.post(url, {})
    assert response.status_code == 400 and topic.opinion_deadline.isoformat() in response.content.decode()
    api.force_authenticate(secretary)
    response = api.post(f"/api/v1/topics/{topic.pk}/close_opinions/", {"early": True}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert client.post(url, {"early": "on", "reason": "意见已充分"}).status_code == 302
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.READY


# ---------------------------------------------------------------- 4. quorum base of planned meetings


def test_member_changes_reach_planned_meetings_only(council, secretary, tree):
    planned = h.meeting(council, secretary)
    running = h.meeting(council, secretary)
    meeting_services.meeting_start(actor=secretary, meeting=running)
    count = council.active_members().count()
    assert planned.member_count == count
    person = PersonFactory(home_area=tree.building)
    member = services.council_member_add(actor=secretary, council=council, person=person)
    planned.refresh_from_db()
    running.refresh_from_db()
    assert planned.member_count == count + 1 and running.member_count == count
    assert planned.participants.get(person=person).is_member
    assert not running.participants.filter(person=person).exists()
    services.council_member_remove(actor=secretary, member=member)
    planned.refresh_from_db()
    assert planned.member_count == count
    assert not planned.participants.get(person=person).is_member
    # a guest invited first becomes a voting member when they join
    guest = PersonFactory(home_area=tree.building)
    services.council_invite(actor=secretary, meeting=planned, person=guest)
    services.council_member_add(actor=secretary, council=council, person=guest)
    assert planned.participants.get(person=guest).is_member
    assert planned.status == MeetingStatus.PLANNED


# ---------------------------------------------------------------- 5. bad input: 400, never 500


def test_schedule_pages_reject_dates_outside_the_calendar(client, council, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("councils:schedule", args=[council.pk, "regular"]), {"start": "9999-06-01"}
    )
    assert response.status_code == 400 and response.context["form"].errors["start"]
    response = client.post(
        reverse("councils:schedule", args=[council.pk, "adhoc"]),
        {"title": "临时会议", "scheduled_at": "0001-01-01T00:00"},
    )
    assert response.status_code == 400 and response.context["form"].errors["scheduled_at"]


def test_schedule_services_reject_dates_outside_the_calendar(council, secretary):
    with pytest.raises(ValidationError) as exc:
        services.council_schedule_regular(actor=secretary, council=council, start=dt.date(9999, 6, 1))
    assert "start" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.council_meeting_adhoc(
            actor=secretary,
            council=council,
            title="会",
            scheduled_at=timezone.make_aware(dt.datetime(1, 1, 2)),
        )
    assert "scheduled_at" in exc.value.message_dict


def test_meetings_api_rejects_edge_dates_and_huge_counts(api, secretary, tree):
    api.force_authenticate(secretary)
    data = {
        "kind": "council",
        "area": tree.community.pk,
        "title": "例会",
        "scheduled_at": "0001-01-01T00:00:00",
    }
    response = api.post("/api/v1/meetings/", data, format="json")
    assert response.status_code == 400 and "scheduled_at" in response.json()
    at = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = api.post(
        "/api/v1/meetings/", {**data, "scheduled_at": at, "member_count": 10**25}, format="json"
    )
    assert response.status_code == 400 and "member_count" in response.json()


def test_opinion_and_followup_lists_bound_the_content_type(api, council, secretary):
    api.force_authenticate(secretary)
    for url in ("/api/v1/opinions/", "/api/v1/followups/"):
        response = api.get(url, {"content_type": "1" * 25, "object_id": 1})
        assert response.status_code == 200 and response.json()["results"] == [], url
    ct = ContentType.objects.get_for_model(Council)
    response = api.get("/api/v1/opinions/", {"content_type": ct.pk, "object_id": council.pk})
    assert response.status_code == 200


def test_vote_close_writes_the_agenda_items_conclusion(council, secretary):
    topic, _m, members = h.on_agenda(council, secretary)
    v = services.topic_open_vote(actor=secretary, topic=topic)
    choices = ["for", "for", "against", "abstain", "for"]
    for p, choice in zip(members, choices, strict=False):
        meeting_services.vote_record(actor=secretary, vote=v, participant=p, choice=choice)
    meeting_services.vote_close(actor=secretary, vote=v)
    topic.agenda_item.refresh_from_db()
    conclusion = topic.agenda_item.conclusion
    assert conclusion.startswith("通过") and "同意3票" in conclusion and "反对1票" in conclusion


def test_members_stay_unique_after_bulk(council, secretary, tree):
    PersonFactory(home_area=tree.building, is_party_member=True)
    services.council_members_add_party(actor=secretary, council=council)
    counts = CouncilMember.objects.filter(council=council, left_on__isnull=True).values("person").distinct()
    assert counts.count() == council.active_members().count()
