"""Reads of the council: councils and topics a user may see (by the council's community), and their pages.

A council or topic outside the user's scope is missing (``Http404``), exactly like one that does not exist.
"""

from __future__ import annotations

from collections import OrderedDict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from yishi.core.permissions import VIEW_COUNCIL, scoped
from yishi.meetings.models import Meeting, MeetingStatus

from .models import Council, Topic
from .workflow import TopicStatus


def council_list(*, user) -> QuerySet[Council]:
    return (
        scoped(Council.objects.select_related("area", "chair"), user, VIEW_COUNCIL, field="area__path")
        .annotate(member_total=Count("members", filter=Q(members__left_on__isnull=True)))
        .order_by("area__path")
    )


def council_get(*, user, pk) -> Council:
    council = (
        scoped(
            Council.objects.select_related("area", "chair", "charter"), user, VIEW_COUNCIL, field="area__path"
        )
        .filter(pk=pk)
        .first()
    )
    if council is None:
        raise Http404
    return council


def topic_list(*, user) -> QuerySet[Topic]:
    return scoped(
        Topic.objects.select_related("council__area", "scope_item", "proposer"),
        user,
        VIEW_COUNCIL,
        field="council__area__path",
    )


def topic_get(*, user, pk) -> Topic:
    topic = (
        topic_list(user=user)
        .select_related("council__charter", "source_case", "agenda_item__meeting", "notice", "escalated_to")
        .filter(pk=pk)
        .first()
    )
    if topic is None:
        raise Http404
    return topic


def members_by_group(council: Council) -> OrderedDict[str, list]:
    """Active members grouped by residential group (居民小组), groups in name order."""
    groups: OrderedDict[str, list] = OrderedDict()
    for member in council.active_members().order_by("group", "person__name"):
        groups.setdefault(member.group or "", []).append(member)
    return groups


def topics_by_status(council: Council) -> OrderedDict[str, list]:
    """The council's topics under each status label, in the workflow's order."""
    topics = list(council.topics.select_related("scope_item", "proposer"))
    result: OrderedDict[str, list] = OrderedDict()
    for status in TopicStatus:
        items = [t for t in topics if t.status == status]
        if items:
            result[status.label] = items
    return result


def council_meetings(council: Council) -> QuerySet[Meeting]:
    return Meeting.objects.filter(
        body_type=ContentType.objects.get_for_model(Council), body_id=str(council.pk)
    ).order_by("scheduled_at", "pk")


def upcoming_meetings(council: Council) -> QuerySet[Meeting]:
    """Planned or running meetings of the council from today on (those in session first)."""
    today = timezone.localdate()
    return council_meetings(council).filter(
        Q(status=MeetingStatus.IN_SESSION) | Q(status=MeetingStatus.PLANNED, scheduled_at__date__gte=today)
    )


def open_meetings(council: Council) -> QuerySet[Meeting]:
    """Meetings a topic may be put on: planned or in session."""
    return council_meetings(council).filter(status__in=[MeetingStatus.PLANNED, MeetingStatus.IN_SESSION])


def council_of_meeting(meeting: Meeting) -> Council | None:
    if meeting.body_type_id != ContentType.objects.get_for_model(Council).pk:
        return None
    return Council.objects.select_related("area", "charter").filter(pk=meeting.body_id).first()


def topic_followups(topic: Topic):
    from yishi.followups.models import FollowUp

    return FollowUp.objects.filter(
        subject_type=ContentType.objects.get_for_model(Topic), subject_id=str(topic.pk)
    )
