"""API: scoped lists and details, 404 out of scope, field errors as 400, writes through the services."""

import pytest
from rest_framework.test import APIClient

from yishi.areas.models import Area, Level, Unit
from yishi.audit.models import AuditEvent
from yishi.core.tests.factories import AreaFactory, UnitFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def names(response):
    return [row["name"] for row in response.json()["results"]]


def test_area_list_is_scoped_and_in_tree_order(api, tree, staff):
    api.force_authenticate(staff)
    response = api.get("/api/v1/areas/")
    assert response.status_code == 200
    assert names(response) == ["裕西社区", "第一网格", "古城巷5号楼"]


def test_area_filters(api, tree, admin_user):
    api.force_authenticate(admin_user)
    assert names(api.get("/api/v1/areas/", {"level": "grid"})) == ["第一网格", "金花第一网格"]
    assert set(names(api.get("/api/v1/areas/", {"parent": tree.street.pk}))) == {"裕西社区", "金花社区"}
    assert names(api.get("/api/v1/areas/", {"within": tree.sibling.pk})) == ["金花社区", "金花第一网格"]
    response = api.get("/api/v1/areas/", {"parent": "abc"})
    assert response.status_code == 400 and "parent" in response.json()


def test_within_outside_scope_is_404(api, tree, staff):
    api.force_authenticate(staff)
    assert api.get("/api/v1/areas/", {"within": tree.sibling.pk}).status_code == 404


def test_area_detail_404_out_of_scope(api, tree, staff):
    api.force_authenticate(staff)
    assert api.get(f"/api/v1/areas/{tree.grid.pk}/").json()["path"] == tree.grid.path
    assert api.get(f"/api/v1/areas/{tree.sibling.pk}/").status_code == 404
    assert api.get("/api/v1/areas/999999/").status_code == 404
    assert api.patch(f"/api/v1/areas/{tree.sibling.pk}/", {"name": "x"}, format="json").status_code == 404


def test_area_keyset_pages(api, tree, admin_user, django_assert_max_num_queries):
    for i in range(12):
        AreaFactory(parent=tree.sibling_grid, name=f"楼{i:02d}", level=Level.BUILDING)
    api.force_authenticate(admin_user)
    seen, url = [], "/api/v1/areas/?page_size=5"
    while url:
        with django_assert_max_num_queries(6):
            response = api.get(url)
        seen += names(response)
        url = response.json()["next"]
    assert seen == [a.name for a in Area.objects.order_by("path")]


def test_area_create_through_the_service(api, tree, admin_user):
    api.force_authenticate(admin_user)
    response = api.post(
        "/api/v1/areas/", {"parent": tree.community.pk, "name": "第二网格", "level": "grid"}, format="json"
    )
    assert response.status_code == 201, response.json()
    area = Area.objects.get(pk=response.json()["id"])
    assert area.path == tree.community.path + f"{area.pk:09d}." and response.json()["depth"] == 3
    assert AuditEvent.objects.for_object(area).get().actor == admin_user


def test_area_create_field_errors(api, tree, admin_user):
    api.force_authenticate(admin_user)
    response = api.post(
        "/api/v1/areas/", {"parent": tree.community.pk, "name": "第一网格", "level": "grid"}, format="json"
    )
    assert response.status_code == 400 and "name" in response.json()
    response = api.post(
        "/api/v1/areas/", {"parent": tree.community.pk, "name": "高", "level": "street"}, format="json"
    )
    assert response.status_code == 400 and "level" in response.json()
    response = api.post(
        "/api/v1/areas/", {"parent": tree.community.pk, "name": "x", "level": "planet"}, format="json"
    )
    assert response.status_code == 400 and "level" in response.json()
    response = api.post("/api/v1/areas/", {"name": "新区", "level": "district"}, format="json")
    assert response.status_code == 400 and "parent" in response.json()


def test_area_create_parent_out_of_scope_is_like_missing(api, tree):
    community_admin = user_with_role("admin", tree.community, username="c-admin")
    api.force_authenticate(community_admin)
    response = api.post(
        "/api/v1/areas/", {"parent": tree.sibling.pk, "name": "x", "level": "grid"}, format="json"
    )
    assert response.status_code == 400 and "parent" in response.json()
    missing = api.post("/api/v1/areas/", {"parent": 999999, "name": "x", "level": "grid"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["parent"][0].replace("999999", "N") == response.json()["parent"][0].replace(
        str(tree.sibling.pk), "N"
    )


def test_area_update(api, tree, admin_user, staff):
    api.force_authenticate(staff)
    assert api.patch(f"/api/v1/areas/{tree.grid.pk}/", {"name": "x"}, format="json").status_code == 403
    api.force_authenticate(admin_user)
    response = api.patch(
        f"/api/v1/areas/{tree.grid.pk}/", {"name": "东网格", "level": "street"}, format="json"
    )
    assert response.status_code == 200
    grid = Area.objects.get(pk=tree.grid.pk)
    assert grid.name == "东网格" and grid.level == "grid"  # level is read-only once created
    assert AuditEvent.objects.for_object(grid).last().verb == "area.update"
    response = api.patch(f"/api/v1/areas/{tree.grid.pk}/", {"code": "640302"}, format="json")
    assert response.status_code == 400 and "code" in response.json()


def test_unit_list_scoped_and_filtered(api, tree, staff, django_assert_max_num_queries):
    UnitFactory(area=tree.sibling, name="金花卫生室", kind="hospital")
    for i in range(10):
        UnitFactory(area=tree.grid, name=f"商户{i}", kind="shop")
    api.force_authenticate(staff)
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/units/")
    assert len(names(response)) == 11 and "金花卫生室" not in names(response)
    assert names(api.get("/api/v1/units/", {"kind": "hospital"})) == ["古城卫生院"]
    assert len(names(api.get("/api/v1/units/", {"within": tree.grid.pk}))) == 10
    other = Unit.objects.get(name="金花卫生室")
    assert api.get(f"/api/v1/units/{other.pk}/").status_code == 404


def test_unit_create_and_update(api, tree, staff):
    api.force_authenticate(staff)
    response = api.post(
        "/api/v1/units/", {"area": tree.grid.pk, "name": "网格超市", "kind": "shop"}, format="json"
    )
    assert response.status_code == 201, response.json()
    unit = Unit.objects.get(pk=response.json()["id"])
    assert AuditEvent.objects.for_object(unit).get().verb == "unit.create"
    response = api.post(
        "/api/v1/units/", {"area": tree.grid.pk, "name": "网格超市", "kind": "shop"}, format="json"
    )
    assert response.status_code == 400 and "name" in response.json()
    response = api.post(
        "/api/v1/units/", {"area": tree.sibling.pk, "name": "外", "kind": "shop"}, format="json"
    )
    assert response.status_code == 400 and "area" in response.json()
    response = api.patch(
        f"/api/v1/units/{unit.pk}/", {"phone": "0953-8", "area": tree.sibling.pk}, format="json"
    )
    assert response.status_code == 200
    unit.refresh_from_db()
    assert unit.phone == "0953-8" and unit.area == tree.grid


def test_anonymous_is_refused(api, tree):
    assert api.get("/api/v1/areas/").status_code in (401, 403)
