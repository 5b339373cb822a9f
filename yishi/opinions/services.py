"""Writes of 意见与调研: giving an opinion on a subject (three channels) and recording its research.

The subject is any record with a ``scope_path`` (a council topic, a case, a plan). A subject may define
``opinion_window_open()``; when it returns False, online and paper opinions are refused (the council's
opinion period). Opinions said at a meeting are recorded by staff at any time. Nothing here knows which
process the subject belongs to.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.accounts.models import Person, User
from yishi.areas.models import Unit
from yishi.audit.services import audit_record
from yishi.core import permissions
from yishi.core.services import require

from .models import Opinion, OpinionChannel, Research, ResearchConclusion

TEXT_MAX = 2000
OPEN_MEETING_STATUSES = ("in_session", "held")


def window_open(subject) -> bool:
    """Whether ``subject`` takes online and paper opinions now (True unless it says otherwise)."""
    check = getattr(subject, "opinion_window_open", None)
    return True if check is None else bool(check())


def actor_units(actor) -> set[int]:
    """The units the actor may speak for: their person's unit and the units of their grants."""
    units = {g.unit_id for g in permissions.active_grants(actor) if g.unit_id}
    person = getattr(actor, "person", None)
    if person is not None and person.unit_id:
        units.add(person.unit_id)
    return units


@transaction.atomic
def opinion_submit(
    *,
    actor,
    subject,
    text: str,
    channel: str,
    author: Person | None = None,
    author_unit: Unit | None = None,
    author_name: str = "",
    shows_party_identity: bool | None = None,
    meeting=None,
) -> Opinion:
    """Record an opinion on ``subject``.

    - ``online``: a signed-in person with ``opinions.add_opinion`` on the subject's area gives it as
      themself (``author`` is the actor's person) or for a unit they belong to (``author_unit``).
    - ``paper_box``: staff (``opinions.change_opinion``) type in a paper opinion; ``author_name`` (the name
      written on it) is required and the actor is recorded as ``entered_by``.
    - ``meeting``: staff record what was said at ``meeting`` (in session or held, within their scope); the
      speaker is an ``author``, ``author_unit`` or ``author_name``.
    Online and paper opinions are refused while ``subject.opinion_window_open()`` is False. A party member's
    opinion shows the 党员 badge by their standing choice unless ``shows_party_identity`` says otherwise; it
    never shows for anyone else. The event is written on the subject, so it appears in the subject's timeline.
    """
    if getattr(subject, "scope_path", None) is None or getattr(subject, "pk", None) is None:
        raise ValidationError({"subject": _("这个记录不能征集意见。")})
    if channel not in OpinionChannel.values:
        raise ValidationError({"channel": _("未知的意见来源。")})
    if channel == OpinionChannel.ONLINE:
        require(actor, permissions.ADD_OPINION, subject)
    else:
        require(actor, permissions.CHANGE_OPINION, subject)
    errors: dict[str, str] = {}
    text = (text or "").strip()
    author_name = (author_name or "").strip()
    if not text:
        errors["text"] = _("请填写意见内容。")
    elif len(text) > TEXT_MAX:
        errors["text"] = _("意见内容不能超过%(max)d个字。") % {"max": TEXT_MAX}
    if len(author_name) > 60:
        errors["author_name"] = _("署名不能超过60个字。")
    entered_by = None
    if channel in (OpinionChannel.ONLINE, OpinionChannel.PAPER_BOX) and not window_open(subject):
        errors["subject"] = _("征求意见期已结束或尚未开始，现在不能提交意见。")
    if channel == OpinionChannel.ONLINE:
        person = getattr(actor, "person", None)
        if person is None:
            errors["author"] = _("您的账号没有关联人员信息，不能提交意见。")
        elif author_unit is not None:
            if author_unit.pk not in actor_units(actor):
                errors["author_unit"] = _("您只能以自己所在单位的名义提交意见。")
            author = None
        else:
            author = person
        author_name = ""
        if meeting is not None:
            errors["meeting"] = _("网上意见不关联会议。")
    elif channel == OpinionChannel.PAPER_BOX:
        entered_by = actor
        if not author_name:
            errors["author_name"] = _("请填写纸质意见上的署名。")
        if meeting is not None:
            errors["meeting"] = _("纸质意见不关联会议。")
    else:
        entered_by = actor
        if meeting is None:
            errors["meeting"] = _("请选择发言所在的会议。")
        elif not permissions.can(actor, permissions.CHANGE_OPINION, meeting):
            errors["meeting"] = _("只能记录您管辖范围内会议上的发言。")
        elif meeting.status not in OPEN_MEETING_STATUSES:
            errors["meeting"] = _("只能记录正在召开或已召开会议上的发言。")
        if author is None and author_unit is None and not author_name:
            errors["author_name"] = _("请填写发言人。")
    if errors:
        raise ValidationError(errors)
    if shows_party_identity is None:
        shows_party_identity = bool(author is not None and author.party_badge)
    shows_party_identity = bool(shows_party_identity and author is not None and author.is_party_member)
    opinion = Opinion.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        area_path=subject.scope_path,
        channel=channel,
        author=author,
        author_unit=author_unit,
        author_name=author_name,
        text=text,
        shows_party_identity=shows_party_identity,
        meeting=meeting if channel == OpinionChannel.MEETING else None,
        entered_by=entered_by,
    )
    audit_record(
        actor=actor,
        obj=subject,
        verb="opinion.submit",
        after={"opinion": opinion.pk, "channel": channel, "meeting": opinion.meeting_id},
    )
    return opinion


