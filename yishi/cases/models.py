"""民情诉求 (P1): cases, their categories, handling parts, replies, ratings, deadlines and supervision.

Designed for millions of rows: ``area_path`` is copied from the case's area so subtree + status + time
queries are one index range (partial indexes on open cases), lists page by keyset on (submitted_at, id).
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yishi.accounts.models import Person
from yishi.areas.models import Area, Unit
from yishi.core.choices import choice_label

from .workflow import OPEN_STATUSES, Status


class Category(models.Model):
    """类别: a kind of matter (环境卫生 › 噪声扰民). A tree; each category carries its routing and deadlines.

    ``key`` is stable (it is the Open311 ``service_code`` and the ``category_key`` of deadline rules).
    ``keywords`` (space separated) serve the cold-start routing suggestion until a model is trained.
    """

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级类别"),
    )
    key = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    description = models.CharField(_("说明"), max_length=255, blank=True, default="")
    keywords = models.CharField(_("关键词"), max_length=500, blank=True, default="")
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name


class HandlingLevel(models.TextChoices):
    COMMUNITY = "community", _("社区办理")
    STREET = "street", _("街道办理")
    UNIT = "unit", _("指定单位办理")


class CategoryRoute(models.Model):
    """Where a category's cases go by default in an area's subtree: a level, or a named unit.

    The most specific route wins (the deepest area on the case's path); without one, the community handles.
    """

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="routes", verbose_name=_("类别")
    )
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+", verbose_name=_("适用区域"))
    level = models.CharField(_("默认办理层级"), max_length=16, choices=HandlingLevel.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("默认承办单位"),
    )

    class Meta:
        verbose_name = _("分办规则")
        verbose_name_plural = _("分办规则")
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="route_unique_category_area"),
            models.CheckConstraint(
                condition=~Q(level="unit") | Q(unit__isnull=False), name="route_unit_level_names_a_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} @ {self.area}"


class Channel(models.TextChoices):
    """听: where a case came from."""

    OPINION_BOX = "opinion_box", _("网上意见征集箱")
    HOME_VISIT = "home_visit", _("入户走访上门听")
    RECEPTION_DAY = "reception_day", _("接待群众当面听")
    DELIBERATION_GARDEN = "deliberation_garden", _("社区议事园现场听")
    INSPECTION = "inspection", _("观摩视察调研现场听")
    FORUM = "forum", _("民情恳谈会座谈听")
    GRID_REPORT = "grid_report", _("网格员上报")
    PHONE = "phone", _("电话")
    HOTLINE = "hotline", _("12345热线转办")
    OPEN311 = "open311", _("Open311接口")
    API = "api", _("接口提交")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class HandlingMode(models.TextChoices):
    """办: how the case is being handled."""

    NONE = "", _("未分办")
    SELF = "self", _("社区自办")
    JOINT = "joint", _("五方协商联合办")
    ASSIGNED = "assigned", _("派单办理")
    POOL = "pool", _("部门认领办")
    WHISTLE = "whistle", _("街道吹哨、部门报到")
    SUGGESTION = "suggestion", _("意见建议提交办")
    COUNCIL = "council", _("转议事会")
    MEDIATION = "mediation", _("转调解")


def _tracking_token() -> str:
    return secrets.token_urlsafe(24)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)


class Case(models.Model):
    """诉求: one matter a person raised, from intake to the rated answer.

    ``number`` is readable (``2026-640302-000123``: year, district code, sequence per district and year).
    ``level_area`` is where the case is handled now (its community at first; each escalation moves it one
    level up); ``handler_unit`` the unit handling it when assigned or claimed. The reporter's contact data
    is private: shown only to those handling the case. ``tracking_token`` lets an anonymous reporter follow
    the case through a secret link. Status changes only through ``cases.services``.
    """

    number = models.CharField(_("编号"), max_length=32, unique=True)
    title = models.CharField(_("标题"), max_length=120)
    text = models.TextField(_("内容"), max_length=4000)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("类别")
    )
    suggested_category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("建议类别"),
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="cases", verbose_name=_("所在区域"))
    area_path = models.CharField(max_length=255, editable=False)
    # The path of the case's community (its area's ancestor at community level, or the area itself: intake
    # files every case at a community or below). Set at intake, like ``area_path`` (a case's area never
    # changes): a community's cases are then one value, which one index keeps newest first, where its
    # subtree's range spans the paths of its grids and buildings and has to be sorted.
    community_path = models.CharField(max_length=255, editable=False, default="")
    address = models.CharField(_("详细地址"), max_length=255, blank=True, default="")
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    reporter = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("反映人"),
    )
    reporter_name = models.CharField(_("反映人姓名"), max_length=50, blank=True, default="")
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    tracking_token = models.CharField(max_length=64, unique=True, default=_tracking_token, editable=False)
    channel = models.CharField(_("渠道"), max_length=32, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    parties = models.CharField(_("涉及方"), max_length=255, blank=True, default="")

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    is_open = models.BooleanField(default=True, editable=False)
    handling_mode = models.CharField(
        _("办理方式"), max_length=16, choices=HandlingMode.choices, blank=True, default=HandlingMode.NONE
    )
    level_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="handled_cases", verbose_name=_("当前办理层级")
    )
    level_path = models.CharField(max_length=255, editable=False)
    handler_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("承办单位"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        verbose_name=_("合并至"),
    )
    reject_reason = models.TextField(_("不予受理理由"), blank=True, default="")
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    escalation_count = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    is_supervised = models.BooleanField(_("督办"), default=False)

    submitted_at = models.DateTimeField(_("提交时间"), db_index=False)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # jieba tokens of number, title, text and address separated by spaces (``cases.search``): Chinese has no
    # spaces, so the full-text indexes (PostgreSQL tsvector, SQLite FTS5) index these words instead.
    search_tokens = models.TextField(blank=True, default="", editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # Open cases of a subtree, newest first: the dispatcher's list.
            models.Index(
                fields=["area_path", "-submitted_at", "-id"],
                name="case_open_area_time",
                condition=Q(is_open=True),
            ),
            # Every case by time: the city-wide list, the public Open311 feed.
            models.Index(fields=["-submitted_at", "-id"], name="case_time"),
            # All cases of a subtree by time (ledger, statistics, a grid's lists).
            models.Index(fields=["area_path", "-submitted_at", "-id"], name="case_area_time"),
            # A community's cases by time, and its open ones: its lists walk them newest first whatever the
            # community's size (``cases.selectors._walkable``). Through the (area, time) ranges, which span
            # its grids' and buildings' paths and were sorted, a median community's assigned, closed and
            # category lists took 12.6-13.5 ms at 5 M cases, 0.6-2.2 ms this way; without the open one, its
            # "open, category" list ANDed the community's whole history with the category's (5-50 ms).
            models.Index(fields=["community_path", "-submitted_at", "-id"], name="case_community_time"),
            models.Index(
                fields=["community_path", "-submitted_at", "-id"],
                name="case_open_community_time",
                condition=Q(is_open=True),
            ),
            # A community's open cases of one category by time: its "open, category" lists. Without it
            # PostgreSQL ANDed the bitmap of the community's open cases with the category's whole history
            # (25.8 ms for the busiest community at 5 M), where through the open (category, area) index,
            # which a community path cannot seek, the old area range took 0.75 ms.
            models.Index(
                fields=["community_path", "category", "-submitted_at", "-id"],
                name="case_open_community_category",
                condition=Q(is_open=True),
            ),
            # Cases waiting at a handling level (the street's queue after escalation).
            models.Index(
                fields=["level_path", "status"], name="case_level_status", condition=Q(is_open=True)
            ),
            models.Index(
                fields=["handler_unit", "status"], name="case_unit_status", condition=Q(is_open=True)
            ),
            models.Index(
                fields=["category", "area_path"], name="case_category_area", condition=Q(is_open=True)
            ),
            # A category's cases by time: a list filtered by category walks it newest first and keeps the
            # user's subtree; through (area, time) a busy community's 156,000 cases were read to find 20.
            models.Index(fields=["category", "-submitted_at", "-id"], name="case_category_time"),
            models.Index(fields=["reporter", "-submitted_at"], name="case_reporter_time"),
            # The cases a worker recorded, newest first: one branch of every staff list (``keyset_page``).
            models.Index(fields=["recorded_by", "-submitted_at", "-id"], name="case_recorder_time"),
            # The same two branches for an open-only list: open cases are a few per cent of a worker's, so
            # through the whole-history indexes PostgreSQL ANDed a bitmap of a busy recorder's 100,000
            # cases with the category's (25 ms for a community worker's "open, category" list at 5 M; 0.02
            # ms by this index).
            models.Index(
                fields=["recorded_by", "-submitted_at", "-id"],
                name="case_open_recorder_time",
                condition=Q(is_open=True),
            ),
            # A recorder's open cases of one category by time: the recorder branch of an "open, category"
            # list. Through the index above PostgreSQL still ANDed its bitmap with the category's whole
            # history from the category's foreign-key index (82,347 entries): 11-15 ms of the busiest
            # community's "open, category" lists at 5 M, whose worker recorded 103,069 cases.
            models.Index(
                fields=["recorded_by", "category", "-submitted_at", "-id"],
                name="case_open_recorder_category",
                condition=Q(is_open=True),
            ),
            models.Index(
                fields=["reporter", "-submitted_at", "-id"],
                name="case_open_reporter_time",
                condition=Q(is_open=True),
            ),
            # The pool (cases waiting for a unit to take them) of a subtree: a few dozen cases, which through
            # the open (unit, status) index were found by reading every open case's entry (1.2 ms at 5 M,
            # in every department worker's lists and deadlines).
            models.Index(fields=["area_path"], name="case_in_pool", condition=Q(status="in_pool")),
            # Closed cases by time, with their area in the entry: a subtree's "closed" list walks it newest
            # first and keeps its own from the index alone. Through the whole-history time index PostgreSQL
            # read 17,524 cases from the table to find a busy community's 21 newest closed ones (23-31 ms at
            # 5 M): closed cases are most of a community's but a thirtieth of the city's.
            # Through this index 0.2-1.4 ms. SQLite does not use it (docs/performance.md, session 15).
            models.Index(
                fields=["-submitted_at", "-id", "area_path"],
                name="case_closed_time",
                condition=Q(status="closed"),
            ),
            # Closed cases of a community by closing month: what a rollup cell recomputes (``cases.rollups``).
            models.Index(
                fields=["area_path", "closed_at"], name="case_closed_area_time", condition=Q(status="closed")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        self.is_open = self.status in OPEN_STATUSES
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_open"}
        super().save(*args, **kwargs)

    def get_status_display(self):
        # Django's generic get_FOO_display hashes every (lazy) choice label on each call, about 0.3 ms: a list
        # page of 20 rows spent more on it than on its queries. The enum lookup gives the same label.
        return choice_label(Status, self.status)

    @property
    def scope_path(self) -> str:
        return self.area_path

    def notice_content(self) -> tuple[str, str]:
        """公示内容: (title, body) for the notice board — title, category, handling result and reply.

        ``notice_publish`` masks it (phones, ID numbers, the reporter's and registered people's names).
        """
        from django.utils.translation import gettext

        from yishi.audit.models import AuditEvent

        event = (
            AuditEvent.objects.for_object(self)
            .filter(verb__in=["case.resolve", "case.parts_done"])
            .order_by("-seq")
            .first()
        )
        results = [event.note] if event and event.note else []
        results += [f"{p.unit.name}：{p.result}" for p in self.parts.select_related("unit") if p.result]
        reply = self.replies.order_by("-replied_at").first()
        lines = [
            gettext("诉求编号：%(number)s") % {"number": self.number},
            gettext("类别：%(category)s") % {"category": self.category.name},
            gettext("反映内容：%(text)s") % {"text": self.text},
            gettext("办理结果：%(result)s") % {"result": "\n".join(results) or gettext("已办结")},
        ]
        if reply is not None:
            lines.append(gettext("答复：%(reply)s") % {"reply": reply.text})
        return gettext("诉求办理结果：%(title)s") % {"title": self.title}, "\n".join(lines)

    def reporter_contact(self) -> tuple[str, str]:
        """(name, phone) of the reporter: as written down at intake, else the registered person's."""
        name = self.reporter_name or (self.reporter.name if self.reporter_id else "")
        phone = self.reporter_phone or (self.reporter.phone if self.reporter_id else "")
        return name, phone

    def notice_people(self) -> list:
        """The reporter, whose name is masked wherever the case is published."""
        return [self.reporter] if self.reporter_id else []


class CasePart(models.Model):
    """部门分工: one department's share of a whistled case (街道吹哨、部门报到).

    Each summoned unit must acknowledge (报到) by ``acknowledge_due`` and carries its part to ``done``; the
    case is resolved when every part is done.
    """

    class PartStatus(models.TextChoices):
        SUMMONED = "summoned", _("待报到")
        ACKNOWLEDGED = "acknowledged", _("已报到办理中")
        DONE = "done", _("已完成")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parts", verbose_name=_("诉求"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="case_parts", verbose_name=_("部门")
    )
    task = models.TextField(_("分工任务"))
    status = models.CharField(
        _("状态"), max_length=16, choices=PartStatus.choices, default=PartStatus.SUMMONED
    )
    acknowledge_due = models.DateTimeField(_("报到期限"))
    acknowledged_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    result = models.TextField(_("办理结果"), blank=True, default="")

    class Meta:
        verbose_name = _("部门分工")
        verbose_name_plural = _("部门分工")
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="part_unique_unit_per_case")]
        # A unit's parts by status, with their cases: the cases whistled to a unit (a branch of its lists and
        # of its deadlines) are read from this index alone, not from a heap page per part (355 parts of a
        # busy unit at 5 M: 1 ms of the deadline list's 4).
        indexes = [models.Index(fields=["unit", "status", "case"], name="part_unit_status_case")]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.unit}"

    @property
    def scope_path(self) -> str:
        return self.case.area_path


