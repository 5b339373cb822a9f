"""区域与单位: the area tree (province … building) and the units located in it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Levels of the area tree, from the top down. A child is always strictly below its parent."""

    PROVINCE = "province", _("省/自治区")
    CITY = "city", _("市/州")
    DISTRICT = "district", _("区/县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")
    GRID = "grid", _("网格")
    BUILDING = "building", _("楼栋")


LEVEL_ORDER = {level: rank for rank, level in enumerate(Level.values)}

# Width of one path segment: the area's primary key, zero-padded, then a dot.
PATH_DIGITS = 9


def path_segment(pk: int) -> str:
    return f"{pk:0{PATH_DIGITS}d}."


def subtree_q(path: str, field: str = "area__path") -> Q:
    """Q for every row whose area lies in the subtree rooted at ``path`` (the root included).

    A range on the materialised path, not ``startswith``: SQLite turns ``startswith`` into a LIKE that
    cannot use the index, a range is an index seek on every database. '/' is the character after '.'.
    """
    return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "/"})


class AreaQuerySet(models.QuerySet):
    def subtree(self, area: "Area") -> "AreaQuerySet":
        return self.filter(subtree_q(area.path, "path"))


class Area(models.Model):
    """区域: one node of the area tree — a district, a street office, a community, a grid, a building.

    ``path`` is the materialised path of primary keys from the root (``000000001.000000007.``), set by
    ``areas.services.area_create`` and never edited by hand; the subtree of an area is a range on it.
    ``code`` is the official administrative division code where one is known (e.g. 640302 利通区).
    """

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级区域"),
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    code = models.CharField(_("区划代码"), max_length=20, blank=True, default="")
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("深度"), default=0, editable=False)
    address = models.CharField(_("地址"), max_length=255, blank=True, default="")
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="area_unique_name_under_parent"),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="area_unique_code_when_given"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # Records that belong to an area answer ``scope_path`` with their area's path; the area itself too.
    @property
    def scope_path(self) -> str:
        return self.path

    @property
    def area(self) -> "Area":
        return self

    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to this area, read off the path (no query)."""
        return [int(seg) for seg in self.path.split(".") if seg]

    def ancestors(self) -> "AreaQuerySet":
        return Area.objects.filter(pk__in=self.ancestor_ids()).order_by("depth")

    def is_within(self, other: "Area") -> bool:
        return self.path.startswith(other.path)

    def full_name(self) -> str:
        return "".join(a.name for a in self.ancestors())


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("政府部门")
    STREET_OFFICE = "street_office", _("街道办/乡镇政府")
    RESIDENTS_COMMITTEE = "residents_committee", _("居委会/村委会")
    INSTITUTION = "institution", _("事业单位")
    HOSPITAL = "hospital", _("医院/卫生院")
    SCHOOL = "school", _("学校")
    PROPERTY_COMPANY = "property_company", _("物业公司")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    ENTERPRISE = "enterprise", _("企业")
    SHOP = "shop", _("商户")
    UNION = "union", _("工会")
    COMMITTEE = "committee", _("政协专委会")
    PARTY_ORGANISATION = "party_organisation", _("党组织")
    OTHER = "other", _("其他")


class Unit(models.Model):
    """单位: an organisation located in an area — a department, a hospital, a property company, a union.

    A unit belongs to the area it is located in; whoever may see that area may see the unit.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="units", verbose_name=_("所在区域"))
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=32, choices=UnitKind.choices)
    code = models.CharField(_("统一社会信用代码"), max_length=32, blank=True, default="")
    address = models.CharField(_("地址"), max_length=255, blank=True, default="")
    phone = models.CharField(_("联系电话"), max_length=32, blank=True, default="")
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["area__path", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="unit_unique_name_in_area")]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_path(self) -> str:
        return self.area.path
