"""Browser journeys of 人员与账号: logging in as different roles, and a resident signing up by SMS code."""

import pytest
from playwright.sync_api import expect

from yishi.accounts.models import Role, User
from yishi.core.tests.factories import PersonFactory, UserFactory, user_with_role
from yishi.notifications.sms import LocmemSmsSender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Yuxi-2020-shequ"


def login(page, live_server, username, password="yishi-demo"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state()


@pytest.mark.parametrize(
    ("role", "username", "typed"),
    [
        (Role.RESIDENT, "13809511234", "+86 138 0951 1234"),
        (Role.COMMUNITY_STAFF, "yuxi-staff", "yuxi-staff"),
        (Role.GRID_WORKER, "yuxi-grid", "yuxi-grid"),
        (Role.PARTY_MEMBER, "13809510002", "13809510002"),
    ],
)
def test_login_lands_on_my_work(page, live_server, tree, role, username, typed):
    user_with_role(role, tree.community, username=username)
    login(page, live_server, typed)
    expect(page.locator("main h1")).to_have_text("我的工作")
    expect(page.locator("main")).to_contain_text("裕西社区")
    people_link = page.get_by_test_id("people")
    if role in (Role.COMMUNITY_STAFF, Role.GRID_WORKER):
        expect(people_link).to_be_visible()
    else:
        expect(people_link).to_have_count(0)


def test_staff_sees_masked_or_full_phones_by_permission(page, live_server, tree):
    PersonFactory(home_area=tree.grid, name="戈兆忠", phone="13812341234")
    user_with_role(Role.GRID_WORKER, tree.grid, username="yuxi-grid")
    login(page, live_server, "yuxi-grid")
    page.get_by_test_id("people").click()
    row = page.get_by_test_id("person-row").filter(has_text="戈兆忠")
    expect(row.get_by_test_id("person-phone")).to_have_text("138****1234")


def test_resident_signup_errors_then_success(page, live_server, tree):
    LocmemSmsSender.outbox.clear()
    UserFactory(person=PersonFactory(home_area=tree.community, phone="13900000009"))
    page.goto(f"{live_server.url}/accounts/signup/")

    def submit(phone, password=PASSWORD):
        page.fill("input[name=name]", "马红梅")
        page.fill("input[name=phone]", phone)
        page.select_option("select[name=community]", label="裕西社区")
        page.fill("input[name=password]", password)
        page.fill("input[name=password2]", password)
        page.get_by_test_id("signup-submit").click()
        page.wait_for_load_state()

    submit("1380951")
    expect(page.get_by_test_id("error-phone")).to_have_text("请输入正确的11位手机号码。")
    submit("139 0000 0009")
    expect(page.get_by_test_id("error-phone")).to_contain_text("已注册")
    submit("13809511234", password="12345678")
    expect(page.get_by_test_id("error-password")).to_be_visible()
    assert LocmemSmsSender.outbox == []

    submit("138 0951 1234")
    expect(page.locator("main h1")).to_have_text("输入验证码")
    assert [phone for phone, _ in LocmemSmsSender.outbox] == ["13809511234"]
    code = LocmemSmsSender.outbox[-1][1].split("验证码是")[1][:6]

    page.fill("input[name=code]", "000000" if code != "000000" else "111111")
    page.get_by_test_id("verify-submit").click()
    expect(page.get_by_test_id("error-code")).to_have_text("验证码不正确。")

    page.fill("input[name=code]", code)
    page.get_by_test_id("verify-submit").click()
    expect(page.locator("main h1")).to_have_text("我的工作")
    expect(page.locator("main")).to_contain_text("居民 · 裕西社区")
    assert User.objects.get(username="13809511234").person.home_area == tree.community
    LocmemSmsSender.outbox.clear()


def test_party_member_turns_off_party_identity(page, live_server, tree):
    user_with_role(Role.PARTY_MEMBER, tree.community, username="13809510002")
    login(page, live_server, "13809510002")
    page.get_by_test_id("me-link").click()
    expect(page.get_by_test_id("me-name").locator(".tag.party")).to_have_text("党员")
    page.get_by_label("亮明党员身份").uncheck()
    page.get_by_test_id("profile-submit").click()
    expect(page.get_by_test_id("me-name").locator(".tag.party")).to_have_count(0)


def test_every_other_role_logs_in_to_its_own_work(page, live_server, tree):
    """One browser, one login per remaining role: each lands on 「我的工作」 showing its role on its area."""
    from yishi.core.tests.factories import UnitFactory

    unit = UnitFactory(area=tree.street, name="城市管理局")
    seen = {Role.RESIDENT, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.PARTY_MEMBER}
    for role in [r for r in Role if r not in seen]:
        area = (
            tree.street
            if role in (Role.STREET_STAFF, Role.DEPARTMENT_STAFF, Role.AUDITOR)
            else tree.community
        )
        user_with_role(role, area, unit=unit if role == Role.DEPARTMENT_STAFF else None, username=f"u-{role}")
        login(page, live_server, f"u-{role}")
        expect(page.locator("main h1")).to_have_text("我的工作")
        expect(page.locator("main")).to_contain_text(f"{role.label} · {area.name}")
        page.context.clear_cookies()
