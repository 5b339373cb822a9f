"""会议: one meeting model for every body that meets — a council, a committee's forum, the five parties of
a joint case handling, a bargaining round, a symposium. Nothing here knows which process uses it.

A meeting belongs to a body (any record, through ``body_type``/``body_id``) and to an area; its agenda items
point to any subject (a topic, a case, a suggestion). Attendance is signed per participant. Votes, quorum
rules and decisions are added by the council process on this same model.
"""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yishi.accounts.models import Person
from yishi.areas.models import Area, Unit


class MeetingKind(models.TextChoices):
    COUNCIL = "council", _("议事会会议")
    JOINT_HANDLING = "joint_handling", _("五方协商联合办会议")
    FORUM = "forum", _("协商座谈会")
    SYMPOSIUM = "symposium", _("专题座谈会")
    JOINT_REVIEW = "joint_review", _("联席会议")
    BARGAINING_ROUND = "bargaining_round", _("工资集体协商会议")
    OTHER = "other", _("其他会议")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("已安排")
    IN_SESSION = "in_session", _("进行中")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class QuorumRule(models.TextChoices):
    """How many voting members must be present for the meeting to decide anything."""

    NONE = "none", _("不设法定人数")
    MAJORITY = "majority", _("过半数成员到会")
    TWO_THIRDS = "two_thirds", _("三分之二以上成员到会")


class ThresholdRule(models.TextChoices):
    """How many ``for`` votes pass an item (abstentions count as present, not as for)."""

    MAJORITY_PRESENT = "majority_present", _("到会成员过半数同意")
    MAJORITY_MEMBERS = "majority_members", _("全体成员过半数同意")
    TWO_THIRDS_PRESENT = "two_thirds_present", _("到会成员三分之二以上同意")
    TWO_THIRDS_MEMBERS = "two_thirds_members", _("全体成员三分之二以上同意")


def _sign_in_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class Meeting(models.Model):
    """会议: when and where a body meets, who is invited and came, what was said and decided."""

    kind = models.CharField(_("会议类型"), max_length=24, choices=MeetingKind.choices)
    title = models.CharField(_("会议名称"), max_length=120)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("所属区域")
    )
    body_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body_id = models.CharField(max_length=64, blank=True, default="")
    body = GenericForeignKey("body_type", "body_id")
    scheduled_at = models.DateTimeField(_("召开时间"))
    location = models.CharField(_("地点"), max_length=120, blank=True, default="")
    status = models.CharField(
        _("状态"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    sign_in_code = models.CharField(_("签到码"), max_length=6, default=_sign_in_code, editable=False)
    minutes = models.TextField(_("会议纪要"), blank=True, default="")
    outcome = models.TextField(_("会议结果"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    held_at = models.DateTimeField(_("实际召开时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=500, blank=True, default="")
    is_regular = models.BooleanField(_("例会"), default=False)
    # The body's rules, copied when the meeting is scheduled so a later charter change does not rewrite history.
    member_count = models.PositiveIntegerField(_("应到成员数"), default=0)
    quorum_rule = models.CharField(
        _("法定人数规则"), max_length=16, choices=QuorumRule.choices, default=QuorumRule.NONE
    )
    threshold_rule = models.CharField(
        _("表决通过规则"),
        max_length=24,
        choices=ThresholdRule.choices,
        default=ThresholdRule.MAJORITY_PRESENT,
    )

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-scheduled_at"]
        indexes = [models.Index(fields=["body_type", "body_id", "-scheduled_at"], name="meeting_body_time")]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_path(self) -> str:
        return self.area.path


class Participant(models.Model):
    """参会方: a person or a unit invited to a meeting, in a capacity (e.g. 物业公司, 业主委员会)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    capacity = models.CharField(_("身份"), max_length=60, blank=True, default="")
    is_member = models.BooleanField(_("表决成员"), default=False, help_text=_("有表决权、计入法定人数。"))
    invited_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    signed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("参会方")
        verbose_name_plural = _("参会方")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(unit__isnull=False),
                name="participant_is_person_or_unit",
            )
        ]

    def __str__(self) -> str:
        return str(self.person or self.unit)


class AgendaItem(models.Model):
    """议程: one item of a meeting, about any subject (a topic, a case, a suggestion)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    title = models.CharField(_("议程"), max_length=200)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_id = models.CharField(max_length=64, blank=True, default="")
    subject = GenericForeignKey("subject_type", "subject_id")
    conclusion = models.TextField(_("结论"), blank=True, default="")

    class Meta:
        verbose_name = _("议程")
        verbose_name_plural = _("议程")
        ordering = ["meeting", "order"]

    def __str__(self) -> str:
        return self.title


class VoteStatus(models.TextChoices):
    OPEN = "open", _("表决中")
    CLOSED = "closed", _("已结束")


class VoteResult(models.TextChoices):
    PENDING = "", _("未出结果")
    PASSED = "passed", _("通过")
    REJECTED = "rejected", _("未通过")


class Vote(models.Model):
    """表决: one vote on an agenda item. Opens only with quorum; ``secret`` votes keep no link from voter to choice.

    The threshold rule and the counts at closing are stored, so the result can be checked by hand.
    """

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    secret = models.BooleanField(_("无记名表决"), default=False)
    threshold_rule = models.CharField(_("通过规则"), max_length=24, choices=ThresholdRule.choices)
    status = models.CharField(_("状态"), max_length=8, choices=VoteStatus.choices, default=VoteStatus.OPEN)
    present = models.PositiveIntegerField(_("到会表决成员"), default=0)
    members = models.PositiveIntegerField(_("全体表决成员"), default=0)
    votes_for = models.PositiveIntegerField(_("同意"), default=0)
    votes_against = models.PositiveIntegerField(_("反对"), default=0)
    votes_abstain = models.PositiveIntegerField(_("弃权"), default=0)
    result = models.CharField(_("结果"), max_length=8, choices=VoteResult.choices, blank=True, default="")
    opened_at = models.DateTimeField(_("开始时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        constraints = [
            models.UniqueConstraint(
                fields=["agenda_item"], condition=Q(status="open"), name="vote_one_open_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agenda_item} · {self.get_status_display()}"


class Choice(models.TextChoices):
    FOR = "for", _("同意")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")


class BallotReceipt(models.Model):
    """Who has voted (never what, for a secret vote): one per participant per vote."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="receipts")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "participant"], name="ballot_once_per_participant")
        ]

    def __str__(self) -> str:
        return f"{self.vote_id}:{self.participant_id}"


class Ballot(models.Model):
    """选票: who chose what, in a named vote. A secret vote writes no ballot at all — only the receipt and the
    tallies on the vote — so no row, id or timestamp links a voter to a choice."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("意见"), max_length=8, choices=Choice.choices)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")

    def __str__(self) -> str:
        return self.get_choice_display()
