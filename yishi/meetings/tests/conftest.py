"""Fixtures of the meeting tests: a council-like body of voting members in 裕西社区, without any council code."""

import datetime as dt

import pytest
from django.utils import timezone

from yishi.core.tests.factories import PersonFactory, user_with_role
from yishi.meetings import services
from yishi.meetings.models import Participant


class Body:
    """A stand-in body: the meeting only needs a record to point at (here the community area)."""


@pytest.fixture
def make_meeting(tree, staff):
    """make_meeting(members=9, guests=0, quorum="majority", threshold="majority_present", present=9, status=…)"""

    def make(
        *,
        members=9,
        guests=0,
        member_count=None,
        quorum="majority",
        threshold="majority_present",
        present=None,
        start=True,
        agenda=("拆除煤房子",),
    ):
        people = [PersonFactory(home_area=tree.community) for _ in range(members + guests)]
        participants = [(p, None, "党员", i < members) for i, p in enumerate(people)]
        meeting = services.meeting_schedule(
            actor=staff,
            kind="council",
            area=tree.community,
            title="裕西社区党员民情议事会",
            scheduled_at=timezone.now() + dt.timedelta(hours=1),
            location="社区会议室",
            body=tree.community,
            participants=participants,
            agenda=[(a, None) for a in agenda],
            member_count=members if member_count is None else member_count,
            quorum_rule=quorum,
            threshold_rule=threshold,
        )
        if start:
            services.meeting_start(actor=staff, meeting=meeting)
        present = members if present is None else present
        for p in Participant.objects.filter(meeting=meeting, is_member=True).order_by("pk")[:present]:
            services.meeting_sign_in(actor=staff, participant=p)
        meeting.refresh_from_db()
        return meeting

    return make


def member_user(participant, username=None):
    """Give a participant's person a login (resident of the meeting's area) and return it."""
    from yishi.accounts.models import RoleGrant, User

    user = User.objects.create_user(username=username or f"m{participant.pk}", password="yishi-demo")
    user.person = participant.person
    user.save(update_fields=["person"])
    RoleGrant.objects.create(person=participant.person, role="party_member", area=participant.meeting.area)
    return user


@pytest.fixture
def outsider(tree):
    return user_with_role("community_staff", tree.sibling, username="jinhua-staff")
