"""Writes to people, accounts and role grants."""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.areas.models import Area, Unit
from yishi.audit.services import audit_record
from yishi.core import permissions
from yishi.core.services import require, snapshot

from .models import Person, Role, RoleGrant, User

PERSON_FIELDS = ["name", "phone", "id_number", "home_area", "unit", "title", "is_party_member", "shows_party_identity"]
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_NUMBER_RE = re.compile(r"^\d{17}[\dXx]$")


def normalize_phone(phone: str) -> str:
    """Digits only, without a leading +86 / 86; validation is ``validate_mobile``'s job."""
    digits = re.sub(r"[\s\-]", "", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def validate_mobile(phone: str, *, field: str = "phone") -> str:
    phone = normalize_phone(phone)
    if not MOBILE_RE.match(phone):
        raise ValidationError({field: _("请输入正确的11位手机号码。")})
    return phone


def _validate_person(*, name: str, phone: str, id_number: str, exclude_pk=None) -> dict:
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写姓名。")
    if phone:
        try:
            phone = validate_mobile(phone)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            taken = Person.objects.filter(phone=phone)
            if exclude_pk:
                taken = taken.exclude(pk=exclude_pk)
            if taken.exists():
                errors["phone"] = _("该手机号已被登记。")
    if id_number and not ID_NUMBER_RE.match(id_number):
        errors["id_number"] = _("身份证号应为18位，最后一位可以是X。")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "phone": phone, "id_number": (id_number or "").upper()}


@transaction.atomic
def person_create(*, actor, home_area: Area, name: str, phone: str = "", id_number: str = "",
                  unit: Unit | None = None, title: str = "", is_party_member: bool = False) -> Person:
    """Register a person living or working in ``home_area``. Phones are unique when given."""
    if actor is not None:
        require(actor, permissions.CHANGE_PERSON, home_area)
    clean = _validate_person(name=name, phone=phone, id_number=id_number)
    person = Person.objects.create(home_area=home_area, unit=unit, title=title, is_party_member=is_party_member, **clean)
    audit_record(actor=actor, obj=person, verb="person.create", after=snapshot(person, PERSON_FIELDS))
    return person


@transaction.atomic
def person_update(*, actor, person: Person, **changes) -> Person:
    require(actor, permissions.CHANGE_PERSON, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, PERSON_FIELDS)
    clean = _validate_person(
        name=changes.get("name", person.name), phone=changes.get("phone", person.phone),
        id_number=changes.get("id_number", person.id_number), exclude_pk=person.pk,
    )
    changes.update({k: v for k, v in clean.items() if k in changes})
    for key, value in changes.items():
        setattr(person, key, value)
    person.save(update_fields=list(changes))
    audit_record(actor=actor, obj=person, verb="person.update", before=before, after=snapshot(person, PERSON_FIELDS))
    return person


@transaction.atomic
def role_grant(*, actor, person: Person, role: str, area: Area, unit: Unit | None = None) -> RoleGrant:
    """Give ``person`` the ``role`` on ``area``. The actor must hold a granting role above that area."""
    if role not in Role.values:
        raise ValidationError({"role": _("未知的角色。")})
    if actor is not None and not permissions.can_grant(actor, role, area):
        raise PermissionDenied(_("您不能在该区域授予此角色。"))
    if role == Role.DEPARTMENT_STAFF and unit is None:
        raise ValidationError({"unit": _("部门工作人员必须指定所在单位。")})
    if RoleGrant.objects.filter(person=person, role=role, area=area, revoked_at__isnull=True).exists():
        raise ValidationError({"role": _("此人已在该区域拥有这个角色。")})
    grant = RoleGrant.objects.create(person=person, role=role, area=area, unit=unit)
    audit_record(actor=actor, obj=person, verb="role.grant",
                 after={"role": role, "area": area.pk, "unit": unit.pk if unit else None})
    return grant


@transaction.atomic
def role_revoke(*, actor, grant: RoleGrant) -> RoleGrant:
    if actor is not None and not permissions.can_grant(actor, grant.role, grant.area):
        raise PermissionDenied(_("您不能撤销这个角色。"))
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        audit_record(actor=actor, obj=grant.person, verb="role.revoke",
                     before={"role": grant.role, "area": grant.area_id})
    return grant


@transaction.atomic
def account_create(*, actor, person: Person, username: str, password: str) -> User:
    """Open a login for ``person``. Staff accounts are opened by admins, or by staff for their subtree."""
    if actor is not None:
        require(actor, permissions.CHANGE_PERSON, person)
    username = (username or "").strip()
    errors = {}
    if not username:
        errors["username"] = _("请填写登录名。")
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("该登录名已被使用。")
    if hasattr(person, "user"):
        errors["person"] = _("此人已有账号。")
    user = User(username=username, person=person, first_name=person.name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    audit_record(actor=actor, obj=person, verb="account.create", after={"username": username})
    return user
