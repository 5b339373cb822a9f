"""意见与调研: opinions on any subject (a topic, a case, a plan) and the research each one gets.

Nothing here knows which process the subject belongs to: the subject is a generic link, and its area path
is copied for scoping. Every opinion is researched (调研) before anything is done about it.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from yishi.accounts.models import Person
from yishi.areas.models import Unit


class OpinionChannel(models.TextChoices):
    ONLINE = "online", _("网上提交")
    PAPER_BOX = "paper_box", _("意见征集箱（纸质）")
    MEETING = "meeting", _("会上发言")


class Opinion(models.Model):
    """意见: what a resident, a unit or a member said about a subject.

    Online opinions come from a signed-in person (or a unit's staff); paper ones are typed in by staff, who are
    recorded as ``entered_by``; opinions said at a meeting name the ``meeting``. A party member's opinion shows
    the 党员 badge when ``shows_party_identity`` is set (亮身份).
    """

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    area_path = models.CharField(max_length=255, editable=False)
    channel = models.CharField(_("来源"), max_length=16, choices=OpinionChannel.choices)
    author = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name=_("提出人"),
    )
    author_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name=_("提出单位"),
    )
    author_name = models.CharField(_("署名"), max_length=60, blank=True, default="")
    text = models.TextField(_("意见内容"), max_length=2000)
    shows_party_identity = models.BooleanField(_("亮明党员身份"), default=False)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name=_("发言会议"),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("意见")
        verbose_name_plural = _("意见")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "created_at"], name="opinion_subject")]

    def __str__(self) -> str:
        return self.text[:30]

    @property
    def scope_path(self) -> str:
        return self.area_path

    @property
    def is_researched(self) -> bool:
        return hasattr(self, "research")

    @property
    def party_badge(self) -> bool:
        """Whether this opinion carries the 党员 badge (``{% party_badge opinion %}``)."""
        return bool(self.shows_party_identity and self.author_id and self.author.is_party_member)

    @property
    def display_name(self) -> str:
        """Who gave it, unmasked: the person, else the unit, else the name written on the paper form."""
        if self.author_id:
            return self.author.name
        if self.author_unit_id:
            return self.author_unit.name
        return self.author_name


class ResearchConclusion(models.TextChoices):
    ADOPT = "adopt", _("采纳")
    ADOPT_IN_PART = "adopt_in_part", _("部分采纳")
    NOT_ADOPT = "not_adopt", _("不予采纳")


class Research(models.Model):
    """调研: who looked into an opinion, how, what they found, and the conclusion (with the reason)."""

    opinion = models.OneToOneField(Opinion, on_delete=models.CASCADE, related_name="research")
    researcher = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("调研人")
    )
    method = models.CharField(_("调研方式"), max_length=60, help_text=_("如入户走访、问卷、现场查看"))
    finding = models.TextField(_("调研情况"))
    conclusion = models.CharField(_("结论"), max_length=16, choices=ResearchConclusion.choices)
    reason = models.TextField(_("理由"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(_("完成时间"))

    class Meta:
        verbose_name = _("调研")
        verbose_name_plural = _("调研")

    def __str__(self) -> str:
        return f"{self.opinion} · {self.get_conclusion_display()}"
