"""落实跟踪: follow-up items — who carries out what by when, with progress, evidence and measurable results.

The same model serves council tasks, suggestions, rectifications and 社情民意: the item follows any subject
through a generic link. Items nest (parent/child); a parent's progress is rolled up from its children.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.accounts.models import Person
from yishi.areas.models import Area, Unit


class FollowUpStatus(models.TextChoices):
    PLANNED = "planned", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


OPEN_STATUSES = (FollowUpStatus.PLANNED, FollowUpStatus.IN_PROGRESS)


class FollowUp(models.Model):
    """落实事项: one thing to carry out — owner (a unit or a person), deadline, status, progress %, a target
    figure and the actual one with their measure (㎡, 个, 米, 处 …), feedback. ``supervised_at`` marks an
    overdue item flagged to its supervisors (once).
    """

    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_id = models.CharField(max_length=64, blank=True, default="")
    subject = GenericForeignKey("subject_type", "subject_id")
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="followups", verbose_name=_("所属区域")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级事项"),
    )
    title = models.CharField(_("事项"), max_length=200)
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("责任单位"),
    )
    owner_person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("责任人"),
    )
    started_on = models.DateField(_("开始日期"))
    deadline = models.DateField(_("完成期限"))
    status = models.CharField(
        _("状态"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.PLANNED
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    measure = models.CharField(_("计量单位"), max_length=16, blank=True, default="")
    target_value = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2, null=True, blank=True)
    actual_value = models.DecimalField(_("实际值"), max_digits=12, decimal_places=2, null=True, blank=True)
    feedback = models.TextField(_("办理反馈"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("撤销原因"), blank=True, default="")

    class Meta:
        verbose_name = _("落实事项")
        verbose_name_plural = _("落实事项")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("started_on")), name="followup_deadline_after_start"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="followup_progress_percent"),
            models.CheckConstraint(
                condition=Q(owner_unit__isnull=False) | Q(owner_person__isnull=False),
                name="followup_has_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="followup_subject"),
            models.Index(
                fields=["deadline"],
                name="followup_open_deadline",
                condition=Q(status__in=["planned", "in_progress"]),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_path(self) -> str:
        return self.area.path

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        """Still open after its deadline (a local calendar day)."""
        return self.is_open and self.deadline < timezone.localdate()


class ProgressUpdate(models.Model):
    """进展: one report on a follow-up — progress, the actual figure so far, a note; evidence files attach to it."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="updates")
    progress = models.PositiveSmallIntegerField(_("进度（%）"))
    actual_value = models.DecimalField(_("实际值"), max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("进展说明"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("报告时间"))

    class Meta:
        verbose_name = _("进展")
        verbose_name_plural = _("进展")
        ordering = ["reported_at", "id"]

    def __str__(self) -> str:
        return f"{self.followup} · {self.progress}%"

    @property
    def scope_path(self) -> str:
        return self.followup.area.path


class Volunteer(models.Model):
    """志愿者: a resident who signed up to help carry out a follow-up item."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="volunteers")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="volunteering")
    note = models.CharField(_("可参与时间/方式"), max_length=200, blank=True, default="")
    signed_up_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        constraints = [models.UniqueConstraint(fields=["followup", "person"], name="volunteer_once_per_item")]

    def __str__(self) -> str:
        return f"{self.person} → {self.followup}"
