"""Writes to meetings. Nothing here knows which process holds the meeting: the caller passes the body."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.audit.services import audit_record

from .models import AgendaItem, Meeting, MeetingKind, MeetingStatus, Participant


@transaction.atomic
def meeting_schedule(
    *,
    actor,
    kind: str,
    area,
    title: str,
    scheduled_at: dt.datetime,
    location: str = "",
    body=None,
    participants=(),
    agenda=(),
) -> Meeting:
    """Schedule a meeting of ``body`` in ``area``.

    ``participants`` are (person, unit, capacity) triples — at least one of person and unit; ``agenda`` are
    (title, subject) pairs, the subject any record or None. The caller has checked the actor may convene.
    """
    errors = {}
    if kind not in MeetingKind.values:
        errors["kind"] = _("未知的会议类型。")
    if not (title or "").strip():
        errors["title"] = _("请填写会议名称。")
    if scheduled_at is None:
        errors["scheduled_at"] = _("请填写召开时间。")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        kind=kind,
        title=title.strip()[:120],
        area=area,
        scheduled_at=scheduled_at,
        location=(location or "").strip(),
        body_type=ContentType.objects.get_for_model(body) if body is not None else None,
        body_id=str(body.pk) if body is not None else "",
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for person, unit, capacity in participants:
        if person is None and unit is None:
            continue
        Participant.objects.create(meeting=meeting, person=person, unit=unit, capacity=capacity or "")
    for order, (item_title, subject) in enumerate(agenda, start=1):
        AgendaItem.objects.create(
            meeting=meeting,
            order=order,
            title=item_title[:200],
            subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
            subject_id=str(subject.pk) if subject is not None else "",
        )
    audit_record(
        actor=actor,
        obj=meeting,
        verb="meeting.schedule",
        after={"kind": kind, "scheduled_at": scheduled_at, "participants": meeting.participants.count()},
    )
    return meeting


@transaction.atomic
def meeting_sign_in(*, actor, participant: Participant) -> Participant:
    """签到: mark a participant present (by staff, or the participant with the meeting's code)."""
    participant = (
        Participant.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=participant.pk)
    )
    if participant.meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"meeting": _("会议已取消。")})
    if participant.signed_in_at is None:
        participant.signed_in_at = timezone.now()
        participant.signed_in_by = actor if getattr(actor, "is_authenticated", False) else None
        participant.save(update_fields=["signed_in_at", "signed_in_by"])
    return participant


@transaction.atomic
def meeting_record(*, actor, meeting: Meeting, minutes: str, outcome: str) -> Meeting:
    """会议纪要: record that the meeting was held, with its minutes and outcome (both required)."""
    errors = {}
    if not (minutes or "").strip():
        errors["minutes"] = _("请填写会议纪要。")
    if not (outcome or "").strip():
        errors["outcome"] = _("请填写会议结果。")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError({"minutes": _("该会议已经记录或已取消。")})
    meeting.minutes, meeting.outcome = minutes.strip(), outcome.strip()
    meeting.status, meeting.held_at = MeetingStatus.HELD, timezone.now()
    meeting.save(update_fields=["minutes", "outcome", "status", "held_at"])
    audit_record(actor=actor, obj=meeting, verb="meeting.record", after={"outcome": meeting.outcome})
    return meeting
