"""Rules of the accounts services: signup with SMS codes, staff registration, grants and preferences."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from yishi.accounts import services
from yishi.accounts.models import Person, Role, RoleGrant, SmsCode, User
from yishi.areas.models import Level
from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import AreaFactory, PersonFactory, UserFactory, user_with_role
from yishi.notifications.sms import LocmemSmsSender

PASSWORD = "Yuxi-2020-shequ"


@pytest.fixture(autouse=True)
def _outbox():
    LocmemSmsSender.outbox.clear()
    yield
    LocmemSmsSender.outbox.clear()


def last_code() -> str:
    phone, message = LocmemSmsSender.outbox[-1]
    return "".join(ch for ch in message.split("验证码是")[1][:6])


def start(tree, capture, **overrides):
    data = {
        "name": "马红梅",
        "phone": "138 0951 1234",
        "community": tree.community,
        "password": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    with capture(execute=True):
        return services.resident_signup_start(**data)


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


# --- signup ---------------------------------------------------------------------------------------------


def test_signup_happy_path_creates_person_account_and_resident_grant(
    tree, django_capture_on_commit_callbacks
):
    pending = start(tree, django_capture_on_commit_callbacks)
    assert pending["phone"] == "13809511234"
    assert PASSWORD not in str(pending) and check_password(PASSWORD, pending["password_hash"])
    assert LocmemSmsSender.outbox[-1][0] == "13809511234"
    code = last_code()
    sms = SmsCode.objects.get()
    assert code not in sms.code_hash  # stored hashed

    user = services.resident_signup(
        name=pending["name"],
        phone=pending["phone"],
        community=tree.community,
        password_hash=pending["password_hash"],
        code=code,
    )
    assert user.username == "13809511234" and user.check_password(PASSWORD)
    assert user.person.home_area == tree.community and user.person.name == "马红梅"
    grant = RoleGrant.objects.get(person=user.person)
    assert (grant.role, grant.area) == (Role.RESIDENT, tree.community)
    verbs = set(AuditEvent.objects.for_object(user.person).values_list("verb", flat=True))
    assert {"person.create", "role.grant", "account.signup"} <= verbs
    sms.refresh_from_db()
    assert sms.used_at is not None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "1234"}, "phone", "请输入正确的11位手机号码。"),
        ({"phone": "2380951123"}, "phone", "请输入正确的11位手机号码。"),
        ({"name": "  "}, "name", "请填写姓名。"),
        ({"password": "12345678", "password2": "12345678"}, "password", None),
        ({"password": "short", "password2": "short"}, "password", None),
        ({"password2": "Other-2020-x"}, "password2", "两次输入的密码不一致。"),
        ({"community": None}, "community", "请选择所在社区。"),
    ],
)
def test_signup_bad_input_is_a_field_error_and_sends_nothing(
    tree, django_capture_on_commit_callbacks, overrides, field, message
):
    with pytest.raises(ValidationError) as exc:
        start(tree, django_capture_on_commit_callbacks, **overrides)
    assert field in errors_of(exc)
    if message:
        assert message in errors_of(exc)[field]
    assert LocmemSmsSender.outbox == [] and not SmsCode.objects.exists()


def test_signup_refuses_a_grid_or_inactive_area(tree, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as exc:
        start(tree, django_capture_on_commit_callbacks, community=tree.grid)
    assert "community" in errors_of(exc)
    closed = AreaFactory(parent=tree.street, name="撤并社区", level=Level.COMMUNITY)
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as exc:
        start(tree, django_capture_on_commit_callbacks, community=closed)
    assert "community" in errors_of(exc)


def test_signup_refuses_a_taken_phone(tree, django_capture_on_commit_callbacks):
    UserFactory(person=PersonFactory(home_area=tree.community, phone="13809511234"))  # has an account
    with pytest.raises(ValidationError) as exc:
        start(tree, django_capture_on_commit_callbacks, phone="+86 138-0951-1234")
    assert errors_of(exc)["phone"] == ["该手机号已注册，请直接登录。"]


def test_wrong_code_is_counted_and_five_wrong_codes_use_it_up(tree, django_capture_on_commit_callbacks):
    pending = start(tree, django_capture_on_commit_callbacks)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    args = {
        "name": pending["name"],
        "phone": pending["phone"],
        "community": tree.community,
        "password_hash": pending["password_hash"],
    }
    for attempt in range(1, 5):
        with pytest.raises(ValidationError) as exc:
            services.resident_signup(**args, code=wrong)
        assert errors_of(exc)["code"] == ["验证码不正确。"]
        assert SmsCode.objects.get().attempts == attempt
    with pytest.raises(ValidationError) as exc:
        services.resident_signup(**args, code=wrong)
    assert errors_of(exc)["code"] == ["验证码错误次数过多，请重新获取。"]
    # Even the right code no longer works, and nothing was created.
    with pytest.raises(ValidationError) as exc:
        services.resident_signup(**args, code=code)
    assert "错误次数过多" in errors_of(exc)["code"][0]
    assert not User.objects.filter(username=pending["phone"]).exists()
    assert not Person.objects.filter(phone=pending["phone"]).exists()


def test_expired_code_is_refused(tree, django_capture_on_commit_callbacks):
    pending = start(tree, django_capture_on_commit_callbacks)
    SmsCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as exc:
        services.resident_signup(
            name=pending["name"],
            phone=pending["phone"],
            community=tree.community,
            password_hash=pending["password_hash"],
            code=last_code(),
        )
    assert errors_of(exc)["code"] == ["验证码已过期，请重新获取。"]
    assert not User.objects.filter(username=pending["phone"]).exists()


def test_code_expires_after_ten_minutes():
    assert services.SMS_CODE_TTL == timedelta(minutes=10)
    assert services.SMS_CODE_MAX_ATTEMPTS == 5


def test_a_code_works_only_once(tree, django_capture_on_commit_callbacks):
    pending = start(tree, django_capture_on_commit_callbacks)
    code = last_code()
    args = {
        "name": pending["name"],
        "phone": pending["phone"],
        "community": tree.community,
        "password_hash": pending["password_hash"],
        "code": code,
    }
    services.resident_signup(**args)
    with pytest.raises(ValidationError) as exc:
        services.resident_signup(**args)
    assert "phone" in errors_of(exc)


def test_resend_has_a_cooldown_and_replaces_the_old_code(tree, django_capture_on_commit_callbacks):
    pending = start(tree, django_capture_on_commit_callbacks)
    first = last_code()
    with pytest.raises(ValidationError) as exc:
        services.sms_code_issue(phone=pending["phone"])
    assert "秒后再试" in errors_of(exc)["code"][0]
    SmsCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_issue(phone=pending["phone"])
    second = last_code()
    assert len(LocmemSmsSender.outbox) == 2
    if first != second:
        with pytest.raises(ValidationError):
            services.sms_code_verify(phone=pending["phone"], code=first)
    assert services.sms_code_verify(phone=pending["phone"], code=second)


def test_sms_goes_out_only_after_commit(tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.resident_signup_start(
            name="马红梅",
            phone="13809511234",
            community=tree.community,
            password=PASSWORD,
            password2=PASSWORD,
        )
    assert LocmemSmsSender.outbox == [] and len(callbacks) == 1


# --- staff_person_create ----------------------------------------------------------------------------


def test_staff_person_create_with_account_and_role(staff, tree):
    person = services.staff_person_create(
        actor=staff,
        home_area=tree.grid,
        name="白玫",
        phone="13909510001",
        username="baimei",
        password=PASSWORD,
        role=Role.GRID_WORKER,
    )
    assert person.user.username == "baimei" and person.user.check_password(PASSWORD)
    assert RoleGrant.objects.get(person=person).role == Role.GRID_WORKER
    assert RoleGrant.objects.get(person=person).area == tree.grid


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "123"}, "password"),
        ({"role": Role.STREET_STAFF}, "role"),  # not grantable by community staff
        ({"role": Role.ADMIN}, "role"),
        ({"role": "nonsense"}, "role"),
        ({"username": "yuxi-staff"}, "username"),  # taken
        ({"password": ""}, "password"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_staff_person_create_is_atomic(staff, tree, overrides, field):
    before = (
        Person.objects.count(),
        User.objects.count(),
        RoleGrant.objects.count(),
        AuditEvent.objects.count(),
    )
    data = {
        "actor": staff,
        "home_area": tree.grid,
        "name": "白玫",
        "phone": "13909510001",
        "username": "baimei",
        "password": PASSWORD,
        "role": Role.GRID_WORKER,
        **overrides,
    }
    with pytest.raises(ValidationError) as exc:
        services.staff_person_create(**data)
    assert field in errors_of(exc)
    after = (
        Person.objects.count(),
        User.objects.count(),
        RoleGrant.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_staff_cannot_grant_outside_own_subtree(staff, tree):
    with pytest.raises(ValidationError) as exc:
        services.staff_person_create(
            actor=staff, home_area=tree.grid, name="白玫", role=Role.GRID_WORKER, grant_area=tree.sibling_grid
        )
    assert "role" in errors_of(exc)
    assert not Person.objects.filter(name="白玫").exists()
    person = PersonFactory(home_area=tree.grid)
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=staff, person=person, role=Role.GRID_WORKER, area=tree.sibling)
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=staff, person=person, role=Role.STREET_STAFF, area=tree.grid)


def test_staff_cannot_register_people_outside_scope(staff, tree):
    with pytest.raises(Http404):
        services.staff_person_create(actor=staff, home_area=tree.sibling, name="白玫")
    grid_worker = user_with_role(Role.GRID_WORKER, tree.grid)
    with pytest.raises(PermissionDenied):
        services.staff_person_create(actor=grid_worker, home_area=tree.grid, name="白玫")


def test_revoke_keeps_the_grant_on_record(staff, tree):
    person = PersonFactory(home_area=tree.grid)
    grant = services.role_grant(actor=staff, person=person, role=Role.GRID_WORKER, area=tree.grid)
    services.role_revoke(actor=staff, grant=grant)
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    other = user_with_role(Role.COMMUNITY_STAFF, tree.sibling)
    grant2 = services.role_grant(actor=staff, person=person, role=Role.GRID_WORKER, area=tree.grid)
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=other, grant=grant2)


# --- profile ------------------------------------------------------------------------------------------


def test_party_member_can_hide_and_show_identity(tree):
    member = user_with_role(Role.PARTY_MEMBER, tree.community)
    assert member.person.party_badge
    services.profile_update(actor=member, large_text=True, shows_party_identity=False)
    member.refresh_from_db()
    member.person.refresh_from_db()
    assert member.large_text and not member.person.party_badge
    assert AuditEvent.objects.for_object(member.person).filter(verb="person.party_identity").exists()


def test_non_member_cannot_show_party_identity(tree):
    resident = user_with_role(Role.RESIDENT, tree.community)
    with pytest.raises(ValidationError) as exc:
        services.profile_update(actor=resident, large_text=False, shows_party_identity=True)
    assert "shows_party_identity" in errors_of(exc)


def test_signup_joins_the_person_staff_registered_with_that_phone(
    tree, staff, django_capture_on_commit_callbacks
):
    from yishi.accounts import services
    from yishi.accounts.models import Person
    from yishi.notifications.sms import LocmemSmsSender

    registered = services.person_create(
        actor=staff, home_area=tree.building, name="马红梅", phone="13809519999"
    )
    LocmemSmsSender.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pending = services.resident_signup_start(
            name="马红梅",
            phone="13809519999",
            community=tree.community,
            password="Yuxi-2020-shequ",
            password2="Yuxi-2020-shequ",
        )
    code = LocmemSmsSender.outbox[-1][1].split("验证码是")[1][:6]
    user = services.resident_signup(
        name="马红梅",
        phone="13809519999",
        community=tree.community,
        password_hash=pending["password_hash"],
        code=code,
    )
    assert user.person_id == registered.pk
    assert Person.objects.filter(phone="13809519999").count() == 1
    assert user.person.home_area == tree.building  # as staff recorded it
    assert user.person.grants.filter(role="resident", area=tree.community).exists()
