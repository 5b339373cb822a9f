"""Writes to meetings. Nothing here knows which process holds the meeting: the caller passes the body, its
voting members and its rules (quorum, threshold), copied onto the meeting when it is scheduled.

Every service checks ``CHANGE_MEETING`` on the meeting's area (``actor=None`` is the system: scheduled jobs and
services of processes that checked their own rule first), checks the action against ``workflow.TRANSITIONS``,
locks the rows it changes and records an audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.audit.services import audit_record
from yishi.core import permissions
from yishi.core.permissions import CHANGE_MEETING
from yishi.core.services import require

from . import counting, selectors
from .models import (
    AgendaItem,
    Ballot,
    BallotReceipt,
    Choice,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Participant,
    QuorumRule,
    ThresholdRule,
    Vote,
    VoteResult,
    VoteStatus,
)
from .workflow import MeetingAction, allowed

# Wrong sign-in codes a member may enter for one meeting before being told to wait.
CODE_ATTEMPTS = 10
CODE_LOCKOUT_SECONDS = 600

_TALLY_FIELD = {Choice.FOR: "votes_for", Choice.AGAINST: "votes_against", Choice.ABSTAIN: "votes_abstain"}


def _require(actor, obj) -> None:
    """Convening rights on the meeting ``obj``: a 404 for whoever cannot see it, a 403 for an invited
    participant or a viewer who may not run it."""
    if actor is None:
        return
    if isinstance(obj, Meeting) and not permissions.can(actor, CHANGE_MEETING, obj):
        if selectors.meeting_visible(actor).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("只有会议召集人可以执行此操作。"))
    require(actor, CHANGE_MEETING, obj)


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("area").get(pk=meeting.pk)


def _check(meeting: Meeting, action: str, field: str = "status") -> None:
    if not allowed(meeting.status, action):
        raise ValidationError(
            {
                field: _("会议%(status)s，不能%(action)s。")
                % {"status": meeting.get_status_display(), "action": MeetingAction(action).label}
            }
        )


def _subject_fields(subject) -> dict:
    if subject is None:
        return {"subject_type": None, "subject_id": ""}
    return {"subject_type": ContentType.objects.get_for_model(subject), "subject_id": str(subject.pk)}


def _accounts_of(person):
    from yishi.accounts.models import User

    return list(User.objects.filter(person=person, is_active=True)) if person is not None else []


def _notify_invited(meeting: Meeting, participants) -> None:
    from yishi.notifications.services import notify

    recipients = [u for p in participants for u in _accounts_of(p.person)]
    if recipients:
        notify(
            recipients=recipients,
            title=_("会议通知：%(title)s") % {"title": meeting.title},
            body=_("时间：%(at)s；地点：%(where)s")
            % {
                "at": timezone.localtime(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M"),
                "where": meeting.location or "—",
            },
            url=reverse("meetings:detail", args=[meeting.pk]),
            verb="meeting.invite",
        )


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
    member_count: int = 0,
    quorum_rule: str = QuorumRule.NONE,
    threshold_rule: str = ThresholdRule.MAJORITY_PRESENT,
    is_regular: bool = False,
    notify_participants: bool = False,
) -> Meeting:
    """安排会议: schedule a meeting of ``body`` in ``area`` with the body's rules.

    ``participants`` are (person, unit, capacity) or (person, unit, capacity, is_member) tuples — at least one of
    person and unit; ``agenda`` are (title, subject) pairs, the subject any record or None. ``member_count`` is
    the body's number of voting members (0: count the member participants). With ``notify_participants``, the
    participants' accounts get the invitation in their inbox.
    """
    _require(actor, area)
    errors = {}
    if kind not in MeetingKind.values:
        errors["kind"] = _("未知的会议类型。")
    if not (title or "").strip():
        errors["title"] = _("请填写会议名称。")
    if scheduled_at is None:
        errors["scheduled_at"] = _("请填写召开时间。")
    elif not 1900 <= scheduled_at.year <= 2100:
        errors["scheduled_at"] = _("请填写1900年至2100年之间的召开时间。")
    if quorum_rule not in QuorumRule.values:
        errors["quorum_rule"] = _("未知的法定人数规则。")
    if threshold_rule not in ThresholdRule.values:
        errors["threshold_rule"] = _("未知的表决通过规则。")
    if member_count is None or int(member_count) < 0:
        errors["member_count"] = _("应到成员数不能为负数。")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    meeting = Meeting.objects.create(
        kind=kind,
        title=title.strip()[:120],
        area=area,
        scheduled_at=scheduled_at,
        location=(location or "").strip()[:120],
        body_type=ContentType.objects.get_for_model(body) if body is not None else None,
        body_id=str(body.pk) if body is not None else "",
        created_by=_user_or_none(actor),
        is_regular=bool(is_regular),
        member_count=int(member_count),
        quorum_rule=quorum_rule,
        threshold_rule=threshold_rule,
    )
    rows = []
    for entry in participants:
        person, unit, capacity = entry[:3]
        is_member = bool(entry[3]) if len(entry) > 3 else False
        if person is None and unit is None:
            continue
        rows.append(
            Participant(
                meeting=meeting,
                person=person,
                unit=unit,
                capacity=(capacity or "")[:60],
                is_member=is_member,
                invited_at=now if notify_participants else None,
            )
        )
    Participant.objects.bulk_create(rows)
    for order, (item_title, subject) in enumerate(agenda, start=1):
        AgendaItem.objects.create(
            meeting=meeting, order=order, title=item_title[:200], **_subject_fields(subject)
        )
    if notify_participants:
        _notify_invited(meeting, rows)
    audit_record(
        actor=actor,
        obj=meeting,
        verb="meeting.schedule",
        after={
            "kind": kind,
            "scheduled_at": scheduled_at,
            "participants": len(rows),
            "member_count": meeting.member_count,
            "quorum_rule": quorum_rule,
            "threshold_rule": threshold_rule,
        },
    )
    return meeting


@transaction.atomic
def meeting_invite(
    *, actor, meeting: Meeting, person=None, unit=None, capacity: str = "", is_member: bool = False
) -> Participant:
    """邀请参会: add a person or a unit to a planned or running meeting and notify the person's account.
    A person is invited once per meeting (a unit without a person, once too)."""
    meeting = _locked(meeting)
    _require(actor, meeting)
    _check(meeting, MeetingAction.INVITE)
    if person is None and unit is None:
        raise ValidationError({"person": _("请选择参会人员或单位。")})
    if person is not None and meeting.participants.filter(person=person).exists():
        raise ValidationError({"person": _("%(name)s 已在参会名单中。") % {"name": person.name}})
    if person is None and meeting.participants.filter(person__isnull=True, unit=unit).exists():
        raise ValidationError({"unit": _("%(name)s 已在参会名单中。") % {"name": unit.name}})
    participant = Participant.objects.create(
        meeting=meeting,
        person=person,
        unit=unit,
        capacity=(capacity or "").strip()[:60],
        is_member=bool(is_member),
        invited_at=timezone.now(),
    )
    _notify_invited(meeting, [participant])
    audit_record(
        actor=actor,
        obj=meeting,
        verb="meeting.invite",
        after={"participant": str(participant), "capacity": participant.capacity, "is_member": is_member},
    )
    return participant


@transaction.atomic
def meeting_set_member(
    *, actor, meeting: Meeting, person, is_member: bool, capacity: str = "", member_count: int | None = None
) -> Participant | None:
    """成员变动: the body's membership changed before its meeting — a planned meeting only (the quorum base of a
    running meeting stays what it was at the start). A new voting member is invited (or an invited guest made
    a voting member); a leaving member stays on the list as a non-voting participant. ``member_count`` is the
    body's new number of voting members (None: leave the stored number)."""
    meeting = _locked(meeting)
    _require(actor, meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError({"status": _("只有尚未召开的会议可以调整成员。")})
    if member_count is not None and int(member_count) < 0:
        raise ValidationError({"member_count": _("应到成员数不能为负数。")})
    participant = meeting.participants.filter(person=person).first()
    before = {
        "member_count": meeting.member_count,
        "is_member": participant.is_member if participant else None,
    }
    if participant is None and is_member:
        participant = Participant.objects.create(
            meeting=meeting,
            person=person,
            capacity=(capacity or "").strip()[:60],
            is_member=True,
            invited_at=timezone.now(),
        )
        _notify_invited(meeting, [participant])
    elif participant is not None and participant.is_member != bool(is_member):
        participant.is_member = bool(is_member)
        fields = ["is_member"]
        if capacity:
            participant.capacity = capacity.strip()[:60]
            fields.append("capacity")
        participant.save(update_fields=fields)
    if member_count is not None and meeting.member_count != int(member_count):
        meeting.member_count = int(member_count)
        meeting.save(update_fields=["member_count"])
    audit_record(
        actor=actor,
        obj=meeting,
        verb="meeting.set_member",
        before=before,
        after={
            "person": getattr(person, "pk", None),
            "is_member": bool(is_member),
            "member_count": meeting.member_count,
        },
    )
    return participant


@transaction.atomic
def meeting_add_agenda_item(*, actor, meeting: Meeting, title: str, subject=None) -> AgendaItem:
    """增加议程: append an item (about any subject, or none) to a planned or running meeting's agenda."""
    meeting = _locked(meeting)
    _require(actor, meeting)
    _check(meeting, MeetingAction.ADD_AGENDA)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写议程。")})
    last = meeting.agenda.aggregate(m=Max("order"))["m"] or 0
    item = AgendaItem.objects.create(
        meeting=meeting, order=last + 1, title=title[:200], **_subject_fields(subject)
    )
    audit_record(
        actor=actor, obj=meeting, verb="meeting.add_agenda", after={"order": item.order, "title": item.title}
    )
    return item


@transaction.atomic
def meeting_start(*, actor, meeting: Meeting) -> Meeting:
    """开始会议: a planned meeting goes into session (members may sign in before and during it)."""
    meeting = _locked(meeting)
    _require(actor, meeting)
    _check(meeting, MeetingAction.START)
    meeting.status, meeting.held_at = MeetingStatus.IN_SESSION, timezone.now()
    meeting.save(update_fields=["status", "held_at"])
    audit_record(
        actor=actor,
        obj=meeting,
        verb="meeting.start",
        before={"status": MeetingStatus.PLANNED},
        after={"status": meeting.status},
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str) -> Meeting:
    """取消会议: a planned or running meeting is called off, with the reason (required). Refused while a vote
    is open: close it first, so no vote is left without a result."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写取消原因。")})
    meeting = _locked(meeting)
    _require(actor, meeting)
    _check(meeting, MeetingAction.CANCEL)
    if selectors.open_votes(meeting).exists():
        raise ValidationError({"status": _("还有进行中的表决，请先结束表决。")})
    before = meeting.status
    meeting.status, meeting.cancelled_at, meeting.cancel_reason = (
        MeetingStatus.CANCELLED,
        timezone.now(),
        reason[:500],
    )
    meeting.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    audit_record(
        actor=actor,
        obj=meeting,
        verb="meeting.cancel",
        before={"status": before},
        after={"status": meeting.status},
        note=meeting.cancel_reason,
    )
    return meeting


def _sign_in(participant: Participant, by) -> Participant:
    if participant.signed_in_at is None:
        participant.signed_in_at = timezone.now()
        participant.signed_in_by = _user_or_none(by)
        participant.save(update_fields=["signed_in_at", "signed_in_by"])
        audit_record(
            actor=_user_or_none(by),
            obj=participant.meeting,
            verb="meeting.sign_in",
            after={"participant": str(participant), "is_member": participant.is_member},
        )
    return participant


@transaction.atomic
def meeting_sign_in(*, actor, participant: Participant) -> Participant:
    """签到 (by staff): mark a participant of a planned or running meeting present. Signing in twice keeps the
    first time."""
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("meeting__area")
        .get(pk=participant.pk)
    )
    _require(actor, participant.meeting)
    _check(participant.meeting, MeetingAction.SIGN_IN, field="meeting")
    return _sign_in(participant, actor)


def _code_key(meeting: Meeting, user) -> str:
    return f"meetings:code:{meeting.pk}:{user.pk}"


@transaction.atomic
def meeting_sign_in_with_code(*, user, meeting: Meeting, code: str) -> Participant:
    """签到 (by the member): the signed-in user's own participant row is marked present when ``code`` equals
    the meeting's sign-in code (compared in constant time). Only invited people sign themselves in; after
    ``CODE_ATTEMPTS`` wrong codes the member waits ``CODE_LOCKOUT_SECONDS``."""
    meeting = Meeting.objects.select_related("area").get(pk=meeting.pk)
    _check(meeting, MeetingAction.SIGN_IN, field="code")
    participant = selectors.participant_of(meeting, user)
    if participant is None:
        raise ValidationError({"code": _("您不在本次会议的参会名单中，请联系工作人员。")})
    key = _code_key(meeting, user)
    if cache.get(key, 0) >= CODE_ATTEMPTS:
        raise ValidationError({"code": _("签到码错误次数过多，请稍后再试或请工作人员代签。")})
    if not secrets.compare_digest((code or "").strip().encode(), meeting.sign_in_code.encode()):
        cache.set(key, cache.get(key, 0) + 1, CODE_LOCKOUT_SECONDS)
        raise ValidationError({"code": _("签到码不正确。")})
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("meeting__area")
        .get(pk=participant.pk)
    )
    return _sign_in(participant, user)


@transaction.atomic
def meeting_record(*, actor, meeting: Meeting, minutes: str, outcome: str) -> Meeting:
    """会议纪要: record that the meeting was held, with its minutes and outcome (both required). A planned
    meeting (a joint case meeting has no session) or a running one; refused while a vote is open."""
    errors = {}
    if not (minutes or "").strip():
        errors["minutes"] = _("请填写会议纪要。")
    if not (outcome or "").strip():
        errors["outcome"] = _("请填写会议结果。")
    if errors:
        raise ValidationError(errors)
    meeting = _locked(meeting)
    _require(actor, meeting)
    if not allowed(meeting.status, MeetingAction.RECORD):
        raise ValidationError({"minutes": _("该会议已经记录或已取消。")})
    if selectors.open_votes(meeting).exists():
        raise ValidationError({"minutes": _("还有进行中的表决，请先结束表决。")})
    before = meeting.status
    meeting.minutes, meeting.outcome = minutes.strip(), outcome.strip()
    meeting.status = MeetingStatus.HELD
    meeting.held_at = meeting.held_at or timezone.now()
    meeting.save(update_fields=["minutes", "outcome", "status", "held_at"])
    audit_record(
        actor=actor,
        obj=meeting,
        verb="meeting.record",
        before={"status": before},
        after={"status": meeting.status, "outcome": meeting.outcome},
    )
    return meeting


# ---------------------------------------------------------------- votes


@transaction.atomic
def vote_open(
    *, actor, agenda_item: AgendaItem, secret: bool = False, threshold_rule: str | None = None
) -> Vote:
    """开始表决: open a vote on an agenda item of a meeting in session — only with quorum (``quorum`` field
    error otherwise), once per item. The threshold is the meeting's (copied from the body) unless given."""
    meeting = _locked(agenda_item.meeting)
    _require(actor, meeting)
    _check(meeting, MeetingAction.OPEN_VOTE)
    agenda_item = AgendaItem.objects.get(pk=agenda_item.pk, meeting=meeting)
    rule = threshold_rule or meeting.threshold_rule
    if rule not in ThresholdRule.values:
        raise ValidationError({"threshold_rule": _("未知的表决通过规则。")})
    if agenda_item.votes.exists():
        raise ValidationError({"agenda_item": _("该议程已经表决过。")})
    quorum = selectors.quorum_status(meeting)
    if not quorum.has_quorum:
        raise ValidationError(
            {
                "quorum": _("到会表决成员 %(present)s 人，不足法定人数 %(required)s 人，不能表决。")
                % {"present": quorum.present_members, "required": quorum.required}
            }
        )
    vote = Vote.objects.create(
        agenda_item=agenda_item,
        secret=bool(secret),
        threshold_rule=rule,
        members=quorum.member_count,
        present=quorum.present_members,
        opened_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        obj=meeting,
        verb="vote.open",
        after={"agenda_item": agenda_item.title, "secret": vote.secret, "threshold_rule": rule},
    )
    return vote


def _locked_vote(vote: Vote) -> Vote:
    return (
        Vote.objects.select_for_update(of=("self",))
        .select_related("agenda_item__meeting__area")
        .get(pk=vote.pk)
    )


def _ballot(vote: Vote, participant: Participant, choice: str, *, actor) -> None:
    """Write one vote: a receipt always; a ballot only for a named vote; the tally on the (locked) vote."""
    if choice not in Choice.values:
        raise ValidationError({"choice": _("请选择同意、反对或弃权。")})
    if vote.status != VoteStatus.OPEN:
        raise ValidationError({"choice": _("表决已经结束。")})
    if not participant.is_member:
        raise ValidationError({"choice": _("%(name)s 不是本次会议的表决成员。") % {"name": participant}})
    if participant.signed_in_at is None:
        raise ValidationError({"choice": _("%(name)s 尚未签到，不能投票。") % {"name": participant}})
    if BallotReceipt.objects.filter(vote=vote, participant=participant).exists():
        raise ValidationError({"choice": _("%(name)s 已经投过票。") % {"name": participant}})
    BallotReceipt.objects.create(vote=vote, participant=participant, cast_at=timezone.now())
    if not vote.secret:
        Ballot.objects.create(vote=vote, participant=participant, choice=choice)
    field = _TALLY_FIELD[choice]
    Vote.objects.filter(pk=vote.pk).update(**{field: F(field) + 1})
    after = {"participant": str(participant)}
    if not vote.secret:
        after["choice"] = choice
    audit_record(actor=actor, obj=vote.agenda_item.meeting, verb="vote.cast", after=after)


@transaction.atomic
def vote_cast(*, user, vote: Vote, choice: str) -> Vote:
    """投票: a signed-in voting member votes for themself, once. In a secret vote nothing links the member to
    the choice: a receipt says who voted, the tally on the vote what was chosen."""
    vote = _locked_vote(vote)
    participant = selectors.participant_of(vote.agenda_item.meeting, user)
    if participant is None:
        raise ValidationError({"choice": _("您不是本次会议的表决成员。")})
    participant = Participant.objects.select_for_update(of=("self",)).get(pk=participant.pk)
    _ballot(vote, participant, choice, actor=user)
    vote.refresh_from_db()
    return vote


@transaction.atomic
def vote_record(*, actor, vote: Vote, participant: Participant, choice: str) -> Vote:
    """代录表决: staff record a signed-in member's named vote (a show of hands). Refused for secret votes,
    which only the member casts."""
    vote = _locked_vote(vote)
    meeting = vote.agenda_item.meeting
    _require(actor, meeting)
    if vote.secret:
        raise ValidationError({"participant": _("无记名表决只能由成员本人投票，不能代为记录。")})
    participant = (
        Participant.objects.select_for_update(of=("self",)).filter(pk=participant.pk, meeting=meeting).first()
    )
    if participant is None:
        raise ValidationError({"participant": _("该人员不在本次会议的参会名单中。")})
    _ballot(vote, participant, choice, actor=actor)
    vote.refresh_from_db()
    return vote


@transaction.atomic
def vote_close(*, actor, vote: Vote) -> Vote:
    """结束表决: count and decide by the vote's threshold rule (``counting.passes``). The voting members present
    (signed in) and all voting members at closing are stored with the tallies, so the result can be checked;
    the agenda item's conclusion records the decision (通过/未通过 with the tally)."""
    vote = _locked_vote(vote)
    meeting = vote.agenda_item.meeting
    _require(actor, meeting)
    if vote.status != VoteStatus.OPEN:
        raise ValidationError({"vote": _("表决已经结束。")})
    quorum = selectors.quorum_status(meeting)
    vote.present, vote.members = quorum.present_members, quorum.member_count
    passed = counting.passes(
        vote.threshold_rule, votes_for=vote.votes_for, present=vote.present, members=vote.members
    )
    vote.result = VoteResult.PASSED if passed else VoteResult.REJECTED
    vote.status, vote.closed_at = VoteStatus.CLOSED, timezone.now()
    vote.save(update_fields=["present", "members", "result", "status", "closed_at"])
    item = vote.agenda_item
    item.conclusion = _("%(r)s（到会%(p)d人，同意%(f)d票，反对%(a)d票，弃权%(b)d票）") % {
        "r": _("通过") if passed else _("未通过"),
        "p": vote.present,
        "f": vote.votes_for,
        "a": vote.votes_against,
        "b": vote.votes_abstain,
    }
    item.save(update_fields=["conclusion"])
    audit_record(
        actor=actor,
        obj=meeting,
        verb="vote.close",
        after={
            "agenda_item": vote.agenda_item.title,
            "for": vote.votes_for,
            "against": vote.votes_against,
            "abstain": vote.votes_abstain,
            "present": vote.present,
            "members": vote.members,
            "result": vote.result,
        },
    )
    return vote
