"""智能派单: model versions, their settings, the suggestion made for each case and staff corrections."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    CASES = "cases", _("平台诉求")
    CSV = "csv", _("外部台账CSV")


class RoutingModel(models.Model):
    """派单模型版本: one trained classifier, its evaluation on held-out data, and whether it is live.

    At most one version is live (a database constraint). A version trained from cases is evaluated on the
    most recent cases it did not see; it replaces the live one only if it is not worse there
    (``services.routing_promote``). ``artefact`` is the joblib file under ``YISHI_ROUTING_MODEL_DIR``.
    """

    version = models.PositiveIntegerField(_("版本"), unique=True)
    created_at = models.DateTimeField(_("训练时间"), auto_now_add=True)
    trained_on = models.PositiveIntegerField(_("训练样本数"), default=0)
    source = models.CharField(_("数据来源"), max_length=8, choices=Source.choices)
    metrics = models.JSONField(_("评估结果"), default=dict, blank=True)
    artefact = models.CharField(_("模型文件"), max_length=255)
    is_live = models.BooleanField(_("当前使用"), default=False)
    note = models.CharField(_("说明"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("派单模型")
        verbose_name_plural = _("派单模型")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_live"], condition=Q(is_live=True), name="routing_one_live_model"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def macro_f1(self):
        return self.metrics.get("macro_f1")

    @property
    def accuracy(self):
        return self.metrics.get("accuracy")

    @property
    def min_support(self) -> int:
        """The fewest training cases of any of its categories."""
        support = self.metrics.get("support") or {}
        return min(support.values()) if support else 0


class RoutingSettings(models.Model):
    """派单设置: below ``confidence_threshold`` a case goes to manual dispatch; the model is used only when
    each of its categories had at least ``min_cases_per_category`` cases, else the keyword rules are."""

    confidence_threshold = models.FloatField(
        _("置信度阈值"), default=0.5, help_text=_("智能建议的置信度低于此值时，诉求转人工分类派单。")
    )
    min_cases_per_category = models.PositiveIntegerField(
        _("每类最少诉求数"), default=10, help_text=_("训练数据中每个类别至少有这么多条诉求，才使用智能建议。")
    )

    class Meta:
        verbose_name = _("派单设置")
        verbose_name_plural = _("派单设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence_threshold__gte=0) & Q(confidence_threshold__lte=1),
                name="routing_threshold_0_1",
            )
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "RoutingSettings":
        """The settings (the first row, or the defaults unsaved), from the cache: read at every intake. A
        save drops the entry (``caching.watch`` in the app's ``ready``)."""
        from yishi.core import caching

        return caching.remembered(
            "routing-settings", (), [cls], lambda: cls.objects.order_by("pk").first() or cls()
        )


class SuggestionSource(models.TextChoices):
    MODEL = "model", _("智能建议")
    KEYWORDS = "keywords", _("按关键词建议")
    NONE = "none", _("无建议")


class CaseSuggestion(models.Model):
    """派单建议: what routing suggested for a case at intake, with the alternatives and their confidence.

    ``manual`` marks a case whose best suggestion was below the threshold (or absent): it goes to manual
    dispatch (人工分类派单) until staff confirm or correct its category (``confirmed_at``).
    """

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="routing_suggestion", verbose_name=_("诉求")
    )
    category = models.ForeignKey(
        "cases.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("建议类别"),
    )
    confidence = models.FloatField(_("置信度"), default=0)
    alternatives = models.JSONField(_("备选类别"), default=list, blank=True)
    source = models.CharField(_("建议方式"), max_length=8, choices=SuggestionSource.choices)
    model_version = models.PositiveIntegerField(_("模型版本"), null=True, blank=True)
    manual = models.BooleanField(_("转人工分类派单"), default=False)
    created_at = models.DateTimeField(_("建议时间"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("类别确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("派单建议")
        verbose_name_plural = _("派单建议")
        indexes = [models.Index(fields=["manual", "confirmed_at"], name="routing_sugg_manual")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.category_id} ({self.confidence:.2f})"

    @property
    def needs_manual_dispatch(self) -> bool:
        return self.manual and self.confirmed_at is None


class RoutingCorrection(models.Model):
    """类别纠正: staff changed a case's category (at acceptance or on the case page). The next training
    learns the corrected category with extra weight and records itself in ``used_by``."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="routing_corrections", verbose_name=_("诉求")
    )
    from_category = models.ForeignKey(
        "cases.Category", on_delete=models.PROTECT, related_name="+", verbose_name=_("原类别")
    )
    to_category = models.ForeignKey(
        "cases.Category", on_delete=models.PROTECT, related_name="+", verbose_name=_("纠正为")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("纠正人"),
    )
    at = models.DateTimeField(_("纠正时间"), auto_now_add=True)
    used_by = models.ForeignKey(
        RoutingModel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("用于训练的模型"),
    )

    class Meta:
        verbose_name = _("类别纠正")
        verbose_name_plural = _("类别纠正")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_category_id} → {self.to_category_id}"