# A part not done yet, as the statuses it may have: "not done" written as ``status IN (…)`` is two ranges of
# the (unit, status) index, where ``status <> 'done'`` read every part a unit ever had (8,400 rows and
# 3,800 pages for a busy unit at 5 M cases, to keep 355).
PENDING_PART_STATUSES = (CasePart.PartStatus.SUMMONED, CasePart.PartStatus.ACKNOWLEDGED)


class ReplyChannel(models.TextChoices):
    """回: how the answer reached the reporter."""

    IN_PERSON = "in_person", _("当场答复当面回")
    PHONE = "phone", _("电话反馈电话回")
    WRITTEN = "written", _("书信文件书面回")
    NOTICE_BOARD = "notice_board", _("公示栏张贴公示回")


class CaseReply(models.Model):
    """答复: the answer given to the reporter(s), on one of the four channels."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="replies", verbose_name=_("诉求"))
    channel = models.CharField(_("答复方式"), max_length=16, choices=ReplyChannel.choices)
    text = models.TextField(_("答复内容"))
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField(_("答复时间"))

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["replied_at"]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_channel_display()}"


class RatingValue(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Rating(models.Model):
    """评价: a reporter's rating of the answer. ``round`` is the case's reopen count when it was given.

    Reporters of merged cases rate the surviving case; ``source_case`` says which report they came from.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("诉求"))
    source_case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("原诉求")
    )
    value = models.CharField(_("评价"), max_length=16, choices=RatingValue.choices)
    comment = models.TextField(_("意见"), blank=True, default="")
    round = models.PositiveSmallIntegerField(_("轮次"), default=0)
    rated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "source_case", "round"], name="rating_once_per_report_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_value_display()}"


