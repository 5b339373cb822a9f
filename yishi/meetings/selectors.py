"""Reads of meetings: the meetings a user may see, one meeting with everything its page shows, the quorum."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from yishi.core import permissions

from . import counting
from .models import AgendaItem, Ballot, Meeting, Participant, Vote, VoteStatus


class QuorumStatus(NamedTuple):
    """到会情况: voting members signed in, the body's voting members, how many the rule needs, and the verdict."""

    present_members: int
    member_count: int
    required: int
    has_quorum: bool


def meeting_visible(user) -> QuerySet:
    """Meetings in the areas where ``user`` holds ``VIEW_MEETING``, plus those the user is invited to."""
    qs = Meeting.objects.all()
    visible = permissions.scoped(qs, user, permissions.VIEW_MEETING, field="area__path")
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    if person_id and not permissions.is_superadmin(user):
        invited = Meeting.objects.filter(participants__person_id=person_id).values("pk")
        return qs.filter(Q(pk__in=visible.values("pk")) | Q(pk__in=invited))
    return visible


def meeting_list(*, user, area=None, status: str = "") -> QuerySet:
    """The meetings ``user`` may see, newest first; ``area`` narrows to its subtree."""
    qs = meeting_visible(user).select_related("area")
    if area is not None:
        qs = qs.filter(area__path__startswith=area.path)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-scheduled_at", "-pk")


def meeting_get(*, user, pk) -> Meeting:
    """One meeting the user may see; a meeting out of scope is missing (``Http404``)."""
    meeting = meeting_visible(user).select_related("area").filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


def meeting_detail(meeting: Meeting) -> Meeting:
    """Load what the meeting page shows in a fixed number of queries: participants with their person and unit,
    agenda items with their votes, each vote's receipts and (named votes) ballots."""
    participants = Participant.objects.select_related("person", "unit").order_by("-is_member", "pk")
    votes = Vote.objects.order_by("opened_at", "pk").prefetch_related(
        "receipts",
        Prefetch(
            "ballots", queryset=Ballot.objects.select_related("participant__person", "participant__unit")
        ),
    )
    return (
        Meeting.objects.select_related("area")
        .prefetch_related(
            Prefetch("participants", queryset=participants),
            Prefetch(
                "agenda",
                queryset=AgendaItem.objects.order_by("order", "pk").prefetch_related(
                    Prefetch("votes", queryset=votes)
                ),
            ),
        )
        .get(pk=meeting.pk)
    )


def member_count(meeting: Meeting, participants=None) -> int:
    """The body's voting members: the number copied from the body's rules, else the member participants."""
    if meeting.member_count:
        return meeting.member_count
    if participants is not None:
        return sum(1 for p in participants if p.is_member)
    return meeting.participants.filter(is_member=True).count()


def quorum_status(meeting: Meeting, participants=None) -> QuorumStatus:
    """Whether enough voting members have signed in. Participants who are not voting members (guests, units,
    staff) are never counted. ``participants`` may be a loaded list to avoid queries."""
    if participants is None:
        present = meeting.participants.filter(is_member=True, signed_in_at__isnull=False).count()
    else:
        present = sum(1 for p in participants if p.is_member and p.signed_in_at is not None)
    members = member_count(meeting, participants)
    required = counting.quorum_required(meeting.quorum_rule, members)
    return QuorumStatus(present, members, required, present >= required)


def meeting_votes(meeting: Meeting) -> QuerySet:
    """Every vote of the meeting's agenda, in the order they were opened."""
    return Vote.objects.filter(agenda_item__meeting=meeting).order_by("opened_at", "pk")


def open_votes(meeting: Meeting) -> QuerySet:
    return meeting_votes(meeting).filter(status=VoteStatus.OPEN)


def participant_of(meeting: Meeting, user) -> Participant | None:
    """The user's own participant row in ``meeting`` (as a person), or None."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    return meeting.participants.filter(person_id=person_id).first()
