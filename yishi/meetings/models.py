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
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


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
