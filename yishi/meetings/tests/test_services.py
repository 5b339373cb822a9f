"""The meeting services: quorum, votes and their thresholds, secret ballots, sign-in, and the status walk."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import PersonFactory, user_with_role
from yishi.meetings import services
from yishi.meetings.models import (
    Ballot,
    BallotReceipt,
    Meeting,
    MeetingStatus,
    Participant,
    Vote,
    VoteResult,
)
from yishi.meetings.selectors import quorum_status
from yishi.meetings.tests.conftest import member_user
from yishi.meetings.workflow import TRANSITIONS, MeetingAction
from yishi.notifications.models import Notification

pytestmark = pytest.mark.django_db


def members(meeting, signed=None):
    qs = Participant.objects.filter(meeting=meeting, is_member=True).order_by("pk")
    if signed is not None:
        qs = qs.filter(signed_in_at__isnull=not signed)
    return list(qs)


def run_vote(staff, meeting, choices, *, secret=False):
    """Open a vote on the first item; the signed-in members vote ``choices`` in order (staff record them)."""
    vote = services.vote_open(actor=staff, agenda_item=meeting.agenda.first(), secret=secret)
    for participant, choice in zip(members(meeting, signed=True), choices, strict=False):
        if secret:
            services.vote_cast(user=member_user(participant), vote=vote, choice=choice)
        else:
            services.vote_record(actor=staff, vote=vote, participant=participant, choice=choice)
    return services.vote_close(actor=staff, vote=vote)


# ---------------------------------------------------------------- quorum


@pytest.mark.parametrize(
    "rule,present,has_quorum",
    [("majority", 4, False), ("majority", 5, True), ("two_thirds", 5, False), ("two_thirds", 6, True)],
)
def test_quorum_counts_signed_in_voting_members(make_meeting, rule, present, has_quorum):
    meeting = make_meeting(members=9, guests=4, quorum=rule, present=present)
    for guest in Participant.objects.filter(
        meeting=meeting, is_member=False
    ):  # guests come, but do not count
        services.meeting_sign_in(actor=None, participant=guest)
    status = quorum_status(meeting)
    assert status.present_members == present and status.member_count == 9
    assert status.has_quorum is has_quorum


def test_member_count_defaults_to_member_participants(make_meeting):
    meeting = make_meeting(members=6, guests=3, member_count=0, quorum="two_thirds", present=4)
    assert quorum_status(meeting) == (4, 6, 4, True)


def test_vote_refused_without_quorum(make_meeting, staff):
    meeting = make_meeting(members=9, quorum="majority", present=4)
    with pytest.raises(ValidationError) as exc:
        services.vote_open(actor=staff, agenda_item=meeting.agenda.first())
    assert "quorum" in exc.value.message_dict
    assert not Vote.objects.exists()
    services.meeting_sign_in(actor=staff, participant=members(meeting, signed=False)[0])
    assert services.vote_open(actor=staff, agenda_item=meeting.agenda.first()).status == "open"


# ---------------------------------------------------------------- thresholds, end to end


@pytest.mark.parametrize(
    "threshold,n,present,choices,result",
    [
        ("two_thirds_present", 9, 9, ["for"] * 6 + ["against"] * 3, VoteResult.PASSED),  # 6 of 9
        ("two_thirds_present", 9, 8, ["for"] * 5 + ["against"] * 3, VoteResult.REJECTED),  # 5 of 8
        ("majority_present", 9, 8, ["for"] * 4 + ["against"] * 4, VoteResult.REJECTED),  # tie
        ("majority_present", 9, 9, ["for"] * 4 + ["abstain"] * 5, VoteResult.REJECTED),  # abstentions
        ("majority_present", 9, 7, ["for"] * 4 + ["abstain"] * 3, VoteResult.PASSED),
        ("majority_members", 9, 7, ["for"] * 4 + ["against"] * 3, VoteResult.REJECTED),  # 4 of 9 members
        ("majority_members", 9, 7, ["for"] * 5 + ["against"] * 2, VoteResult.PASSED),
        ("two_thirds_members", 9, 9, ["for"] * 6 + ["abstain"] * 3, VoteResult.PASSED),
        ("two_thirds_members", 9, 7, ["for"] * 5 + ["against"] * 2, VoteResult.REJECTED),
        # members present who do not vote count as present (and not for)
        ("majority_present", 9, 9, ["for"] * 4, VoteResult.REJECTED),
    ],
)
def test_threshold_applied_exactly(make_meeting, staff, threshold, n, present, choices, result):
    meeting = make_meeting(members=n, quorum="majority", threshold=threshold, present=present)
    vote = run_vote(staff, meeting, choices)
    assert vote.result == result
    assert (vote.present, vote.members) == (present, n)
    assert vote.votes_for + vote.votes_against + vote.votes_abstain == len(choices)


def test_secret_vote_leaves_no_ballot_rows(make_meeting, staff):
    meeting = make_meeting(members=5, present=5)
    vote = run_vote(staff, meeting, ["for", "for", "against", "abstain", "for"], secret=True)
    assert (vote.votes_for, vote.votes_against, vote.votes_abstain) == (3, 1, 1)
    assert vote.result == VoteResult.PASSED
    assert not Ballot.objects.exists()
    assert BallotReceipt.objects.filter(vote=vote).count() == 5
    cast_events = AuditEvent.objects.filter(verb="vote.cast")
    assert cast_events.count() == 5 and all("choice" not in e.after for e in cast_events)


def test_secret_vote_cannot_be_recorded_by_staff(make_meeting, staff):
    meeting = make_meeting(members=3)
    vote = services.vote_open(actor=staff, agenda_item=meeting.agenda.first(), secret=True)
    with pytest.raises(ValidationError) as exc:
        services.vote_record(actor=staff, vote=vote, participant=members(meeting)[0], choice="for")
    assert "participant" in exc.value.message_dict
    assert not BallotReceipt.objects.exists()


def test_named_vote_keeps_who_chose_what(make_meeting, staff):
    meeting = make_meeting(members=3)
    vote = run_vote(staff, meeting, ["for", "against", "for"])
    assert sorted(Ballot.objects.filter(vote=vote).values_list("choice", flat=True)) == [
        "against",
        "for",
        "for",
    ]


def test_double_voting_refused(make_meeting, staff):
    meeting = make_meeting(members=3)
    vote = services.vote_open(actor=staff, agenda_item=meeting.agenda.first(), secret=True)
    user = member_user(members(meeting)[0])
    services.vote_cast(user=user, vote=vote, choice="for")
    with pytest.raises(ValidationError) as exc:
        services.vote_cast(user=user, vote=vote, choice="against")
    assert "choice" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.vote_record(actor=staff, vote=vote, participant=members(meeting)[0], choice="against")
    vote.refresh_from_db()
    assert (vote.votes_for, vote.votes_against) == (1, 0)


def test_non_member_and_absent_member_cannot_vote(make_meeting, staff, tree):
    meeting = make_meeting(members=3, guests=1, present=2)
    vote = services.vote_open(actor=staff, agenda_item=meeting.agenda.first())
    guest = Participant.objects.get(meeting=meeting, is_member=False)
    services.meeting_sign_in(actor=staff, participant=guest)
    absent = members(meeting, signed=False)[0]
    stranger = user_with_role("party_member", tree.community, username="stranger")
    for user in (member_user(guest), member_user(absent), stranger):
        with pytest.raises(ValidationError) as exc:
            services.vote_cast(user=user, vote=vote, choice="for")
        assert "choice" in exc.value.message_dict
    assert not BallotReceipt.objects.exists()


def test_votes_only_while_open_and_once_per_item(make_meeting, staff):
    meeting = make_meeting(members=3)
    vote = run_vote(staff, meeting, ["for", "for", "for"])
    with pytest.raises(ValidationError):
        services.vote_cast(user=member_user(members(meeting)[0]), vote=vote, choice="for")
    with pytest.raises(ValidationError):
        services.vote_close(actor=staff, vote=vote)
    with pytest.raises(ValidationError) as exc:
        services.vote_open(actor=staff, agenda_item=meeting.agenda.first())
    assert "agenda_item" in exc.value.message_dict


# ---------------------------------------------------------------- sign-in


def test_sign_in_with_code(make_meeting):
    meeting = make_meeting(members=3, present=0)
    participant = members(meeting)[0]
    user = member_user(participant)
    wrong = "000000" if meeting.sign_in_code != "000000" else "111111"
    with pytest.raises(ValidationError) as exc:
        services.meeting_sign_in_with_code(user=user, meeting=meeting, code=wrong)
    assert "code" in exc.value.message_dict
    participant.refresh_from_db()
    assert participant.signed_in_at is None
    services.meeting_sign_in_with_code(user=user, meeting=meeting, code=meeting.sign_in_code)
    participant.refresh_from_db()
    assert participant.signed_in_at is not None and participant.signed_in_by_id == user.pk


def test_sign_in_with_code_only_for_invited_people_and_limited(make_meeting, tree, monkeypatch):
    meeting = make_meeting(members=3, present=0)
    stranger = user_with_role("party_member", tree.community, username="stranger")
    with pytest.raises(ValidationError) as exc:
        services.meeting_sign_in_with_code(user=stranger, meeting=meeting, code=meeting.sign_in_code)
    assert "code" in exc.value.message_dict
    monkeypatch.setattr(services, "CODE_ATTEMPTS", 2)
    user = member_user(members(meeting)[0])
    wrong = "000000" if meeting.sign_in_code != "000000" else "111111"
    for _ in range(2):
        with pytest.raises(ValidationError):
            services.meeting_sign_in_with_code(user=user, meeting=meeting, code=wrong)
    with pytest.raises(ValidationError):  # even the right code waits now
        services.meeting_sign_in_with_code(user=user, meeting=meeting, code=meeting.sign_in_code)
    assert members(meeting, signed=True) == []


# ---------------------------------------------------------------- invitations, agenda, permissions


def test_invite_notifies_the_persons_account(make_meeting, staff, tree):
    meeting = make_meeting(members=2, start=False, present=0)
    invitee = user_with_role("party_member", tree.community, username="invitee")
    participant = services.meeting_invite(actor=staff, meeting=meeting, person=invitee.person, is_member=True)
    assert participant.invited_at is not None and participant.is_member
    note = Notification.objects.get(recipient=invitee)
    assert meeting.title in note.title and note.url.endswith(f"/meetings/{meeting.pk}/")
    with pytest.raises(ValidationError) as exc:
        services.meeting_invite(actor=staff, meeting=meeting, person=invitee.person)
    assert "person" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.meeting_invite(actor=staff, meeting=meeting)
    assert "person" in exc.value.message_dict


def test_agenda_items_are_appended(make_meeting, staff):
    meeting = make_meeting(members=2, agenda=("一",))
    item = services.meeting_add_agenda_item(
        actor=staff, meeting=meeting, title="拆除土车库", subject=meeting.area
    )
    assert item.order == 2 and item.subject == meeting.area
    with pytest.raises(ValidationError) as exc:
        services.meeting_add_agenda_item(actor=staff, meeting=meeting, title="  ")
    assert "title" in exc.value.message_dict


def test_out_of_scope_is_missing_and_viewers_cannot_change(make_meeting, outsider, tree):
    meeting = make_meeting(members=2, start=False, present=0)
    with pytest.raises(Http404):
        services.meeting_start(actor=outsider, meeting=meeting)
    grid_worker = user_with_role("grid_worker", tree.community, username="grid")
    with pytest.raises(PermissionDenied):
        services.meeting_start(actor=grid_worker, meeting=meeting)
    with pytest.raises(Http404):
        services.meeting_schedule(
            actor=outsider,
            kind="council",
            area=tree.community,
            title="x",
            scheduled_at=timezone.now(),
        )
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_schedule_validates_fields_and_saves_nothing(staff, tree):
    with pytest.raises(ValidationError) as exc:
        services.meeting_schedule(
            actor=staff,
            kind="party",
            area=tree.community,
            title="",
            scheduled_at=None,
            quorum_rule="most",
            threshold_rule="loud",
        )
    assert set(exc.value.message_dict) == {"kind", "title", "scheduled_at", "quorum_rule", "threshold_rule"}
    assert not Meeting.objects.exists()


def test_schedule_copies_rules_and_members(staff, tree):
    people = [PersonFactory(home_area=tree.community) for _ in range(3)]
    meeting = services.meeting_schedule(
        actor=staff,
        kind="council",
        area=tree.community,
        title="例会",
        scheduled_at=timezone.now() + dt.timedelta(days=1),
        participants=[
            (people[0], None, "主持人"),
            (people[1], None, "党员", True),
            (people[2], None, "", False),
        ],
        member_count=112,
        quorum_rule="two_thirds",
        threshold_rule="two_thirds_present",
        is_regular=True,
        notify_participants=True,
    )
    assert (meeting.member_count, meeting.quorum_rule, meeting.threshold_rule, meeting.is_regular) == (
        112,
        "two_thirds",
        "two_thirds_present",
        True,
    )
    assert list(meeting.participants.order_by("pk").values_list("is_member", flat=True)) == [
        False,
        True,
        False,
    ]
    assert quorum_status(meeting).required == 75


def test_cancel_needs_a_reason(make_meeting, staff):
    meeting = make_meeting(members=2, start=False, present=0)
    with pytest.raises(ValidationError) as exc:
        services.meeting_cancel(actor=staff, meeting=meeting, reason=" ")
    assert "reason" in exc.value.message_dict
    meeting = services.meeting_cancel(actor=staff, meeting=meeting, reason="到会人数不足")
    assert meeting.status == MeetingStatus.CANCELLED and meeting.cancel_reason == "到会人数不足"


def test_open_vote_blocks_record_and_cancel(make_meeting, staff):
    meeting = make_meeting(members=3)
    vote = services.vote_open(actor=staff, agenda_item=meeting.agenda.first())
    with pytest.raises(ValidationError):
        services.meeting_record(actor=staff, meeting=meeting, minutes="纪要", outcome="结果")
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=staff, meeting=meeting, reason="停电")
    services.vote_close(actor=staff, vote=vote)
    assert (
        services.meeting_record(actor=staff, meeting=meeting, minutes="纪要", outcome="结果").status == "held"
    )


# ---------------------------------------------------------------- every (status, action) pair


def _in_status(make_meeting, staff, status):
    meeting = make_meeting(members=3, start=False, present=3)
    if status in (MeetingStatus.IN_SESSION, MeetingStatus.HELD):
        services.meeting_start(actor=staff, meeting=meeting)
    if status == MeetingStatus.HELD:
        services.meeting_record(actor=staff, meeting=meeting, minutes="纪要", outcome="结果")
    if status == MeetingStatus.CANCELLED:
        services.meeting_cancel(actor=staff, meeting=meeting, reason="改期")
    meeting.refresh_from_db()
    assert meeting.status == status
    return meeting


WALKED = {
    MeetingAction.START: lambda staff, m: services.meeting_start(actor=staff, meeting=m),
    MeetingAction.CANCEL: lambda staff, m: services.meeting_cancel(actor=staff, meeting=m, reason="改期"),
    MeetingAction.OPEN_VOTE: lambda staff, m: services.vote_open(actor=staff, agenda_item=m.agenda.first()),
    MeetingAction.RECORD: lambda staff, m: services.meeting_record(
        actor=staff, meeting=m, minutes="纪要", outcome="结果"
    ),
    MeetingAction.INVITE: lambda staff, m: services.meeting_invite(
        actor=staff, meeting=m, person=PersonFactory(home_area=m.area)
    ),
    MeetingAction.ADD_AGENDA: lambda staff, m: services.meeting_add_agenda_item(
        actor=staff, meeting=m, title="新议程"
    ),
    MeetingAction.SIGN_IN: lambda staff, m: services.meeting_sign_in(
        actor=staff, participant=Participant.objects.create(meeting=m, person=PersonFactory(home_area=m.area))
    ),
}


@pytest.mark.parametrize("status", MeetingStatus.values)
@pytest.mark.parametrize("action", MeetingAction.values)
def test_every_status_action_pair(make_meeting, staff, status, action):
    meeting = _in_status(make_meeting, staff, status)
    expected = TRANSITIONS[status].get(action)
    if expected is None:
        with pytest.raises(ValidationError):
            WALKED[action](staff, meeting)
        assert Meeting.objects.get(pk=meeting.pk).status == status
    else:
        WALKED[action](staff, meeting)
        assert Meeting.objects.get(pk=meeting.pk).status == expected


def test_every_action_is_walked():
    assert set(WALKED) == set(MeetingAction.values)
