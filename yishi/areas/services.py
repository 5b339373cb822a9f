"""Writes to the area tree and the units. Each function checks the actor, writes, and records the event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yishi.audit.services import audit_record
from yishi.core import permissions
from yishi.core.services import require, snapshot

from .models import LEVEL_ORDER, Area, Level, Unit, UnitKind, path_segment

AREA_FIELDS = ["parent", "name", "level", "code", "address", "latitude", "longitude", "is_active"]
UNIT_FIELDS = ["area", "name", "kind", "code", "address", "phone", "is_active"]


def _check_level(parent: Area | None, level: str) -> None:
    if level not in LEVEL_ORDER:
        raise ValidationError({"level": _("未知的区域层级。")})
    if parent is not None and LEVEL_ORDER[level] <= LEVEL_ORDER[parent.level]:
        raise ValidationError(
            {
                "level": _("下级区域的层级必须低于上级区域（%(parent)s 是%(level)s）。")
                % {"parent": parent.name, "level": Level(parent.level).label}
            }
        )


def _check_lengths(model, values: dict) -> None:
    """Field lengths the database enforces (PostgreSQL) are checked here, so the user gets a field error."""
    errors = {}
    for name, value in values.items():
        max_length = model._meta.get_field(name).max_length
        if max_length and isinstance(value, str) and len(value) > max_length:
            errors[name] = _("最多 %(max)d 个字。") % {"max": max_length}
    if errors:
        raise ValidationError(errors)


def _check_unique(parent: Area | None, name: str, code: str, exclude_pk=None) -> None:
    siblings = Area.objects.filter(parent=parent, name=name)
    if exclude_pk:
        siblings = siblings.exclude(pk=exclude_pk)
    if siblings.exists():
        raise ValidationError({"name": _("同一上级区域下已有同名区域。")})
    if code:
        same_code = Area.objects.filter(code=code)
        if exclude_pk:
            same_code = same_code.exclude(pk=exclude_pk)
        if same_code.exists():
            raise ValidationError({"code": _("区划代码已被使用。")})


@transaction.atomic
def area_create(
    *,
    actor,
    parent: Area | None,
    name: str,
    level: str,
    code: str = "",
    address: str = "",
    latitude=None,
    longitude=None,
) -> Area:
    """Create an area under ``parent`` (a root when None; roots only for platform admins).

    The level must be strictly below the parent's; names are unique among siblings, codes unique overall.
    """
    if parent is None:
        if not permissions.is_superadmin(actor) and actor is not None:
            raise ValidationError({"parent": _("只有平台管理员可以创建顶级区域。")})
    elif actor is not None:
        require(actor, permissions.CHANGE_AREA, parent)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写名称。")})
    code = (code or "").strip()
    _check_lengths(Area, {"name": name, "code": code, "address": address or ""})
    _check_level(parent, level)
    _check_unique(parent, name, code)
    area = Area(
        parent=parent,
        name=name,
        level=level,
        code=code,
        address=address,
        latitude=latitude,
        longitude=longitude,
    )
    # The path needs the primary key: save with a unique placeholder, then set it.
    area.path = f"new-{id(area)}-{name}"[:255]
    area.depth = 0 if parent is None else parent.depth + 1
    area.save()
    area.path = (parent.path if parent else "") + path_segment(area.pk)
    area.save(update_fields=["path"])
    audit_record(actor=actor, obj=area, verb="area.create", after=snapshot(area, AREA_FIELDS))
    return area


@transaction.atomic
def area_update(*, actor, area: Area, **changes) -> Area:
    """Change an area's own fields. Moving an area to another parent is not offered: paths are stable."""
    require(actor, permissions.CHANGE_AREA, area)
    area = Area.objects.select_for_update().get(pk=area.pk)
    before = snapshot(area, AREA_FIELDS)
    allowed = {"name", "code", "address", "latitude", "longitude", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({f: _("此字段不能修改。") for f in unknown})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise ValidationError({"name": _("请填写名称。")})
    if "code" in changes:
        changes["code"] = (changes["code"] or "").strip()
    _check_lengths(Area, {k: v for k, v in changes.items() if k in {"name", "code", "address"}})
    _check_unique(
        area.parent, changes.get("name", area.name), changes.get("code", area.code), exclude_pk=area.pk
    )
    for key, value in changes.items():
        setattr(area, key, value)
    area.save(update_fields=list(changes))
    audit_record(actor=actor, obj=area, verb="area.update", before=before, after=snapshot(area, AREA_FIELDS))
    return area


@transaction.atomic
def unit_create(
    *, actor, area: Area, name: str, kind: str, code: str = "", address: str = "", phone: str = ""
) -> Unit:
    """Register a unit located in ``area``; its name is unique within that area."""
    if actor is not None:
        require(actor, permissions.CHANGE_UNIT, area)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写名称。")})
    if kind not in UnitKind.values:
        raise ValidationError({"kind": _("未知的单位类型。")})
    _check_lengths(Unit, {"name": name, "code": code or "", "address": address or "", "phone": phone or ""})
    if Unit.objects.filter(area=area, name=name).exists():
        raise ValidationError({"name": _("该区域已有同名单位。")})
    unit = Unit.objects.create(area=area, name=name, kind=kind, code=code, address=address, phone=phone)
    audit_record(actor=actor, obj=unit, verb="unit.create", after=snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, **changes) -> Unit:
    """Change a unit's own fields; it stays in its area. Its name stays unique within that area."""
    require(actor, permissions.CHANGE_UNIT, unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    allowed = {"name", "kind", "code", "address", "phone", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({f: _("此字段不能修改。") for f in unknown})
    before = snapshot(unit, UNIT_FIELDS)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise ValidationError({"name": _("请填写名称。")})
    _check_lengths(Unit, {k: v for k, v in changes.items() if k in {"name", "code", "address", "phone"}})
    if (
        "name" in changes
        and Unit.objects.filter(area=unit.area, name=changes["name"]).exclude(pk=unit.pk).exists()
    ):
        raise ValidationError({"name": _("该区域已有同名单位。")})
    if "kind" in changes and changes["kind"] not in UnitKind.values:
        raise ValidationError({"kind": _("未知的单位类型。")})
    for key, value in changes.items():
        setattr(unit, key, value)
    unit.save(update_fields=list(changes))
    audit_record(actor=actor, obj=unit, verb="unit.update", before=before, after=snapshot(unit, UNIT_FIELDS))
    return unit