class Step(models.TextChoices):
    """The deadline-bearing steps of a case (configurable per category through ``DeadlineRule``)."""

    ACCEPT = "accept", _("受理")
    FIRST_CONTACT = "first_contact", _("首次联系")
    RESOLVE = "resolve", _("办结")
    REPLY = "reply", _("答复")
    RATE = "rate", _("评价")


class CaseStep(models.Model):
    """One deadline of a case: when the step is due, when it was done, and whether it ran late.

    Rates are computed from these rows (响应率 = first contacts done by their deadline ÷ first contacts due),
    and the overdue lists are a range on ``due_at`` among rows not yet done.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps", verbose_name=_("诉求"))
    step = models.CharField(_("环节"), max_length=16, choices=Step.choices)
    round = models.PositiveSmallIntegerField(_("轮次"), default=0)
    area_path = models.CharField(max_length=255, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_at = models.DateTimeField(_("期限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        constraints = [
            models.UniqueConstraint(fields=["case", "step", "round"], name="step_unique_per_round")
        ]
        indexes = [
            models.Index(
                fields=["area_path", "due_at"],
                name="step_pending_area_due",
                condition=Q(done_at__isnull=True),
            ),
            models.Index(
                fields=["unit", "due_at"], name="step_pending_unit_due", condition=Q(done_at__isnull=True)
            ),
            # A case's pending deadlines (rating windows left out), as the deadline lists read them for the
            # cases of a branch (the parts whistled to a unit, one's own): from the index alone, where the
            # case's index read each of its steps from the heap to drop those done (3 of 4 ms at 5 M).
            models.Index(
                fields=["case", "due_at", "id"],
                name="step_pending_case_due",
                condition=Q(done_at__isnull=True) & ~Q(step=Step.RATE),
            ),
            # First-contact deadlines of a community by month: the response rate's rollup cell.
            models.Index(
                fields=["area_path", "due_at"],
                name="step_contact_area_due",
                condition=Q(step="first_contact"),
            ),
            # First contacts still pending, by due time: the rates take off those not due yet, a few hundred
            # rows here where the (area, due) indexes hold a district's whole history.
            models.Index(
                fields=["due_at"],
                name="step_contact_pending_due",
                condition=Q(step="first_contact", done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_step_display()}"

    def get_step_display(self):
        # Same label as Django's generic version, without rebuilding the choices dict (see Case).
        return choice_label(Step, self.step)

    @property
    def scope_path(self) -> str:
        return self.area_path

    @property
    def met(self) -> bool | None:
        return None if self.done_at is None else self.done_at <= self.due_at


class Extension(models.Model):
    """延期: the handler asks for more time on a step; the dispatcher approves or refuses."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("诉求")
    )
    step = models.ForeignKey(
        CaseStep, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("环节")
    )
    reason = models.TextField(_("延期理由"))
    requested_days = models.PositiveSmallIntegerField(_("申请延长工作日"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    decision = models.CharField(
        _("审批结果"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True, default="")

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["step"], condition=Q(decision="pending"), name="extension_one_pending_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_decision_display()}"


class CaseNumberSequence(models.Model):
    """The last sequence number given per (year, district code); locked while a number is taken."""

    year = models.PositiveSmallIntegerField()
    district_code = models.CharField(max_length=20)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "district_code"], name="case_number_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.district_code}: {self.last}"


class RateSettings(models.Model):
    """考核设置: the weights of the rates (one row). See ``cases.rates`` for the definitions.

    ``basic_weight`` counts 基本满意 in 满意率 (1 by default; some cities use 0.9); the three composite
    weights are percentages that sum to 100.
    """

    basic_weight = models.DecimalField(
        _("基本满意计入系数"), max_digits=3, decimal_places=2, default=Decimal("1.00")
    )
    response_weight = models.PositiveSmallIntegerField(_("响应率权重（%）"), default=10)
    resolution_weight = models.PositiveSmallIntegerField(_("解决率权重（%）"), default=50)
    satisfaction_weight = models.PositiveSmallIntegerField(_("满意率权重（%）"), default=40)
    rating_window_days = models.PositiveSmallIntegerField(_("评价期（天）"), default=7)

    class Meta:
        verbose_name = _("考核设置")
        verbose_name_plural = _("考核设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(basic_weight__gte=0) & Q(basic_weight__lte=1), name="rates_basic_weight_0_1"
            ),
            models.CheckConstraint(
                condition=Q(response_weight__lte=100)
                & Q(resolution_weight__lte=100)
                & Q(satisfaction_weight__lte=100),
                name="rates_weights_percent",
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "RateSettings":
        return cls.objects.order_by("pk").first() or cls()


class Open311Key(models.Model):
    """Open311 接入密钥: an ``api_key`` a client application must send to submit requests. Only its SHA-256
    is stored; the raw key is shown once when created.
    """

    name = models.CharField(_("应用名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311接入密钥")
        verbose_name_plural = _("Open311接入密钥")

    def __str__(self) -> str:
        return self.name


class RateCounts(models.Model):
    """The additive counts behind the rates (``cases.rates``), shared by the rollup tables."""

    steps = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)
    unsatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class CaseMonthStat(RateCounts):
    """诉求月度汇总: the counts behind the rates (``cases.rates``) of one community × month × category ×
    handling unit, so a district's twelve months are read from a few thousand rows instead of every case.

    ``area_path`` is the case's path cut at community depth (a case filed at a street or district keeps its
    own path). ``month`` is the first day of the local month the count falls in: ``steps``/``met`` by the
    first-contact step's ``due_at``, ``closed``/``resolved`` by ``closed_at``, the ratings by ``rated_at``
    (the same rules as ``cases.rates``). ``steps`` counts every first-contact step due that month whatever
    its state; the rates subtract the ones still pending and not yet due at the time asked. Kept by
    ``cases.rollups``: every write that changes a counted field recomputes its cells, and a test compares
    the table with a recomputation from the base tables.
    """

    area_path = models.CharField(max_length=255)
    month = models.DateField()
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    # The handling unit's id, 0 for none: a plain integer so the cell key has no NULL, which SQLite's unique
    # constraints would treat as distinct.
    unit_id = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("诉求月度汇总")
        verbose_name_plural = _("诉求月度汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["area_path", "month", "category", "unit_id"], name="case_month_stat_cell"
            )
        ]
        indexes = [models.Index(fields=["area_path", "month"], name="case_month_stat_area_month")]

    def __str__(self) -> str:
        return f"{self.area_path} {self.month:%Y-%m}"


class CaseMonthSum(RateCounts):
    """诉求月度合计: ``CaseMonthStat`` summed along one dimension, so a district's or the city's dashboard reads
    a few hundred rows instead of every community × category × unit cell (about 10⁵ per district-year at a
    million cases a year).

    - ``area``: per community path (the cells' own cut) × month, every category and unit together; answers
      the total, the months and the child areas of a community or anything above it.
    - ``unit`` / ``category``: per district path × month × handling unit (0 none) / category; answers the
      unit and category breakdowns of a district or the city. A cell filed above district level keeps its
      own path.

    Only without a category filter; kept by ``cases.rollups`` in the same transaction as the cells they sum,
    and checked against them.
    """

    class Kind(models.TextChoices):
        AREA = "area", _("区域")
        UNIT = "unit", _("承办单位")
        CATEGORY = "category", _("类别")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    area_path = models.CharField(max_length=255)
    month = models.DateField()
    # The unit id (0: none) or the category id; 0 for ``area``. Plain integers, no NULL in the key.
    key = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("诉求月度合计")
        verbose_name_plural = _("诉求月度合计")
        constraints = [
            models.UniqueConstraint(fields=["kind", "area_path", "month", "key"], name="case_month_sum_cell")
        ]
        indexes = [models.Index(fields=["kind", "area_path", "month"], name="case_month_sum_kind_area")]

    def __str__(self) -> str:
        return f"{self.kind} {self.area_path} {self.month:%Y-%m} {self.key}"
