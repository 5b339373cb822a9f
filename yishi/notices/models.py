"""公示栏: notices published on an area's board, readable by everyone, printable as an A4 sheet."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.areas.models import Area


class NoticeKind(models.TextChoices):
    """What a notice publishes; the source process chooses it."""

    CASE_RESULT = "case_result", _("诉求办理结果")
    TOPIC = "topic", _("议题公示")
    COUNCIL_RESULT = "council_result", _("议事结果")
    DUTY_ROSTER = "duty_roster", _("接待排班")
    FOLLOWUP = "followup", _("落实进展")
    CONSULTATION = "consultation", _("协商成果")
    CONTRACT = "contract", _("集体合同")
    GENERAL = "general", _("通知公告")


class NoticeStatus(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class NoticeQuerySet(models.QuerySet):
    def public(self, today=None) -> "NoticeQuerySet":
        """Notices everyone may read: published, not withdrawn, and not past their ``expires_on`` day."""
        today = today or timezone.localdate()
        return self.filter(status=NoticeStatus.PUBLISHED).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )


class Notice(models.Model):
    """公示: one text published on the board of ``area`` — a case's result, a council topic, a roster.

    Rules: the title and body are stored already masked (phones, ID numbers, the full names of the people
    concerned) by ``notices.services.notice_publish``, the one way in, so the raw values never reach a
    public page, the API or a printed sheet. Any record can be the ``source`` (a generic link). A notice
    is public while it is published and not past ``expires_on`` (the last day it shows); withdrawing it
    needs a reason and keeps it, with the reason, in the staff list.
    """

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="notices", verbose_name=_("公示区域")
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    kind = models.CharField(_("类别"), max_length=32, choices=NoticeKind.choices, default=NoticeKind.GENERAL)
    source_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("来源类型"),
    )
    source_id = models.CharField(_("来源编号"), max_length=64, blank=True, default="")
    source = GenericForeignKey("source_type", "source_id")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices_published",
        verbose_name=_("发布人"),
    )
    publisher_label = models.CharField(_("发布单位"), max_length=120, blank=True, default="")
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.PUBLISHED
    )
    expires_on = models.DateField(_("公示截止日期"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices_withdrawn",
        verbose_name=_("撤回人"),
    )
    withdraw_reason = models.CharField(_("撤回原因"), max_length=500, blank=True, default="")

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["area", "status", "-published_at"], name="notice_board_idx"),
            models.Index(fields=["status", "-published_at"], name="notice_latest_idx"),
            models.Index(fields=["source_type", "source_id"], name="notice_source_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status=NoticeStatus.PUBLISHED, withdrawn_at__isnull=True)
                    | Q(status=NoticeStatus.WITHDRAWN, withdrawn_at__isnull=False) & ~Q(withdraw_reason="")
                ),
                name="notice_withdrawn_has_time_and_reason",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="notice_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_path(self) -> str:
        return self.area.path

    def is_public(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == NoticeStatus.PUBLISHED and (self.expires_on is None or self.expires_on >= today)

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()
