"""Pages of 人员与账号: login and lockout, signup, scoped people pages with masking, grants, profile."""

import pytest
from django.urls import reverse

from yishi.accounts.models import Person, Role, RoleGrant, SmsCode, User
from yishi.accounts.templatetags.accounts_tags import party_badge
from yishi.core.tests.factories import PersonFactory, user_with_role
from yishi.notifications.sms import LocmemSmsSender

PASSWORD = "Yuxi-2020-shequ"


@pytest.fixture(autouse=True)
def _outbox():
    LocmemSmsSender.outbox.clear()
    yield
    LocmemSmsSender.outbox.clear()


# --- login ---------------------------------------------------------------------------------------------


def test_login_page_renders(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "手机号或登录名" in response.content.decode()


def test_login_with_a_phone_typed_with_spaces_and_country_code(client, tree):
    resident = user_with_role(Role.RESIDENT, tree.community, username="13809511234")
    response = client.post(
        reverse("accounts:login"), {"username": "+86 138 0951 1234", "password": "yishi-demo"}
    )
    assert response.status_code == 302 and response.url == reverse("core:home")
    assert int(client.session["_auth_user_id"]) == resident.pk


def test_staff_login_redirects_home(client, staff):
    response = client.post(reverse("accounts:login"), {"username": "yuxi-staff", "password": "yishi-demo"})
    assert response.status_code == 302 and response.url == reverse("core:home")


def test_wrong_password_is_a_form_error(client, staff):
    response = client.post(reverse("accounts:login"), {"username": "yuxi-staff", "password": "nope"})
    assert response.status_code == 200
    assert "手机号/登录名或密码不正确。" in response.content.decode()


def test_lockout_after_five_failures_even_with_the_right_password(client, staff):
    url = reverse("accounts:login")
    for _ in range(4):
        response = client.post(url, {"username": "yuxi-staff", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(url, {"username": "yuxi-staff", "password": "wrong"})
    assert response.status_code == 429
    assert "锁定30分钟" in response.content.decode()
    response = client.post(url, {"username": "yuxi-staff", "password": "yishi-demo"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client, staff):
    client.force_login(staff)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- signup --------------------------------------------------------------------------------------------


def signup_data(tree, **overrides):
    return {
        "name": "马红梅",
        "phone": "13809511234",
        "community": tree.community.pk,
        "password": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def test_signup_lists_only_active_communities(client, tree):
    html = client.get(reverse("accounts:signup")).content.decode()
    assert "裕西社区" in html and "金花社区" in html and "第一网格" not in html


def test_signup_bad_phone_is_a_field_error(client, tree):
    response = client.post(reverse("accounts:signup"), signup_data(tree, phone="12345"))
    assert response.status_code == 400
    assert "请输入正确的11位手机号码。" in response.content.decode()
    assert "yishi_pending_signup" not in client.session


def test_signup_then_verify_logs_the_resident_in(client, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), signup_data(tree))
    assert response.status_code == 302 and response.url == reverse("accounts:signup_verify")
    pending = client.session["yishi_pending_signup"]
    assert PASSWORD not in str(pending)
    code = LocmemSmsSender.outbox[-1][1].split("验证码是")[1][:6]

    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("accounts:signup_verify"), {"code": wrong})
    assert response.status_code == 400 and "验证码不正确。" in response.content.decode()

    response = client.post(reverse("accounts:signup_verify"), {"code": code})
    assert response.status_code == 302 and response.url == reverse("core:home")
    user = User.objects.get(username="13809511234")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "yishi_pending_signup" not in client.session


def test_verify_without_pending_signup_goes_back_to_step_one(client, db):
    response = client.get(reverse("accounts:signup_verify"))
    assert response.status_code == 302 and response.url == reverse("accounts:signup")


def test_resend_respects_the_cooldown(client, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), signup_data(tree))
        response = client.post(reverse("accounts:signup_resend"), follow=True)
    assert "秒后再试" in response.content.decode()
    assert SmsCode.objects.count() == 1 and len(LocmemSmsSender.outbox) == 1


# --- people pages ------------------------------------------------------------------------------------


def test_person_detail_outside_scope_is_404(client, staff, tree):
    outsider = PersonFactory(home_area=tree.sibling)
    client.force_login(staff)
    assert client.get(reverse("accounts:person_detail", args=[outsider.pk])).status_code == 404
    assert client.get(reverse("accounts:person_detail", args=[999999])).status_code == 404
    insider = PersonFactory(home_area=tree.grid)
    assert client.get(reverse("accounts:person_detail", args=[insider.pk])).status_code == 200


def test_person_list_is_scoped_and_searchable(client, staff, tree):
    PersonFactory(home_area=tree.grid, name="戈兆忠")
    PersonFactory(home_area=tree.sibling, name="外社区人")
    client.force_login(staff)
    html = client.get(reverse("accounts:person_list")).content.decode()
    assert "戈兆忠" in html and "外社区人" not in html
    html = client.get(reverse("accounts:person_list"), {"q": "兆忠"}).content.decode()
    assert "戈兆忠" in html and html.count('data-testid="person-row"') == 1


def test_person_list_masks_phones_for_viewers_without_change_permission(client, staff, tree):
    PersonFactory(home_area=tree.grid, name="戈兆忠", phone="13812341234")
    grid_worker = user_with_role(Role.GRID_WORKER, tree.grid)
    client.force_login(grid_worker)
    html = client.get(reverse("accounts:person_list")).content.decode()
    assert "138****1234" in html and "13812341234" not in html
    client.force_login(staff)
    html = client.get(reverse("accounts:person_list")).content.decode()
    assert "13812341234" in html


def test_person_detail_masks_for_grid_worker(client, tree):
    person = PersonFactory(home_area=tree.grid, phone="13812341234", id_number="640302199001011234")
    client.force_login(user_with_role(Role.GRID_WORKER, tree.grid))
    html = client.get(reverse("accounts:person_detail", args=[person.pk])).content.decode()
    assert "138****1234" in html and "13812341234" not in html
    assert "640302********1234" in html and "640302199001011234" not in html


def test_person_list_paginates_by_fifty_with_bounded_queries(
    client, staff, tree, django_assert_max_num_queries
):
    PersonFactory.create_batch(60, home_area=tree.grid)
    client.force_login(staff)
    client.get(reverse("accounts:person_list"))  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:person_list"))
    assert response.content.decode().count('data-testid="person-row"') == 50
    page2 = client.get(reverse("accounts:person_list"), {"page": 2}).content.decode()
    assert page2.count('data-testid="person-row"') == 11


def test_resident_cannot_see_the_people_pages(client, tree):
    client.force_login(user_with_role(Role.RESIDENT, tree.community))
    assert client.get(reverse("accounts:person_list")).status_code == 404
    assert client.get(reverse("accounts:person_create")).status_code == 404


def test_person_create_page(client, staff, tree):
    client.force_login(staff)
    page = client.get(reverse("accounts:person_create")).content.decode()
    assert "金花社区" not in page  # areas out of scope are not offered
    assert 'value="street_staff"' not in page  # roles community staff cannot grant
    response = client.post(
        reverse("accounts:person_create"),
        {
            "name": "白玫",
            "phone": "13909510001",
            "home_area": tree.grid.pk,
            "username": "baimei",
            "password": PASSWORD,
            "role": Role.GRID_WORKER,
        },
    )
    person = Person.objects.get(name="白玫")
    assert response.status_code == 302 and response.url == reverse("accounts:person_detail", args=[person.pk])
    assert person.user.username == "baimei"


def test_person_create_bad_password_saves_nothing(client, staff, tree):
    client.force_login(staff)
    response = client.post(
        reverse("accounts:person_create"),
        {
            "name": "白玫",
            "home_area": tree.grid.pk,
            "username": "baimei",
            "password": "123",
            "role": Role.GRID_WORKER,
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-password"' in response.content.decode()
    assert not Person.objects.filter(name="白玫").exists()


def test_person_create_out_of_scope_area_is_a_field_error(client, staff, tree):
    client.force_login(staff)
    response = client.post(reverse("accounts:person_create"), {"name": "白玫", "home_area": tree.sibling.pk})
    assert response.status_code == 400
    assert 'data-testid="error-home_area"' in response.content.decode()


def test_grant_and_revoke_from_the_person_page(client, staff, tree):
    person = PersonFactory(home_area=tree.grid)
    client.force_login(staff)
    url = reverse("accounts:person_grant", args=[person.pk])
    response = client.post(url, {"role": Role.BUILDING_STEWARD, "area": tree.building.pk})
    assert response.status_code == 302
    grant = RoleGrant.objects.get(person=person, role=Role.BUILDING_STEWARD)
    # Not grantable by community staff, and an area outside the subtree: field errors, nothing saved.
    response = client.post(url, {"role": Role.STREET_STAFF, "area": tree.grid.pk})
    assert response.status_code == 400 and 'data-testid="error-role"' in response.content.decode()
    response = client.post(url, {"role": Role.GRID_WORKER, "area": tree.sibling_grid.pk})
    assert response.status_code == 400 and 'data-testid="error-area"' in response.content.decode()
    assert RoleGrant.objects.filter(person=person).count() == 1
    response = client.post(reverse("accounts:person_revoke", args=[person.pk, grant.pk]))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    html = client.get(reverse("accounts:person_detail", args=[person.pk])).content.decode()
    assert 'data-testid="audit-timeline"' in html and "已撤销" in html


def test_grant_on_person_outside_scope_is_404(client, staff, tree):
    outsider = PersonFactory(home_area=tree.sibling)
    client.force_login(staff)
    response = client.post(
        reverse("accounts:person_grant", args=[outsider.pk]), {"role": Role.GRID_WORKER, "area": tree.grid.pk}
    )
    assert response.status_code == 404
    assert not RoleGrant.objects.filter(person=outsider).exists()


# --- own profile and the party badge --------------------------------------------------------------------


def test_me_page_shows_masked_phone_and_roles(client, tree):
    member = user_with_role(Role.PARTY_MEMBER, tree.community)
    Person.objects.filter(pk=member.person_id).update(phone="13812341234")
    client.force_login(member)
    html = client.get(reverse("accounts:me")).content.decode()
    assert "138****1234" in html and "13812341234" not in html
    assert "党员 · 裕西社区" in html and 'name="shows_party_identity"' in html
    response = client.post(reverse("accounts:me"), {"large_text": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    member.person.refresh_from_db()
    assert member.large_text and not member.person.shows_party_identity


def test_me_page_has_no_party_switch_for_non_members(client, tree):
    client.force_login(user_with_role(Role.RESIDENT, tree.community))
    assert 'name="shows_party_identity"' not in client.get(reverse("accounts:me")).content.decode()


def test_party_badge_tag(tree):
    member = PersonFactory(home_area=tree.community, is_party_member=True)
    assert party_badge(member) == '<span class="tag party">党员</span>'
    member.shows_party_identity = False
    assert party_badge(member) == ""
    assert party_badge(PersonFactory(home_area=tree.community)) == ""


def test_one_client_cannot_send_unlimited_sms_codes(client, tree, django_capture_on_commit_callbacks):
    from yishi.accounts.views import SMS_PER_CLIENT_PER_HOUR

    for i in range(SMS_PER_CLIENT_PER_HOUR):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:signup"), signup_data(tree, phone=f"1370000{i:04d}"))
        assert response.status_code == 302
    sent = len(LocmemSmsSender.outbox)
    response = client.post(reverse("accounts:signup"), signup_data(tree, phone="13711112222"))
    assert response.status_code == 400
    assert "过于频繁" in response.content.decode()
    assert len(LocmemSmsSender.outbox) == sent


def test_a_signed_in_request_reads_the_user_with_their_person_in_one_query(
    client, staff, django_assert_num_queries
):
    """AccountBackend: the header names the person on every page, and the pages scope by the grants: the
    user with the person is one query, the grants with their areas and units one more, and nothing after."""
    from yishi.accounts.backends import AccountBackend
    from yishi.core import permissions

    client.post(reverse("accounts:login"), {"username": "yuxi-staff", "password": "yishi-demo"})
    assert client.session["_auth_user_backend"] == "yishi.accounts.backends.AccountBackend"
    with django_assert_num_queries(2):
        user = AccountBackend().get_user(staff.pk)
        assert str(user) == staff.person.name
        assert [g.area.name for g in permissions.active_grants(user)]
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert AccountBackend().get_user(staff.pk) is None
    assert AccountBackend().get_user(10**9) is None
