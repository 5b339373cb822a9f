"""API of 人员与账号: token login (with lockout), scoped people with masking, create, me."""

import pytest
from rest_framework.test import APIClient

from yishi.accounts.models import Person, Role, RoleGrant
from yishi.core.tests.factories import PersonFactory, user_with_role

PASSWORD = "Yuxi-2020-shequ"


@pytest.fixture
def api():
    return APIClient()


def test_token_login_then_authenticated_call(api, staff):
    response = api.post(
        "/api/v1/auth/token/", {"username": "yuxi-staff", "password": "yishi-demo"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "yuxi-staff"
    assert [(g["role"], g["area_name"]) for g in me["roles"]] == [("community_staff", "裕西社区")]


def test_token_login_accepts_a_phone_with_country_code(api, tree):
    user_with_role(Role.RESIDENT, tree.community, username="13809511234")
    response = api.post("/api/v1/auth/token/", {"username": "+86 138 0951 1234", "password": "yishi-demo"})
    assert response.status_code == 200 and response.json()["token"]


def test_token_login_bad_password_and_missing_field(api, staff):
    response = api.post("/api/v1/auth/token/", {"username": "yuxi-staff", "password": "wrong"})
    assert response.status_code == 400 and "non_field_errors" in response.json()
    response = api.post("/api/v1/auth/token/", {"username": "yuxi-staff"})
    assert response.status_code == 400 and "password" in response.json()


def test_token_login_locks_out_after_five_failures(api, staff):
    for _ in range(4):
        assert (
            api.post("/api/v1/auth/token/", {"username": "yuxi-staff", "password": "wrong"}).status_code
            == 400
        )
    response = api.post("/api/v1/auth/token/", {"username": "yuxi-staff", "password": "wrong"})
    assert response.status_code == 429 and "锁定" in response.json()["detail"]
    response = api.post("/api/v1/auth/token/", {"username": "yuxi-staff", "password": "yishi-demo"})
    assert response.status_code == 429 and "token" not in response.json()


def test_anonymous_gets_401_or_403(api, tree):
    assert api.get("/api/v1/people/").status_code in (401, 403)


def test_people_list_is_scoped_and_masked(api, tree, staff):
    inside = PersonFactory(home_area=tree.grid, phone="13812341234", id_number="640302199001011234")
    PersonFactory(home_area=tree.sibling, name="外社区人")
    api.force_authenticate(user_with_role(Role.GRID_WORKER, tree.grid))
    rows = api.get("/api/v1/people/").json()["results"]
    assert {r["id"] for r in rows} == {p.pk for p in Person.objects.filter(home_area__in=[tree.grid])}
    row = next(r for r in rows if r["id"] == inside.pk)
    assert row["phone"] == "138****1234" and row["id_number"] == "640302********1234"
    api.force_authenticate(staff)
    rows = api.get("/api/v1/people/").json()["results"]
    row = next(r for r in rows if r["id"] == inside.pk)
    assert row["phone"] == "13812341234" and row["id_number"] == "640302199001011234"
    assert "外社区人" not in {r["name"] for r in rows}


def test_people_detail_outside_scope_is_404(api, tree, staff):
    outsider = PersonFactory(home_area=tree.sibling)
    api.force_authenticate(staff)
    assert api.get(f"/api/v1/people/{outsider.pk}/").status_code == 404
    assert api.get("/api/v1/people/999999/").status_code == 404
    assert api.get(f"/api/v1/people/{staff.person_id}/").status_code == 200


def test_people_list_query_count_is_bounded(api, tree, staff, django_assert_max_num_queries):
    PersonFactory.create_batch(30, home_area=tree.grid)
    api.force_authenticate(staff)
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/people/").status_code == 200


def test_people_create_through_the_service(api, tree, staff):
    api.force_authenticate(staff)
    response = api.post(
        "/api/v1/people/",
        {
            "name": "白玫",
            "phone": "13909510001",
            "home_area": tree.grid.pk,
            "username": "baimei",
            "password": PASSWORD,
            "role": "grid_worker",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    person = Person.objects.get(pk=response.json()["id"])
    assert person.user.username == "baimei"
    assert response.json()["grants"][0]["role"] == "grid_worker"
    assert "password" not in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"password": "123"}, "password"),
        ({"role": "admin"}, "role"),
        ({"name": ""}, "name"),
        ({"id_number": "123"}, "id_number"),
    ],
)
def test_people_create_bad_input_is_400_with_field_errors(api, tree, staff, payload, field):
    api.force_authenticate(staff)
    data = {
        "name": "白玫",
        "home_area": tree.grid.pk,
        "username": "baimei",
        "password": PASSWORD,
        "role": "grid_worker",
        **payload,
    }
    response = api.post("/api/v1/people/", data, format="json")
    assert response.status_code == 400 and field in response.json()
    assert (
        not Person.objects.filter(name="白玫").exists()
        and not RoleGrant.objects.filter(role="admin").exists()
    )


def test_people_create_out_of_scope_area_is_400(api, tree, staff):
    api.force_authenticate(staff)
    response = api.post("/api/v1/people/", {"name": "白玫", "home_area": tree.sibling.pk}, format="json")
    assert response.status_code == 400 and "home_area" in response.json()


def test_people_create_needs_change_permission(api, tree):
    api.force_authenticate(user_with_role(Role.GRID_WORKER, tree.grid))
    response = api.post("/api/v1/people/", {"name": "白玫", "home_area": tree.grid.pk}, format="json")
    assert response.status_code in (400, 403)
    assert not Person.objects.filter(name="白玫").exists()
