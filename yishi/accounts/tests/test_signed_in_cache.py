"""The signed-in user from the shared cache (accounts.backends, core.caching.remembered(exact=True)): read
once, and read anew after any change to what it was read from — a revoked grant, a deactivated account, a
moved area — in every worker at once, never kept from a transaction that rolls back."""

import pytest
from django.db import transaction
from django.urls import reverse

from yishi.accounts import services
from yishi.accounts.backends import AccountBackend
from yishi.accounts.models import Role, RoleGrant
from yishi.core import permissions
from yishi.core.tests.factories import user_with_role

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def shared(settings):
    settings.CACHE_IS_SHARED = True


def _roles(user):
    return sorted((g.role, g.area.path) for g in permissions.active_grants(user))


def test_a_second_read_comes_from_the_cache_with_person_and_grants(shared, tree, django_assert_num_queries):
    staff = user_with_role(Role.COMMUNITY_STAFF, tree.community)
    AccountBackend().get_user(staff.pk)
    with django_assert_num_queries(0):
        user = AccountBackend().get_user(staff.pk)
        assert str(user) == staff.person.name
        assert _roles(user) == [(Role.COMMUNITY_STAFF, tree.community.path)]


def test_a_revoked_grant_is_gone_on_the_next_read(shared, tree):
    admin = user_with_role(Role.ADMIN, tree.district)
    staff = user_with_role(Role.COMMUNITY_STAFF, tree.community)
    assert _roles(AccountBackend().get_user(staff.pk))
    services.role_revoke(actor=admin, grant=RoleGrant.objects.get(person=staff.person))
    assert _roles(AccountBackend().get_user(staff.pk)) == []


def test_a_new_grant_and_a_deactivated_account_are_seen_on_the_next_read(shared, tree):
    admin = user_with_role(Role.ADMIN, tree.district)
    staff = user_with_role(Role.COMMUNITY_STAFF, tree.community)
    AccountBackend().get_user(staff.pk)
    services.role_grant(actor=admin, person=staff.person, role=Role.GRID_WORKER, area=tree.grid)
    assert (Role.GRID_WORKER, tree.grid.path) in _roles(AccountBackend().get_user(staff.pk))
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert AccountBackend().get_user(staff.pk) is None


def test_a_renamed_area_is_seen_on_the_next_read(shared, tree):
    staff = user_with_role(Role.COMMUNITY_STAFF, tree.community)
    AccountBackend().get_user(staff.pk)
    tree.community.name = "裕西新社区"
    tree.community.save(update_fields=["name"])
    user = AccountBackend().get_user(staff.pk)
    assert [g.area.name for g in permissions.active_grants(user)] == ["裕西新社区"]


def test_a_grant_read_inside_a_rolled_back_transaction_is_not_kept(shared, tree):
    admin = user_with_role(Role.ADMIN, tree.district)
    staff = user_with_role(Role.COMMUNITY_STAFF, tree.community)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.role_grant(actor=admin, person=staff.person, role=Role.GRID_WORKER, area=tree.grid)
        # The transaction sees its own grant...
        assert (Role.GRID_WORKER, tree.grid.path) in _roles(AccountBackend().get_user(staff.pk))
        raise RuntimeError
    # ...which never happened for anyone after the rollback.
    assert _roles(AccountBackend().get_user(staff.pk)) == [(Role.COMMUNITY_STAFF, tree.community.path)]


def test_without_a_shared_cache_the_user_is_read_each_time(tree, django_assert_num_queries):
    staff = user_with_role(Role.COMMUNITY_STAFF, tree.community)
    AccountBackend().get_user(staff.pk)
    with django_assert_num_queries(2):  # the user with the person, the grants
        AccountBackend().get_user(staff.pk)


def test_a_signed_in_page_loses_access_as_soon_as_the_grant_is_revoked(shared, client, tree):
    admin = user_with_role(Role.ADMIN, tree.district)
    staff = user_with_role(Role.COMMUNITY_STAFF, tree.community)
    client.force_login(staff, backend="yishi.accounts.backends.AccountBackend")
    assert client.get(reverse("cases:record")).status_code == 200
    assert client.get(reverse("cases:record")).status_code == 200  # now from the cache
    services.role_revoke(actor=admin, grant=RoleGrant.objects.get(person=staff.person))
    assert client.get(reverse("cases:record")).status_code in (403, 404)


def test_an_api_token_is_read_from_the_cache_and_counts_no_more_once_deleted(shared, tree):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    staff = user_with_role(Role.COMMUNITY_STAFF, tree.community)
    token = Token.objects.create(user=staff)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/cases/").status_code == 200
    assert api.get("/api/v1/cases/").status_code == 200  # now from the cache
    token.delete()
    refused = api.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code in (401, 403) and "接口令牌无效" in refused.json()["detail"]
