"""Writes to people, accounts and role grants."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from yishi.areas.models import Area, Level, Unit
from yishi.audit.services import audit_record
from yishi.core import permissions
from yishi.core.services import require, snapshot

from .models import Person, Role, RoleGrant, SmsCode, SmsPurpose, User

PERSON_FIELDS = [
    "name",
    "phone",
    "id_number",
    "home_area",
    "unit",
    "title",
    "is_party_member",
    "shows_party_identity",
]
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
def person_create(
    *,
    actor,
    home_area: Area,
    name: str,
    phone: str = "",
    id_number: str = "",
    unit: Unit | None = None,
    title: str = "",
    is_party_member: bool = False,
) -> Person:
    """Register a person living or working in ``home_area``. Phones are unique when given."""
    if actor is not None:
        require(actor, permissions.CHANGE_PERSON, home_area)
    clean = _validate_person(name=name, phone=phone, id_number=id_number)
    person = Person.objects.create(
        home_area=home_area, unit=unit, title=title, is_party_member=is_party_member, **clean
    )
    audit_record(actor=actor, obj=person, verb="person.create", after=snapshot(person, PERSON_FIELDS))
    return person


@transaction.atomic
def person_update(*, actor, person: Person, **changes) -> Person:
    require(actor, permissions.CHANGE_PERSON, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, PERSON_FIELDS)
    clean = _validate_person(
        name=changes.get("name", person.name),
        phone=changes.get("phone", person.phone),
        id_number=changes.get("id_number", person.id_number),
        exclude_pk=person.pk,
    )
    changes.update({k: v for k, v in clean.items() if k in changes})
    for key, value in changes.items():
        setattr(person, key, value)
    person.save(update_fields=list(changes))
    audit_record(
        actor=actor, obj=person, verb="person.update", before=before, after=snapshot(person, PERSON_FIELDS)
    )
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
    audit_record(
        actor=actor,
        obj=person,
        verb="role.grant",
        after={"role": role, "area": area.pk, "unit": unit.pk if unit else None},
    )
    return grant


@transaction.atomic
def role_revoke(*, actor, grant: RoleGrant) -> RoleGrant:
    if actor is not None and not permissions.can_grant(actor, grant.role, grant.area):
        raise PermissionDenied(_("您不能撤销这个角色。"))
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            obj=grant.person,
            verb="role.revoke",
            before={"role": grant.role, "area": grant.area_id},
        )
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


# --- SMS codes -----------------------------------------------------------------------------------------

SMS_CODE_TTL = timedelta(minutes=10)
SMS_CODE_COOLDOWN = timedelta(seconds=60)
SMS_CODE_MAX_ATTEMPTS = 5


def _sms_code_hash(phone: str, purpose: str, code: str) -> str:
    return salted_hmac("yishi.accounts.SmsCode", f"{purpose}:{phone}:{code}", algorithm="sha256").hexdigest()


def _send_sms(phone: str, message: str) -> None:
    from yishi.notifications.sms import get_sms_sender

    get_sms_sender().send(phone, message)


@transaction.atomic
def sms_code_issue(*, phone: str, purpose: str = SmsPurpose.SIGNUP) -> SmsCode:
    """Send a fresh 6-digit code to ``phone``; refused within 60 s of the previous one.

    Only a keyed hash of the code is stored; earlier unused codes for the same phone and purpose stop
    working. The text message goes out after the transaction commits.
    """
    phone = validate_mobile(phone)
    now = timezone.now()
    latest = (
        SmsCode.objects.select_for_update()
        .filter(phone=phone, purpose=purpose)
        .order_by("-created_at")
        .first()
    )
    if latest is not None and now - latest.created_at < SMS_CODE_COOLDOWN:
        wait = int((SMS_CODE_COOLDOWN - (now - latest.created_at)).total_seconds()) + 1
        raise ValidationError({"code": _("验证码发送太频繁，请在%(seconds)s秒后再试。") % {"seconds": wait}})
    SmsCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(used_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    sms = SmsCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=_sms_code_hash(phone, purpose, code),
        expires_at=now + SMS_CODE_TTL,
    )
    message = _("【议事厅】您的验证码是%(code)s，%(minutes)s分钟内有效，请勿告诉他人。") % {
        "code": code,
        "minutes": int(SMS_CODE_TTL.total_seconds() // 60),
    }
    transaction.on_commit(lambda: _send_sms(phone, message))
    return sms


def sms_code_verify(*, phone: str, code: str, purpose: str = SmsPurpose.SIGNUP) -> SmsCode:
    """Check ``code`` against the latest unused code sent to ``phone``; count a wrong guess.

    Not wrapped in the caller's failure: the wrong guess is counted in a transaction of its own that
    commits before the ValidationError is raised, so five wrong guesses use the code up for good. The
    code is not consumed here (``resident_signup`` consumes it with the account it creates).
    """
    code = (code or "").strip()
    with transaction.atomic():
        sms = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        error = None
        if sms is None:
            error = _("请先获取验证码。")
        elif sms.expires_at <= timezone.now():
            error = _("验证码已过期，请重新获取。")
        elif sms.attempts >= SMS_CODE_MAX_ATTEMPTS:
            error = _("验证码错误次数过多，请重新获取。")
        elif not constant_time_compare(sms.code_hash, _sms_code_hash(phone, purpose, code)):
            sms.attempts += 1
            sms.save(update_fields=["attempts"])
            error = (
                _("验证码不正确。")
                if sms.attempts < SMS_CODE_MAX_ATTEMPTS
                else _("验证码错误次数过多，请重新获取。")
            )
    if error:
        raise ValidationError({"code": error})
    return sms


# --- Resident signup -----------------------------------------------------------------------------------


def signup_communities():
    """Communities a resident may sign up in: active areas at the community level."""
    return Area.objects.filter(level=Level.COMMUNITY, is_active=True).order_by("path")


def _validate_signup(
    *, name: str, phone: str, community, password: str | None = None, password2: str | None = None
) -> dict:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写姓名。")]
    try:
        phone = validate_mobile(phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    else:
        if (
            Person.objects.filter(phone=phone, user__isnull=False).exists()
            or User.objects.filter(username__iexact=phone).exists()
        ):
            errors["phone"] = [_("该手机号已注册，请直接登录。")]
    if community is None or not signup_communities().filter(pk=community.pk).exists():
        errors["community"] = [_("请选择所在社区。")]
    if password is not None:
        if not password:
            errors["password"] = [_("请设置密码。")]
        else:
            try:
                validate_password(password, User(username=phone, first_name=name))
            except ValidationError as exc:
                errors["password"] = exc.messages
        if password != password2:
            errors["password2"] = [_("两次输入的密码不一致。")]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "phone": phone}


def resident_signup_start(
    *, name: str, phone: str, community: Area | None, password: str, password2: str
) -> dict:
    """Step 1 of 居民注册: check the form and send an SMS code to the phone.

    Returns the pending signup to keep until the code comes back — the password already hashed, never
    in plain text. Raises ValidationError naming the field for a bad name, phone (malformed or already
    registered), community, weak password or mismatched confirmation, or a code asked for too soon.
    """
    clean = _validate_signup(
        name=name, phone=phone, community=community, password=password, password2=password2
    )
    sms_code_issue(phone=clean["phone"], purpose=SmsPurpose.SIGNUP)
    return {**clean, "community": community.pk, "password_hash": make_password(password)}


def resident_signup(*, name: str, phone: str, community: Area | None, password_hash: str, code: str) -> User:
    """Step 2 of 居民注册: with the right SMS code, create the person, the account and the resident role.

    A person staff registered earlier with this phone (and no account yet) gets the account instead of a
    second person being created; their registered name and home area stay as staff recorded them.

    The person lives in ``community``, the account's username is the phone, and the resident role is
    granted on the community; all three and their audit events commit together or not at all. A wrong
    code is counted first (see ``sms_code_verify``) and raises ``{"code": ...}``.
    """
    clean = _validate_signup(name=name, phone=phone, community=community)
    sms_code_verify(phone=clean["phone"], code=code, purpose=SmsPurpose.SIGNUP)
    with transaction.atomic():
        sms = (
            SmsCode.objects.select_for_update()
            .filter(phone=clean["phone"], purpose=SmsPurpose.SIGNUP, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if sms is None:
            raise ValidationError({"code": _("验证码已失效，请重新获取。")})
        sms.used_at = timezone.now()
        sms.save(update_fields=["used_at"])
        # Staff may have registered this resident already (a home visit, an Excel ledger): the SMS code proves
        # the phone is theirs, so the account joins that record instead of making a second person.
        person = (
            Person.objects.select_for_update(of=("self",))
            .filter(phone=clean["phone"], user__isnull=True)
            .first()
        )
        if person is None:
            person = person_create(actor=None, home_area=community, name=clean["name"], phone=clean["phone"])
        user = User(username=clean["phone"], person=person, first_name=person.name, password=password_hash)
        user.save()
        if not RoleGrant.objects.filter(
            person=person, role=Role.RESIDENT, area=community, revoked_at__isnull=True
        ).exists():
            role_grant(actor=None, person=person, role=Role.RESIDENT, area=community)
        audit_record(
            actor=user,
            obj=person,
            verb="account.signup",
            after={"username": user.username, "community": community.pk},
        )
    return user


# --- Staff pages ---------------------------------------------------------------------------------------


@transaction.atomic
def staff_person_create(
    *,
    actor,
    home_area: Area,
    name: str,
    phone: str = "",
    id_number: str = "",
    unit: Unit | None = None,
    title: str = "",
    is_party_member: bool = False,
    username: str = "",
    password: str = "",
    role: str = "",
    grant_area: Area | None = None,
) -> Person:
    """Register a person, optionally with a login and one role, all at once or not at all.

    Composes ``person_create``, ``account_create`` and ``role_grant``. The actor must hold change_person
    on ``home_area``; the role must be one the actor may grant (``permissions.GRANTABLE_ROLES``) on
    ``grant_area`` (the home area when not given), which must lie in the actor's subtree. Any bad field
    raises ValidationError and rolls back whatever was written before it.
    """
    require(actor, permissions.CHANGE_PERSON, home_area)
    errors: dict[str, list[str]] = {}
    grant_area = grant_area or home_area
    if role:
        if role not in Role.values:
            errors["role"] = [_("未知的角色。")]
        elif not permissions.can_grant(actor, role, grant_area):
            errors["role"] = [_("您不能在该区域授予此角色。")]
        elif role == Role.DEPARTMENT_STAFF and unit is None:
            errors["unit"] = [_("部门工作人员必须指定所在单位。")]
    if password and not username:
        errors["username"] = [_("设置密码时请填写登录名。")]
    if username and not password:
        errors["password"] = [_("请为账号设置密码。")]
    try:
        person = person_create(
            actor=actor,
            home_area=home_area,
            name=name,
            phone=phone,
            id_number=id_number,
            unit=unit,
            title=title,
            is_party_member=is_party_member,
        )
    except ValidationError as exc:
        raise ValidationError({**exc.message_dict, **errors}) from exc
    if errors:
        raise ValidationError(errors)
    if username:
        account_create(actor=actor, person=person, username=username, password=password)
    if role:
        role_grant(actor=actor, person=person, role=role, area=grant_area, unit=unit)
    return person


# --- Own profile ---------------------------------------------------------------------------------------


@transaction.atomic
def profile_update(*, actor, large_text: bool, shows_party_identity: bool | None = None) -> User:
    """The signed-in user's own preferences: large text (适老化) and, for party members, 亮明党员身份.

    Only party members may choose to show their party identity; the choice is audited on the person.
    """
    user = User.objects.select_for_update().get(pk=actor.pk)
    if user.large_text != large_text:
        user.large_text = large_text
        user.save(update_fields=["large_text"])
    if shows_party_identity is not None and user.person_id:
        person = Person.objects.select_for_update().get(pk=user.person_id)
        if not person.is_party_member:
            if shows_party_identity:
                raise ValidationError({"shows_party_identity": _("只有党员才能亮明党员身份。")})
        elif person.shows_party_identity != shows_party_identity:
            before = {"shows_party_identity": person.shows_party_identity}
            person.shows_party_identity = shows_party_identity
            person.save(update_fields=["shows_party_identity"])
            audit_record(
                actor=actor,
                obj=person,
                verb="person.party_identity",
                before=before,
                after={"shows_party_identity": shows_party_identity},
            )
    return user


@transaction.atomic
def auth_token_issue(*, actor) -> str:
    """The API token of ``actor`` (created on first use); call only after the password was checked."""
    from rest_framework.authtoken.models import Token

    token, created = Token.objects.get_or_create(user=actor)
    if created and actor.person_id:
        audit_record(actor=actor, obj=actor.person, verb="account.token")
    return token.key