@transaction.atomic
def research_record(
    *,
    actor,
    opinion: Opinion,
    researcher: Person | None,
    method: str,
    finding: str,
    conclusion: str,
    reason: str,
) -> Research:
    """调研: record who researched ``opinion``, how, what they found and the conclusion with its reason.

    Needs ``opinions.change_opinion`` on the opinion's area (out of scope => 404). Every field is required,
    the reason for every conclusion (adopt, adopt in part, not adopt). An opinion is researched once: the
    opinion row is locked and a second record is refused. The author's account is told afterwards.
    """
    require(actor, permissions.CHANGE_OPINION, opinion)
    errors: dict[str, str] = {}
    method, finding, reason = (method or "").strip(), (finding or "").strip(), (reason or "").strip()
    if researcher is None:
        errors["researcher"] = _("请选择调研人。")
    if not method:
        errors["method"] = _("请填写调研方式。")
    elif len(method) > 60:
        errors["method"] = _("调研方式不能超过60个字。")
    if not finding:
        errors["finding"] = _("请填写调研情况。")
    if conclusion not in ResearchConclusion.values:
        errors["conclusion"] = _("请选择调研结论。")
    if not reason:
        errors["reason"] = _("请填写结论的理由。")
    if errors:
        raise ValidationError(errors)
    opinion = Opinion.objects.select_for_update().get(pk=opinion.pk)
    if Research.objects.filter(opinion=opinion).exists():
        raise ValidationError({"opinion": _("这条意见已经调研过了。")})
    research = Research.objects.create(
        opinion=opinion,
        researcher=researcher,
        method=method,
        finding=finding,
        conclusion=conclusion,
        reason=reason,
        recorded_by=actor,
        done_at=timezone.now(),
    )
    subject = opinion.subject
    audit_record(
        actor=actor,
        obj=subject if subject is not None else opinion,
        verb="opinion.research",
        after={"opinion": opinion.pk, "researcher": researcher.pk, "conclusion": conclusion},
        note=reason[:500],
    )
    if opinion.author_id:
        transaction.on_commit(lambda: _tell_author(opinion.pk))
    return research


def _tell_author(opinion_pk: int) -> None:
    from yishi.notifications.services import notify

    opinion = Opinion.objects.select_related("research").get(pk=opinion_pk)
    users = User.objects.filter(person_id=opinion.author_id, is_active=True)
    notify(
        recipients=users,
        title=_("您的意见已调研：%(conclusion)s") % {"conclusion": opinion.research.get_conclusion_display()},
        body=opinion.text[:200],
        verb="opinion.research",
    )
