"""人员与账号: people, their login accounts, and the roles they hold on areas of the tree."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from yishi.areas.models import Area, Unit


class Role(models.TextChoices):
    """The roles of DESIGN §1. Each is granted on an area and reaches that area's subtree."""

    RESIDENT = "resident", _("居民")
    GRID_WORKER = "grid_worker", _("网格员")
    BUILDING_STEWARD = "building_steward", _("楼栋红管家")
    PARTY_MEMBER = "party_member", _("党员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    PARTY_SECRETARY = "party_secretary", _("党支部书记")
    STREET_STAFF = "street_staff", _("街道/乡镇工作人员")
    DEPARTMENT_STAFF = "department_staff", _("部门工作人员")
    DEPUTY = "deputy", _("代表/委员")
    CPPCC_OFFICE = "cppcc_office", _("政协办公室/专委会")
    UNION_REP = "union_rep", _("职工方代表")
    EMPLOYER_REP = "employer_rep", _("企业方代表")
    AUDITOR = "auditor", _("督查")
    ADMIN = "admin", _("管理员")


class Person(models.Model):
    """人员: a human being known to the platform, with or without a login account.

    Contact data (``phone``, ``id_number``) is private: pages and the API show it masked unless the viewer
    needs it for the work at hand (see ``core.masking``). ``shows_party_identity`` is the party member's
    standing choice to show 亮身份 on what they write; each opinion may still override it.
    """

    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="")
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, default="")
    home_area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("所属区域"),
        help_text=_("居住或工作所在的区域，决定谁能看到此人。"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("所在单位"),
    )
    title = models.CharField(_("职务"), max_length=60, blank=True, default="")
    is_party_member = models.BooleanField(_("党员"), default=False)
    shows_party_identity = models.BooleanField(_("亮明党员身份"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["home_area__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="person_unique_phone"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def area(self) -> Area:
        return self.home_area

    @property
    def scope_path(self) -> str:
        return self.home_area.path

    @property
    def party_badge(self) -> bool:
        """Whether this person's writing carries the 党员 badge (亮身份)."""
        return self.is_party_member and self.shows_party_identity


class User(AbstractUser):
    """账号: a login. Residents log in with their phone number as username; staff with a login name.

    ``large_text`` remembers the elder-friendly mode (适老化) per user.
    """

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="user", verbose_name=_("人员")
    )
    large_text = models.BooleanField(_("大字模式"), default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.person.name if self.person_id else self.username


class RoleGrant(models.Model):
    """角色授予: a person holds ``role`` on ``area`` (and its subtree), optionally for a ``unit``.

    Department staff act for their unit; deputies for their constituency area. A person may hold several
    grants. Revoking sets ``revoked_at``; grants are never deleted so the audit trail stays readable.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="grants", verbose_name=_("人员")
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="grants", verbose_name=_("授权区域")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("代表单位"),
    )
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "area"],
                condition=models.Q(revoked_at__isnull=True),
                name="grant_unique_active_role_on_area",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.area}"

    @property
    def scope_path(self) -> str:
        return self.area.path


class SmsPurpose(models.TextChoices):
    SIGNUP = "signup", _("注册")


class SmsCode(models.Model):
    """短信验证码: a 6-digit code sent to ``phone`` for ``purpose``, stored only as a keyed hash.

    A code is good for ``SMS_CODE_TTL`` (10 minutes) and ``SMS_CODE_MAX_ATTEMPTS`` (5) wrong guesses; a new
    code for the same phone and purpose may be sent only after ``SMS_CODE_COOLDOWN`` (60 seconds) and
    replaces the ones before it. ``used_at`` is set when the code is consumed, so it works only once.
    """

    phone = models.CharField(_("手机号"), max_length=20)
    purpose = models.CharField(
        _("用途"), max_length=16, choices=SmsPurpose.choices, default=SmsPurpose.SIGNUP
    )
    code_hash = models.CharField(_("验证码摘要"), max_length=128, editable=False)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["phone", "purpose", "created_at"], name="smscode_phone_purpose")]

    def __str__(self) -> str:
        return f"{self.phone} · {self.get_purpose_display()}"
