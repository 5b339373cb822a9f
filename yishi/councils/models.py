"""党员民情议事会 (P2): a community's deliberation council, its charter, and its topics (一事一议).

Meetings, opinions and follow-ups are the shared apps; the council is their first user and holds the rules
(scope, quorum, threshold, meeting frequency) in its charter.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yishi.accounts.models import Person
from yishi.areas.models import Area
from yishi.meetings.models import QuorumRule, ThresholdRule

from .workflow import TopicStatus


class Council(models.Model):
    """议事会: one per community; chaired by the party secretary; members are mostly party members, also
    residents and representatives of units in the area."""

    area = models.OneToOneField(
        Area, on_delete=models.PROTECT, related_name="council", verbose_name=_("社区")
    )
    name = models.CharField(_("名称"), max_length=100)
    chair = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("召集人"))
    created_at = models.DateTimeField(_("成立时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("议事会")
        verbose_name_plural = _("议事会")

    def __str__(self) -> str:
        return self.name

    @property
    def scope_path(self) -> str:
        return self.area.path

    def active_members(self):
        """The members who have not left, with their people."""
        return self.members.filter(left_on__isnull=True).select_related("person")


class CouncilMember(models.Model):
    """议事会成员: a person on the council, in a capacity, from a residential group; ``left_on`` ends it."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="council_memberships")
    capacity = models.CharField(_("身份"), max_length=40, default="党员")
    group = models.CharField(_("居民小组"), max_length=40, blank=True, default="")
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("议事会成员")
        verbose_name_plural = _("议事会成员")
        constraints = [
            models.UniqueConstraint(
                fields=["council", "person"],
                condition=models.Q(left_on__isnull=True),
                name="member_once_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.council}"


class MeetingFrequency(models.TextChoices):
    MONTHLY = "monthly", _("每月一次")
    QUARTERLY = "quarterly", _("每季度一次")
    HALF_YEARLY = "half_yearly", _("每半年一次")


class Charter(models.Model):
    """自治章程: what the council may deliberate (its scope items), its quorum and vote threshold, how often
    it meets regularly, and how long a topic's opinion period lasts at least."""

    council = models.OneToOneField(Council, on_delete=models.CASCADE, related_name="charter")
    text = models.TextField(_("章程正文"), blank=True, default="")
    quorum_rule = models.CharField(
        _("法定人数"), max_length=16, choices=QuorumRule.choices, default=QuorumRule.MAJORITY
    )
    threshold_rule = models.CharField(
        _("表决通过规则"),
        max_length=24,
        choices=ThresholdRule.choices,
        default=ThresholdRule.MAJORITY_PRESENT,
    )
    meeting_frequency = models.CharField(
        _("例会频次"), max_length=16, choices=MeetingFrequency.choices, default=MeetingFrequency.QUARTERLY
    )
    min_opinion_days = models.PositiveSmallIntegerField(_("最短征求意见期（天）"), default=7)
    updated_at = models.DateTimeField(_("修订时间"), auto_now=True)

    class Meta:
        verbose_name = _("自治章程")
        verbose_name_plural = _("自治章程")

    def __str__(self) -> str:
        return f"{self.council} · {self._meta.verbose_name}"


class ScopeItem(models.Model):
    """章程议事范围: one kind of matter the council may deliberate (e.g. 老旧小区改造, 环境卫生, 公共设施)."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="scope_items")
    name = models.CharField(_("事项类别"), max_length=60)
    description = models.CharField(_("说明"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("议事范围")
        verbose_name_plural = _("议事范围")
        constraints = [models.UniqueConstraint(fields=["charter", "name"], name="scope_item_unique_name")]

    def __str__(self) -> str:
        return self.name


class TopicSource(models.TextChoices):
    CASE = "case", _("诉求转议")
    MEMBER = "member", _("成员提议")
    RESIDENT = "resident", _("居民提议")
    OPINION_BOX = "opinion_box", _("意见征集箱")


class Topic(models.Model):
    """议题: one matter (一事一议), checked against the charter's scope, published for opinions, researched,
    put to a meeting and voted, then carried out (follow-ups) or escalated — until done and published.
    """

    council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="topics", verbose_name=_("议事会")
    )
    title = models.CharField(_("议题"), max_length=120)
    description = models.TextField(_("议题说明"))
    source = models.CharField(_("来源"), max_length=16, choices=TopicSource.choices)
    source_case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("来源诉求"),
    )
    proposer = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposed_topics",
        verbose_name=_("提议人"),
    )
    scope_item = models.ForeignKey(
        ScopeItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("议事范围"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=TopicStatus.choices, default=TopicStatus.PROPOSED
    )
    refusal_reason = models.TextField(_("不予议事/报上级理由"), blank=True, default="")
    opinion_deadline = models.DateField(_("征求意见截止"), null=True, blank=True)
    notice = models.ForeignKey(
        "notices.Notice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("公示"),
    )
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("议程"),
    )
    decision = models.TextField(_("决议"), blank=True, default="")
    escalated_to = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("报请上级")
    )
    escalation_answer = models.TextField(_("上级答复"), blank=True, default="")
    result_summary = models.TextField(_("办理结果"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("提议时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_path(self) -> str:
        return self.council.area.path

    @property
    def area(self) -> Area:
        return self.council.area

    def opinion_window_open(self, today=None) -> bool:
        """意见征求期: opinions online or from the paper box are taken only while the topic is published and
        today is not past its opinion deadline (the opinions app asks this before accepting one)."""
        from django.utils import timezone

        today = today or timezone.localdate()
        return (
            self.status == TopicStatus.PUBLISHED
            and self.opinion_deadline is not None
            and today <= self.opinion_deadline
        )
