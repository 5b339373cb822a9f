"""The meetings API: scoped lists and details, and every service as an action with field errors."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from yishi.core.tests.factories import PersonFactory, user_with_role
from yishi.meetings.models import Ballot, Meeting, Participant, Vote
from yishi.meetings.tests.conftest import member_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_list_and_detail_are_scoped(api, make_meeting, staff, outsider):
    meeting = make_meeting(members=2)
    api.force_authenticate(outsider)
    assert api.get("/api/v1/meetings/").json()["results"] == []
    assert api.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
    assert api.post(f"/api/v1/meetings/{meeting.pk}/start/").status_code == 404
    api.force_authenticate(staff)
    rows = api.get("/api/v1/meetings/").json()["results"]
    assert [r["id"] for r in rows] == [meeting.pk]
    detail = api.get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert detail["quorum"] == {"present_members": 2, "member_count": 2, "required": 2, "has_quorum": True}
    assert detail["sign_in_code"] == meeting.sign_in_code and len(detail["participants"]) == 2


def test_viewer_gets_no_code_and_403_on_actions(api, make_meeting, tree):
    meeting = make_meeting(members=2, start=False)
    api.force_authenticate(user_with_role("grid_worker", tree.community, username="grid"))
    assert api.get(f"/api/v1/meetings/{meeting.pk}/").json()["sign_in_code"] == ""
    assert api.post(f"/api/v1/meetings/{meeting.pk}/start/").status_code == 403


def test_whole_meeting_through_the_api(api, staff, tree):
    api.force_authenticate(staff)
    response = api.post(
        "/api/v1/meetings/",
        {
            "kind": "council",
            "area": tree.community.pk,
            "title": "季度例会",
            "scheduled_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
            "member_count": 3,
            "quorum_rule": "majority",
            "threshold_rule": "two_thirds_present",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    base = f"/api/v1/meetings/{pk}"
    people = [PersonFactory(home_area=tree.community) for _ in range(3)]
    for person in people:
        r = api.post(
            f"{base}/invite/", {"person": person.pk, "capacity": "党员", "is_member": True}, format="json"
        )
        assert r.status_code == 201, r.json()
    item = api.post(f"{base}/agenda/", {"title": "拆除土车库"}, format="json").json()
    assert api.post(f"{base}/start/").json()["status"] == "in_session"
    r = api.post(f"{base}/votes/", {"agenda_item": item["id"]}, format="json")
    assert r.status_code == 400 and "quorum" in r.json()
    participants = list(Participant.objects.filter(meeting_id=pk).order_by("pk"))
    for p in participants[:2]:
        assert api.post(f"{base}/sign-in/", {"participant": p.pk}, format="json").status_code == 200
    member = member_user(participants[2])
    api.force_authenticate(member)
    r = api.post(f"{base}/sign-in-code/", {"code": "abc"}, format="json")
    assert r.status_code == 400 and "code" in r.json()
    code = Meeting.objects.get(pk=pk).sign_in_code
    assert api.post(f"{base}/sign-in-code/", {"code": code}, format="json").status_code == 200
    assert api.get(f"{base}/quorum/").json()["present_members"] == 3
    api.force_authenticate(staff)
    vote = api.post(f"{base}/votes/", {"agenda_item": item["id"]}, format="json").json()
    assert vote["votes_for"] is None  # no tally while the vote is open
    votes = f"/api/v1/meeting-votes/{vote['id']}"
    for p in participants[:2]:
        r = api.post(f"{votes}/record/", {"participant": p.pk, "choice": "for"}, format="json")
        assert r.status_code == 200, r.json()
    r = api.post(f"{votes}/record/", {"participant": 0, "choice": "for"}, format="json")
    assert r.status_code == 400 and "participant" in r.json()
    api.force_authenticate(member)
    assert api.post(f"{votes}/cast/", {"choice": "against"}, format="json").status_code == 200
    r = api.post(f"{votes}/cast/", {"choice": "for"}, format="json")
    assert r.status_code == 400 and "choice" in r.json()
    assert api.post(f"{votes}/close/").status_code == 403
    api.force_authenticate(staff)
    closed = api.post(f"{votes}/close/").json()
    assert (closed["votes_for"], closed["votes_against"], closed["result"]) == (
        2,
        1,
        "passed",
    )  # 2 × 3 ≥ 2 × 3
    assert len(closed["ballots"]) == 3 and Ballot.objects.count() == 3
    r = api.post(f"{base}/record/", {"minutes": "", "outcome": ""}, format="json")
    assert r.status_code == 400 and {"minutes", "outcome"} <= set(r.json())
    r = api.post(f"{base}/record/", {"minutes": "纪要", "outcome": "通过"}, format="json")
    assert r.json()["status"] == "held"
    assert Vote.objects.get().result == "passed"


def test_schedule_and_cancel_field_errors(api, staff, tree):
    api.force_authenticate(staff)
    r = api.post(
        "/api/v1/meetings/",
        {"kind": "council", "area": tree.sibling.pk, "title": "", "scheduled_at": "soon"},
        format="json",
    )
    assert r.status_code == 400 and {"area", "scheduled_at"} <= set(r.json())
    r = api.post(
        "/api/v1/meetings/",
        {
            "kind": "council",
            "area": tree.community.pk,
            "title": " ",
            "scheduled_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert r.status_code == 400 and "title" in r.json()
    assert not Meeting.objects.exists()
    pk = api.post(
        "/api/v1/meetings/",
        {
            "kind": "forum",
            "area": tree.community.pk,
            "title": "座谈会",
            "scheduled_at": timezone.now().isoformat(),
        },
        format="json",
    ).json()["id"]
    r = api.post(f"/api/v1/meetings/{pk}/cancel/", {"reason": ""}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    r = api.post(f"/api/v1/meetings/{pk}/cancel/", {"reason": "改期"}, format="json")
    assert r.json()["status"] == "cancelled" and r.json()["cancel_reason"] == "改期"
    assert api.post(f"/api/v1/meetings/{pk}/start/").status_code == 400
    assert api.get("/api/v1/meetings/abc/").status_code == 404


def test_secret_vote_api_hides_ballots(api, make_meeting, staff):
    meeting = make_meeting(members=2)
    api.force_authenticate(staff)
    item = meeting.agenda.first()
    vote = api.post(
        f"/api/v1/meetings/{meeting.pk}/votes/", {"agenda_item": item.pk, "secret": True}, format="json"
    )
    votes = f"/api/v1/meeting-votes/{vote.json()['id']}"
    p = Participant.objects.filter(meeting=meeting).first()
    r = api.post(f"{votes}/record/", {"participant": p.pk, "choice": "for"}, format="json")
    assert r.status_code == 400 and "participant" in r.json()
    for participant in Participant.objects.filter(meeting=meeting):
        api.force_authenticate(member_user(participant))
        assert api.post(f"{votes}/cast/", {"choice": "for"}, format="json").status_code == 200
    api.force_authenticate(staff)
    closed = api.post(f"{votes}/close/").json()
    assert closed["votes_for"] == 2 and closed["ballots"] == [] and not Ballot.objects.exists()


def test_meeting_list_query_count(api, make_meeting, staff, django_assert_max_num_queries):
    for _ in range(3):
        make_meeting(members=2)
    api.force_authenticate(staff)
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/v1/meetings/").json()["results"]) == 3
